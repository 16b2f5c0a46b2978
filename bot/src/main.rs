use std::process::ExitCode;

use clap::Parser as _;
use medcab_bot::cli::{self, Cli};
use medcab_bot::config::{self, ConfigError};
use medcab_bot::telemetry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    config::load_dotenv();
    if let Err(error) = telemetry::init() {
        eprintln!("medcab: {error}");
        return ExitCode::from(2);
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("medcab: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, causes joined, never a backtrace (a line for each
            // setting when several are wrong).
            eprintln!("medcab: {error:#}");
            if error.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
