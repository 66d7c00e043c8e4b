//! Closing the window while work is under way does not stop it: the window hides, the work continues, the usual
//! desktop notification says how it ended, and Lifeboat quits once nothing is left running.

use std::time::Duration;

use tauri::{Manager, Runtime, Window, WindowEvent};

use crate::state::AppState;

/// How often the hidden app checks whether its work is done.
const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Time for the last desktop notification to reach the notification daemon before the process exits.
const NOTIFY_GRACE: Duration = Duration::from_secs(3);

/// Handles the main window's close request.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let state = window.state::<AppState>();
    let running = state.running_jobs();
    if running == 0 {
        return;
    }
    api.prevent_close();
    let _ = window.hide();
    let body = if running == 1 {
        "One operation is still running. Lifeboat keeps working in the background and tells you when it ends."
            .to_owned()
    } else {
        format!("{running} operations are still running. Lifeboat keeps working in the background and tells you when they end.")
    };
    std::thread::spawn(move || {
        let _ = notify_rust::Notification::new()
            .appname("Lifeboat")
            .summary("Lifeboat is still working")
            .body(&body)
            .show();
    });
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(CHECK_EVERY).await;
            if app.state::<AppState>().running_jobs() == 0 {
                tokio::time::sleep(NOTIFY_GRACE).await;
                app.exit(0);
                break;
            }
        }
    });
}
