//! The `backline` binary: import, export and ask, as an operator runs them.

use crate::{
    helpers::{TestDb, backline, example_plans, stderr, stdout},
    on_both_backends,
};

/// A plans file with no finding at all (its contacts are verified far in the future).
pub const CLEAN_PLANS: &str = r#"[[vendor]]
slug = "acme"
name = "Acme"
criticality = "low"
[vendor.owner]
name = "Owner"
verified = 2099-01-01
[vendor.backup]
name = "Backup"
verified = 2099-01-01
[vendor.plan]
tier = "Basic"
hours = "24x7"
[vendor.filing]
email = "support@acme.example"
steps = ["Email support"]
[[vendor.escalation]]
name = "Support"
"#;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn export(db: &TestDb, guild: &str) -> String {
    let out = backline(db, &["export", "--guild", guild, "--format", "toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans.toml");

on_both_backends! {
    async fn a_bad_file_reports_every_error_and_leaves_the_database_as_it_was(db) {
        let ok = backline(&db, &["import", "--guild", "7", EXAMPLES]);
        assert!(ok.status.success(), "{}", stderr(&ok));
        let before = export(&db, "7");

        let dir = tempfile::tempdir().unwrap();
        // One error of each kind, spread over two files; also a valid change that must not land.
        let broken = example_plans()
            .replace("tier = \"Enterprise\"", "tier = \"Enterprise Plus\"")
            .replace("criticality = \"high\"\nworkloads = [\"search\"", "criticality = 3\nworkloads = [\"search\"")
            .replace("timezone = \"Europe/Amsterdam\"", "timezone = \"Europe/Amsterdan\"")
            .replace("sev1 = \"30m\"", "sev1 = \"half an hour\"")
            .replace("notes = \"No paid", "note = \"No paid")
            .replace("slug = \"pagerduty\"\nname = \"PagerDuty\"\n", "slug = \"pagerduty\"\n");
        let a = write(&dir, "a.toml", &broken);
        let b = write(&dir, "b.toml", "[[vendor]]\nslug = \"aws\"\nname = \"AWS again\"\ncriticality = \"low\"\n[vendor.owner]\nname = \"x\"\n\n[[vendor]\n");
        let out = backline(&db, &["import", "--guild", "7", "--prune", &a, &b]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        for expected in [
            "field `criticality`: invalid type: integer `3`, expected a string",
            "field `plan.hours`: `Europe/Amsterdan` is not an IANA time zone (did you mean `Europe/Amsterdam`?)",
            "field `needs.sev1`: `half an hour` is not a duration",
            "field `note`: unknown field `note`",
            "field `name`: required field `name` is missing",
            "TOML syntax",
            "nothing was imported",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        for line in err.lines().filter(|l| !l.contains("nothing was imported")) {
            let mut parts = line.splitn(4, ':');
            let (file, line_no, column) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            assert!(file == a || file == b, "{line}");
            assert!(line_no.parse::<usize>().is_ok() && column.parse::<usize>().is_ok(), "no line:column in {line}");
        }
        assert_eq!(export(&db, "7"), before, "a failed import must not change the database");
    }
}

on_both_backends! {
    async fn an_error_found_after_the_first_batches_of_a_large_file_imports_nothing(db) {
        // 1200 vendors: the first batches are parsed and written before the error is reached.
        let mut text = String::new();
        for i in 0..1200 {
            text.push_str(&format!(
                "[[vendor]]\nslug = \"v{i}\"\nname = \"Vendor {i}\"\ncriticality = \"low\"\n\n[vendor.owner]\nname = \"Someone\"\n\n"
            ));
        }
        let dir = tempfile::tempdir().unwrap();
        let broken = write(&dir, "broken.toml", &text.replacen("name = \"Vendor 1100\"", "nmae = \"Vendor 1100\"", 1));
        let out = backline(&db, &["import", "--guild", "7", &broken]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("vendor `v1100`, field `nmae`: unknown field `nmae`"), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        let fixed = write(&dir, "fixed.toml", &text);
        let out = backline(&db, &["import", "--guild", "7", &fixed]);
        assert!(stdout(&out).contains("1200 added, 0 updated, 0 unchanged"), "{}", stdout(&out));
    }
}

on_both_backends! {
    async fn export_then_import_into_an_empty_database_round_trips(db) {
        assert!(backline(&db, &["import", EXAMPLES]).status.success());
        let exported = export(&db, "0");
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "exported.toml", &exported);

        let empty = crate::helpers::sqlite().await;
        let out = backline(&empty, &["import", &file]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(export(&empty, "0"), exported);

        let again = backline(&db, &["import", &file]);
        assert!(stdout(&again).contains("0 added, 0 updated, 6 unchanged, 0 removed"), "{}", stdout(&again));
    }
}

on_both_backends! {
    async fn two_guilds_with_different_files_each_see_only_their_own(db) {
        let dir = tempfile::tempdir().unwrap();
        let examples = example_plans();
        let (first, second) = examples.split_at(examples.find("# A critical vendor with no support plan").unwrap());
        let first = write(&dir, "first.toml", first);
        let second = write(&dir, "second.toml", second);
        assert!(backline(&db, &["import", "--guild", "111", &first]).status.success());
        assert!(backline(&db, &["import", "--guild", "222", &second]).status.success());

        let in_first = backline(&db, &["ask", "--guild", "111", "/support aws"]);
        assert!(stdout(&in_first).contains("== Amazon Web Services (aws) =="));
        let across = backline(&db, &["ask", "--guild", "222", "/support aws"]);
        assert_eq!(across.status.code(), Some(1));
        assert!(stderr(&across).contains("No vendor named `aws` here"), "{}", stderr(&across));
        assert!(export(&db, "111").contains("slug = \"elastic\""));
        assert!(!export(&db, "222").contains("slug = \"elastic\""));
        assert!(!export(&db, "111").contains("slug = \"stripe\""));
    }
}

on_both_backends! {
    async fn ask_suggests_the_closest_vendors_for_a_misspelling(db) {
        assert!(backline(&db, &["import", EXAMPLES]).status.success());
        let out = backline(&db, &["ask", "/owner pagerdutty"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("Did you mean `pagerduty` (PagerDuty)?"), "{}", stderr(&out));
    }
}

on_both_backends! {
    async fn export_markdown_documents_filing_notification_and_escalation(db) {
        assert!(backline(&db, &["import", EXAMPLES]).status.success());
        let out = backline(&db, &["export", "--format", "markdown"]);
        let page = stdout(&out);
        assert!(page.starts_with("# Vendor support plans"));
        for heading in ["## Amazon Web Services (`aws`)", "### How to request support", "### Whom to notify", "### How to escalate"] {
            assert!(page.contains(heading), "missing {heading}");
        }
        assert!(page.contains("1. **AWS Support \\(case\\)**") || page.contains("1. **AWS Support (case)**"), "{page}");
        assert!(page.find("(`aws`)").unwrap() < page.find("(`pagerduty`)").unwrap(), "critical vendors first");
    }
}

#[test]
fn readme_first_command_works_with_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("BACKLINE_GUILD_ID")
            .output()
            .unwrap()
    };
    let import = run(&["import", EXAMPLES]);
    assert!(import.status.success(), "{}", stderr(&import));
    let ask = run(&["ask", "/support aws"]);
    assert!(stdout(&ask).contains("Enterprise"), "{}", stdout(&ask));
    assert!(
        dir.path().join("backline.db").exists(),
        "the default SQLite file is created in the working directory"
    );
}

#[test]
fn an_unknown_command_says_what_to_type() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["ask", "/pager aws"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("try `/support <vendor>`"));
}

/// Runs `backline` with a database it can never reach: proves a command needs none.
fn backline_without_database(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap()
}

#[test]
fn check_lists_the_example_registrys_deliberate_problems_and_exits_one_without_a_database() {
    let out = backline_without_database(&["check", EXAMPLES]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    for expected in [
        "cloudflare (Cloudflare, critical)\n  error: plan weaker than needed at sev1",
        "stripe (Stripe, critical)\n  error: critical vendor with no support plan",
        "single point of contact",
        "contacts not verified within 90d: Tom Becker (owner)",
        "sev1 support is needed but Gold only answers during business hours",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&backline_without_database(&["check", "--format", "json", EXAMPLES]).stdout)
            .unwrap();
    assert_eq!(json["errors"], 3);
    assert_eq!(json["vendors"][0]["slug"], "cloudflare", "worst first");
}

#[test]
fn check_of_a_clean_file_exits_zero_and_of_a_broken_one_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(&dir, "clean.toml", CLEAN_PLANS);
    let out = backline_without_database(&["check", &clean]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 error(s)"));
    let broken = write(&dir, "broken.toml", "[[vendor]]\nslug = \"Acme\"\n");
    let out = backline_without_database(&["check", &broken]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("broken.toml:2:8"), "{}", stderr(&out));
}

#[test]
fn check_for_github_annotates_each_finding_and_error_on_its_line() {
    let example = example_plans();
    let out = backline_without_database(&["check", "--format", "github", EXAMPLES]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let line_of = |slug: &str| {
        example
            .lines()
            .position(|l| l == format!("slug = \"{slug}\""))
            .unwrap()
            + 1
    };
    let file = EXAMPLES.replace(':', "%3A").replace(',', "%2C");
    let stripe = format!(
        "::error file={file},line={},col=8,title=backline check%3A stripe::critical vendor with no support plan",
        line_of("stripe")
    );
    assert!(
        text.lines().any(|l| l.starts_with(&stripe)),
        "missing {stripe:?} in\n{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with(&format!(
            "::warning file={file},line={},col=8,",
            line_of("github")
        )) && l.contains("contacts not verified within 90d")),
        "{text}"
    );
    let commands = text.lines().filter(|l| l.starts_with("::")).count();
    assert_eq!(
        commands,
        text.lines().count() - 1,
        "one command a finding, then the summary:\n{text}"
    );

    // A broken file: each plans error on its file, line and column; a message with a newline
    // or a percent sign is escaped so it stays one command.
    let dir = tempfile::tempdir().unwrap();
    let broken = write(&dir, "broken,1.toml", "[[vendor]]\nslug = \"Acme\"\n");
    let out = backline_without_database(&["check", "--format", "github", &broken]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let file = broken.replace(':', "%3A").replace(',', "%2C");
    assert!(
        text.lines().any(|l| l.starts_with(&format!(
            "::error file={file},line=2,col=8,title=backline check%3A vendor Acme%2C field slug::"
        ))),
        "{text}"
    );
    assert!(text.lines().all(|l| l.starts_with("::error file=")), "{text}");
}

#[tokio::test]
async fn ask_for_an_unknown_vendor_says_so_on_stderr_and_exits_one() {
    let db = crate::helpers::sqlite().await;
    assert!(backline(&db, &["import", EXAMPLES]).status.success());
    let out = backline(&db, &["ask", "/support no-such-vendor"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "", "an error is not an answer");
    assert!(stderr(&out).contains("no-such-vendor"), "{}", stderr(&out));
}

#[test]
fn help_never_shows_an_environment_variable_with_a_dangling_equals_sign() {
    let commands: &[&[&str]] = &[
        &[],
        &["import"],
        &["export"],
        &["ask"],
        &["serve"],
        &["discord", "register"],
        &["cases", "export"],
        &["check"],
        &["history"],
        &["guild"],
        &["schema"],
    ];
    for command in commands {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(*command)
            .arg("--help")
            .env_clear()
            .output()
            .unwrap();
        let help = stdout(&out);
        assert!(out.status.success(), "{command:?}: {}", stderr(&out));
        assert!(!help.contains("=]"), "{command:?} --help:\n{help}");
    }
    let serve = std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--help"])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        stdout(&serve).contains("[env: DISCORD_PUBLIC_KEY]"),
        "{}",
        stdout(&serve)
    );
}

#[tokio::test]
async fn import_prints_counts_and_names_vendors_only_when_few_or_verbose() {
    let db = crate::helpers::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let vendors = |range: std::ops::Range<usize>| {
        range
            .map(|i| format!("[[vendor]]\nslug = \"vendor-{i}\"\nname = \"Vendor {i}\"\ncriticality = \"low\"\n[vendor.owner]\nname = \"Owner\"\n\n"))
            .collect::<String>()
    };
    let many = write(&dir, "many.toml", &vendors(0..30));
    let out = backline(&db, &["import", &many]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("30 added, 0 updated, 0 unchanged, 0 removed"),
        "{text}"
    );
    assert!(
        text.contains("added: 30 vendors (--verbose lists them)"),
        "{text}"
    );
    assert!(!text.contains("vendor-0"), "{text}");

    let fewer = write(&dir, "fewer.toml", &vendors(0..27));
    let out = backline(&db, &["import", "--prune", &fewer]);
    let text = stdout(&out);
    assert!(
        text.contains("  removed: vendor-27, vendor-28, vendor-29\n"),
        "few are named: {text}"
    );

    let out = backline(&db, &["import", "--verbose", &many]);
    let text = stdout(&out);
    assert!(
        text.contains("  added: vendor-27, vendor-28, vendor-29\n"),
        "{text}"
    );
    let out = backline(
        &db,
        &[
            "import",
            "--verbose",
            "--prune",
            &write(&dir, "one.toml", &vendors(0..1)),
        ],
    );
    let removed = stdout(&out)
        .lines()
        .find(|l| l.starts_with("  removed:"))
        .unwrap()
        .to_owned();
    assert_eq!(
        removed.matches("vendor-").count(),
        29,
        "--verbose names them all: {removed}"
    );
}

fn ask_with_database(url: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["ask", "/support aws"])
        .env("DATABASE_URL", url)
        .output()
        .unwrap()
}

#[test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
fn a_missing_postgres_database_is_named_once_with_how_to_create_it() {
    let mut url = url::Url::parse(&std::env::var(crate::helpers::POSTGRES_ENV).unwrap()).unwrap();
    url.set_path("backline_no_such_database");
    let out = ask_with_database(url.as_str());
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert_eq!(
        text.matches("has no database named \"backline_no_such_database\"")
            .count(),
        1,
        "{text}"
    );
    assert!(
        !text.contains("does not exist"),
        "the driver's wording is not repeated: {text}"
    );
    assert!(text.contains("createdb"), "{text}");
    assert!(
        !text.contains(" at line "),
        "not PostgreSQL's own source line: {text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn an_unopenable_sqlite_file_says_to_check_its_directory() {
    let out = ask_with_database("sqlite:///nonexistent-backline-directory/backline.db");
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(
        text.starts_with("error: cannot open the SQLite file of sqlite:///nonexistent-backline-directory/backline.db: does its directory exist"),
        "{text}"
    );
    assert_eq!(text.matches("unable to open").count(), 0, "{text}");
}

#[test]
fn an_unreachable_postgres_server_is_named_with_what_to_check() {
    // Port 1 on loopback: nothing listens there; connections are refused.
    let out = ask_with_database("postgres://backline:hunter2@127.0.0.1:1/backline");
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(text.contains("cannot reach PostgreSQL at 127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
