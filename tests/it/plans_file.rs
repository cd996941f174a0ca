//! The plans file parser: every error located by file, line, column and field; all reported.

use backline::domain::plans_file::{PlanError, SourceFile, parse_files, parse_str, to_toml};

use crate::helpers::{example_plans, parse};

const VALID: &str = r#"
[[vendor]]
slug = "aws"
name = "Amazon Web Services"
criticality = "critical"

[vendor.owner]
name = "Dana"

[vendor.plan]
tier = "Enterprise"
hours = "24x7"
response = { sev1 = "15m" }
"#;

fn errors(text: &str) -> Vec<PlanError> {
    parse_str("plans.toml", text).expect_err("the file has errors")
}

/// The only error, asserting there is exactly one.
fn only_error(text: &str) -> PlanError {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors.into_iter().next().unwrap()
}

/// 1-based (line, column) of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (
        text[..offset].matches('\n').count() + 1,
        text[line_start..offset].chars().count() + 1,
    )
}

#[test]
fn the_valid_fixture_parses() {
    let vendors = parse(VALID);
    assert_eq!(vendors.len(), 1);
    assert_eq!(vendors[0].plan.as_ref().unwrap().tier, "Enterprise");
}

#[test]
fn syntax_error_is_located() {
    let text = VALID.replace("name = \"Dana\"", "name = \"Dana");
    let error = &errors(&text)[0];
    assert_eq!(error.file, "plans.toml");
    assert_eq!(error.line, position_of(&text, "name = \"Dana").0);
    assert!(error.message.contains("TOML syntax"), "{error}");
}

#[test]
fn wrong_type_names_the_field_and_points_at_the_value() {
    let text = VALID.replace("criticality = \"critical\"", "criticality = 5");
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("criticality"));
    assert_eq!((error.line, error.column), position_of(&text, "5\n"));
    assert_eq!(error.vendor.as_deref(), Some("aws"));
}

#[test]
fn unknown_field_names_the_field_and_points_at_the_key() {
    let text = VALID.replace(
        "tier = \"Enterprise\"",
        "tier = \"Enterprise\"\ntier_name = \"x\"",
    );
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("plan.tier_name"), "{error}");
    assert_eq!((error.line, error.column), position_of(&text, "tier_name"));
    assert!(error.message.contains("unknown field `tier_name`"), "{error}");
}

#[test]
fn missing_required_field_names_it() {
    let text = VALID.replace("[vendor.owner]\nname = \"Dana\"\n", "");
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("owner"), "{error}");
    assert!(
        error.message.contains("required field `owner` is missing"),
        "{error}"
    );
    assert_eq!(
        (error.line, error.column),
        position_of(&text, "[[vendor]]"),
        "points at the vendor table: {error}"
    );
}

#[test]
fn bad_duration_names_the_field_and_says_how_to_write_one() {
    let text = VALID.replace("sev1 = \"15m\"", "sev1 = \"fast\"");
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("plan.response.sev1"), "{error}");
    assert_eq!((error.line, error.column), position_of(&text, "\"fast\""));
    assert!(error.message.contains("15m"), "{error}");
}

#[test]
fn bad_time_zone_is_located_and_suggests_the_right_one() {
    let text = VALID.replace(
        "hours = \"24x7\"",
        "hours = { days = [\"mon\"], start = \"09:00\", end = \"17:00\", timezone = \"Europe/Berln\" }",
    );
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("plan.hours"), "{error}");
    assert_eq!(error.line, position_of(&text, "Europe/Berln").0);
    assert!(error.message.contains("Europe/Berlin"), "{error}");
}

#[test]
fn duplicate_slug_across_files_points_at_the_second_and_names_the_first() {
    let files = [
        SourceFile {
            name: "a.toml".into(),
            text: VALID.into(),
        },
        SourceFile {
            name: "b.toml".into(),
            text: format!("\n\n{VALID}"),
        },
    ];
    let errors = parse_files(&files).expect_err("duplicate slug");
    let dup = errors
        .iter()
        .find(|e| e.message.contains("duplicate slug"))
        .expect("a duplicate-slug error");
    assert_eq!(dup.file, "b.toml");
    assert_eq!(dup.field.as_deref(), Some("slug"));
    assert_eq!(dup.line, position_of(&files[1].text, "slug = ").0);
    assert!(dup.message.contains("a.toml:3"), "{dup}");
}

