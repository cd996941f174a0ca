//! When a support plan answers: around the clock, or business hours in a time zone.

use std::fmt;

use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer, ser::SerializeStruct};

use super::opening::Hours;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupportHours {
    /// Written `hours = "24x7"`.
    Always,
    /// Written as a table: `days`, `start`, `end`, `timezone`. When `end` is not after
    /// `start` (`22:00`–`06:00`) the hours cross midnight: each listed day opens at `start`
    /// and closes at `end` on the next day.
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

    pub(super) fn minutes(self) -> u32 {
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
    /// Whether the plan answers at `now`, and when that next changes. Hours that cross
    /// midnight and clock changes are handled as docs/plans-format.md describes.
    pub fn coverage(&self, now: DateTime<Utc>) -> Coverage {
        match self.business() {
            None => Coverage {
                covered: true,
                next_change: None,
            },
            Some(hours) => hours.coverage(now),
        }
    }

    /// When `minutes` of covered time have passed since `from`: the clock runs only while
    /// the plan answers. None when that is more than about ten years away.
    pub fn after_covered_minutes(&self, from: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        match self.business() {
            None => Some(from + Duration::minutes(minutes)),
            Some(hours) => hours.after_covered(from, minutes),
        }
    }

    fn business(&self) -> Option<Hours<'_>> {
        match self {
            SupportHours::Always => None,
            SupportHours::Business {
                days,
                start,
                end,
                timezone,
            } => Some(Hours {
                days,
                start: *start,
                end: *end,
                timezone,
            }),
        }
    }

    pub fn is_always(&self) -> bool {
        matches!(self, SupportHours::Always)
    }
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
                let next_day = if end <= start { " next day" } else { "" };
                write!(
                    f,
                    "{} {start}–{end}{next_day} {}",
                    days.join(" "),
                    timezone.name()
                )
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
        if start.minutes() >= 24 * 60 {
            return Err("business hours cannot start at 24:00: write 00:00 and list the next day".into());
        }
        if end == start {
            return Err(format!(
                "business hours start and end at the same time ({start}): for hours that cross midnight write e.g. start = \"22:00\", end = \"06:00\"; for all day write start = \"00:00\", end = \"24:00\""
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
            "description": "When the plan answers: \"24x7\", or business hours in an IANA time zone. An end earlier than the start crosses midnight (closes the next day). A time that a clock change skips takes the first instant after the gap; a time that happens twice takes its first occurrence.",
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
                        "end": {
                            "type": "string",
                            "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
                            "description": "24:00 is the end of the day; earlier than start: closes at this time the next day"
                        },
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
#[path = "hours_tests.rs"]
mod tests;
