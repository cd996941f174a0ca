//! `VendorSlug`: the short, stable identifier of a vendor (`aws`, `pagerduty`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A vendor's identifier: 1–32 characters of `a-z`, `0-9` and `-`, starting with a letter
/// or digit. Short enough to type mid-incident and to fit any Discord option value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VendorSlug(String);

impl VendorSlug {
    pub const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("a vendor slug cannot be empty".into());
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(format!(
                "vendor slug `{s}` is longer than {} characters",
                Self::MAX_LEN
            ));
        }
        let valid = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid || s.starts_with('-') {
            return Err(format!(
                "vendor slug `{s}` may only use lowercase letters, digits and `-` (and not start with `-`), e.g. `aws` or `google-cloud`"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text of a slug that was parsed before (kept as text in an index): no check again.
    pub(super) fn from_parsed(text: &str) -> Self {
        debug_assert!(Self::parse(text).is_ok(), "{text:?} was never a parsed slug");
        Self(text.to_owned())
    }
}

impl fmt::Display for VendorSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl schemars::JsonSchema for VendorSlug {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "VendorSlug".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The vendor's short identifier: lowercase letters, digits and -, at most 32 characters.",
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{0,31}$"
        })
    }
}

impl Serialize for VendorSlug {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for VendorSlug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_digits_and_dashes() {
        assert_eq!(
            VendorSlug::parse("google-cloud").unwrap().as_str(),
            "google-cloud"
        );
        assert_eq!(VendorSlug::parse(" aws ").unwrap().as_str(), "aws");
    }

    #[test]
    fn rejects_uppercase_spaces_and_leading_dash() {
        for bad in ["AWS", "google cloud", "-aws", "", "a_b", "ünïcode"] {
            assert!(VendorSlug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_slugs_longer_than_32_characters() {
        assert!(VendorSlug::parse(&"a".repeat(32)).is_ok());
        assert!(VendorSlug::parse(&"a".repeat(33)).is_err());
    }
}
