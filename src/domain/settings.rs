//! How a guild wants backline to behave: its settings, set with `backline guild`.

use super::ResponseTime;

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
}

impl Default for GuildSettings {
    fn default() -> Self {
        Self {
            sensitive_contacts: false,
            notice_channel: None,
            manager_role: None,
            digest_every: ResponseTime::from_days(7),
            dm_owners: false,
        }
    }
}
