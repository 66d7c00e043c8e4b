//! Desktop notifications when a job ends. The words come from the engine; this only decides whether to show them
//! and hands them to the OS (D-Bus `org.freedesktop.Notifications` on Linux).

use lifeboat_engine::jobs::JobKind;
use lifeboat_engine::jobs::{FinishHook, JobState};
use tauri::{AppHandle, Manager, Runtime};

/// The hook the job manager calls when any job ends.
pub fn on_job_finished<R: Runtime>(app: AppHandle<R>) -> FinishHook {
    std::sync::Arc::new(move |job: &JobState| {
        // A snapshot finishing is worth a notification only if the user is looking elsewhere; a restore or a new
        // instance always is (the user may have walked away for a long time).
        if job.kind == JobKind::Snapshot && window_focused(&app) {
            return;
        }
        if let Some((summary, body)) = job.notification() {
            // Sending talks to D-Bus and may block briefly: never on the async runtime's threads.
            std::thread::spawn(move || {
                let shown = notify_rust::Notification::new().appname("Lifeboat").summary(&summary).body(&body).show();
                if let Err(e) = shown {
                    tracing::warn!("could not show a desktop notification: {e}");
                }
            });
        }
    })
}

fn window_focused<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false)
}
