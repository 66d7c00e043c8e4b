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

/// Tells the user about copies that failed or were missed (the engine's words), as a desktop notification.
pub struct Desktop<R: Runtime> {
    _app: AppHandle<R>,
}

impl<R: Runtime> Desktop<R> {
    /// A notifier for the app.
    pub fn new(app: AppHandle<R>) -> Self {
        Self { _app: app }
    }
}

impl<R: Runtime> lifeboat_engine::strategy::Notifier for Desktop<R> {
    fn notify(&self, summary: &str, body: &str) {
        let (summary, body) = (summary.to_owned(), body.to_owned());
        // As above: D-Bus on a thread of its own.
        std::thread::spawn(move || {
            let shown = notify_rust::Notification::new().appname("Lifeboat").summary(&summary).body(&body).show();
            if let Err(e) = shown {
                tracing::warn!("could not show a desktop notification: {e}");
            }
        });
    }
}
