//! The backup strategy, before anything goes wrong: **recovery objectives** per instance ([`objectives`]), a
//! **readiness** view that says whether the instance could be recovered within them and what would fix each gap
//! ([`readiness`]), and **scheduled copies** of its data to the admin's own storage ([`schedule`], [`copies`]),
//! run with the window closed by the operating system's own scheduler ([`os_scheduler`]).
//!
//! Every rule lives here, so the window and `lifeboat status` / `lifeboat schedule` say the same thing.
//!
//! # Where things are kept
//!
//! Each account has a folder — its job journal directory, where its `history.jsonl` lives — and this module keeps
//! its files beside the history: `objectives.json`, `schedules.json`, `schedules/<id>.json` (each schedule's last
//! run) and `strategy.lock`. A [`Home`] is every such folder on this computer: the desktop app's accounts
//! (`<app data>/jobs/<account>/`, the sandbox among them) and the command line's own (`<cli data>/jobs/`). Instance
//! ids are unique across Aura, so the objectives, history and schedules of an instance are found wherever they
//! are kept: set an RPO in the window and `lifeboat status` sees it.
//!
//! Nothing secret is kept here: a schedule names the keyring entries an unattended run reads (the API client
//! secret, the database login), never their values.

pub mod copies;
mod lock;
pub mod manifest;
pub mod objectives;
pub mod os_scheduler;
pub mod readiness;
pub mod schedule;

use std::path::{Path, PathBuf};

pub use copies::{CopyFacts, Notifier, RunOutcome, RunReport};
pub use objectives::{Objectives, ObjectivesChange, ObjectivesError, Setting};
pub use readiness::{Check, CheckId, Fix, Level, Readiness};
pub use schedule::{AccountRef, Cadence, RunState, Schedule, ScheduleError, TimeOfDay, Weekday};

use crate::history::{self, HistoryEntry, HistoryFilter};

/// The lock file of an account folder's strategy files.
pub(crate) const LOCK_FILE: &str = "strategy.lock";
/// The sandbox's account id (its folder is `<app data>/jobs/sandbox`).
pub const SANDBOX: &str = "sandbox";
/// The command line's own account folder's id.
pub const CLI: &str = "cli";

/// One account's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The account's id (`sandbox`, an app account's id, or `cli`).
    pub id: String,
    /// The folder.
    pub dir: PathBuf,
}

impl Scope {
    /// The practice account inside the app: its schedules run only while the app is open.
    pub fn is_sandbox(&self) -> bool {
        self.id == SANDBOX
    }
}

/// Every account folder on this computer.
#[derive(Debug, Clone, Default)]
pub struct Home {
    scopes: Vec<Scope>,
}

impl Home {
    /// A home of exactly these folders.
    pub fn new(scopes: Vec<Scope>) -> Self {
        Self { scopes }
    }

    /// The desktop app's account folders (`<app data>/jobs/*/`, in name order) and the command line's
    /// (`cli_journal_dir`), where given.
    pub fn discover(app_data_dir: Option<&Path>, cli_journal_dir: Option<&Path>) -> Self {
        let mut scopes = Vec::new();
        if let Some(Ok(entries)) = app_data_dir.map(|d| std::fs::read_dir(d.join("jobs"))) {
            let mut dirs: Vec<_> = entries.flatten().filter(|e| e.path().is_dir()).collect();
            dirs.sort_by_key(|e| e.file_name());
            for d in dirs {
                scopes.push(Scope { id: d.file_name().to_string_lossy().into_owned(), dir: d.path() });
            }
        }
        if let Some(dir) = cli_journal_dir {
            scopes.push(Scope { id: CLI.into(), dir: dir.to_path_buf() });
        }
        Self { scopes }
    }

    /// Every account folder as the desktop app sees them: its accounts' (`<app data>/jobs/*/`) and the command
    /// line's own (`<app data>/cli/jobs`), with `shown` (the account the window shows, whose folder may not exist
    /// yet).
    pub fn for_app(layout: &crate::accounts::DataLayout, shown: Option<&str>) -> Self {
        let home = Self::discover(Some(layout.data_dir()), Some(&layout.cli_dir().join("jobs")));
        match shown {
            Some(id) => home.with(Scope { id: id.to_owned(), dir: layout.account_journals(id) }),
            None => home,
        }
    }

    /// Adds a folder if it is not there yet (an account opened before its folder existed).
    pub fn with(mut self, scope: Scope) -> Self {
        if !self.scopes.iter().any(|s| s.dir == scope.dir) {
            self.scopes.push(scope);
        }
        self
    }

    /// The folders.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// The folder of an account.
    pub fn scope(&self, id: &str) -> Option<&Scope> {
        self.scopes.iter().find(|s| s.id == id)
    }

