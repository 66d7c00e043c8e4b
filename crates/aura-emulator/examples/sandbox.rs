//! Runs an emulator until Ctrl-C and prints its endpoints and credentials as one JSON line.
//!
//! `cargo run -p aura-emulator --example sandbox -- [fast|real] [PORT] [DATA_DIR]`

use aura_emulator::{start, ClockSpeed, EmulatorConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let clock: ClockSpeed = args.next().as_deref().unwrap_or("real").parse()?;
    let port = args.next().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let data_dir = args.next().map(Into::into);
    let emulator = start(EmulatorConfig { clock, port, data_dir, ..EmulatorConfig::default() }).await?;
    println!("{}", serde_json::to_string(emulator.info())?);
    tokio::signal::ctrl_c().await?;
    emulator.shutdown().await;
    Ok(())
}
