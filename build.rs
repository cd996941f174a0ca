//! Tells the integration tests which optional test resources this machine has, so a test
//! that cannot run here is reported "ignored" in `cargo test`'s summary rather than passed.
//!
//! - `no_test_postgres`: `BACKLINE_TEST_POSTGRES_URL` is unset (the PostgreSQL tests).
//! - `no_discord_spec`: Discord's OpenAPI description is not at `BACKLINE_DISCORD_SPEC`
//!   (default `../shared/discord-api-spec/openapi.json`) (the contract tests).
//! - `no_pre_commit`: `pre-commit --version` does not run (the test of the pre-commit hook;
//!   `pip install pre-commit`, then touch build.rs or set `CI` to re-check).
//!
//! It also sets `BACKLINE_GIT_COMMIT` (`git rev-parse --short HEAD`, or "unknown" outside a
//! git checkout) for the `backline_build_info` metric.
//!
//! With `CI` set none is emitted: there the tests run, and fail when what they need is
//! missing. Changing one of these variables re-runs this script and rebuilds the crate.

use std::{path::PathBuf, process::Command};

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
    git_commit();
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

/// The short commit hash, re-read when HEAD moves (a commit, a checkout).
fn git_commit() {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=BACKLINE_GIT_COMMIT={commit}");
    // HEAD names the branch; the branch's reflog changes with every commit on it. Watched
    // only when they exist (a missing watched path would rebuild the crate every time).
    for path in ["HEAD", "logs/HEAD"] {
        if let Some(file) = git(&["rev-parse", "--git-path", path])
            && PathBuf::from(&file).is_file()
        {
            println!("cargo::rerun-if-changed={file}");
        }
    }
}
