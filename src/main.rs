//! The `dred-opus` command-line tool: a thin layer of argument parsing and I/O over the library.
#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// dred-opus: the Opus codec with Deep REDundancy, in safe Rust.
#[derive(Parser)]
#[command(name = "dred-opus", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print one JSON object per packet of an opus_demo bitstream (`.bit`).
    ///
    /// With no file, inspects the bundled sample stream (speech with LBRR and DRED).
    Inspect {
        /// The bitstream to read; omit for the bundled sample.
        file: Option<std::path::PathBuf>,
    },
    /// opus_demo's command line: `demo -d RATE CH [options] in.bit out.pcm`, or `demo [-e] APP RATE CH BPS [options] in out`.
    #[command(disable_help_flag = true)]
    Demo {
        /// opus_demo's arguments, passed through unchanged.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Inspect { file } => {
            let data = match &file {
                Some(p) => std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?,
                None => dred_opus::inspect::SAMPLE_BITSTREAM.to_vec(),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            dred_opus::inspect::inspect_bitstream(&data, &mut out).map_err(|e| match &file {
                Some(p) => format!("{}: {e}", p.display()),
                None => e.to_string(),
            })?;
            out.flush().map_err(|e| e.to_string())
        }
        Command::Demo { args } => {
            let parsed = dred_opus::demo::DemoArgs::parse(&args).map_err(|e| e.to_string())?;
            dred_opus::demo::run(&parsed).map_err(|e| e.to_string())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            let msg = msg.trim_end();
            eprintln!("dred-opus: {msg}");
            ExitCode::FAILURE
        }
    }
}
