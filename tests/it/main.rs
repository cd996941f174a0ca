//! Integration tests: the plans file, both storage backends, the command core and the CLI.

mod helpers;

mod cli;
mod core;
mod plans_file;
mod store;
