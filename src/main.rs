//! The `backline` binary: everything happens in `cli`.

fn main() -> std::process::ExitCode {
    backline::cli::main()
}
