//! One set of text rules on both databases: what the plans validator passes imports on
//! SQLite and PostgreSQL alike; what a member types is refused with a clear message; the
//! CSV export never hands a spreadsheet a formula.

use backline::domain::{GuildId, plans_file::parse_str};
use serde_json::{Value, json};

use crate::{
    endpoint::{Endpoint, content, is_ephemeral},
    fixtures::{self, GUILD},
    helpers::{backline, stdout},
    on_both_backends,
};

/// A vendor whose every text field holds valid but awkward text: non-ASCII, emoji, quotes,
/// TOML and Markdown syntax, a zero-width joiner, names at their 100-character limit, tabs
/// and newlines where several lines are allowed.
fn awkward_plans() -> String {
    let long_name = format!("Ünïcödé {}", "名".repeat(92));
    format!(
        r##"
[[vendor]]
slug = "awkward"
name = "{long_name}"
aliases = ["ＡＷＫ", "a\"b\\c", "👩‍💻 desk"]
criticality = "high"
workloads = ["[[vendor]]", "# not a heading"]
notes = "line one\n\tindented\r\nlast ``` line"
[vendor.owner]
name = "Zoë O'Brien"
team = "=SUM(A1)"
[vendor.plan]
tier = "<@everyone> **Gold**"
hours = {{ days = ["mon", "fri"], start = "22:00", end = "06:00", timezone = "Asia/Tokyo" }}
response_clock = "business-hours"
response = {{ sev1 = "4h" }}
severity_names = {{ sev1 = "Sev \u00e9 1" }}
[vendor.filing]
phone = "+81 3 0000 0000"
steps = ["Call \u200dnow", "Then ~~~ wait"]
template = """
Summary: {{summary}}
	Severity: {{severity}}
"""
[[vendor.escalation]]
name = "Support"
contacts = [{{ name = "Desk ☎", role = "-1" }}]
"##
    )
}

on_both_backends! {
    async fn what_the_validator_passes_imports_and_reads_back_unchanged(db) {
        let vendors = parse_str("awkward.toml", &awkward_plans()).expect("valid plans");
        let guild = GuildId::new(GUILD).unwrap();
        db.store.import(guild, &vendors, false).await.expect("imports");
        assert_eq!(db.store.vendors(guild).await.unwrap(), vendors);
    }
}

/// `/case <sub> name:value …` as Discord sends a subcommand.
fn case_command(sub: &str, options: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    fixtures::envelope(
        2,
        Some(GUILD),
        json!({"id": "600000000000000002", "name": "case", "type": 1,
               "options": [{"name": sub, "type": 1, "options": options}]}),
    )
}

on_both_backends! {
    async fn a_member_typing_control_characters_or_line_breaks_gets_a_clear_ephemeral_error(db) {
        let endpoint = Endpoint::new(db).await;
        let open = |summary: &str, case_id: &str| {
            case_command("open", &[("vendor", "aws"), ("severity", "sev2"), ("summary", summary), ("vendor_case_id", case_id)])
        };
        for (payload, expected) in [
            (open("Checkout\u{0} down", "1"), "summary contains a control character (U+0000)"),
            (open("\u{200B} \u{2060}", "1"), "summary must not be empty"),
            (open("Checkout down", "17\n17"), "vendor case ID must be one line"),
            (open("Checkout down", "\u{1b}[2J"), "vendor case ID contains a control character (U+001B)"),
        ] {
            let answer = endpoint.post(&payload).await;
            assert!(is_ephemeral(&answer), "{answer:#}");
            assert!(content(&answer).contains(expected), "{expected} not in {answer:#}");
        }
        let opened = endpoint.post(&open("Checkout down", "1717")).await;
        assert!(content(&opened).contains("**Case #1** opened"), "nothing was stored before: {opened:#}");
        let note = endpoint
            .post(&case_command("update", &[("case", "1"), ("note", "bad\u{7}bell")]))
            .await;
        assert!(is_ephemeral(&note) && content(&note).contains("note contains a control character"), "{note:#}");
    }
}

on_both_backends! {
    async fn the_csv_export_turns_formulas_into_text_and_the_json_keeps_them(db) {
        let endpoint = Endpoint::new(db).await;
        let summary = "=HYPERLINK(\"https://evil.example\",\"click\")";
        endpoint
            .post(&case_command("open", &[("vendor", "aws"), ("severity", "sev1"), ("summary", summary), ("vendor_case_id", "@SUM(1+1)")]))
            .await;
        endpoint
            .post(&case_command("close", &[("case", "1"), ("resolution", "-2+3 restarted")]))
            .await;
        let guild = GUILD.to_string();
        let csv = stdout(&backline(&endpoint.db, &["cases", "export", "--guild", &guild, "--format", "csv"]));
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(!rows.is_empty());
        for row in &rows {
            assert_eq!(&row[column("summary")], format!("'{summary}"));
            assert_eq!(&row[column("vendor_case_id")], "'@SUM(1+1)");
            assert_eq!(&row[column("resolution")], "'-2+3 restarted");
            assert_eq!(&row[column("vendor")], "aws", "other cells are untouched");
        }
        let json = stdout(&backline(&endpoint.db, &["cases", "export", "--guild", &guild, "--format", "json"]));
        let json: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json[0]["summary"], summary);
        assert_eq!(json[0]["vendor_case_id"], "@SUM(1+1)");
        assert_eq!(json[0]["resolution"], "-2+3 restarted");
    }
}
