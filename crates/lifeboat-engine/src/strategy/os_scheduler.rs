//! The operating system's own scheduler, so copies are made with the window closed: one entry, written and
//! removed by Lifeboat, that runs `lifeboat-cli schedule run-due` at every time any unattended schedule names.
//!
//! - **Linux**: a systemd *user* timer and service (`~/.config/systemd/user/lifeboat-copies.{timer,service}`),
//!   `Persistent=true` so a run missed while the computer was off happens at the next start; where there is no
//!   user systemd, a block of lines in the user's crontab (with an `@reboot` line to catch up).
//! - **macOS**: a launchd agent (`~/Library/LaunchAgents/dev.lifeboat.copies.plist`); launchd runs a missed
//!   calendar interval when the Mac wakes.
//! - **Windows**: a Task Scheduler task (`\Lifeboat\Scheduled copies`) from XML, with `StartWhenAvailable`.
//!
//! The entry holds no secret — only the program, its arguments (the data folders) and the times: the run reads the
//! API key and database login from the keyring. Generating the files is pure and tested on every platform
//! (`systemd-analyze verify` checks the units where it exists); installing them runs the platform's own tool
//! (`systemctl`, `crontab`, `launchctl`, `schtasks`), which `LIFEBOAT_SYSTEMCTL`, `LIFEBOAT_CRONTAB` and
//! `LIFEBOAT_OS_SCHEDULER` can redirect (tests, unusual setups).
//!
//! What is due is decided by `run-due` itself ([`super::copies::run_due`]), never by the OS entry: an entry that
//! fires early, late or twice makes no extra copy.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use thiserror::Error;

use super::schedule::{Cadence, Schedule, TimeOfDay, Weekday};

/// The systemd units' base name.
pub const UNIT_NAME: &str = "lifeboat-copies";
/// The launchd label.
pub const LAUNCHD_LABEL: &str = "dev.lifeboat.copies";
/// The Task Scheduler task's path.
pub const TASK_NAME: &str = "\\Lifeboat\\Scheduled copies";
const CRON_BEGIN: &str = "# BEGIN Lifeboat scheduled copies (written by Lifeboat, which also removes it; do not edit)";
const CRON_END: &str = "# END Lifeboat scheduled copies";

/// Which scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "SchedulerBackend")]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// A systemd user timer.
    SystemdUser,
    /// The user's crontab.
    Cron,
    /// A launchd agent.
    Launchd,
    /// A Task Scheduler task.
    TaskScheduler,
    /// None is available: copies run only while Lifeboat is open.
    None,
}

impl Backend {
    /// Its name in words.
    pub fn label(self) -> &'static str {
        match self {
            Backend::SystemdUser => "a systemd user timer",
            Backend::Cron => "your crontab",
            Backend::Launchd => "a launchd agent",
            Backend::TaskScheduler => "a Task Scheduler task",
            Backend::None => "no system scheduler",
        }
    }
}

/// What the scheduler runs: `lifeboat-cli schedule run-due` with the folders it should look in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The `lifeboat-cli` (or `lifeboat`) program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment settings that are not secret (the keyring service name of a test run, say).
    pub env: Vec<(String, String)>,
}

impl Invocation {
    /// `program schedule run-due --data-dir CLI_DIR [--app-data-dir APP_DIR]`, passing on `LIFEBOAT_KEYRING_SERVICE`
    /// when it is set (it names a keyring service, never a secret).
    pub fn run_due(program: PathBuf, cli_data_dir: &Path, app_data_dir: Option<&Path>) -> Self {
        let mut args = vec!["schedule".into(), "run-due".into(), "--data-dir".into(), path_text(cli_data_dir)];
        if let Some(app) = app_data_dir {
            args.extend(["--app-data-dir".into(), path_text(app)]);
        }
        let env = std::env::var(lifeboat_secrets::ServiceName::OVERRIDE_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| vec![(lifeboat_secrets::ServiceName::OVERRIDE_ENV.to_owned(), v)])
            .unwrap_or_default();
        Self { program, args, env }
    }
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The program the scheduler should start: `LIFEBOAT_CLI_PATH`, else `lifeboat-cli` beside this program, else this
/// program itself (the desktop binary is the command line too when given a subcommand).
pub fn cli_program() -> PathBuf {
    if let Some(p) = std::env::var_os("LIFEBOAT_CLI_PATH").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let me = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("lifeboat-cli"));
    let is_cli = me.file_stem().is_some_and(|s| s.to_string_lossy().starts_with("lifeboat-cli"));
    if is_cli {
        return me;
    }
    let sibling = me.with_file_name(format!("lifeboat-cli{}", std::env::consts::EXE_SUFFIX));
    if sibling.is_file() {
        sibling
    } else {
        me
    }
}

