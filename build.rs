//! Tells the integration tests which optional test resources this machine has, so a test
//! that cannot run here is reported "ignored" in `cargo test`'s summary rather than passed.
//!
//! - `no_test_postgres`: `BACKLINE_TEST_POSTGRES_URL` is unset (the PostgreSQL tests).
//! - `no_discord_spec`: Discord's OpenAPI description is not at `BACKLINE_DISCORD_SPEC`
//!   (default `../shared/discord-api-spec/openapi.json`) (the contract tests).
//! - `no_pre_commit`: `pre-commit --version` does not run (the test of the pre-commit hook;
//!   `pip install pre-commit`, then touch build.rs or set `CI` to re-check).
//!
//! With `CI` set none is emitted: there the tests run, and fail when what they need is
//! missing. Changing one of these variables re-runs this script and rebuilds the crate.

use std::path::PathBuf;

const POSTGRES_ENV: &str = "BACKLINE_TEST_POSTGRES_URL";
const SPEC_ENV: &str = "BACKLINE_DISCORD_SPEC";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_test_postgres)");
    println!("cargo::rustc-check-cfg=cfg(no_discord_spec)");
    println!("cargo::rustc-check-cfg=cfg(no_pre_commit)");
    for variable in [POSTGRES_ENV, SPEC_ENV, "CI"] {
        println!("cargo::rerun-if-env-changed={variable}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    let in_ci = std::env::var_os("CI").is_some();
    if !in_ci && std::env::var_os(POSTGRES_ENV).is_none() {
        println!("cargo::rustc-cfg=no_test_postgres");
    }
    let spec = std::env::var_os(SPEC_ENV).map_or_else(
        || {
            let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
            PathBuf::from(manifest_dir).join("../shared/discord-api-spec/openapi.json")
        },
        PathBuf::from,
    );
    if spec.is_file() {
        // Watched only while it exists: cargo treats a watched path that is missing as
        // changed on every build, which would rebuild the crate each time.
        println!("cargo::rerun-if-changed={}", spec.display());
    } else if !in_ci {
        println!("cargo::rustc-cfg=no_discord_spec");
    }
    let pre_commit = std::process::Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !in_ci && !pre_commit {
        println!("cargo::rustc-cfg=no_pre_commit");
    }
}
