//! The OS scheduler entries that run `lifeboat-cli schedule run-due` with the window closed: generated for a set of
//! schedules, checked by systemd's own tools where they exist (`systemd-analyze verify` for the units,
//! `systemd-analyze calendar` for when they fire, compared with the engine's own slots), read back by independent
//! parsers (the `plist` crate for launchd, quick-xml for Task Scheduler), and installed and removed through stand-in
//! `systemctl` and `crontab` programs that record what they were asked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use lifeboat_engine::strategy::os_scheduler::{
    self, cron_block, launchd_plist, on_calendar, strip_cron_block, systemd_units, task_xml, triggers, utf16_with_bom,
    Backend, Invocation, OsScheduler,
};
use lifeboat_engine::strategy::schedule::{AccountRef, Cadence, Schedule, TimeOfDay, Weekday};
use lifeboat_engine::Endpoints;
use serde::Deserialize;
use time::OffsetDateTime;

fn schedule(name: &str, cadence: Cadence, at: &str, zone: &str, unattended: bool) -> Schedule {
    Schedule {
        id: format!("id-{name}"),
        name: name.into(),
        instance_id: "a1b2c3d4".into(),
        instance_name: "Production".into(),
        cadence,
        at: TimeOfDay::parse(at).unwrap(),
        time_zone: zone.into(),
        keep: 14,
        folder: "/backups/aura".into(),
        unattended,
        account: AccountRef {
            label: "Ops".into(),
            client_id: "client-id-1234".into(),
            endpoints: Endpoints::default(),
            keyring_account: Some("acc1".into()),
        },
        created_at: OffsetDateTime::now_utc(),
    }
}

fn schedules() -> Vec<Schedule> {
    vec![
        schedule("production-daily", Cadence::Daily, "02:30", "Europe/Berlin", true),
        schedule("production-weekly", Cadence::Weekly { on: Weekday::Friday }, "23:15", "UTC", true),
        // Runs only while the app is open: no OS trigger.
        schedule("staging-daily", Cadence::Daily, "04:00", "UTC", false),
        // The same time twice is one trigger.
        schedule("ledger-daily", Cadence::Daily, "02:30", "Europe/Berlin", true),
    ]
}

/// A program that exists (systemd-analyze checks that ExecStart can be executed), with a space in its folder.
fn program(dir: &Path) -> PathBuf {
    let folder = dir.join("Lifeboat App");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("lifeboat-cli");
    std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
    make_executable(&path);
    path
}

fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn invocation(dir: &Path) -> Invocation {
    Invocation {
        program: program(dir),
        args: vec![
            "schedule".into(),
            "run-due".into(),
            "--data-dir".into(),
            "/home/ada/.local/share/dev.lifeboat.desktop/cli".into(),
            "--app-data-dir".into(),
            "/home/ada/.local/share/dev.lifeboat.desktop".into(),
        ],
        env: vec![("LIFEBOAT_KEYRING_SERVICE".into(), "dev.lifeboat.desktop.test-1".into())],
    }
}

fn systemd_analyze() -> Option<&'static str> {
    let found = Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: systemd-analyze is not installed (apt package systemd)");
    }
    found.then_some("systemd-analyze")
}

fn analyze(args: &[&str], runtime: &Path) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        // `--user` needs a runtime folder; the test's own, so nothing touches a real session.
        .env("XDG_RUNTIME_DIR", runtime)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

#[test]
fn the_triggers_are_the_unattended_schedules_times_once_each() {
    let t = triggers(&schedules());
    let calendars: Vec<String> = t.iter().map(on_calendar).collect();
    assert_eq!(calendars, ["*-*-* 02:30:00 Europe/Berlin", "Fri *-*-* 23:15:00 UTC"]);
}