/// One time the scheduler fires.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trigger {
    /// `None`: every day.
    pub weekday: Option<Weekday>,
    /// The time of day.
    pub at: TimeOfDay,
    /// Its IANA time zone.
    pub time_zone: String,
}

/// The times of the unattended schedules, each once, in order.
pub fn triggers(schedules: &[Schedule]) -> Vec<Trigger> {
    let mut out: Vec<Trigger> = schedules
        .iter()
        .filter(|s| s.unattended)
        .map(|s| Trigger {
            weekday: match s.cadence {
                Cadence::Daily => None,
                Cadence::Weekly { on } => Some(on),
            },
            at: s.at,
            time_zone: s.time_zone.clone(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// Where.
    pub path: PathBuf,
    /// What.
    pub contents: String,
}

fn short_day(d: Weekday) -> &'static str {
    &d.name()[..3]
}

/// A systemd calendar expression: `*-*-* 02:00:00 Europe/Berlin`, `Mon *-*-* 02:00:00 UTC`.
pub fn on_calendar(t: &Trigger) -> String {
    let day = t.weekday.map(|d| format!("{} ", short_day(d))).unwrap_or_default();
    format!("{day}*-*-* {:02}:{:02}:00 {}", t.at.hour, t.at.minute, t.time_zone)
}

/// Quotes a word for a systemd `ExecStart=` line (and `%`, which systemd expands, doubled).
fn systemd_word(w: &str) -> String {
    let escaped = w.replace('\\', "\\\\").replace('"', "\\\"").replace('%', "%%").replace('$', "$$");
    format!("\"{escaped}\"")
}

/// The systemd user units in `dir` (usually `~/.config/systemd/user`).
pub fn systemd_units(inv: &Invocation, triggers: &[Trigger], dir: &Path) -> [UnitFile; 2] {
    let mut exec = systemd_word(&path_text(&inv.program));
    for a in &inv.args {
        exec.push(' ');
        exec.push_str(&systemd_word(a));
    }
    let env: String =
        inv.env.iter().map(|(k, v)| format!("Environment={}\n", systemd_word(&format!("{k}={v}")))).collect();
    let service = format!(
        "# Written by Lifeboat for its scheduled copies; Lifeboat removes it when no schedule needs it.\n\
         [Unit]\n\
         Description=Lifeboat: make the scheduled copies of Neo4j Aura data that are due\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={exec}\n\
         {env}\
         Nice=10\n"
    );
    let calendars: String = triggers.iter().map(|t| format!("OnCalendar={}\n", on_calendar(t))).collect();
    let timer = format!(
        "# Written by Lifeboat for its scheduled copies; Lifeboat removes it when no schedule needs it.\n\
         [Unit]\n\
         Description=Lifeboat: when to make scheduled copies of Neo4j Aura data\n\
         \n\
         [Timer]\n\
         {calendars}\
         Persistent=true\n\
         AccuracySec=1min\n\
         Unit={UNIT_NAME}.service\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n"
    );
    [
        UnitFile { path: dir.join(format!("{UNIT_NAME}.service")), contents: service },
        UnitFile { path: dir.join(format!("{UNIT_NAME}.timer")), contents: timer },
    ]
}

/// Quotes a word for a POSIX shell (cron runs its lines with `sh`).
fn shell_word(w: &str) -> String {
    format!("'{}'", w.replace('\'', "'\\''"))
}

/// The crontab block: one line per time (in the computer's time zone, which is what cron uses), and one at
/// start-up to catch up on runs missed while the computer was off.
pub fn cron_block(inv: &Invocation, triggers: &[Trigger]) -> String {
    let mut command: String = inv.env.iter().map(|(k, v)| format!("{k}={} ", shell_word(v))).collect();
    // The keyring answers on the user's session bus; cron does not say where it is.
    if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        if bus.starts_with("unix:path=/run/user/") {
            command.push_str(&format!("DBUS_SESSION_BUS_ADDRESS={} ", shell_word(&bus)));
        }
    }
    command.push_str(&shell_word(&path_text(&inv.program)));
    for a in &inv.args {
        command.push(' ');
        command.push_str(&shell_word(a));
    }
    // `%` ends a cron command; none may remain unescaped.
    let command = command.replace('%', "\\%");
    let mut out = format!("{CRON_BEGIN}\n");
    for t in triggers {
        let day = t.weekday.map(|d| (d.number() % 7).to_string()).unwrap_or_else(|| "*".into());
        out.push_str(&format!("{} {} * * {day} {command}\n", t.at.minute, t.at.hour));
    }
    out.push_str(&format!("@reboot {command}\n{CRON_END}\n"));
    out
}

/// A crontab with Lifeboat's block removed (everything else exactly as it was).
pub fn strip_cron_block(crontab: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in crontab.lines() {
        if line == CRON_BEGIN {
            inside = true;
        } else if inside && line == CRON_END {
            inside = false;
        } else if !inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The launchd agent.
pub fn launchd_plist(inv: &Invocation, triggers: &[Trigger], path: &Path) -> UnitFile {
    let mut args = format!("    <string>{}</string>\n", xml_text(&path_text(&inv.program)));
    for a in &inv.args {
        args.push_str(&format!("    <string>{}</string>\n", xml_text(a)));
    }
    let env = if inv.env.is_empty() {
        String::new()
    } else {
        let pairs: String = inv
            .env
            .iter()
            .map(|(k, v)| format!("    <key>{}</key>\n    <string>{}</string>\n", xml_text(k), xml_text(v)))
            .collect();
        format!("  <key>EnvironmentVariables</key>\n  <dict>\n{pairs}  </dict>\n")
    };
    let intervals: String = triggers
        .iter()
        .map(|t| {
            let day = t
                .weekday
                .map(|d| format!("      <key>Weekday</key>\n      <integer>{}</integer>\n", d.number() % 7))
                .unwrap_or_default();
            format!(
                "    <dict>\n      <key>Hour</key>\n      <integer>{}</integer>\n      <key>Minute</key>\n      <integer>{}</integer>\n{day}    </dict>\n",
                t.at.hour, t.at.minute
            )
        })
        .collect();
    let contents = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Written by Lifeboat for its scheduled copies; Lifeboat removes it when no schedule needs it. -->\n\
         <plist version=\"1.0\">\n\
         <dict>\n  <key>Label</key>\n  <string>{LAUNCHD_LABEL}</string>\n\
         \x20 <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n\
         {env}\
         \x20 <key>StartCalendarInterval</key>\n  <array>\n{intervals}  </array>\n\
         \x20 <key>ProcessType</key>\n  <string>Background</string>\n\
         </dict>\n</plist>\n"
    );
    UnitFile { path: path.to_path_buf(), contents }
}

/// Quotes an argument for a Windows command line.
fn windows_word(w: &str) -> String {
    if !w.is_empty() && !w.contains([' ', '\t', '"']) {
        return w.to_owned();
    }
    format!("\"{}\"", w.replace('"', "\\\""))
}

/// The Task Scheduler task, as XML (register it UTF-16 encoded: [`utf16_with_bom`]). `start_date` is the
/// `YYYY-MM-DD` the triggers start on.
pub fn task_xml(inv: &Invocation, triggers: &[Trigger], start_date: &str) -> String {
    let trigger_xml: String = triggers
        .iter()
        .map(|t| {
            let schedule = match t.weekday {
                None => "      <ScheduleByDay>\n        <DaysInterval>1</DaysInterval>\n      </ScheduleByDay>\n".to_owned(),
                Some(d) => format!(
                    "      <ScheduleByWeek>\n        <WeeksInterval>1</WeeksInterval>\n        <DaysOfWeek>\n          <{}/>\n        </DaysOfWeek>\n      </ScheduleByWeek>\n",
                    d.name()
                ),
            };
            format!(
                "    <CalendarTrigger>\n      <StartBoundary>{start_date}T{:02}:{:02}:00</StartBoundary>\n      <Enabled>true</Enabled>\n{schedule}    </CalendarTrigger>\n",
                t.at.hour, t.at.minute
            )
        })
        .collect();
    let arguments: Vec<String> = inv.args.iter().map(|a| windows_word(a)).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n\
         <Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n\
         \x20 <RegistrationInfo>\n\
         \x20   <Description>Lifeboat: make the scheduled copies of Neo4j Aura data that are due. Written by Lifeboat, which removes it when no schedule needs it.</Description>\n\
         \x20   <URI>{}</URI>\n\
         \x20 </RegistrationInfo>\n\
         \x20 <Triggers>\n{trigger_xml}  </Triggers>\n\
         \x20 <Principals>\n\
         \x20   <Principal id=\"Author\">\n\
         \x20     <LogonType>InteractiveToken</LogonType>\n\
         \x20     <RunLevel>LeastPrivilege</RunLevel>\n\
         \x20   </Principal>\n\
         \x20 </Principals>\n\
         \x20 <Settings>\n\
         \x20   <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n\
         \x20   <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n\
         \x20   <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n\
         \x20   <StartWhenAvailable>true</StartWhenAvailable>\n\
         \x20   <ExecutionTimeLimit>PT8H</ExecutionTimeLimit>\n\
         \x20   <Enabled>true</Enabled>\n\
         \x20 </Settings>\n\
         \x20 <Actions Context=\"Author\">\n\
         \x20   <Exec>\n\
         \x20     <Command>{}</Command>\n\
         \x20     <Arguments>{}</Arguments>\n\
         \x20   </Exec>\n\
         \x20 </Actions>\n\
         </Task>\n",
        xml_text(TASK_NAME),
        xml_text(&path_text(&inv.program)),
        xml_text(&arguments.join(" ")),
    )
}

/// Text as UTF-16 little-endian with a byte-order mark, as `schtasks /XML` reads it reliably.
pub fn utf16_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// Why the scheduler entry could not be written or removed.
#[derive(Debug, Error)]
pub enum SchedulerError {
    /// A file could not be written or removed.
    #[error("Lifeboat could not write {path} ({source}).")]
    File {
        /// Which.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The platform's tool refused.
    #[error("{tool} did not accept the entry: {detail}")]
    Tool {
        /// Which tool.
        tool: String,
        /// What it said.
        detail: String,
    },
}

impl SchedulerError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::File { .. } => "scheduler-file",
            Self::Tool { .. } => "scheduler-tool",
        }
    }
}

