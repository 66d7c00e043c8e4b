// Every app command is declared here so tauri-build generates an `allow-<command>` permission for it; the
// capability file grants exactly those, nothing by wildcard.
const COMMANDS: &[&str] = &[
    "app_info",
    "list_instances",
    "get_instance",
    "list_snapshots",
    "take_snapshot",
    "prepare_restore",
    "restore_snapshot",
    "clone_options",
    "clone_snapshot",
    "reveal_clone_password",
    "list_jobs",
    "watch_job",
    "list_accounts",
    "connect_account",
    "switch_account",
    "rename_account",
    "disconnect_account",
    "db_login_status",
    "save_db_login",
    "forget_db_login",
    "subscribe_file_drops",
    "choose_backup_file",
    "inspect_file",
    "prepare_file_restore",
    "restore_from_file",
    "cancel_job",
    "list_resumable_uploads",
    "resume_upload",
    "discard_upload",
    "list_history",
    "history_report",
    "export_history",
    "save_report",
    "start_drill",
    "delete_drill_instance",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