    /// Every history entry of an instance, from every folder, newest first.
    pub fn history_of(&self, instance_id: &str) -> Vec<HistoryEntry> {
        let filter = HistoryFilter { instance_id: Some(instance_id.into()), ..Default::default() };
        let mut all: Vec<HistoryEntry> = self
            .scopes
            .iter()
            .flat_map(|s| match history::list(&history::path_in(&s.dir), &filter) {
                Ok(entries) => entries,
                Err(e) => {
                    tracing::warn!(code = e.code(), scope = %s.id, "could not read a history for readiness");
                    Vec::new()
                }
            })
            .collect();
        all.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| b.job_id.cmp(&a.job_id)));
        all
    }

    /// An instance's objectives and the folder they are kept in (the newest, should two folders hold some).
    pub fn objectives_of(&self, instance_id: &str) -> Option<(Scope, Objectives)> {
        self.scopes
            .iter()
            .filter_map(|s| match objectives::get(&s.dir, instance_id) {
                Ok(found) => found.map(|o| (s.clone(), o)),
                Err(e) => {
                    tracing::warn!(code = e.code(), scope = %s.id, "could not read objectives");
                    None
                }
            })
            .max_by_key(|(_, o)| o.updated_at)
    }

    /// Changes an instance's objectives where they are kept, or in `default_scope` when they are new.
    pub fn set_objectives(
        &self,
        default_scope: &Scope,
        instance_id: &str,
        instance_name: &str,
        change: &ObjectivesChange,
        now: time::OffsetDateTime,
    ) -> Result<objectives::ObjectivesSaved, ObjectivesError> {
        let scope = self.objectives_of(instance_id).map(|(s, _)| s).unwrap_or_else(|| default_scope.clone());
        objectives::set(&scope.dir, instance_id, instance_name, change, now)
    }

    /// Every schedule on this computer with the folder it is kept in.
    pub fn schedules(&self) -> Vec<(Scope, Schedule)> {
        self.scopes
            .iter()
            .flat_map(|s| match schedule::load(&s.dir) {
                Ok(list) => list.into_iter().map(|sch| (s.clone(), sch)).collect(),
                Err(e) => {
                    tracing::warn!(code = e.code(), scope = %s.id, "could not read schedules");
                    Vec::new()
                }
            })
            .collect()
    }

    /// An instance's schedules with their run records.
    pub fn schedules_of(&self, instance_id: &str) -> Vec<(Schedule, RunState)> {
        self.schedules()
            .into_iter()
            .filter(|(_, s)| s.instance_id == instance_id)
            .map(|(scope, s)| {
                let state = schedule::run_state(&scope.dir, &s.id);
                (s, state)
            })
            .collect()
    }

    /// The schedule with this name.
    pub fn schedule_named(&self, name: &str) -> Result<(Scope, Schedule), ScheduleError> {
        self.schedules().into_iter().find(|(_, s)| s.name == name).ok_or_else(|| ScheduleError::NotFound(name.into()))
    }

    /// The names in use.
    pub fn schedule_names(&self) -> Vec<String> {
        self.schedules().into_iter().map(|(_, s)| s.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_home_finds_an_instances_objectives_in_whichever_account_folder_holds_them() {
        let app = tempfile::tempdir().unwrap();
        let cli = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(app.path().join("jobs/sandbox")).unwrap();
        std::fs::create_dir_all(app.path().join("jobs/acc1")).unwrap();
        let home = Home::discover(Some(app.path()), Some(cli.path()));
        let ids: Vec<_> = home.scopes().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["acc1", "sandbox", "cli"]);
        let change = ObjectivesChange { rpo: Setting::Set(3600), ..Default::default() };
        let acc1 = home.scope("acc1").unwrap().clone();
        home.set_objectives(&acc1, "i1", "Production", &change, datetime!(2026-11-21 10:00 UTC)).unwrap();
        // Changed from the command line: it lands where the objectives already are, not in the CLI's folder.
        let cli_scope = home.scope(CLI).unwrap().clone();
        let later = ObjectivesChange { rto: Setting::Set(600), ..Default::default() };
        home.set_objectives(&cli_scope, "i1", "Production", &later, datetime!(2026-11-21 11:00 UTC)).unwrap();
        let (scope, o) = home.objectives_of("i1").unwrap();
        assert_eq!(scope.id, "acc1");
        assert_eq!((o.rpo_secs, o.rto_secs), (Some(3600), Some(600)));
        assert!(objectives::get(cli.path(), "i1").unwrap().is_none());
        assert_eq!(home.history_of("i1").len(), 2, "both changes are in the history");
    }
}