/// The scheduler entry as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Installed {
    /// Which scheduler.
    pub backend: Backend,
    /// Its files (empty when removed or not file-based).
    #[ts(as = "Vec<String>")]
    pub files: Vec<PathBuf>,
    /// It will fire with the window closed.
    pub active: bool,
    /// What that means, in words.
    pub detail: String,
}

/// This computer's scheduler and where its files go.
#[derive(Debug, Clone)]
pub struct OsScheduler {
    /// Which scheduler.
    pub backend: Backend,
    /// systemd's user unit folder.
    pub systemd_dir: PathBuf,
    /// launchd's agents folder.
    pub launch_agents: PathBuf,
    systemctl: String,
    crontab: String,
    /// Cron is there to fall back on when user systemd does not answer.
    cron_available: bool,
}

fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

fn home() -> PathBuf {
    std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from).unwrap_or_default()
}

impl OsScheduler {
    /// The scheduler of this computer: by platform, then by what is installed (`LIFEBOAT_OS_SCHEDULER` decides
    /// when set).
    pub fn for_this_computer() -> Self {
        let systemctl = std::env::var("LIFEBOAT_SYSTEMCTL").unwrap_or_else(|_| "systemctl".into());
        let crontab = std::env::var("LIFEBOAT_CRONTAB").unwrap_or_else(|_| "crontab".into());
        let config = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).unwrap_or_else(|| home().join(".config"));
        let cron_available = on_path(&crontab);
        let backend = match std::env::var("LIFEBOAT_OS_SCHEDULER").as_deref() {
            Ok("systemd") => Backend::SystemdUser,
            Ok("cron") => Backend::Cron,
            Ok("launchd") => Backend::Launchd,
            Ok("task-scheduler") => Backend::TaskScheduler,
            Ok("none") => Backend::None,
            _ => match std::env::consts::OS {
                "macos" => Backend::Launchd,
                "windows" => Backend::TaskScheduler,
                _ if on_path(&systemctl) => Backend::SystemdUser,
                _ if cron_available => Backend::Cron,
                _ => Backend::None,
            },
        };
        Self {
            backend,
            systemd_dir: config.join("systemd").join("user"),
            launch_agents: home().join("Library").join("LaunchAgents"),
            systemctl,
            crontab,
            cron_available,
        }
    }

    /// A scheduler with explicit places and tools (tests; `config_home` is `XDG_CONFIG_HOME`, `home` the user's
    /// home folder).
    pub fn with(backend: Backend, config_home: &Path, home: &Path, systemctl: &str, crontab: &str) -> Self {
        Self {
            backend,
            systemd_dir: config_home.join("systemd").join("user"),
            launch_agents: home.join("Library").join("LaunchAgents"),
            systemctl: systemctl.into(),
            crontab: crontab.into(),
            cron_available: on_path(crontab),
        }
    }

    /// The files this scheduler's entry lives in.
    pub fn files(&self) -> Vec<PathBuf> {
        match self.backend {
            Backend::SystemdUser => {
                vec![
                    self.systemd_dir.join(format!("{UNIT_NAME}.service")),
                    self.systemd_dir.join(format!("{UNIT_NAME}.timer")),
                ]
            }
            Backend::Launchd => vec![self.launch_agents.join(format!("{LAUNCHD_LABEL}.plist"))],
            _ => Vec::new(),
        }
    }

    /// Writes the entry for these schedules (their unattended ones), or removes it when none is unattended.
    pub fn apply(&self, inv: &Invocation, schedules: &[Schedule]) -> Result<Installed, SchedulerError> {
        let triggers = triggers(schedules);
        if triggers.is_empty() {
            return self.remove();
        }
        match self.backend {
            Backend::SystemdUser => self.install_systemd(inv, &triggers),
            Backend::Cron => self.install_cron(inv, &triggers),
            Backend::Launchd => self.install_launchd(inv, &triggers),
            Backend::TaskScheduler => self.install_task(inv, &triggers),
            Backend::None => Ok(Installed {
                backend: Backend::None,
                files: Vec::new(),
                active: false,
                detail:
                    "This computer has no scheduler Lifeboat can use, so copies are made only while Lifeboat is open."
                        .into(),
            }),
        }
    }

    /// Removes the entry (nothing to remove is fine).
    pub fn remove(&self) -> Result<Installed, SchedulerError> {
        match self.backend {
            Backend::SystemdUser => {
                let _ = run(&self.systemctl, &["--user", "disable", "--now", &format!("{UNIT_NAME}.timer")], None);
                for f in self.files() {
                    remove_file(&f)?;
                }
                let _ = run(&self.systemctl, &["--user", "daemon-reload"], None);
                // A cron fallback written earlier goes too.
                if self.cron_available {
                    let _ = self.write_crontab(None);
                }
            }
            Backend::Cron => self.write_crontab(None)?,
            Backend::Launchd => {
                let _ = run("launchctl", &["bootout", &format!("gui/{}/{LAUNCHD_LABEL}", uid())], None);
                for f in self.files() {
                    remove_file(&f)?;
                }
            }
            Backend::TaskScheduler => {
                let _ = run("schtasks", &["/Delete", "/TN", TASK_NAME, "/F"], None);
            }
            Backend::None => {}
        }
        Ok(Installed {
            backend: self.backend,
            files: Vec::new(),
            active: false,
            detail: "No schedule runs with Lifeboat closed, so Lifeboat removed its entry from the system scheduler."
                .into(),
        })
    }

    fn install_systemd(&self, inv: &Invocation, triggers: &[Trigger]) -> Result<Installed, SchedulerError> {
        let units = systemd_units(inv, triggers, &self.systemd_dir);
        for u in &units {
            write_file(&u.path, u.contents.as_bytes())?;
        }
        let files: Vec<PathBuf> = units.iter().map(|u| u.path.clone()).collect();
        let reload = run(&self.systemctl, &["--user", "daemon-reload"], None);
        let enable = reload
            .and_then(|_| run(&self.systemctl, &["--user", "enable", "--now", &format!("{UNIT_NAME}.timer")], None));
        match enable {
            Ok(_) => Ok(Installed {
                backend: Backend::SystemdUser,
                files,
                active: true,
                detail: format!("A systemd user timer ({UNIT_NAME}.timer) makes the copies, also with Lifeboat closed."),
            }),
            Err(why) if self.cron_available => {
                tracing::info!("user systemd did not answer ({why}); using cron instead");
                for f in &files {
                    remove_file(f)?;
                }
                self.install_cron(inv, triggers)
            }
            Err(why) => Ok(Installed {
                backend: Backend::SystemdUser,
                files,
                active: false,
                detail: format!(
                    "Lifeboat wrote a systemd user timer, but no user service manager answered ({why}), so for now copies are made only while Lifeboat is open. It starts working once systemd runs for your user (for example after logging in again)."
                ),
            }),
        }
    }

    fn read_crontab(&self) -> Result<String, SchedulerError> {
        let out = Command::new(&self.crontab)
            .arg("-l")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| SchedulerError::Tool { tool: self.crontab.clone(), detail: e.to_string() })?;
        // "no crontab for user" is an empty crontab.
        Ok(if out.status.success() { String::from_utf8_lossy(&out.stdout).into_owned() } else { String::new() })
    }

    fn write_crontab(&self, block: Option<&str>) -> Result<(), SchedulerError> {
        let current = self.read_crontab()?;
        let mut next = strip_cron_block(&current);
        if next == current && block.is_none() {
            return Ok(());
        }
        if let Some(block) = block {
            next.push_str(block);
        }
        run(&self.crontab, &["-"], Some(next.as_bytes())).map(drop)
    }

    fn install_cron(&self, inv: &Invocation, triggers: &[Trigger]) -> Result<Installed, SchedulerError> {
        self.write_crontab(Some(&cron_block(inv, triggers)))?;
        Ok(Installed {
            backend: Backend::Cron,
            files: Vec::new(),
            active: true,
            detail: "Lines in your crontab make the copies, also with Lifeboat closed (and catch up after a restart)."
                .into(),
        })
    }

    fn install_launchd(&self, inv: &Invocation, triggers: &[Trigger]) -> Result<Installed, SchedulerError> {
        let path = self.launch_agents.join(format!("{LAUNCHD_LABEL}.plist"));
        let plist = launchd_plist(inv, triggers, &path);
        write_file(&plist.path, plist.contents.as_bytes())?;
        let domain = format!("gui/{}", uid());
        let _ = run("launchctl", &["bootout", &format!("{domain}/{LAUNCHD_LABEL}")], None);
        let active = run("launchctl", &["bootstrap", &domain, &path_text(&path)], None);
        Ok(Installed {
            backend: Backend::Launchd,
            files: vec![path],
            active: active.is_ok(),
            detail: match active {
                Ok(_) => "A launchd agent makes the copies, also with Lifeboat closed.".into(),
                Err(why) => format!(
                    "Lifeboat wrote a launchd agent, but launchd did not load it ({why}); it loads at your next login."
                ),
            },
        })
    }

    fn install_task(&self, inv: &Invocation, triggers: &[Trigger]) -> Result<Installed, SchedulerError> {
        let today = jiff::Zoned::now().date().to_string();
        let xml = task_xml(inv, triggers, &today);
        let file = tempfile::Builder::new()
            .suffix(".xml")
            .tempfile()
            .map_err(|source| SchedulerError::File { path: std::env::temp_dir(), source })?;
        std::fs::write(file.path(), utf16_with_bom(&xml))
            .map_err(|source| SchedulerError::File { path: file.path().to_path_buf(), source })?;
        run("schtasks", &["/Create", "/TN", TASK_NAME, "/XML", &path_text(file.path()), "/F"], None)?;
        Ok(Installed {
            backend: Backend::TaskScheduler,
            files: Vec::new(),
            active: true,
            detail: "A Task Scheduler task makes the copies, also with Lifeboat closed.".into(),
        })
    }
}

