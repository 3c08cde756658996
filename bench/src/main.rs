//! Assent's benchmark harness (issue 11). One binary, three roles: `run` drives the
//! scenarios and prints the table; `graph` is the stand-in Graph API and `ceiling` the
//! minimal actix-web + sqlx service, each started by `run` as a process of its own so
//! that their CPU never counts as Assent's. `bash bench/run` builds and starts it.

mod assent;
mod assent_db;
mod ceiling;
mod config;
mod databases;
mod graph;
mod meta;
mod procs;
mod report;
mod scenarios;
mod wrk;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "assent-bench", about = "Assent's benchmark harness (issue 11)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios against Assent and print the Markdown table.
    Run(config::RunArgs),
    /// The stand-in Graph API (and the business's webhook endpoint).
    Graph(graph::Args),
    /// The ceiling: one INSERT or one SELECT behind actix-web.
    Ceiling(ceiling::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(scenarios::run(args))),
        Command::Graph(args) => graph::serve(args),
        Command::Ceiling(args) => ceiling::serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