#[test]
fn systemd_units_are_verified_by_systemd_analyze_and_hold_nothing_secret() {
    let dir = tempfile::tempdir().unwrap();
    let inv = invocation(dir.path());
    let units = systemd_units(&inv, &triggers(&schedules()), &dir.path().join("units"));
    let [service, timer] = &units;
    assert!(service.path.ends_with("lifeboat-copies.service") && timer.path.ends_with("lifeboat-copies.timer"));
    assert!(
        service
            .contents
            .contains(&format!("ExecStart=\"{}\" \"schedule\" \"run-due\" \"--data-dir\"", inv.program.display())),
        "{}",
        service.contents
    );
    assert!(service.contents.contains("Environment=\"LIFEBOAT_KEYRING_SERVICE=dev.lifeboat.desktop.test-1\""));
    assert!(timer.contents.contains("OnCalendar=*-*-* 02:30:00 Europe/Berlin\nOnCalendar=Fri *-*-* 23:15:00 UTC\n"));
    assert!(timer.contents.contains("Persistent=true"), "a run missed while the computer was off happens at start");
    for unit in &units {
        for word in ["secret", "password", "client-id-1234", "NEO4J_", "AURA_"] {
            assert!(!unit.contents.contains(word), "{word} in {}", unit.path.display());
        }
    }
    let Some(_) = systemd_analyze() else { return };
    for u in &units {
        std::fs::create_dir_all(u.path.parent().unwrap()).unwrap();
        std::fs::write(&u.path, &u.contents).unwrap();
    }
    let runtime = tempfile::tempdir().unwrap();
    let paths: Vec<String> = units.iter().map(|u| u.path.display().to_string()).collect();
    let mut args = vec!["verify", "--user"];
    args.extend(paths.iter().map(String::as_str));
    let out = analyze(&args, runtime.path());
    assert!(out.status.success(), "systemd-analyze verify: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "no warning either: {}", String::from_utf8_lossy(&out.stderr));

    // The check can fail: a timer with a calendar systemd does not understand is refused.
    let broken = dir.path().join("units/broken-copies.timer");
    std::fs::write(&broken, timer.contents.replace("Fri *-*-* 23:15:00 UTC", "every friday at quarter past eleven"))
        .unwrap();
    let out = analyze(&["verify", "--user", &broken.display().to_string()], runtime.path());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Failed to parse calendar specification"));
}

/// The next `n` times systemd would fire for a calendar expression, read from `systemd-analyze calendar` (in UTC).
fn systemd_elapses(spec: &str, n: usize, runtime: &Path) -> Vec<OffsetDateTime> {
    let out = analyze(&["calendar", &format!("--iterations={n}"), spec], runtime);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    text.lines()
        .filter(|l| l.contains("Next elapse:") || l.contains("Iter. #"))
        .map(|l| {
            // "    Next elapse: Fri 2026-12-04 23:15:00 UTC"
            let words: Vec<&str> = l.split_whitespace().collect();
            let n = words.len();
            assert_eq!(words[n - 1], "UTC", "{l}");
            let stamp = format!("{} {}", words[n - 3], words[n - 2]);
            time::PrimitiveDateTime::parse(&stamp, &format).unwrap().assume_utc()
        })
        .collect()
}

#[test]
fn systemd_fires_exactly_when_the_engine_says_the_runs_fall() {
    if systemd_analyze().is_none() {
        return;
    }
    let runtime = tempfile::tempdir().unwrap();
    for s in schedules().into_iter().filter(|s| s.unattended) {
        let spec = on_calendar(&triggers(std::slice::from_ref(&s))[0]);
        let now = OffsetDateTime::now_utc();
        let ours: Vec<OffsetDateTime> =
            s.slots_between(now, now + time::Duration::days(60)).into_iter().take(6).collect();
        let theirs = systemd_elapses(&spec, 6, runtime.path());
        assert_eq!(theirs, ours, "{spec}");
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Agent {
    label: String,
    program_arguments: Vec<String>,
    environment_variables: BTreeMap<String, String>,
    start_calendar_interval: Vec<Interval>,
    process_type: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
struct Interval {
    hour: u8,
    minute: u8,
    weekday: Option<u8>,
}

#[test]
fn the_launchd_agent_reads_back_as_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv = invocation(dir.path());
    inv.args.push("R&D <copies>".into());
    let file = launchd_plist(&inv, &triggers(&schedules()), &dir.path().join("dev.lifeboat.copies.plist"));
    let agent: Agent = plist::from_bytes(file.contents.as_bytes()).expect("a valid property list");
    assert_eq!(agent.label, os_scheduler::LAUNCHD_LABEL);
    let mut expected = vec![inv.program.display().to_string()];
    expected.extend(inv.args.clone());
    assert_eq!(agent.program_arguments, expected, "escaped and read back word for word");
    assert_eq!(agent.environment_variables["LIFEBOAT_KEYRING_SERVICE"], "dev.lifeboat.desktop.test-1");
    assert_eq!(
        agent.start_calendar_interval,
        [Interval { hour: 2, minute: 30, weekday: None }, Interval { hour: 23, minute: 15, weekday: Some(5) },]
    );
    assert_eq!(agent.process_type, "Background");
}

/// Element path → texts, from an independent XML reader.
fn xml_texts(xml: &str) -> BTreeMap<String, Vec<String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut text = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                path.push(e.local_name().as_ref().to_owned());
                text.clear();
            }
            Event::Empty(e) => {
                let key = format!("{}/{}", path.join("/"), e.local_name().as_ref());
                out.entry(key).or_default().push(String::new());
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => text.push_str(match r.as_ref() {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                other => panic!("unexpected entity {other}"),
            }),
            Event::End(_) => {
                let key = path.join("/");
                if !text.trim().is_empty() {
                    out.entry(key).or_default().push(std::mem::take(&mut text));
                }
                text.clear();
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn the_task_scheduler_task_reads_back_as_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv = invocation(dir.path());
    inv.program = PathBuf::from(r"C:\Program Files\Lifeboat\lifeboat-cli.exe");
    inv.args[3] = r"C:\Users\Ada\AppData\Roaming\dev.lifeboat.desktop\cli".into();
    let xml = task_xml(&inv, &triggers(&schedules()), "2026-11-21");
    let texts = xml_texts(&xml);
    let trigger = "Task/Triggers/CalendarTrigger";
    assert_eq!(texts[&format!("{trigger}/StartBoundary")], ["2026-11-21T02:30:00", "2026-11-21T23:15:00"]);
    assert_eq!(texts[&format!("{trigger}/ScheduleByDay/DaysInterval")], ["1"]);
    assert_eq!(texts[&format!("{trigger}/ScheduleByWeek/WeeksInterval")], ["1"]);
    assert_eq!(texts[&format!("{trigger}/ScheduleByWeek/DaysOfWeek/Friday")].len(), 1);
    assert_eq!(texts["Task/Actions/Exec/Command"], [r"C:\Program Files\Lifeboat\lifeboat-cli.exe"]);
    assert_eq!(
        texts["Task/Actions/Exec/Arguments"][0],
        format!(
            r"schedule run-due --data-dir C:\Users\Ada\AppData\Roaming\dev.lifeboat.desktop\cli --app-data-dir {}",
            "/home/ada/.local/share/dev.lifeboat.desktop"
        )
    );
    assert_eq!(texts["Task/Settings/StartWhenAvailable"], ["true"], "a run missed while off happens when possible");
    assert_eq!(texts["Task/Principals/Principal/LogonType"], ["InteractiveToken"], "the user's keyring is reachable");
    // What schtasks is given: UTF-16 little-endian with a byte-order mark, decoding back to the same text.
    let bytes = utf16_with_bom(&xml);
    assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
    let units: Vec<u16> = bytes[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    assert_eq!(String::from_utf16(&units).unwrap(), xml);
}

/// A stand-in for a tool: a shell script that appends its arguments to `calls` and does what `body` says.
fn fake_tool(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\necho \"$*\" >> \"{}/{name}.calls\"\n{body}\n", dir.display())).unwrap();
    make_executable(&path);
    path
}

fn calls(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("{name}.calls"))).unwrap_or_default().lines().map(String::from).collect()
}

