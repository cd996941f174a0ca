//! Tests of support hours: parsing, display and coverage.

use super::*;

fn berlin_office() -> SupportHours {
    SupportHours::try_from(BusinessHoursFields {
        days: ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec(),
        start: "09:00".into(),
        end: "17:00".into(),
        timezone: "Europe/Berlin".into(),
    })
    .unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn business_hours_are_read_in_the_plans_time_zone() {
    // 08:30 UTC on a Wednesday in November is 09:30 in Berlin (CET, UTC+1).
    assert!(berlin_office().coverage(utc("2026-11-25T08:30:00Z")).covered);
    // 07:30 UTC is 08:30 in Berlin: not yet open, opens at 09:00 local.
    let early = berlin_office().coverage(utc("2026-11-25T07:30:00Z"));
    assert!(!early.covered);
    assert_eq!(
        early.next_change.unwrap().to_rfc3339(),
        "2026-11-25T09:00:00+01:00"
    );
}

#[test]
fn closed_on_weekends_until_monday_morning() {
    let saturday = berlin_office().coverage(utc("2026-11-28T12:00:00Z"));
    assert!(!saturday.covered);
    assert_eq!(
        saturday.next_change.unwrap().to_rfc3339(),
        "2026-11-30T09:00:00+01:00"
    );
}

#[test]
fn always_is_covered() {
    assert!(SupportHours::Always.coverage(utc("2026-11-28T03:00:00Z")).covered);
}

#[test]
fn a_misspelt_zone_gets_a_suggestion() {
    let err = parse_timezone("Europe/Berln").unwrap_err();
    assert!(err.contains("Europe/Berlin"), "{err}");
}

#[test]
fn days_are_whole_names_or_three_letters() {
    assert_eq!(parse_day("Monday"), Ok(Weekday::Mon));
    assert_eq!(parse_day("thu"), Ok(Weekday::Thu));
    assert!(parse_day("thunder").is_err());
    assert!(parse_day("mo").is_err());
}

#[test]
fn rejects_bad_times_and_empty_hours() {
    assert!(TimeOfDay::parse("9am").is_err());
    assert!(TimeOfDay::parse("24:30").is_err());
    let hours = |start: &str, end: &str| BusinessHoursFields {
        days: vec!["mon".into()],
        start: start.into(),
        end: end.into(),
        timezone: "UTC".into(),
    };
    assert!(SupportHours::try_from(hours("09:00", "09:00")).is_err());
    assert!(SupportHours::try_from(hours("24:00", "06:00")).is_err());
}

#[test]
fn a_night_desk_crosses_midnight() {
    let night = SupportHours::try_from(BusinessHoursFields {
        days: vec!["mon".into()],
        start: "22:00".into(),
        end: "06:00".into(),
        timezone: "Asia/Tokyo".into(),
    })
    .unwrap();
    assert_eq!(night.to_string(), "Mon 22:00–06:00 next day Asia/Tokyo");
    // Monday 23:00 in Tokyo (UTC+9) is 14:00 UTC: open until Tuesday 06:00.
    let late = night.coverage(utc("2026-11-30T14:00:00Z"));
    assert!(late.covered);
    assert_eq!(
        late.next_change.unwrap().to_rfc3339(),
        "2026-12-01T06:00:00+09:00"
    );
    // Tuesday 05:00 in Tokyo still belongs to Monday's night.
    assert!(night.coverage(utc("2026-11-30T20:00:00Z")).covered);
    // Tuesday 23:00 is not listed: next opening is the following Monday.
    let tuesday = night.coverage(utc("2026-12-01T14:00:00Z"));
    assert!(!tuesday.covered);
    assert_eq!(
        tuesday.next_change.unwrap().to_rfc3339(),
        "2026-12-07T22:00:00+09:00"
    );
}

#[test]
fn business_hours_with_a_closing_time_in_the_spring_gap_close_when_the_gap_ends() {
    // New York skips 02:00–03:00 on 2026-03-08 (a Sunday).
    let night = SupportHours::try_from(BusinessHoursFields {
        days: vec!["sat".into()],
        start: "22:00".into(),
        end: "02:30".into(),
        timezone: "America/New_York".into(),
    })
    .unwrap();
    let open = night.coverage(utc("2026-03-08T06:30:00Z"));
    assert!(open.covered, "01:30 EST is inside the night");
    assert_eq!(
        open.next_change.unwrap().to_rfc3339(),
        "2026-03-08T03:00:00-04:00"
    );
}