#[test]
fn an_alias_that_names_another_vendor_is_rejected() {
    let other = VALID
        .replace("\"aws\"", "\"gcp\"")
        .replace("Amazon Web Services", "Google Cloud");
    let text = format!(
        "{VALID}\n{}",
        other.replace("criticality", "aliases = [\"AWS\"]\ncriticality")
    );
    let error = only_error(&text);
    assert_eq!(error.vendor.as_deref(), Some("gcp"));
    assert!(
        error.message.contains("`aws` already names vendor `aws`"),
        "{error}"
    );
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let broken_aws = VALID
        .replace("sev1 = \"15m\"", "sev1 = \"fast\"")
        .replace("criticality = \"critical\"", "criticality = \"urgent\"");
    let broken_gcp = VALID
        .replace("\"aws\"", "\"gcp\"")
        .replace("Amazon Web Services", "Google Cloud")
        .replace("hours = \"24x7\"", "hours = \"always\"");
    let text = format!("{broken_aws}\n{broken_gcp}");
    let errors = errors(&text);
    let fields: Vec<(Option<&str>, Option<&str>)> = errors
        .iter()
        .map(|e| (e.vendor.as_deref(), e.field.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            (Some("aws"), Some("criticality")),
            (Some("aws"), Some("plan.response.sev1")),
            (Some("gcp"), Some("plan.hours"))
        ],
        "{errors:#?}"
    );
}

#[test]
fn blank_required_text_is_rejected() {
    let text = VALID.replace("name = \"Dana\"", "name = \"  \"");
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("owner.name"));
    assert_eq!(error.line, position_of(&text, "name = \"  \"").0);
}

#[test]
fn top_level_keys_other_than_vendor_are_rejected() {
    let text = format!("title = \"plans\"\n{VALID}");
    let error = only_error(&text);
    assert_eq!((error.line, error.column), (1, 1));
    assert_eq!(error.field.as_deref(), Some("title"));
}

#[test]
fn the_error_display_reads_file_line_column_vendor_field() {
    let text = VALID.replace("sev1 = \"15m\"", "sev1 = \"fast\"");
    let shown = only_error(&text).to_string();
    let (line, column) = position_of(&text, "\"fast\"");
    assert!(
        shown.starts_with(&format!(
            "plans.toml:{line}:{column}: vendor `aws`, field `plan.response.sev1`: "
        )),
        "{shown}"
    );
}

#[test]
fn the_example_registry_parses() {
    let vendors = parse(&example_plans());
    assert!(vendors.len() >= 6);
}

#[test]
fn export_then_parse_gives_the_same_registry_and_the_same_text() {
    let vendors = parse(&example_plans());
    let exported = to_toml(&vendors).unwrap();
    let reparsed = parse(&exported);
    assert_eq!(reparsed, vendors);
    assert_eq!(to_toml(&reparsed).unwrap(), exported);
}

#[test]
fn unknown_top_level_vendor_field_points_at_the_key_and_later_errors_still_show() {
    let text = VALID
        .replace(
            "criticality = \"critical\"",
            "criticality = \"critical\"\nnote = \"x\"",
        )
        .replace("sev1 = \"15m\"", "sev1 = \"soon\"");
    let errors = errors(&text);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].field.as_deref(), Some("note"));
    assert_eq!((errors[0].line, errors[0].column), position_of(&text, "note ="));
    assert_eq!(errors[1].field.as_deref(), Some("plan.response.sev1"));
}

#[test]
fn the_committed_json_schema_matches_the_types() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/plans.schema.json")).unwrap();
    assert!(
        committed == backline::domain::plans_file::json_schema(),
        "docs/plans.schema.json is stale: run `cargo run -q -- schema > docs/plans.schema.json`"
    );
}

#[test]
fn a_missing_field_in_a_sub_table_does_not_hide_errors_after_it() {
    // serde reports `plan.hours` missing only after the plan table; `review_every` comes later.
    let text = VALID.replace("hours = \"24x7\"\n", "").replace(
        "criticality = \"critical\"",
        "criticality = \"critical\"\nreview_every = \"1M\"",
    );
    let errors = errors(&text);
    let fields: Vec<&str> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
    assert_eq!(fields, ["review_every", "plan.hours"], "{errors:#?}");
}

#[test]
fn a_name_with_surrounding_spaces_still_collides() {
    let other = VALID
        .replace("\"aws\"", "\"amazon\"")
        .replace("\"Amazon Web Services\"", "\" amazon web services \"");
    let errors = errors(&format!("{VALID}\n{other}"));
    assert!(
        errors
            .iter()
            .any(|e| e.field.as_deref() == Some("name") && e.message.contains("already names vendor `aws`")),
        "{errors:#?}"
    );
}

