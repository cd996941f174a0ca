//! Logging set up once, on stderr: JSON lines for a log collector, or text for a person.

use std::io::IsTerminal as _;

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object a line, with the fields of the spans it was logged in.
    Json,
    /// Human-readable lines (coloured only on a terminal).
    Text,
}

/// Installs the subscriber. Without a format: text when stderr is a terminal, JSON
/// otherwise (under systemd, Docker or Kubernetes, where a collector reads it). Colours
/// only on a terminal. `RUST_LOG` filters (default `warn`; `info` adds one line per
/// interaction).
pub fn init(format: Option<LogFormat>) {
    let terminal = std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(terminal);
    let format = format.unwrap_or(if terminal {
        LogFormat::Text
    } else {
        LogFormat::Json
    });
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
