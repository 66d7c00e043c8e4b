//! Prints the inspection of a file as JSON: `cargo run -p lifeboat-archive --example inspect -- FILE [VERSION]`.
//! With `--generate FORMAT-ID SIZE FILE` it writes a test archive first (see `testgen`).

use std::path::PathBuf;
use std::process::ExitCode;

use lifeboat_archive::testgen::{write_backup, TestArchive};
use lifeboat_archive::{inspect, ArchiveFormat, InspectOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let (Some(id), Some(size), Some(path)) = (args.get(1), args.get(2), args.get(3)) else {
            eprintln!("usage: --generate FORMAT-ID SIZE-BYTES FILE [incompressible]");
            return ExitCode::FAILURE;
        };
        let Some(format) = ArchiveFormat::ALL.into_iter().find(|f| f.id() == id) else {
            eprintln!("unknown format id {id}");
            return ExitCode::FAILURE;
        };
        let Ok(approx_size) = size.parse() else {
            eprintln!("bad size {size}");
            return ExitCode::FAILURE;
        };
        let spec = TestArchive {
            approx_size,
            format: Some(format),
            incompressible: args.get(4).is_some_and(|a| a == "incompressible"),
            ..TestArchive::default()
        };
        let started = std::time::Instant::now();
        match write_backup(&PathBuf::from(path), &spec) {
            Ok(w) => eprintln!("wrote {} bytes in {:?}", w.file_size, started.elapsed()),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let Some(path) = args.first() else {
        eprintln!("usage: inspect FILE [TARGET-VERSION]");
        return ExitCode::FAILURE;
    };
    let options = InspectOptions { target_version: args.get(1).cloned(), ..Default::default() };
    let started = std::time::Instant::now();
    match inspect(&PathBuf::from(path), &options) {
        Ok(found) => {
            eprintln!("inspected in {:?}", started.elapsed());
            match serde_json::to_string_pretty(&found) {
                Ok(json) => println!("{json}"),
                Err(e) => eprintln!("{e}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{} ({})", e, e.code());
            ExitCode::FAILURE
        }
    }
}
