//! The TypeScript types of everything that crosses IPC, generated from the Rust types with `ts-rs` into one file,
//! `ui/src/api/generated/wire.ts`, which is committed. The window's hand-written code imports these types, so a
//! change on the Rust side that the UI has not followed fails the UI's type check instead of shipping.
//!
//! [`ROOTS`] lists what the commands return, what their channels carry and the structured arguments they take;
//! every type those mention is found by walking their dependencies, so nothing else needs listing. The test
//! `generated_wire_types_are_current` fails when the committed file is stale; to regenerate it, run
//! `LIFEBOAT_WRITE_WIRE_TYPES=1 cargo test -p lifeboat --lib wire_types`.

use std::any::TypeId;
use std::collections::BTreeMap;

use ts_rs::{Config, TypeVisitor, TS};

/// The generated file, relative to the repository root (the root package's manifest directory).
pub const GENERATED: &str = "ui/src/api/generated/wire.ts";

const HEADER: &str = "\
// Generated from the Rust types by ts-rs (src-tauri/src/wire_types.rs). Do not edit by hand: change the Rust type,
// then run `LIFEBOAT_WRITE_WIRE_TYPES=1 cargo test -p lifeboat --lib wire_types`. The test command fails while this
// file is stale.
";

/// One exported declaration.
struct Decl {
    id: TypeId,
    text: String,
}

/// Collects the declarations of a type and of every type it mentions, by name.
struct Collector {
    cfg: Config,
    decls: BTreeMap<String, Decl>,
}

impl TypeVisitor for Collector {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and wrappers (String, Option, Vec, Box) have no declaration of their own.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(&self.cfg);
        if let Some(seen) = self.decls.get(&name) {
            assert!(
                seen.id == TypeId::of::<T>(),
                "two Rust types are both called {name} on the wire; rename one with #[ts(rename = \"…\")]"
            );
            return;
        }
        let text = format!("{}export {}", T::docs().unwrap_or_default(), T::decl(&self.cfg));
        self.decls.insert(name, Decl { id: TypeId::of::<T>(), text });
        T::visit_dependencies(self);
    }
}

/// Visits every root type.
fn visit_roots(c: &mut Collector) {
    use lifeboat_engine::{exports, history, jobs};
    // Commands' replies.
    c.visit::<crate::commands::AppInfo>();
    c.visit::<lifeboat_engine::InstanceView>();
    c.visit::<lifeboat_engine::SnapshotTimeline>();
    c.visit::<crate::jobs::JobStarted>();
    c.visit::<jobs::RestorePlan>();
    c.visit::<jobs::CloneOptions>();
    c.visit::<crate::jobs::RevealedLogin>();
    c.visit::<lifeboat_engine::JobState>();
    c.visit::<crate::accounts::AccountList>();
    c.visit::<crate::accounts::AccountView>();
    c.visit::<crate::accounts::LoginStatus>();
    c.visit::<crate::credentials::CredentialsFileView>();
    c.visit::<lifeboat_archive::Inspection>();
    c.visit::<jobs::FileRestorePlan>();
    c.visit::<lifeboat_engine::cost::FileRestoreCost>();
    c.visit::<crate::files::ResumableView>();
    c.visit::<history::HistoryEntry>();
    c.visit::<crate::history::HistoryReport>();
    c.visit::<jobs::DeletedInstance>();
    c.visit::<jobs::GraphImportPlan>();
    c.visit::<exports::ExportPlan>();
    c.visit::<exports::WatchedFolder>();
    c.visit::<lifeboat_engine::strategy::Objectives>();
    c.visit::<lifeboat_engine::strategy::objectives::ObjectivesSaved>();
    c.visit::<lifeboat_engine::strategy::Readiness>();
    c.visit::<crate::strategy::ScheduleView>();
    c.visit::<crate::strategy::ScheduleSaved>();
    c.visit::<lifeboat_engine::strategy::os_scheduler::Installed>();
    // What every command rejects with.
    c.visit::<crate::error::CommandError>();
    // What channels carry.
    c.visit::<lifeboat_engine::JobEvent>();
    c.visit::<crate::files::FileDropEvent>();
    c.visit::<exports::ExportEvent>();
    // Structured arguments.
    c.visit::<history::HistoryFilter>();
    c.visit::<history::ExportFormat>();
    c.visit::<lifeboat_engine::strategy::ObjectivesChange>();
    c.visit::<crate::strategy::ScheduleRequest>();
}

/// The generated file's text: the header, then every declaration sorted by name.
pub fn render() -> String {
    // JSON numbers: Lifeboat's u64s (bytes, counts, seconds) stay far below 2^53.
    let mut c = Collector { cfg: Config::new().with_large_int("number"), decls: BTreeMap::new() };
    visit_roots(&mut c);
    let mut out = String::from(HEADER);
    for decl in c.decls.values() {
        out.push('\n');
        out.push_str(&decl.text);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn generated_wire_types_are_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED);
        let fresh = render();
        if std::env::var_os("LIFEBOAT_WRITE_WIRE_TYPES").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{GENERATED} is stale: the Rust wire types changed. Regenerate it with \
             `LIFEBOAT_WRITE_WIRE_TYPES=1 cargo test -p lifeboat --lib wire_types`, then fix what `cd ui && npm run lint` reports."
        );
    }

    #[test]
    fn the_specific_reasons_of_a_refused_file_reach_the_window() {
        // The defect this file exists to prevent: the UI read `problems` as strings while Rust sends objects.
        let text = render();
        assert!(text.contains("export type Problem = {"), "{text}");
        assert!(text.contains("problems: Array<Problem>"), "{text}");
    }
}
