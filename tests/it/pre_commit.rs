//! The pre-commit hook this repository offers plans repositories (`.pre-commit-hooks.yaml`),
//! run the way a plans repository runs it: `pre-commit try-repo` against a small git
//! repository in a temporary directory, with the built `backline` on PATH.

use std::{path::Path, process::Command};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pre-commit try-repo <this repository> backline-check --all-files` in `plans`.
fn try_repo(plans: &Path, home: &Path) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_backline")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    Command::new("pre-commit")
        .args([
            "try-repo",
            env!("CARGO_MANIFEST_DIR"),
            "backline-check",
            "--all-files",
            "--color",
            "never",
        ])
        .current_dir(plans)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("DATABASE_URL")
        .output()
        .expect("pre-commit runs")
}

#[test]
#[cfg_attr(
    no_pre_commit,
    ignore = "pre-commit is not installed: pip install pre-commit (CI installs it)"
)]
fn the_pre_commit_hook_passes_a_good_plans_file_and_fails_a_bad_one() {
    let home = tempfile::tempdir().unwrap();
    let plans = tempfile::tempdir().unwrap();
    git(plans.path(), &["init", "-q"]);
    std::fs::create_dir(plans.path().join("plans")).unwrap();
    std::fs::write(plans.path().join("plans/acme.toml"), crate::cli::CLEAN_PLANS).unwrap();
    git(plans.path(), &["add", "."]);
    let out = try_repo(plans.path(), home.path());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "a good plans file passes:\n{text}");
    assert!(
        text.contains("backline check") && text.contains("Passed"),
        "{text}"
    );

    std::fs::write(
        plans.path().join("plans/broken.toml"),
        "[[vendor]]\nslug = \"Acme\"\n",
    )
    .unwrap();
    git(plans.path(), &["add", "."]);
    let out = try_repo(plans.path(), home.path());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "a bad plans file fails:\n{text}");
    assert!(
        text.contains("Failed") && text.contains("plans/broken.toml:2:8"),
        "{text}"
    );
}
