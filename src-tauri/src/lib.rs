//! The desktop shell: glue between the window and the engine. Commands, app state and window plumbing live here;
//! anything worth testing without a window belongs in `crates/lifeboat-engine`.

mod accounts;
mod background;
mod commands;
mod credentials;
mod error;
mod exports;
mod files;
mod graph;
mod history;
mod jobs;
mod logging;
mod notify;
mod open_with;
mod state;
mod strategy;
#[cfg(test)]
mod wire_types;

use tauri::{Manager, RunEvent, Runtime};

pub use error::CommandError;
use state::AppState;

/// Adds Lifeboat's plugins, state and commands to a builder (tests pass `tauri::test::mock_builder()`).
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(AppState::default())
        .manage(files::DropSubscribers::default())
        .manage(credentials::CredentialImports::default())
        .on_window_event(|window, event| {
            files::on_window_event(window, event);
            background::on_window_event(window, event);
        })
        .setup(|app| {
            let layout = lifeboat_engine::DataLayout::new(app.path().app_data_dir()?, app.path().app_config_dir()?);
            let endpoints = lifeboat_cli::window_endpoints(std::env::args_os());
            let state = app.state::<AppState>();
            tauri::async_runtime::block_on(state.start(layout, endpoints))?;
            state.workspace().map_err(|e| e.message)?.on_job_finished(notify::on_job_finished(app.handle().clone()));
            strategy::start_runner(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_instances,
            commands::get_instance,
            jobs::list_snapshots,
            jobs::take_snapshot,
            jobs::prepare_restore,
            jobs::restore_snapshot,
            jobs::clone_options,
            jobs::clone_snapshot,
            jobs::reveal_clone_password,
            jobs::list_jobs,
            jobs::watch_job,
            jobs::retry_job,
            accounts::list_accounts,
            accounts::connect_account,
            accounts::switch_account,
            accounts::rename_account,
            accounts::disconnect_account,
            accounts::db_login_status,
            accounts::save_db_login,
            accounts::forget_db_login,
            credentials::read_credentials_file,
            credentials::connect_account_from_file,
            credentials::delete_credentials_file,
            credentials::forget_credentials_file,
            credentials::choose_credentials_file,
            files::subscribe_file_drops,
            files::choose_backup_file,
            files::inspect_file,
            files::file_restore_cost,
            files::prepare_file_restore,
            files::restore_from_file,
            files::cancel_job,
            files::list_resumable_uploads,
            files::resume_upload,
            files::discard_upload,
            history::list_history,
            history::history_report,
            history::export_history,
            history::save_report,
            history::start_drill,
            history::delete_drill_instance,
            graph::export_graph,
            graph::choose_graph_file,
            graph::prepare_graph_import,
            graph::import_graph,
            exports::plan_snapshot_export,
            exports::watch_snapshot_export,
            exports::open_export_console,
            exports::add_export_folder,
            exports::save_snapshot_export,
            exports::close_snapshot_export,
            strategy::get_objectives,
            strategy::set_objectives,
            strategy::get_readiness,
            strategy::list_schedules,
            strategy::add_schedule,
            strategy::set_schedule_unattended,
            strategy::remove_schedule,
            strategy::run_schedule,
            strategy::choose_copies_folder,
        ])
}

/// Runs the desktop app until its window closes.
pub fn run() {
    // Without a display GTK cannot start and tao panics with a backtrace; say what to do instead.
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "Lifeboat needs a graphical desktop, and none was found (DISPLAY and WAYLAND_DISPLAY are not set).\n\
             On a server, run `lifeboat --help` for the command line, or `bash scripts/run.sh`, which starts a virtual display."
        );
        std::process::exit(1);
    }
    // Release builds run once per desktop session: a second `lifeboat FILE` hands its files to this window and
    // exits (over D-Bus on Linux). First, so it acts before anything else starts. Debug builds (the tests, which
    // may start several apps side by side) leave it out.
    let builder = tauri::Builder::default();
    let builder = if cfg!(debug_assertions) {
        builder
    } else {
        builder.plugin(tauri_plugin_single_instance::init(open_with::on_second_instance))
    };
    // Logging starts where the OS log folder is known, before the app's own setup; not in `run_app`, which the
    // shell's tests also build and which must not write into a real log folder.
    let builder = builder.plugin(
        tauri::plugin::Builder::<tauri::Wry>::new("lifeboat-log")
            .setup(|app, _| {
                logging::init(&app.path().app_log_dir()?);
                Ok(())
            })
            .build(),
    );
    let app = match run_app(builder).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Lifeboat could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| match event {
        // The files on our own command line (`lifeboat FILE`, "Open with"); the window picks them up once it loads.
        RunEvent::Ready => {
            let args: Vec<String> = std::env::args().collect();
            let cwd = std::env::current_dir().unwrap_or_default();
            open_with::open_files(handle, open_with::files_in_args(&args, &cwd));
        }
        RunEvent::Exit => tauri::async_runtime::block_on(handle.state::<AppState>().shutdown()),
        _ => {}
    });
}
