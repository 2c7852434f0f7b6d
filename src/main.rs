//! Entry point: parse the command line, start telemetry, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use customer_graph::{cli, telemetry};

/// A GraphQL response is hundreds of small allocations across the runtime's
/// threads; glibc's allocator spent a quarter of the server's time on them
/// under load (bench/README.md), mimalloc a fraction of that.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, the whole chain of causes, no backtrace: this is for people.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
