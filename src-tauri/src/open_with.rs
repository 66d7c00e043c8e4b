//! Files handed to Lifeboat by the desktop rather than dropped: `lifeboat FILE`, the file manager's
//! "Open with Lifeboat" (which runs the same command), and a second `lifeboat FILE` while the window is open (the
//! single-instance plugin passes its arguments here and the second process exits).
//!
//! They reach the window on the drop channels as [`FileDropEvent::Open`]; the window gives the file to the file
//! restore of the instance it shows, as it does a dropped file. A file opened before the window has subscribed
//! waits in [`DropSubscribers`] until it does.

use std::path::Path;

use tauri::{AppHandle, Manager, Runtime};

use crate::files::{DropSubscribers, FileDropEvent};

/// The existing files among a command line's arguments (the first is the program), made absolute against `cwd`
/// (the directory the command ran in, which for a second instance is not ours). Flags and their values are not
/// files (an address, a folder), so they drop out without the window having to know the CLI's flags.
pub fn files_in_args<S: AsRef<str>>(args: &[S], cwd: &Path) -> Vec<String> {
    args.iter()
        .skip(1)
        .map(AsRef::as_ref)
        .filter(|a| !a.starts_with('-'))
        .map(|a| cwd.join(a))
        .filter(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// Sends opened files to the window, or keeps them until it subscribes.
pub fn open_files<R: Runtime>(app: &AppHandle<R>, paths: Vec<String>) {
    if paths.is_empty() {
        return;
    }
    tracing::info!(count = paths.len(), "files opened with Lifeboat");
    app.state::<DropSubscribers>().send_or_keep(FileDropEvent::Open { paths });
}

/// A second `lifeboat …` started while this one runs: its files go to this window, which comes to the front.
pub fn on_second_instance<R: Runtime>(app: &AppHandle<R>, args: Vec<String>, cwd: String) {
    open_files(app, files_in_args(&args, Path::new(&cwd)));
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tauri::ipc::{Channel, InvokeResponseBody};

    use super::files_in_args;
    use crate::files::{DropSubscribers, FileDropEvent};

    /// A window's channel that records what it is sent, as JSON.
    fn window() -> (Channel<FileDropEvent>, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                sink.lock().unwrap().push(json);
            }
            Ok(())
        });
        (channel, seen)
    }

    #[test]
    fn a_file_opened_before_the_window_loads_waits_for_it_and_goes_to_it_once() {
        let subscribers = DropSubscribers::default();
        subscribers.send_or_keep(FileDropEvent::Open { paths: vec!["/data/first.backup".into()] });
        let (first, first_seen) = window();
        subscribers.subscribe(first);
        let opened = r#"{"event":"open","data":{"paths":["/data/first.backup"]}}"#;
        assert_eq!(*first_seen.lock().unwrap(), vec![opened.to_string()]);

        // A second window (a reload) does not get it again; a file opened now goes to every window at once.
        let (second, second_seen) = window();
        subscribers.subscribe(second);
        assert!(second_seen.lock().unwrap().is_empty());
        subscribers.send_or_keep(FileDropEvent::Open { paths: vec!["/data/second.dump".into()] });
        let later = r#"{"event":"open","data":{"paths":["/data/second.dump"]}}"#;
        assert_eq!(first_seen.lock().unwrap().last().map(String::as_str), Some(later));
        assert_eq!(*second_seen.lock().unwrap(), vec![later.to_string()]);
    }

    #[test]
    fn only_existing_files_count_and_relative_ones_are_resolved_against_the_callers_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.backup"), b"BZV3").unwrap();
        let absolute = dir.path().join("mine.backup").to_string_lossy().into_owned();
        let folder = dir.path().to_string_lossy().into_owned();
        let args = [
            "lifeboat",
            "--emulator-url",
            "http://127.0.0.1:1",
            "mine.backup",
            "--automation-save-dir",
            folder.as_str(),
            "missing.dump",
            absolute.as_str(),
        ];
        let found = files_in_args(&args, dir.path());
        assert_eq!(found, vec![absolute.clone(), absolute]);
        assert!(files_in_args(&["lifeboat"], dir.path()).is_empty());
    }
}