#[test]
fn dates_need_the_full_form() {
    let text = VALID.replace("name = \"Dana\"", "name = \"Dana\"\nverified = \"2026-1-5\"");
    assert_eq!(only_error(&text).field.as_deref(), Some("owner.verified"));
}

#[test]
fn a_nul_in_a_name_is_refused_with_its_place_and_field() {
    let text = VALID.replace("name = \"Dana\"", "name = \"Da\\u0000na\"");
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("owner.name"), "{error}");
    assert_eq!((error.line, error.column), position_of(&text, "\"Da\\u0000na\""));
    assert!(error.message.contains("control character (U+0000)"), "{error}");
}

#[test]
fn control_characters_are_refused_but_newlines_and_tabs_allowed_in_notes() {
    let notes = |value: &str| {
        VALID.replace(
            "criticality = \"critical\"",
            &format!("criticality = \"critical\"\nnotes = \"{value}\""),
        )
    };
    assert!(parse_str("plans.toml", &notes("line one\\n\\tline two\\r\\n")).is_ok());
    for bad in ["\\u001b[31mred", "bell\\u0007", "del\\u007f", "cr\\ronly"] {
        let error = only_error(&notes(bad));
        assert_eq!(error.field.as_deref(), Some("notes"), "{bad}: {error}");
    }
}

#[test]
fn a_line_break_in_a_one_line_field_is_refused() {
    for (field, text) in [
        (
            "name",
            VALID.replace(
                "name = \"Amazon Web Services\"",
                "name = \"Amazon\\n**Owner** Mallory\"",
            ),
        ),
        (
            "plan.tier",
            VALID.replace("tier = \"Enterprise\"", "tier = \"Enter\\u2028prise\""),
        ),
    ] {
        let error = only_error(&text);
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        assert!(error.message.contains("one line"), "{error}");
    }
}

#[test]
fn names_and_steps_of_only_spaces_or_zero_width_characters_are_blank() {
    let text = VALID
        .replace("name = \"Dana\"", "name = \"\\u200b \\u2060\"")
        .replace(
            "response = { sev1 = \"15m\" }",
            "response = { sev1 = \"15m\" }\n[vendor.filing]\nsteps = [\"Call\", \"\\ufeff\\u3000\"]",
        );
    let errors = errors(&text);
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_deref().unwrap()).collect();
    assert_eq!(fields, ["owner.name", "filing.steps[1]"], "{errors:#?}");
    assert!(errors.iter().all(|e| e.message.contains("must not be empty")));
}

#[test]
fn text_longer_than_discord_can_show_is_refused_with_the_limit() {
    let long_name = "é".repeat(101);
    let text = VALID.replace(
        "name = \"Amazon Web Services\"",
        &format!("name = \"{long_name}\""),
    );
    let error = only_error(&text);
    assert_eq!(error.field.as_deref(), Some("name"));
    assert!(
        error.message.contains("101 characters; the limit is 100"),
        "{error}"
    );
    // At the limit is fine.
    let at_limit = VALID.replace(
        "name = \"Amazon Web Services\"",
        &format!("name = \"{}\"", "é".repeat(100)),
    );
    assert!(parse_str("plans.toml", &at_limit).is_ok());
}

#[test]
fn every_error_of_one_vendor_is_reported_at_once() {
    let text = VALID
        .replace(
            "criticality = \"critical\"",
            "criticality = \"extreme\"\naliases = [\"  \"]",
        )
        .replace("name = \"Dana\"", "name = \"Da\\u0000na\"")
        .replace("sev1 = \"15m\"", "sev1 = \"fast\"");
    let errors = errors(&text);
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_deref().unwrap()).collect();
    for field in ["criticality", "aliases[0]", "owner.name", "plan.response.sev1"] {
        assert!(fields.contains(&field), "{field} missing in {errors:#?}");
    }
}

#[test]
fn names_differing_only_by_unicode_form_or_case_are_duplicates() {
    let second = |name: &str| {
        format!(
            "{VALID}\n[[vendor]]\nslug = \"other\"\nname = \"{name}\"\ncriticality = \"low\"\n[vendor.owner]\nname = \"Lee\"\n"
        )
    };
    // Full-width letters, a ligature and a zero-width space are the same name under NFKC.
    for clash in [
        "ＡＭＡＺＯＮ Web Services",
        "amazon web services",
        "Amazon\\u200b Web Services",
    ] {
        let error = only_error(&second(clash));
        assert_eq!(error.vendor.as_deref(), Some("other"), "{clash}: {error}");
        assert!(error.message.contains("already names vendor `aws`"), "{error}");
    }
    assert!(parse_str("plans.toml", &second("Amazon Web Services EU")).is_ok());
}

