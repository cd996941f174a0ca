//! `ResponseTime`: a duration written the way people write them (`15m`, `4h`, `2d`).

use std::{fmt, time::Duration};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-zero duration in whole minutes: a first-response time, an escalation delay or a
/// review cadence. Written as numbers with units m, h, d or w (`15m`, `1h 30m`, `90d`, `2w`);
/// displayed in the same form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResponseTime(Duration);

/// Ten years: longer than any response time or review cadence anyone means.
const MAX_MINUTES: u64 = 10 * 366 * 24 * 60;

impl ResponseTime {
    pub fn parse(input: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{input}` is not a duration: write numbers with units m, h, d or w, e.g. 15m, 4h, 1h 30m, 2d"
            )
        };
        let mut minutes: u64 = 0;
        let mut rest = input.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
            let after = rest[digits..].trim_start();
            let unit_len = after
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(after.len());
            let size = match &after[..unit_len] {
                "m" | "min" | "mins" | "minute" | "minutes" => 1,
                "h" | "hr" | "hrs" | "hour" | "hours" => 60,
                "d" | "day" | "days" => 24 * 60,
                "w" | "week" | "weeks" => 7 * 24 * 60,
                _ => return Err(bad()),
            };
            minutes = number
                .checked_mul(size)
                .and_then(|m| minutes.checked_add(m))
                .ok_or_else(bad)?;
            rest = after[unit_len..].trim_start();
        }
        if minutes == 0 {
            return Err(format!("`{input}` is zero: a duration must be longer than that"));
        }
        if minutes > MAX_MINUTES {
            return Err(format!("`{input}` is longer than ten years"));
        }
        Ok(Self(Duration::from_secs(minutes * 60)))
    }

    pub fn from_minutes(minutes: u64) -> Self {
        Self(Duration::from_secs(minutes.max(1) * 60))
    }

    pub fn from_days(days: u64) -> Self {
        Self::from_minutes(days.max(1) * 24 * 60)
    }

    pub fn minutes(self) -> u64 {
        self.0.as_secs() / 60
    }
}

impl fmt::Display for ResponseTime {
    /// `90d`, `1h 30m`, `15m`: the largest units first (weeks are shown as days).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut minutes = self.minutes();
        let mut parts = Vec::new();
        for (unit, size) in [("d", 24 * 60), ("h", 60), ("m", 1)] {
            if minutes >= size {
                parts.push(format!("{}{unit}", minutes / size));
                minutes %= size;
            }
        }
        f.write_str(&parts.join(" "))
    }
}

impl schemars::JsonSchema for ResponseTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ResponseTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: numbers with units m, h, d or w, e.g. 15m, 4h, 1h 30m, 2d.",
            "type": "string",
            "pattern": "^\\s*[0-9]+\\s*[a-z]+(\\s*[0-9]+\\s*[a-z]+)*\\s*$",
            "examples": ["15m", "1h", "1h 30m", "2d"]
        })
    }
}

impl Serialize for ResponseTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ResponseTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(ResponseTime::parse("15m").unwrap().minutes(), 15);
        assert_eq!(ResponseTime::parse("1h 30m").unwrap().minutes(), 90);
        assert_eq!(ResponseTime::parse("1h30m").unwrap().minutes(), 90);
        assert_eq!(ResponseTime::parse("2d").unwrap().minutes(), 2 * 24 * 60);
        assert_eq!(ResponseTime::parse("2 weeks").unwrap().minutes(), 14 * 24 * 60);
    }

    #[test]
    fn rejects_words_zero_seconds_fractions_and_months() {
        for bad in [
            "fast",
            "",
            "0m",
            "30s",
            "15",
            "1.5h",
            "1M",
            "1y",
            "h",
            "99999999999999999999d",
        ] {
            assert!(ResponseTime::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn displays_in_the_form_it_parses() {
        for s in ["15m", "1h 30m", "90d", "1d 2h"] {
            assert_eq!(ResponseTime::parse(s).unwrap().to_string(), s);
        }
    }
}