/// A crontab stand-in keeping the table in a file, like `crontab -l` and `crontab -`.
fn fake_crontab(dir: &Path) -> PathBuf {
    let table = dir.join("table");
    fake_tool(
        dir,
        "crontab",
        &format!(
            "case \"$1\" in\n  -l) [ -f '{t}' ] && cat '{t}' || {{ echo 'no crontab for ada' >&2; exit 1; }} ;;\n  -) cat > '{t}' ;;\nesac",
            t = table.display()
        ),
    )
}

#[cfg(unix)]
#[test]
fn the_systemd_timer_is_installed_enabled_and_removed_through_systemctl() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let systemctl = fake_tool(&tools, "systemctl", "exit 0");
    let config = dir.path().join("config");
    let os = OsScheduler::with(
        Backend::SystemdUser,
        &config,
        dir.path(),
        systemctl.to_str().unwrap(),
        "/nonexistent/crontab",
    );
    let inv = invocation(dir.path());
    let installed = os.apply(&inv, &schedules()).unwrap();
    assert_eq!((installed.backend, installed.active), (Backend::SystemdUser, true), "{}", installed.detail);
    let unit_dir = config.join("systemd/user");
    assert_eq!(installed.files, [unit_dir.join("lifeboat-copies.service"), unit_dir.join("lifeboat-copies.timer")]);
    assert!(std::fs::read_to_string(unit_dir.join("lifeboat-copies.timer")).unwrap().contains("OnCalendar=Fri"));
    assert_eq!(calls(&tools, "systemctl"), ["--user daemon-reload", "--user enable --now lifeboat-copies.timer"]);

    // No unattended schedule left: the entry goes.
    let removed = os.apply(&inv, &schedules()[2..3]).unwrap();
    assert!(!removed.active);
    assert!(!unit_dir.join("lifeboat-copies.timer").exists() && !unit_dir.join("lifeboat-copies.service").exists());
    assert_eq!(calls(&tools, "systemctl")[2..], ["--user disable --now lifeboat-copies.timer", "--user daemon-reload"]);
}

