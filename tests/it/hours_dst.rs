//! Support hours across clock changes: `coverage` against a brute-force minute-by-minute scan
//! of the plan's local hours, in every zone that changes its clocks in 2026–2028.

use std::sync::LazyLock;

use backline::domain::{SupportHours, TimeOfDay};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

/// Every zone with at least one offset change from 2026 to 2028, with those changes.
static TRANSITIONS: LazyLock<Vec<(Tz, Vec<DateTime<Utc>>)>> = LazyLock::new(|| {
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2029, 1, 1, 0, 0, 0).unwrap();
    chrono_tz::TZ_VARIANTS
        .iter()
        .filter_map(|tz| {
            let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix();
            let mut changes = Vec::new();
            let mut day = from;
            while day < to {
                let next = day + Duration::days(1);
                if offset(day) != offset(next) {
                    // Bisect to the minute (every change in these years is on a minute).
                    let (mut before, mut after) = (0, 24 * 60);
                    while after - before > 1 {
                        let middle = (before + after) / 2;
                        if offset(day + Duration::minutes(middle)) == offset(day) {
                            before = middle;
                        } else {
                            after = middle;
                        }
                    }
                    changes.push(day + Duration::minutes(after));
                }
                day = next;
            }
            (!changes.is_empty()).then_some((*tz, changes))
        })
        .collect()
});

/// How long before `now` the scan starts: longer than any clock change in the tested
/// years (checked below), so a repeated hour is judged against the hour before it.
const LOOK_BACK: i64 = 3 * 60;
/// How far ahead a change must be found (a once-a-week plan opens within 8 days).
const LOOK_AHEAD: i64 = 9 * 24 * 60;

fn days_of(mask: u8) -> Vec<Weekday> {
    (0..7u8)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| Weekday::try_from(i).unwrap())
        .collect()
}

fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Whether a wall-clock time is inside the hours as written: a listed day from `start` to
/// `end`, or, for hours crossing midnight, from `start` on a listed day to `end` the next.
fn in_local_hours(days: &[Weekday], start: u32, end: u32, wall: NaiveDateTime) -> bool {
    let minute = wall.hour() * 60 + wall.minute();
    let listed = |d: chrono::NaiveDate| days.contains(&d.weekday());
    if start < end {
        listed(wall.date()) && start <= minute && minute < end
    } else {
        (listed(wall.date()) && minute >= start) || (listed(wall.date().pred_opt().unwrap()) && minute < end)
    }
}

/// Covered or not at each minute from `first` on. After clocks go back, the repeated
/// wall-clock times are judged by the latest time already shown (an opening or closing
/// happens the first time the clock reaches it, and a gap's times are reached at the end of
/// the gap): the scan keeps the highest wall-clock time seen so far.
fn brute_force(
    tz: Tz,
    days: &[Weekday],
    start: u32,
    end: u32,
    first: DateTime<Utc>,
) -> impl Iterator<Item = bool> {
    let mut highest = NaiveDateTime::MIN;
    (0..).map(move |i| {
        let wall = (first + Duration::minutes(i)).with_timezone(&tz).naive_local();
        highest = highest.max(wall);
        in_local_hours(days, start, end, highest)
    })
}

/// Checks `coverage(now)` against the scan: the same answer, and the announced change is
/// the first minute the scan flips (none only when it never does within the look-ahead).
fn check(tz: Tz, days: &[Weekday], start: u32, end: u32, now: DateTime<Utc>) -> Result<(), TestCaseError> {
    let hours = SupportHours::Business {
        days: days.to_vec(),
        start: TimeOfDay::parse(&hhmm(start)).unwrap(),
        end: TimeOfDay::parse(&hhmm(end)).unwrap(),
        timezone: tz,
    };
    let mut scan =
        brute_force(tz, days, start, end, now - Duration::minutes(LOOK_BACK)).skip(LOOK_BACK as usize);
    let at_now = scan.next().unwrap();
    let flip = scan
        .take(LOOK_AHEAD as usize)
        .position(|c| c != at_now)
        .map(|i| now + Duration::minutes(i as i64 + 1));
    let coverage = hours.coverage(now);
    let context = format!("{hours} at {now} ({})", now.with_timezone(&tz));
    prop_assert_eq!(coverage.covered, at_now, "covered: {}", context);
    prop_assert_eq!(
        coverage.next_change.map(|t| t.with_timezone(&Utc)),
        flip,
        "next change: {}",
        context
    );
    Ok(())
}

