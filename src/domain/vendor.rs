//! A vendor and everything needed to get help from it: plan, filing steps, escalation, owners.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use chrono::{DateTime, Utc};

use super::{
    Date, DiscordRoleId, DiscordUserId, PerSeverity, ResponseTime, Severity, StatusSource, SupportHours,
    VendorSlug,
};

/// How much the business suffers when this vendor fails; orders every list (critical first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criticality {
    Critical,
    High,
    Medium,
    Low,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        [Self::Critical, Self::High, Self::Medium, Self::Low]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(input.trim()))
            .ok_or_else(|| format!("`{input}` is not a criticality: use critical, high, medium or low"))
    }
}

impl Serialize for Criticality {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Criticality {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Criticality {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Criticality".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How much the business suffers when this vendor fails.",
            "enum": ["critical", "high", "medium", "low"]
        })
    }
}

impl schemars::JsonSchema for WebUrl {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WebUrl".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A full http(s) address.",
            "type": "string",
            "format": "uri",
            "pattern": "^https?://"
        })
    }
}

impl fmt::Display for Criticality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `http(s)://` address: a portal or status page someone can open mid-incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl(url::Url);

impl WebUrl {
    pub fn parse(input: &str) -> Result<Self, String> {
        let url = url::Url::parse(input.trim()).map_err(|e| {
            format!("`{input}` is not a web address ({e}): write the full address, e.g. https://support.example.com")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "`{input}` is not a web address: it must start with https:// (or http://)"
            ));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl Serialize for WebUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for WebUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Someone on our side: the relationship owner or the backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord_id: Option<DiscordUserId>,
    /// When someone last confirmed these details are right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<Date>,
}

/// Someone on the vendor's side, on a rung of the escalation ladder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord_id: Option<DiscordUserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<Date>,
}

/// What the company pays the vendor for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub tier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<Date>,
    pub hours: SupportHours,
    /// How the response time is counted: around the clock from the first covered minute
    /// (`calendar`, the default) or only while the plan answers (`business-hours`).
    #[serde(default, skip_serializing_if = "ResponseClock::is_calendar")]
    pub response_clock: ResponseClock,
    /// Contracted first-response time per severity.
    #[serde(default, skip_serializing_if = "PerSeverity::is_empty")]
    pub response: PerSeverity<ResponseTime>,
    /// The vendor's own name for each of our severities (our sev1 = AWS "Business-critical system down").
    #[serde(default, skip_serializing_if = "PerSeverity::is_empty")]
    pub severity_names: PerSeverity<String>,
}

/// How a plan counts its promised response time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseClock {
    /// The clock starts at the case (or at the next opening when the plan is closed) and
    /// then runs without stopping.
    #[default]
    Calendar,
    /// The clock runs only during the plan's hours, e.g. "4 business hours".
    BusinessHours,
}

impl ResponseClock {
    fn is_calendar(&self) -> bool {
        *self == Self::Calendar
    }
}

impl Plan {
    /// When the first response is due for a case of `severity` opened at `opened_at`; none
    /// when the plan promises no time for that severity.
    pub fn response_due(&self, severity: Severity, opened_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let promised = i64::try_from(self.response.get(severity)?.minutes()).ok()?;
        match self.response_clock {
            ResponseClock::BusinessHours => self.hours.after_covered_minutes(opened_at, promised),
            ResponseClock::Calendar => {
                let coverage = self.hours.coverage(opened_at);
                let clock_starts = match (coverage.covered, coverage.next_change) {
                    (false, Some(opens)) => opens.with_timezone(&Utc),
                    _ => opened_at,
                };
                clock_starts.checked_add_signed(chrono::Duration::try_minutes(promised)?)
            }
        }
    }
}

/// How to open a case with the vendor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<WebUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// What the vendor will ask for (account ID, region, resource, start time …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_info: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

impl Filing {
    pub fn is_empty(&self) -> bool {
        *self == Filing::default()
    }

    pub fn has_channel(&self) -> bool {
        self.portal.is_some() || self.phone.is_some() || self.email.is_some()
    }
}

/// One rung of the vendor-side ladder (support → TAM → account manager → executive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationLevel {
    pub name: String,
    /// How long to wait at this level before going to the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_after: Option<ResponseTime>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

fn default_review_every() -> ResponseTime {
    ResponseTime::from_days(90)
}

fn is_default_review(r: &ResponseTime) -> bool {
    *r == default_review_every()
}

/// A vendor in the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub slug: VendorSlug,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub criticality: Criticality,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_page: Option<WebUrl>,
    /// Where the vendor's live status is read from, and which of its components we use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSource>,
    /// How often the contacts must be re-verified (default 90 days).
    #[serde(default = "default_review_every", skip_serializing_if = "is_default_review")]
    pub review_every: ResponseTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub owner: Person,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<Person>,
    /// The first-response time the business needs per severity.
    #[serde(default, skip_serializing_if = "PerSeverity::is_empty")]
    pub needs: PerSeverity<ResponseTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    #[serde(default, skip_serializing_if = "Filing::is_empty")]
    pub filing: Filing,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<EscalationLevel>,
    /// Discord roles to mention when a case of that severity is opened (e.g. on-call).
    #[serde(default, skip_serializing_if = "PerSeverity::is_empty")]
    pub notify_roles: PerSeverity<Vec<DiscordRoleId>>,
}

/// What lookup and autocomplete need of a vendor, without the whole plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorSummary {
    pub slug: VendorSlug,
    pub name: String,
    pub aliases: Vec<String>,
    pub criticality: Criticality,
}
