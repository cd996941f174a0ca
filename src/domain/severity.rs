//! Our incident severities (sev1 worst) and values kept per severity.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "sev1",
            Self::Sev2 => "sev2",
            Self::Sev3 => "sev3",
            Self::Sev4 => "sev4",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|sev| sev.as_str() == s || sev.as_str()[3..] == s)
            .ok_or_else(|| format!("`{input}` is not a severity: use sev1, sev2, sev3 or sev4"))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One optional value for each severity, written in TOML as `sev1 = …`, `sev2 = …`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, bound(deserialize = "T: Deserialize<'de>"))]
pub struct PerSeverity<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sev1: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sev2: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sev3: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sev4: Option<T>,
}

impl<T> Default for PerSeverity<T> {
    fn default() -> Self {
        Self {
            sev1: None,
            sev2: None,
            sev3: None,
            sev4: None,
        }
    }
}

impl<T> PerSeverity<T> {
    pub fn get(&self, severity: Severity) -> Option<&T> {
        match severity {
            Severity::Sev1 => self.sev1.as_ref(),
            Severity::Sev2 => self.sev2.as_ref(),
            Severity::Sev3 => self.sev3.as_ref(),
            Severity::Sev4 => self.sev4.as_ref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        Severity::ALL.iter().all(|s| self.get(*s).is_none())
    }

    /// The severities that have a value, worst first.
    pub fn iter(&self) -> impl Iterator<Item = (Severity, &T)> {
        Severity::ALL
            .into_iter()
            .filter_map(|s| self.get(s).map(|v| (s, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_or_without_prefix_in_any_case() {
        assert_eq!(Severity::parse("SEV1").unwrap(), Severity::Sev1);
        assert_eq!(Severity::parse("3").unwrap(), Severity::Sev3);
        assert!(Severity::parse("sev5").is_err());
        assert!(Severity::parse("critical").is_err());
    }
}
