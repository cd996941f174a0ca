//! How a guild wants backline to behave: its settings, set with `backline guild`.

use super::{Criticality, ResponseTime};

/// How a guild wants backline to behave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuildSettings {
    /// Phone numbers and account IDs are for the asker only: `/support` replies ephemerally.
    pub sensitive_contacts: bool,
    /// Where digests and "an owner left" notices go; none: they are not posted.
    pub notice_channel: Option<u64>,
    /// Members with this role may edit vendors from Discord (as may Manage Server).
    pub manager_role: Option<u64>,
    /// How often the verification digest is posted.
    pub digest_every: ResponseTime,
    /// Also ask owners of stale vendors by direct message.
    pub dm_owners: bool,
    /// Which vendors' incidents are announced in the notice channel.
    pub status_alerts: StatusAlerts,
    /// Pinged by vendor-incident alerts; none: they ping nobody.
    pub status_role: Option<u64>,
}

/// Which vendors' incidents a guild is alerted to (`backline guild --status-alerts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusAlerts {
    Critical,
    /// High and critical vendors.
    #[default]
    High,
    All,
    Off,
}

impl StatusAlerts {
    pub const ALL: [Self; 4] = [Self::Critical, Self::High, Self::All, Self::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::All => "all",
            Self::Off => "off",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(input.trim()))
            .ok_or_else(|| format!("`{input}` is not a status alert level: use critical, high, all or off"))
    }

    /// Whether an incident of a vendor of this criticality is announced.
    pub fn covers(self, criticality: Criticality) -> bool {
        match self {
            Self::Critical => criticality == Criticality::Critical,
            Self::High => matches!(criticality, Criticality::Critical | Criticality::High),
            Self::All => true,
            Self::Off => false,
        }
    }
}

impl std::fmt::Display for StatusAlerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Default for GuildSettings {
    fn default() -> Self {
        Self {
            sensitive_contacts: false,
            notice_channel: None,
            manager_role: None,
            digest_every: ResponseTime::from_days(7),
            dm_owners: false,
            status_alerts: StatusAlerts::default(),
            status_role: None,
        }
    }
}