#[test]
fn a_web_address_is_one_line_and_at_most_500_characters() {
    let portal = |url: &str| format!("{VALID}\n[vendor.filing]\nportal = \"{url}\"\n");
    // The URL parser would silently drop the line break; the text rules refuse it.
    let error = only_error(&portal("https://support.example.com/\\nnew"));
    assert_eq!(error.field.as_deref(), Some("filing.portal"), "{error}");
    let error = only_error(&portal(&format!("https://example.com/{}", "p".repeat(481))));
    assert!(
        error.message.contains("501 characters; the limit is 500"),
        "{error}"
    );
    assert!(
        parse_str(
            "plans.toml",
            &portal(&format!("https://example.com/{}", "p".repeat(480)))
        )
        .is_ok()
    );
}

/// One vendor with the chosen faults, each in its own field (bit i of `faults` sets fault i),
/// and the fields those faults must be reported at.
fn vendor_with_faults(faults: u16) -> (String, Vec<&'static str>) {
    let on = |i: u16| faults & (1 << i) != 0;
    let mut expected = Vec::new();
    let mut fault = |i: u16, field: &'static str, bad: &str, good: &str| -> String {
        if on(i) {
            expected.push(field);
            bad.to_owned()
        } else {
            good.to_owned()
        }
    };
    let text = [
        "[[vendor]]".to_owned(),
        fault(0, "slug", "", "slug = \"aws\""),
        fault(1, "name", "", "name = \"Amazon Web Services\""),
        fault(
            2,
            "criticality",
            "criticality = \"urgent\"",
            "criticality = \"critical\"",
        ),
        fault(3, "review_every", "review_every = \"1M\"", ""),
        fault(4, "colour", "colour = \"red\"", ""),
        fault(5, "aliases[0]", "aliases = [\"  \"]", ""),
        "[vendor.owner]".to_owned(),
        fault(6, "owner.name", "", "name = \"Dana\""),
        fault(
            7,
            "owner.email",
            "email = \"dana\\nexample.com\"",
            "email = \"dana@example.com\"",
        ),
        "[vendor.plan]".to_owned(),
        "tier = \"Enterprise\"".to_owned(),
        fault(8, "plan.hours", "", "hours = \"24x7\""),
        fault(
            9,
            "plan.response.sev1",
            "response = { sev1 = \"fast\" }",
            "response = { sev1 = \"15m\" }",
        ),
    ]
    .join("\n");
    (text, expected)
}

#[test]
fn a_vendor_missing_its_name_with_a_bad_criticality_and_a_bad_email_gets_three_errors() {
    let (text, _) = vendor_with_faults((1 << 1) | (1 << 2) | (1 << 7));
    let errors = errors(&text);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_deref().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["criticality", "name", "owner.email"]);
    for e in &errors {
        assert_eq!(e.vendor.as_deref(), Some("aws"));
        assert_eq!(e.file, "plans.toml");
    }
    let criticality = errors
        .iter()
        .find(|e| e.field.as_deref() == Some("criticality"))
        .unwrap();
    assert_eq!(
        (criticality.line, criticality.column),
        position_of(&text, "\"urgent\"")
    );
    let name = errors
        .iter()
        .find(|e| e.field.as_deref() == Some("name"))
        .unwrap();
    assert_eq!(name.message, "required field `name` is missing");

    // Two required fields of the vendor missing: both named, not only the first.
    let (text, _) = vendor_with_faults((1 << 0) | (1 << 1) | (1 << 6));
    let mut fields: Vec<String> = errors_of(&text);
    fields.sort_unstable();
    assert_eq!(fields, ["name", "owner.name", "slug"]);
}

fn errors_of(text: &str) -> Vec<String> {
    errors(text)
        .into_iter()
        .map(|e| e.field.unwrap_or_default())
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Any combination of faults in one vendor: each reported once, at its field, and
    /// nothing else (the placeholders stood in for missing fields never show).
    #[test]
    fn every_fault_of_a_vendor_is_reported_in_one_run(faults in 1u16..1024) {
        let (text, mut expected) = vendor_with_faults(faults);
        let mut fields = errors_of(&text);
        fields.sort_unstable();
        expected.sort_unstable();
        proptest::prop_assert_eq!(fields, expected, "{}", text);
    }
}