/// Checks the business-hours response clock against the scan: `minutes` of covered time
/// from `now` end where the scan has counted that many covered minutes.
fn check_clock(
    tz: Tz,
    days: &[Weekday],
    start: u32,
    end: u32,
    now: DateTime<Utc>,
    minutes: i64,
) -> Result<(), TestCaseError> {
    let hours = SupportHours::Business {
        days: days.to_vec(),
        start: TimeOfDay::parse(&hhmm(start)).unwrap(),
        end: TimeOfDay::parse(&hhmm(end)).unwrap(),
        timezone: tz,
    };
    let mut counted = 0;
    let due = brute_force(tz, days, start, end, now - Duration::minutes(LOOK_BACK))
        .skip(LOOK_BACK as usize)
        .take(LOOK_AHEAD as usize)
        .position(|covered| {
            counted += i64::from(covered);
            counted == minutes
        })
        .map(|i| now + Duration::minutes(i as i64 + 1));
    if let Some(due) = due {
        prop_assert_eq!(
            hours.after_covered_minutes(now, minutes),
            Some(due),
            "{} from {}",
            hours,
            now
        );
    }
    Ok(())
}

/// A time of day near the wall-clock time of a clock change, or anywhere in the day.
fn minute_of_day(near: u32) -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..1440,
        (-90i64..=90).prop_map(move |d| (i64::from(near) + d).rem_euclid(1440) as u32),
    ]
}

#[test]
fn some_zones_change_their_clocks_in_the_tested_years_by_less_than_the_look_back() {
    assert!(TRANSITIONS.len() > 50, "{} zones", TRANSITIONS.len());
    for (tz, changes) in TRANSITIONS.iter() {
        for change in changes {
            let offset = |t: DateTime<Utc>| {
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            };
            let shift = (offset(*change) - offset(*change - Duration::minutes(1))).abs();
            assert!(i64::from(shift) < LOOK_BACK * 60, "{tz} at {change}: {shift} s");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn coverage_matches_a_minute_by_minute_scan_around_clock_changes(
        minutes in 1i64..900,
        (zone, change, start, end, mask, offset) in (0..TRANSITIONS.len(), any::<prop::sample::Index>())
            .prop_flat_map(|(zone, pick)| {
                let (tz, changes) = &TRANSITIONS[zone];
                let change = changes[pick.index(changes.len())];
                let wall = change.with_timezone(tz).naive_local();
                let near = wall.hour() * 60 + wall.minute();
                (
                    Just(zone),
                    Just(change),
                    minute_of_day(near),
                    prop_oneof![minute_of_day(near), Just(1440u32)],
                    1u8..128,
                    prop_oneof![-180i64..=180, -3 * 1440i64..=3 * 1440],
                )
            })
            .prop_filter("start and end differ", |(_, _, start, end, _, _)| start != end)
    ) {
        let (tz, _) = TRANSITIONS[zone];
        check(tz, &days_of(mask), start, end, change + Duration::minutes(offset))?;
        check_clock(tz, &days_of(mask), start, end, change + Duration::minutes(offset), minutes)?;
    }
}

#[test]
fn a_business_hours_response_clock_stops_while_the_plan_is_closed() {
    let text = crate::helpers::example_plans();
    let mut vendor = crate::helpers::parse(&text)
        .into_iter()
        .find(|v| v.slug.as_str() == "aws")
        .unwrap();
    let plan = vendor.plan.as_mut().unwrap();
    plan.hours = SupportHours::Business {
        days: vec![Weekday::Mon, Weekday::Tue],
        start: TimeOfDay::parse("22:00").unwrap(),
        end: TimeOfDay::parse("06:00").unwrap(),
        timezone: "Asia/Tokyo".parse().unwrap(),
    };
    plan.response_clock = backline::domain::ResponseClock::BusinessHours;
    plan.response.sev2 = Some(backline::domain::ResponseTime::from_minutes(10 * 60));
    // Opened Monday 05:00 in Tokyo (Sunday night is not listed): the clock waits for Monday
    // 22:00, runs 8 hours to Tuesday 06:00, and 2 more from Tuesday 22:00.
    let opened = "2026-11-29T20:00:00Z".parse().unwrap();
    let due = backline::domain::case::response_due(&vendor, backline::domain::Severity::Sev2, opened);
    assert_eq!(due.unwrap().to_rfc3339(), "2026-12-01T15:00:00+00:00");
    // The calendar clock starts at the same opening and does not stop.
    vendor.plan.as_mut().unwrap().response_clock = backline::domain::ResponseClock::Calendar;
    let due = backline::domain::case::response_due(&vendor, backline::domain::Severity::Sev2, opened);
    assert_eq!(due.unwrap().to_rfc3339(), "2026-11-30T23:00:00+00:00");
}

#[test]
fn every_zone_is_right_at_each_of_its_clock_changes() {
    // Hours that open exactly at the wall-clock time of the change, every day, checked
    // an hour before, at, and an hour after each change of every zone.
    for (tz, changes) in TRANSITIONS.iter() {
        for change in changes {
            let wall = change.with_timezone(tz).naive_local();
            let start = wall.hour() * 60 + wall.minute();
            let end = (start + 30) % 1440;
            for offset in [-60, 0, 60] {
                check(
                    *tz,
                    &days_of(0b111_1111),
                    start,
                    end,
                    *change + Duration::minutes(offset),
                )
                .unwrap_or_else(|e| panic!("{tz}: {e}"));
            }
        }
    }
}
