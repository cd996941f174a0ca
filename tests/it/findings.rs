//! The findings function: each rule on a vendor that breaks it and one that does not.

use backline::domain::{Date, FindingKind, FindingLevel, findings::findings};

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

fn kinds(text: &str) -> Vec<(FindingLevel, FindingKind)> {
    let vendor = &parse(text)[0];
    findings(vendor, Date::parse(TODAY).unwrap())
        .into_iter()
        .map(|f| (f.level, f.kind))
        .collect()
}

fn has(text: &str, level: FindingLevel, kind: FindingKind) -> bool {
    kinds(text).contains(&(level, kind))
}

/// The message of the one finding of `kind`, for the facts it must name.
fn message(text: &str, kind: FindingKind) -> String {
    let vendor = &parse(text)[0];
    let found: Vec<_> = findings(vendor, Date::parse(TODAY).unwrap())
        .into_iter()
        .filter(|f| f.kind == kind)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].message.clone()
}

#[test]
fn a_complete_vendor_has_no_findings() {
    assert_eq!(kinds(COMPLETE), []);
}

#[test]
fn critical_vendor_without_a_plan_is_an_error() {
    let start = COMPLETE.find("[vendor.plan]").unwrap();
    let end = COMPLETE.find("[vendor.filing]").unwrap();
    let text = format!("{}{}", &COMPLETE[..start], &COMPLETE[end..]);
    assert!(has(
        &text,
        FindingLevel::Error,
        FindingKind::NoPlanForCriticalVendor
    ));
}

#[test]
fn a_plan_slower_than_the_need_is_an_error() {
    let text = COMPLETE.replace("response = { sev1 = \"15m\" }", "response = { sev1 = \"1h\" }");
    assert!(has(&text, FindingLevel::Error, FindingKind::PlanWeakerThanNeed));
    assert!(
        message(&text, FindingKind::PlanWeakerThanNeed)
            .contains("at sev1: Gold promises first response in 1h, you need 15m")
    );
}

#[test]
fn no_backup_is_a_single_point_of_contact() {
    let text = COMPLETE.replace("[vendor.backup]\nname = \"Backup\"\nverified = 2026-11-01\n", "");
    assert!(has(
        &text,
        FindingLevel::Warning,
        FindingKind::SinglePointOfContact
    ));
}

#[test]
fn contacts_older_than_the_cadence_are_stale_and_named() {
    let text = COMPLETE.replace(
        "[vendor.owner]\nname = \"Owner\"\nverified = 2026-11-01",
        "[vendor.owner]\nname = \"Owner\"\nverified = 2026-08-01",
    );
    assert!(has(&text, FindingLevel::Warning, FindingKind::StaleContacts));
    assert!(message(&text, FindingKind::StaleContacts).contains("within 90d: Owner (owner)"));
}

#[test]
fn a_cadence_under_a_day_does_not_make_todays_verification_stale() {
    let text = COMPLETE
        .replace("review_every = \"90d\"", "review_every = \"12h\"")
        .replace("2026-11-01", TODAY);
    assert_eq!(kinds(&text), []);
}

#[test]
fn a_verified_date_in_the_future_is_flagged() {
    let text = COMPLETE.replace(
        "[vendor.owner]\nname = \"Owner\"\nverified = 2026-11-01",
        "[vendor.owner]\nname = \"Owner\"\nverified = 2062-11-01",
    );
    assert!(has(&text, FindingLevel::Warning, FindingKind::VerifiedInFuture));
    assert!(message(&text, FindingKind::VerifiedInFuture).contains("2062-11-01"));
}

#[test]
fn renewal_soon_is_a_warning_and_past_is_an_error() {
    let soon = COMPLETE.replace("renews = 2027-06-01", "renews = 2026-12-10");
    assert!(has(&soon, FindingLevel::Warning, FindingKind::RenewsSoon));
    assert!(message(&soon, FindingKind::RenewsSoon).contains("2026-12-10 (in 14 days)"));
    let past = COMPLETE.replace("renews = 2027-06-01", "renews = 2026-11-01");
    assert!(has(&past, FindingLevel::Error, FindingKind::RenewalPassed));
    assert!(message(&past, FindingKind::RenewalPassed).contains("2026-11-01"));
}

#[test]
fn no_way_to_reach_the_vendor_is_an_error_and_no_steps_a_warning() {
    let text = COMPLETE.replace(
        "portal = \"https://support.example.com\"\nsteps = [\"Open a case\"]\n",
        "",
    );
    assert!(has(&text, FindingLevel::Error, FindingKind::NoWayToReachVendor));
    assert!(has(&text, FindingLevel::Warning, FindingKind::NoFilingSteps));
}

#[test]
fn an_empty_ladder_is_a_warning() {
    let start = COMPLETE.find("[[vendor.escalation]]").unwrap();
    assert!(has(
        &COMPLETE[..start],
        FindingLevel::Warning,
        FindingKind::EmptyEscalationLadder
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
        FindingKind::BusinessHoursOnlyForSev1
    ));
}
