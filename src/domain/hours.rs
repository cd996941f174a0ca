//! When a support plan answers: around the clock, or business hours in a time zone.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer, ser::SerializeStruct};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupportHours {
    /// Written `hours = "24x7"`.
    Always,
    /// Written as a table: `days`, `start`, `end`, `timezone`.
    Business {
        days: Vec<Weekday>,
        start: TimeOfDay,
        end: TimeOfDay,
        timezone: Tz,
    },
}

/// A wall-clock time `HH:MM`, from `00:00` to `24:00` (end of day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub fn parse(input: &str) -> Result<Self, String> {
        let bad =
            || format!("`{input}` is not a time of day: write HH:MM in 24-hour form, e.g. 09:00 or 17:30");
        let (h, m) = input.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m > 59 || h > 24 || (h == 24 && m != 0) || input.trim().len() != 5 {
            return Err(bad());
        }
        Ok(Self(h * 60 + m))
    }

    fn minutes(self) -> u32 {
        self.0.into()
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// Whether a plan answers at a given moment, and when that changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub covered: bool,
    /// Next opening (when closed) or closing (when open) in the plan's zone; none for 24x7.
    pub next_change: Option<DateTime<Tz>>,
}

impl SupportHours {
    pub fn coverage(&self, now: DateTime<Utc>) -> Coverage {
        let SupportHours::Business {
            days,
            start,
            end,
            timezone,
        } = self
        else {
            return Coverage {
                covered: true,
                next_change: None,
            };
        };
        let local = now.with_timezone(timezone);
        let minute_of_day = local.hour() * 60 + local.minute();
        let open_today =
            days.contains(&local.weekday()) && (start.minutes()..end.minutes()).contains(&minute_of_day);
        if open_today {
            let closes = at_minute(timezone, local.date_naive(), end.minutes());
            return Coverage {
                covered: true,
                next_change: closes,
            };
        }
        let next_open = (0..=7).find_map(|offset| {
            let day = local.date_naive() + Duration::days(offset);
            if !days.contains(&day.weekday()) {
                return None;
            }
            at_minute(timezone, day, start.minutes()).filter(|t| t.with_timezone(&Utc) > now)
        });
        Coverage {
            covered: false,
            next_change: next_open,
        }
    }

    pub fn is_always(&self) -> bool {
        matches!(self, SupportHours::Always)
    }
}

fn at_minute(tz: &Tz, day: chrono::NaiveDate, minute: u32) -> Option<DateTime<Tz>> {
    let naive = if minute >= 24 * 60 {
        (day + Duration::days(1)).and_time(NaiveTime::MIN)
    } else {
        day.and_time(NaiveTime::from_hms_opt(minute / 60, minute % 60, 0)?)
    };
    tz.from_local_datetime(&naive).earliest()
}

impl fmt::Display for SupportHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupportHours::Always => f.write_str("24x7"),
            SupportHours::Business {
                days,
                start,
                end,
                timezone,
            } => {
                let days: Vec<&str> = days.iter().map(|d| short_day(*d)).collect();
                write!(f, "{} {start}–{end} {}", days.join(" "), timezone.name())
            }
        }
    }
}

fn short_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

fn parse_day(input: &str) -> Result<Weekday, String> {
    let s = input.trim().to_ascii_lowercase();
    let day = match s.as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => {
            return Err(format!(
                "`{input}` is not a day: use mon, tue, wed, thu, fri, sat or sun"
            ));
        }
    };
    Ok(day)
}

/// Parses an IANA zone name, suggesting the closest one when it is misspelt.
pub(crate) fn parse_timezone(input: &str) -> Result<Tz, String> {
    input.trim().parse::<Tz>().map_err(|_| {
        let closest = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| (strsim::jaro_winkler(&input.to_lowercase(), &tz.name().to_lowercase()), tz.name()))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .filter(|(score, _)| *score > 0.85)
            .map(|(_, name)| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        format!("`{input}` is not an IANA time zone{closest}: use a name such as Europe/Berlin, America/New_York or UTC")
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessHoursFields {
    days: Vec<String>,
    start: String,
    end: String,
    timezone: String,
}

impl TryFrom<BusinessHoursFields> for SupportHours {
    type Error = String;
    fn try_from(raw: BusinessHoursFields) -> Result<Self, String> {
        let days = raw
            .days
            .iter()
            .map(|d| parse_day(d))
            .collect::<Result<Vec<_>, _>>()?;
        if days.is_empty() {
            return Err("business hours need at least one day in `days`, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]".into());
        }
        let start = TimeOfDay::parse(&raw.start)?;
        let end = TimeOfDay::parse(&raw.end)?;
        if end <= start {
            return Err(format!(
                "business hours end ({end}) must be after they start ({start})"
            ));
        }
        let timezone = parse_timezone(&raw.timezone)?;
        Ok(SupportHours::Business {
            days,
            start,
            end,
            timezone,
        })
    }
}

impl<'de> Deserialize<'de> for SupportHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SupportHours;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"24x7\" or a table with days, start, end and timezone")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SupportHours, E> {
                if v.trim().eq_ignore_ascii_case("24x7") {
                    Ok(SupportHours::Always)
                } else {
                    Err(E::custom(format!(
                        "`{v}` is not a kind of support hours: write \"24x7\", or a table such as {{ days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], start = \"09:00\", end = \"17:00\", timezone = \"Europe/Berlin\" }}"
                    )))
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<SupportHours, A::Error> {
                let fields =
                    BusinessHoursFields::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                SupportHours::try_from(fields).map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl schemars::JsonSchema for SupportHours {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SupportHours".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "When the plan answers: \"24x7\", or business hours in an IANA time zone.",
            "oneOf": [
                { "const": "24x7" },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["days", "start", "end", "timezone"],
                    "properties": {
                        "days": {
                            "type": "array",
                            "minItems": 1,
                            "items": { "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] }
                        },
                        "start": { "type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$" },
                        "end": { "type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$" },
                        "timezone": { "type": "string", "description": "IANA zone, e.g. Europe/Berlin" }
                    }
                }
            ]
        })
    }
}

impl Serialize for SupportHours {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SupportHours::Always => s.serialize_str("24x7"),
            SupportHours::Business {
                days,
                start,
                end,
                timezone,
            } => {
                let mut table = s.serialize_struct("SupportHours", 4)?;
                let days: Vec<String> = days.iter().map(|d| short_day(*d).to_ascii_lowercase()).collect();
                table.serialize_field("days", &days)?;
                table.serialize_field("start", &start.to_string())?;
                table.serialize_field("end", &end.to_string())?;
                table.serialize_field("timezone", timezone.name())?;
                table.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
    fn rejects_bad_times_and_reversed_hours() {
        assert!(TimeOfDay::parse("9am").is_err());
        assert!(TimeOfDay::parse("24:30").is_err());
        let reversed = BusinessHoursFields {
            days: vec!["mon".into()],
            start: "17:00".into(),
            end: "09:00".into(),
            timezone: "UTC".into(),
        };
        assert!(SupportHours::try_from(reversed).is_err());
    }
}
