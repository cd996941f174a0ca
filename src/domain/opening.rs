//! Business hours as instants: each listed day's window, resolved across DST gaps and overlaps.
//!
//! The rule (docs/plans-format.md, "Clock changes"): an opening or closing time that falls
//! in a gap takes the first valid instant after the gap; an ambiguous one (a time that
//! occurs twice when the clocks go back) takes its first occurrence.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use super::{Coverage, TimeOfDay};

/// Business hours with their parts, borrowed from `SupportHours::Business`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Hours<'a> {
    pub days: &'a [Weekday],
    pub start: TimeOfDay,
    pub end: TimeOfDay,
    pub timezone: &'a Tz,
}

/// One opening: from `opens` (inclusive) to `closes` (exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    opens: DateTime<Utc>,
    closes: DateTime<Utc>,
}

/// Days looked at before today: an overnight window opened yesterday may still be open.
const DAYS_BEFORE: i64 = 2;
/// Days looked at after today: enough to reach the next opening of a once-a-week plan.
const DAYS_AFTER: i64 = 9;
/// How far the business-hours clock may run before backline gives up on a deadline.
const MAX_CLOCK_DAYS: i64 = 3700;

impl Hours<'_> {
    /// Whether `start`–`end` crosses midnight (`22:00`–`06:00` closes the next day).
    fn overnight(self) -> bool {
        self.end <= self.start
    }

    /// The window that opens on `day`, if `day` is listed and the window is not empty
    /// (both times in the same DST gap resolve to one instant).
    fn window_on(self, day: NaiveDate) -> Option<Window> {
        if !self.days.contains(&day.weekday()) {
            return None;
        }
        let close_day = if self.overnight() {
            day + Duration::days(1)
        } else {
            day
        };
        let opens = resolve(self.timezone, local(day, self.start));
        let closes = resolve(self.timezone, local(close_day, self.end));
        (opens < closes).then_some(Window { opens, closes })
    }

    /// Windows opening on `count` consecutive days from `first`, in order; they never overlap.
    fn windows(self, first: NaiveDate, count: i64) -> impl Iterator<Item = Window> {
        (0..count).filter_map(move |offset| self.window_on(first + Duration::days(offset)))
    }

    pub(super) fn coverage(self, now: DateTime<Utc>) -> Coverage {
        let today = now.with_timezone(self.timezone).date_naive();
        let windows: Vec<Window> = self
            .windows(today - Duration::days(DAYS_BEFORE), DAYS_BEFORE + 1 + DAYS_AFTER)
            .collect();
        let in_zone = |t: DateTime<Utc>| t.with_timezone(self.timezone);
        if let Some(i) = windows.iter().position(|w| w.opens <= now && now < w.closes) {
            // A window that closes when the next one opens (00:00–24:00 on consecutive
            // days) is no change: the next change is where the run of windows ends.
            let mut closes = windows[i].closes;
            for w in &windows[i + 1..] {
                if w.opens != closes {
                    return Coverage {
                        covered: true,
                        next_change: Some(in_zone(closes)),
                    };
                }
                closes = w.closes;
            }
            // Open without a break on every day looked at: every day, all day.
            return Coverage {
                covered: true,
                next_change: None,
            };
        }
        Coverage {
            covered: false,
            next_change: windows.iter().find(|w| w.opens > now).map(|w| in_zone(w.opens)),
        }
    }

    /// The instant at which `minutes` minutes of covered time have passed since `from`
    /// (the clock stops while the plan is closed); none beyond about ten years.
    pub(super) fn after_covered(self, from: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        let mut remaining = Duration::minutes(minutes);
        let first = from.with_timezone(self.timezone).date_naive() - Duration::days(DAYS_BEFORE);
        for w in self.windows(first, MAX_CLOCK_DAYS) {
            if w.closes <= from {
                continue;
            }
            let counted_from = w.opens.max(from);
            let open_for = w.closes - counted_from;
            if remaining <= open_for {
                return Some(counted_from + remaining);
            }
            remaining -= open_for;
        }
        None
    }
}

fn local(day: NaiveDate, time: TimeOfDay) -> NaiveDateTime {
    let minutes = time.minutes();
    let (day, minutes) = if minutes >= 24 * 60 {
        (day + Duration::days(1), 0)
    } else {
        (day, minutes)
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0).unwrap_or(NaiveTime::MIN);
    day.and_time(time)
}

/// The instant a wall-clock time names in `tz`: its only or first occurrence, or, in a gap,
/// the first instant after the gap.
pub(super) fn resolve(tz: &Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => after_gap(tz, wall),
    }
}

/// The first instant whose wall-clock time in `tz` is at or after `wall`, which lies in a
/// gap: found by bisection between bounds that hold for any UTC offset (−12h to +14h).
fn after_gap(tz: &Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    let as_utc = wall.and_utc().timestamp();
    let instant = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let reached = |seconds: i64| instant(seconds).with_timezone(tz).naive_local() >= wall;
    // In whole seconds: every clock change is on a whole second.
    let (mut before, mut after) = (as_utc - 15 * 3600, as_utc + 13 * 3600);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if reached(middle) {
            after = middle;
        } else {
            before = middle;
        }
    }
    instant(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tz: &Tz, s: &str) -> DateTime<Utc> {
        resolve(tz, s.parse().unwrap())
    }

    #[test]
    fn a_time_in_the_spring_gap_is_the_end_of_the_gap() {
        // Berlin skips 02:00–03:00 on 2026-03-29: 02:30 does not exist; 03:00 CEST does.
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            at(&tz, "2026-03-29T02:30:00").to_rfc3339(),
            "2026-03-29T01:00:00+00:00"
        );
    }

    #[test]
    fn a_time_repeated_in_autumn_is_its_first_occurrence() {
        // Berlin repeats 02:00–03:00 on 2026-10-25: 02:30 CEST is 00:30 UTC.
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            at(&tz, "2026-10-25T02:30:00").to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
    }

    #[test]
    fn the_business_hours_clock_stops_overnight() {
        let tz: Tz = "UTC".parse().unwrap();
        let days = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        let hours = Hours {
            days: &days,
            start: TimeOfDay::parse("09:00").unwrap(),
            end: TimeOfDay::parse("17:00").unwrap(),
            timezone: &tz,
        };
        // Friday 16:00 + 4 business hours = Monday 12:00.
        let due = hours.after_covered("2026-11-27T16:00:00Z".parse().unwrap(), 240);
        assert_eq!(due.unwrap().to_rfc3339(), "2026-11-30T12:00:00+00:00");
        // Saturday: the clock starts Monday 09:00.
        let due = hours.after_covered("2026-11-28T10:00:00Z".parse().unwrap(), 30);
        assert_eq!(due.unwrap().to_rfc3339(), "2026-11-30T09:30:00+00:00");
    }
}
