//! Integration tests: the plans file, both storage backends, the command core and the CLI.

mod contract;
mod fixtures;
mod helpers;

mod cli;
mod core;
mod endpoint;
mod plans_file;
mod store;
