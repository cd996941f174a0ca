//! The plans file's `status` field: parsed, located when wrong, exported and re-imported.

use backline::domain::{
    StatusKind,
    plans_file::{PlanError, parse_str, to_toml},
};

use crate::{
    helpers::{backline, example_plans, parse, stderr, stdout},
    on_both_backends,
};

fn vendor_with(status: &str) -> String {
    format!(
        "[[vendor]]\nslug = \"github\"\nname = \"GitHub\"\ncriticality = \"high\"\n{status}\n\n[vendor.owner]\nname = \"Dana\"\n"
    )
}

fn only_error(text: &str) -> PlanError {
    let errors = parse_str("plans.toml", text).expect_err("the file has errors");
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors.into_iter().next().unwrap()
}

/// 1-based column of `needle` on line 5, where `vendor_with` puts the status line.
fn column_of(text: &str, needle: &str) -> usize {
    let line = text.lines().nth(4).unwrap();
    line.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {line:?}"))
        + 1
}

#[test]
fn each_kind_parses_with_its_components() {
    let text = vendor_with(
        r#"status = { statuspage = "https://www.githubstatus.com", components = ["Git Operations", "Actions"] }"#,
    );
    let status = parse(&text).remove(0).status.unwrap();
    assert_eq!(status.kind, StatusKind::Statuspage);
    assert_eq!(status.components, ["Git Operations", "Actions"]);
    assert_eq!(
        status.document_url(),
        "https://www.githubstatus.com/api/v2/summary.json"
    );
    for (key, kind) in [
        ("slack", StatusKind::Slack),
        ("betterstack", StatusKind::BetterStack),
        ("feed", StatusKind::Feed),
    ] {
        let text = vendor_with(&format!(
            "status = {{ {key} = \"https://status.example.com/x\" }}"
        ));
        let status = parse(&text).remove(0).status.unwrap();
        assert_eq!(status.kind, kind);
        assert!(status.components.is_empty());
    }
    let table =
        vendor_with("[vendor.status]\nbetterstack = \"http://127.0.0.1:8080\"\ncomponents = [\"API\"]");
    assert_eq!(parse(&table).remove(0).status.unwrap().components, ["API"]);
}

#[test]
fn an_unknown_kind_is_located_and_lists_the_four() {
    let text = vendor_with(r#"status = { statuspages = "https://www.githubstatus.com" }"#);
    let error = only_error(&text);
    assert_eq!((error.line, error.column), (5, column_of(&text, "statuspages")));
    assert_eq!(error.field.as_deref(), Some("status.statuspages"));
    for kind in ["statuspage", "slack", "betterstack", "feed"] {
        assert!(error.message.contains(kind), "{error}");
    }
}

#[test]
fn plain_http_is_refused_except_for_loopback() {
    let text = vendor_with(r#"status = { statuspage = "http://www.githubstatus.com" }"#);
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("status.statuspage"));
    assert_eq!((error.line, error.column), (5, column_of(&text, "\"http://")));
    assert!(error.message.contains("https://"), "{error}");
    for host in ["127.0.0.1:9000", "[::1]:9000", "localhost", "127.1.2.3"] {
        let text = vendor_with(&format!("status = {{ feed = \"http://{host}/feed.rss\" }}"));
        assert!(parse_str("plans.toml", &text).is_ok(), "{host}");
    }
    let not_a_url = only_error(&vendor_with(r#"status = { slack = "slack-status.com" }"#));
    assert!(not_a_url.message.contains("not a web address"), "{not_a_url}");
}

#[test]
fn no_kind_or_two_kinds_are_refused() {
    let none = only_error(&vendor_with(r#"status = { components = ["API"] }"#));
    assert_eq!(none.field.as_deref(), Some("status"));
    assert!(none.message.contains("exactly one of"), "{none}");
    let two = only_error(&vendor_with(
        r#"status = { statuspage = "https://a.example.com", feed = "https://a.example.com/rss" }"#,
    ));
    assert_eq!(two.field.as_deref(), Some("status"));
    assert!(two.message.contains("exactly one kind"), "{two}");
}

#[test]
fn component_names_follow_the_name_rules_and_are_not_repeated() {
    let long = "x".repeat(101);
    let text = vendor_with(&format!(
        "status = {{ statuspage = \"https://www.githubstatus.com\", components = [\"{long}\"] }}"
    ));
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("status.components[0]"));
    assert!(error.message.contains("100"), "{error}");
    let blank = only_error(&vendor_with(
        r#"status = { statuspage = "https://www.githubstatus.com", components = ["Actions", "  "] }"#,
    ));
    assert_eq!(blank.field.as_deref(), Some("status.components[1]"));
    let twice = only_error(&vendor_with(
        r#"status = { statuspage = "https://www.githubstatus.com", components = ["Actions", "ACTIONS"] }"#,
    ));
    assert_eq!(twice.field.as_deref(), Some("status.components"));
    assert!(twice.message.contains("listed twice"), "{twice}");
}

#[test]
fn the_examples_use_status_and_export_twice_to_the_same_text() {
    let vendors = parse(&example_plans());
    let kinds: Vec<StatusKind> = vendors
        .iter()
        .filter_map(|v| v.status.as_ref().map(|s| s.kind))
        .collect();
    assert!(
        kinds.contains(&StatusKind::Statuspage) && kinds.contains(&StatusKind::Feed),
        "{kinds:?}"
    );
    let first = to_toml(&vendors).unwrap();
    let again = to_toml(&parse(&first)).unwrap();
    assert_eq!(first, again);
    assert_eq!(parse(&again), vendors);
}

on_both_backends! {
    async fn status_round_trips_through_import_and_export(db) {
        let vendors = parse(&example_plans());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plans.toml");
        std::fs::write(&file, example_plans()).unwrap();
        let file = file.to_str().unwrap().to_owned();
        let out = backline(&db, &["import", &file]);
        assert!(out.status.success(), "{}", stderr(&out));
        let exported = stdout(&backline(&db, &["export", "--format", "toml"]));
        assert_eq!(parse(&exported), vendors);
        assert_eq!(exported, to_toml(&vendors).unwrap(), "the export is the same text every time");
        assert!(exported.contains("[vendor.status]") || exported.contains("status = {"), "{exported}");
    }
}

#[test]
fn the_wiki_says_where_the_live_status_comes_from() {
    let vendors = parse(&example_plans());
    let page =
        backline::commands::wiki::markdown(&vendors, backline::domain::Date::parse("2026-11-26").unwrap());
    assert!(
        page.contains("https://www.githubstatus.com/api/v2/summary.json")
            && page.contains("(statuspage), watching Git Operations, Actions"),
        "{page}"
    );
    assert!(page.contains("(feed), watching every component"), "{page}");
}
