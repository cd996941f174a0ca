//! `Date`: a calendar date, written in TOML as a bare date (`2026-10-01`) or a string.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    pub fn new(date: NaiveDate) -> Self {
        Self(date)
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        let bad = || format!("`{input}` is not a date: write it as YYYY-MM-DD, e.g. 2026-10-01");
        let s = input.trim();
        if s.len() != 10 {
            return Err(bad());
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Self)
            .map_err(|_| bad())
    }

    pub fn naive(self) -> NaiveDate {
        self.0
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A calendar date, YYYY-MM-DD (a bare TOML date or a string).",
            "type": "string",
            "format": "date"
        })
    }
}

impl Serialize for Date {
    /// As a TOML local date, so an exported plans file reads `verified = 2026-10-01`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let date = toml::value::Datetime {
            date: Some(toml::value::Date {
                year: self.0.year() as u16,
                month: self.0.month() as u8,
                day: self.0.day() as u8,
            }),
            time: None,
            offset: None,
        };
        date.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2026-10-01")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                let dt =
                    toml::value::Datetime::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time, dt.offset) {
                    (Some(d), None, None) => {
                        NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                            .map(Date)
                            .ok_or_else(|| serde::de::Error::custom(format!("{dt} is not a date")))
                    }
                    _ => Err(serde::de::Error::custom(format!(
                        "{dt} has a time: write only the date, e.g. 2026-10-01"
                    ))),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}
