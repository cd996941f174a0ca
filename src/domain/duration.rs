//! `ResponseTime`: a duration written the way people write them (`15m`, `4h`, `2d`).

use std::{fmt, time::Duration};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-zero duration such as a first-response time, an escalation delay or a review
/// cadence. Written `15m`, `1h 30m`, `24h`, `90d`; displayed in the same form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResponseTime(Duration);

impl ResponseTime {
    pub fn parse(input: &str) -> Result<Self, String> {
        let d = humantime::parse_duration(input.trim()).map_err(|_| {
            format!("`{input}` is not a duration: write a number and a unit, e.g. 15m, 4h, 1h 30m, 2d")
        })?;
        if d.is_zero() {
            return Err(format!("`{input}` is zero: a duration must be longer than that"));
        }
        if d.subsec_nanos() != 0 || d.as_secs() % 60 != 0 {
            return Err(format!("`{input}` is not a whole number of minutes"));
        }
        Ok(Self(d))
    }

    pub fn from_minutes(minutes: u64) -> Self {
        Self(Duration::from_secs(minutes.max(1) * 60))
    }

    pub fn from_days(days: u64) -> Self {
        Self::from_minutes(days.max(1) * 24 * 60)
    }

    pub fn as_duration(self) -> Duration {
        self.0
    }

    pub fn whole_days(self) -> i64 {
        (self.0.as_secs() / 86_400) as i64
    }

    pub fn minutes(self) -> u64 {
        self.0.as_secs() / 60
    }
}

impl fmt::Display for ResponseTime {
    /// `90d`, `1h 30m`, `15m`: the largest units first, nothing below minutes.
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
            "description": "A duration in whole minutes: a number and a unit, e.g. 15m, 4h, 1h 30m, 2d.",
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
        assert_eq!(ResponseTime::parse("2d").unwrap().minutes(), 2 * 24 * 60);
    }

    #[test]
    fn rejects_words_zero_and_seconds() {
        for bad in ["fast", "", "0m", "30s", "15"] {
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