#[cfg(unix)]
#[test]
fn without_a_user_service_manager_cron_is_used_and_other_crontab_lines_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let systemctl = fake_tool(&tools, "systemctl", "echo 'Failed to connect to bus: No medium found' >&2; exit 1");
    let crontab = fake_crontab(&tools);
    std::fs::write(tools.join("table"), "MAILTO=ada\n30 6 * * 1 /usr/local/bin/backup-photos\n").unwrap();
    let config = dir.path().join("config");
    let os = OsScheduler::with(
        Backend::SystemdUser,
        &config,
        dir.path(),
        systemctl.to_str().unwrap(),
        crontab.to_str().unwrap(),
    );
    let inv = invocation(dir.path());
    let installed = os.apply(&inv, &schedules()).unwrap();
    assert_eq!((installed.backend, installed.active), (Backend::Cron, true), "{}", installed.detail);
    assert!(!config.join("systemd/user/lifeboat-copies.timer").exists(), "the inactive units were taken away again");
    let table = std::fs::read_to_string(tools.join("table")).unwrap();
    assert!(table.starts_with("MAILTO=ada\n30 6 * * 1 /usr/local/bin/backup-photos\n"), "{table}");
    assert!(table.contains("\n30 2 * * * LIFEBOAT_KEYRING_SERVICE='dev.lifeboat.desktop.test-1' "), "{table}");
    assert!(table.contains(&format!("'{}' 'schedule' 'run-due'", inv.program.display())), "{table}");
    assert!(table.contains("15 23 * * 5 "), "{table}");
    assert!(table.contains("@reboot "), "runs missed while off are caught up at start: {table}");
    assert_eq!(
        table,
        format!("MAILTO=ada\n30 6 * * 1 /usr/local/bin/backup-photos\n{}", cron_block(&inv, &triggers(&schedules())))
    );

    // Removing leaves the user's own lines exactly as they were.
    let os =
        OsScheduler::with(Backend::Cron, &config, dir.path(), systemctl.to_str().unwrap(), crontab.to_str().unwrap());
    os.apply(&inv, &[]).unwrap();
    assert_eq!(
        std::fs::read_to_string(tools.join("table")).unwrap(),
        "MAILTO=ada\n30 6 * * 1 /usr/local/bin/backup-photos\n"
    );
    assert_eq!(strip_cron_block("a\nb\n"), "a\nb\n");
}

#[cfg(unix)]
#[test]
fn with_neither_running_the_units_stay_written_and_the_user_is_told_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let systemctl = fake_tool(&tools, "systemctl", "echo 'Failed to connect to bus: No medium found' >&2; exit 1");
    let os = OsScheduler::with(
        Backend::SystemdUser,
        &dir.path().join("config"),
        dir.path(),
        systemctl.to_str().unwrap(),
        "/nonexistent/crontab",
    );
    let installed = os.apply(&invocation(dir.path()), &schedules()).unwrap();
    assert!(!installed.active);
    assert_eq!(installed.files.len(), 2);
    assert!(installed.detail.contains("only while Lifeboat is open"), "{}", installed.detail);
    assert!(installed.detail.contains("Failed to connect to bus"), "{}", installed.detail);
}