/// Writes (or removes) the entry for every unattended schedule of this computer. The sandbox's are left out: the
/// practice account exists only inside the running app.
pub fn sync(home: &super::Home, os: &OsScheduler, invocation: &Invocation) -> Result<Installed, SchedulerError> {
    let schedules: Vec<Schedule> =
        home.schedules().into_iter().filter(|(scope, _)| !scope.is_sandbox()).map(|(_, s)| s).collect();
    os.apply(invocation, &schedules)
}

fn uid() -> String {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "501".into())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SchedulerError> {
    crate::atomic::write_atomically(path, bytes).map_err(|source| SchedulerError::File { path: path.into(), source })
}

fn remove_file(path: &Path) -> Result<(), SchedulerError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SchedulerError::File { path: path.into(), source }),
    }
}

/// Runs a tool; its stderr (or exit status) as the error. Tools get no secret: only names and paths.
fn run(program: &str, args: &[&str], stdin: Option<&[u8]>) -> Result<String, SchedulerError> {
    let tool = || Path::new(program).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SchedulerError::Tool { tool: tool(), detail: e.to_string() })?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes).map_err(|e| SchedulerError::Tool { tool: tool(), detail: e.to_string() })?;
    }
    let out = child.wait_with_output().map_err(|e| SchedulerError::Tool { tool: tool(), detail: e.to_string() })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        Err(SchedulerError::Tool {
            tool: tool(),
            detail: if said.is_empty() { format!("it ended with {}", out.status) } else { said },
        })
    }
}
