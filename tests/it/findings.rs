//! The findings function: each rule on a vendor that breaks it and one that does not.

use backline::domain::{Date, FindingLevel, findings::findings};

use crate::helpers::parse;

const TODAY: &str = "2026-11-26";

const COMPLETE: &str = r#"
[[vendor]]
slug = "acme"
name = "Acme"
criticality = "critical"
review_every = "90d"
[vendor.owner]
name = "Owner"
verified = 2026-11-01
[vendor.backup]
name = "Backup"
verified = 2026-11-01
[vendor.needs]
sev1 = "15m"
[vendor.plan]
tier = "Gold"
hours = "24x7"
renews = 2027-06-01
response = { sev1 = "15m" }
[vendor.filing]
portal = "https://support.example.com"
steps = ["Open a case"]
[[vendor.escalation]]
name = "Support"
contacts = [{ name = "Desk", verified = 2026-11-01 }]
"#;

fn messages(text: &str) -> Vec<(FindingLevel, String)> {
    let vendor = &parse(text)[0];
    findings(vendor, Date::parse(TODAY).unwrap())
        .into_iter()
        .map(|f| (f.level, f.message))
        .collect()
}

fn has(text: &str, level: FindingLevel, needle: &str) -> bool {
    messages(text)
        .iter()
        .any(|(l, m)| *l == level && m.contains(needle))
}

#[test]
fn a_complete_vendor_has_no_findings() {
    assert_eq!(messages(COMPLETE), []);
}

#[test]
fn critical_vendor_without_a_plan_is_an_error() {
    let start = COMPLETE.find("[vendor.plan]").unwrap();
    let end = COMPLETE.find("[vendor.filing]").unwrap();
    let text = format!("{}{}", &COMPLETE[..start], &COMPLETE[end..]);
    assert!(has(
        &text,
        FindingLevel::Error,
        "critical vendor with no support plan"
    ));
}

#[test]
fn a_plan_slower_than_the_need_is_an_error() {
    let text = COMPLETE.replace("response = { sev1 = \"15m\" }", "response = { sev1 = \"1h\" }");
    assert!(has(
        &text,
        FindingLevel::Error,
        "plan weaker than needed at sev1: Gold promises first response in 1h, you need 15m"
    ));
}

#[test]
fn no_backup_is_a_single_point_of_contact() {
    let text = COMPLETE.replace("[vendor.backup]\nname = \"Backup\"\nverified = 2026-11-01\n", "");
    assert!(has(&text, FindingLevel::Warning, "single point of contact"));
}

#[test]
fn contacts_older_than_the_cadence_are_stale_and_named() {
    let text = COMPLETE.replace(
        "[vendor.owner]\nname = \"Owner\"\nverified = 2026-11-01",
        "[vendor.owner]\nname = \"Owner\"\nverified = 2026-08-01",
    );
    assert!(has(
        &text,
        FindingLevel::Warning,
        "contacts not verified within 90d: Owner (owner)"
    ));
}

#[test]
fn a_cadence_under_a_day_does_not_make_todays_verification_stale() {
    let text = COMPLETE
        .replace("review_every = \"90d\"", "review_every = \"12h\"")
        .replace("2026-11-01", TODAY);
    assert_eq!(messages(&text), []);
}

#[test]
fn a_verified_date_in_the_future_is_flagged() {
    let text = COMPLETE.replace(
        "[vendor.owner]\nname = \"Owner\"\nverified = 2026-11-01",
        "[vendor.owner]\nname = \"Owner\"\nverified = 2062-11-01",
    );
    assert!(has(&text, FindingLevel::Warning, "in the future (2062-11-01)"));
}

#[test]
fn renewal_soon_is_a_warning_and_past_is_an_error() {
    let soon = COMPLETE.replace("renews = 2027-06-01", "renews = 2026-12-10");
    assert!(has(
        &soon,
        FindingLevel::Warning,
        "renews on 2026-12-10 (in 14 days)"
    ));
    let past = COMPLETE.replace("renews = 2027-06-01", "renews = 2026-11-01");
    assert!(has(
        &past,
        FindingLevel::Error,
        "renewal date 2026-11-01 has passed"
    ));
}

#[test]
fn no_way_to_reach_the_vendor_is_an_error_and_no_steps_a_warning() {
    let text = COMPLETE.replace(
        "portal = \"https://support.example.com\"\nsteps = [\"Open a case\"]\n",
        "",
    );
    assert!(has(&text, FindingLevel::Error, "no way to reach the vendor"));
    assert!(has(&text, FindingLevel::Warning, "no filing steps"));
}

#[test]
fn an_empty_ladder_is_a_warning() {
    let start = COMPLETE.find("[[vendor.escalation]]").unwrap();
    assert!(has(
        &COMPLETE[..start],
        FindingLevel::Warning,
        "empty escalation ladder"
    ));
}

#[test]
fn business_hours_for_a_sev1_need_is_a_warning() {
    let text = COMPLETE.replace(
        "hours = \"24x7\"",
        "hours = { days = [\"mon\"], start = \"09:00\", end = \"17:00\", timezone = \"Europe/Berlin\" }",
    );
    assert!(has(
        &text,
        FindingLevel::Warning,
        "only answers during business hours"
    ));
}
