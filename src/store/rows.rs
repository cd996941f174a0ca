//! Rows as the tables hold them (`FromRow`), checked into domain types: a stored value
//! that does not read back is `StoreError::Corrupt` naming its table, key and column.

use std::fmt::Display;

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{
    ChangeSource, Criticality, GuildId, GuildSettings, HistoryEntry, ResponseTime, Severity, StatusAlerts,
    Vendor, VendorSlug, VendorSummary,
    case::{Case, CaseEvent, CaseStatus, Delivery, EventKind, Notification, Recipient},
    plans_file,
};

/// The columns of `CaseRow`, as a literal so that queries can `concat!` it in.
macro_rules! case_columns {
    () => {
        "number, vendor_slug, vendor_name, severity, vendor_severity, summary, vendor_case_id, link, \
         channel_id, opened_by, opened_at, response_due, status, escalation_level, vendor_responded_at, \
         closed_at, resolution"
    };
}
pub(super) use case_columns;

/// Where a value was read from, for `Corrupt`.
struct At<'a> {
    table: &'static str,
    key: &'a dyn Display,
}

impl At<'_> {
    fn corrupt<E: Display>(&self, column: &'static str) -> impl FnOnce(E) -> StoreError + '_ {
        move |problem| StoreError::Corrupt {
            table: self.table,
            key: self.key.to_string(),
            column,
            problem: problem.to_string(),
        }
    }

    /// A Discord ID: stored as a 64-bit integer, never negative.
    fn discord_id(&self, column: &'static str, value: i64) -> Result<u64, StoreError> {
        u64::try_from(value).map_err(self.corrupt(column))
    }

    fn optional_id(&self, column: &'static str, value: Option<i64>) -> Result<Option<u64>, StoreError> {
        value.map(|v| self.discord_id(column, v)).transpose()
    }

    fn slug(&self, column: &'static str, value: &str) -> Result<VendorSlug, StoreError> {
        VendorSlug::parse(value).map_err(self.corrupt(column))
    }
}

/// A guild ID as stored (guild IDs are checked before every write; 0 is the local registry).
pub(super) fn guild_id(table: &'static str, value: i64) -> Result<GuildId, StoreError> {
    let at = At { table, key: &value };
    let id = at.discord_id("guild_id", value)?;
    GuildId::new(id).map_err(at.corrupt("guild_id"))
}

#[derive(sqlx::FromRow)]
pub(super) struct VendorSummaryRow {
    slug: String,
    name: String,
    criticality: String,
    aliases: String,
}

impl VendorSummaryRow {
    pub fn into_summary(self, guild: GuildId) -> Result<VendorSummary, StoreError> {
        let key = format!("guild {guild}, vendor {}", self.slug);
        let at = At {
            table: "vendors",
            key: &key,
        };
        Ok(VendorSummary {
            slug: at.slug("slug", &self.slug)?,
            name: self.name,
            aliases: serde_json::from_str(&self.aliases).map_err(at.corrupt("aliases"))?,
            criticality: Criticality::parse(&self.criticality).map_err(at.corrupt("criticality"))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VendorDocumentRow {
    pub slug: String,
    pub document: String,
}

impl VendorDocumentRow {
    pub fn into_vendor(self, guild: GuildId) -> Result<Vendor, StoreError> {
        parse_document(guild, &self.slug, &self.document)
    }
}

/// A vendor's stored TOML document, read back.
pub(super) fn parse_document(guild: GuildId, slug: &str, document: &str) -> Result<Vendor, StoreError> {
    let key = format!("guild {guild}, vendor {slug}");
    let at = At {
        table: "vendors",
        key: &key,
    };
    plans_file::vendor_from_toml(document).map_err(at.corrupt("document"))
}

#[derive(sqlx::FromRow)]
pub(super) struct SettingsRow {
    sensitive_contacts: bool,
    notice_channel_id: Option<i64>,
    manager_role_id: Option<i64>,
    digest_every_minutes: i64,
    dm_owners: bool,
    status_alerts: String,
    status_role_id: Option<i64>,
}

impl SettingsRow {
    pub fn into_settings(self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        let key = format!("guild {guild}");
        let at = At {
            table: "guild_settings",
            key: &key,
        };
        let every = u64::try_from(self.digest_every_minutes)
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| format!("{} minutes", self.digest_every_minutes))
            .map_err(at.corrupt("digest_every_minutes"))?;
        Ok(GuildSettings {
            sensitive_contacts: self.sensitive_contacts,
            notice_channel: at.optional_id("notice_channel_id", self.notice_channel_id)?,
            manager_role: at.optional_id("manager_role_id", self.manager_role_id)?,
            digest_every: ResponseTime::from_minutes(every),
            dm_owners: self.dm_owners,
            status_alerts: StatusAlerts::parse(&self.status_alerts).map_err(at.corrupt("status_alerts"))?,
            status_role: at.optional_id("status_role_id", self.status_role_id)?,
        })
    }
}

/// The columns of `case_columns!()`.
#[derive(sqlx::FromRow)]
pub(super) struct CaseRow {
    number: i64,
    vendor_slug: String,
    vendor_name: String,
    severity: String,
    vendor_severity: Option<String>,
    summary: String,
    vendor_case_id: Option<String>,
    link: Option<String>,
    channel_id: Option<i64>,
    opened_by: i64,
    opened_at: DateTime<Utc>,
    response_due: Option<DateTime<Utc>>,
    status: String,
    escalation_level: i64,
    vendor_responded_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    resolution: Option<String>,
}

impl CaseRow {
    /// The case's number in its guild.
    pub fn number(&self) -> i64 {
        self.number
    }

    pub fn into_case(self, guild: GuildId) -> Result<Case, StoreError> {
        let key = format!("guild {guild}, case #{}", self.number);
        let at = At {
            table: "cases",
            key: &key,
        };
        Ok(Case {
            number: self.number,
            vendor: at.slug("vendor_slug", &self.vendor_slug)?,
            vendor_name: self.vendor_name,
            severity: Severity::parse(&self.severity).map_err(at.corrupt("severity"))?,
            vendor_severity: self.vendor_severity,
            summary: self.summary,
            vendor_case_id: self.vendor_case_id,
            link: self.link,
            channel_id: at.optional_id("channel_id", self.channel_id)?,
            opened_by: at.discord_id("opened_by", self.opened_by)?,
            opened_at: self.opened_at,
            response_due: self.response_due,
            status: CaseStatus::parse(&self.status).map_err(at.corrupt("status"))?,
            escalation_level: usize::try_from(self.escalation_level)
                .map_err(at.corrupt("escalation_level"))?,
            vendor_responded_at: self.vendor_responded_at,
            closed_at: self.closed_at,
            resolution: self.resolution,
        })
    }
}

/// A case with its row ID, as `INSERT … RETURNING id, case_columns!()` gives it.
#[derive(sqlx::FromRow)]
pub(super) struct InsertedCaseRow {
    pub id: i64,
    #[sqlx(flatten)]
    pub case: CaseRow,
}

/// A case with its guild, as the cross-guild reminder claim returns it.
#[derive(sqlx::FromRow)]
pub(super) struct ClaimedCaseRow {
    guild_id: i64,
    #[sqlx(flatten)]
    case: CaseRow,
}

impl ClaimedCaseRow {
    pub fn into_claimed(self) -> Result<(GuildId, Case), StoreError> {
        let guild = guild_id("cases", self.guild_id)?;
        Ok((guild, self.case.into_case(guild)?))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    at: DateTime<Utc>,
    kind: String,
    actor: Option<i64>,
    detail: String,
}

impl EventRow {
    pub fn into_event(self, guild: GuildId) -> Result<CaseEvent, StoreError> {
        let key = format!("guild {guild}, event {}", self.id);
        let at = At {
            table: "case_events",
            key: &key,
        };
        Ok(CaseEvent {
            id: self.id,
            at: self.at,
            kind: EventKind::parse(&self.kind)
                .ok_or_else(|| format!("`{}` is not an event kind", self.kind))
                .map_err(at.corrupt("kind"))?,
            actor: at.optional_id("actor", self.actor)?,
            detail: self.detail,
        })
    }
}

/// An event with the row ID of its case, for reading many cases' timelines at once.
#[derive(sqlx::FromRow)]
pub(super) struct CaseEventRow {
    pub case_id: i64,
    #[sqlx(flatten)]
    pub event: EventRow,
}

/// A notification with the row ID of its case.
#[derive(sqlx::FromRow)]
pub(super) struct CaseNotificationRow {
    pub case_id: i64,
    #[sqlx(flatten)]
    pub notification: NotificationRow,
}

#[derive(sqlx::FromRow)]
pub(super) struct NotificationRow {
    id: i64,
    event_id: i64,
    recipient_kind: String,
    recipient_id: i64,
    label: String,
    method: String,
    at: DateTime<Utc>,
    delivery: String,
    reason: Option<String>,
}

impl NotificationRow {
    pub fn into_notification(self, guild: GuildId) -> Result<Notification, StoreError> {
        let key = format!("guild {guild}, notification {}", self.id);
        let at = At {
            table: "notifications",
            key: &key,
        };
        let id = at.discord_id("recipient_id", self.recipient_id)?;
        let recipient = match self.recipient_kind.as_str() {
            "user" => Recipient::User(id),
            "role" => Recipient::Role(id),
            other => {
                return Err(at.corrupt("recipient_kind")(format!(
                    "`{other}` is neither user nor role"
                )));
            }
        };
        Ok(Notification {
            event_id: self.event_id,
            recipient,
            label: self.label,
            method: self.method,
            at: self.at,
            delivery: Delivery::parse(&self.delivery)
                .ok_or_else(|| format!("`{}` is not a delivery state", self.delivery))
                .map_err(at.corrupt("delivery"))?,
            reason: self.reason,
        })
    }
}

/// How a recipient is stored: its kind and its ID.
pub(super) fn recipient_columns(recipient: Recipient) -> (&'static str, i64) {
    match recipient {
        Recipient::User(id) => ("user", id as i64),
        Recipient::Role(id) => ("role", id as i64),
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VerificationRow {
    slug: String,
    verified_by: i64,
    verified_at: DateTime<Utc>,
}

impl VerificationRow {
    pub fn into_verification(self, guild: GuildId) -> Result<(VendorSlug, (u64, DateTime<Utc>)), StoreError> {
        let key = format!("guild {guild}, vendor {}", self.slug);
        let at = At {
            table: "vendor_verifications",
            key: &key,
        };
        let by = at.discord_id("verified_by", self.verified_by)?;
        Ok((at.slug("slug", &self.slug)?, (by, self.verified_at)))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HistoryRow {
    id: i64,
    slug: String,
    at: DateTime<Utc>,
    actor: Option<i64>,
    source: String,
    action: String,
    detail: String,
}

impl HistoryRow {
    pub fn into_entry(self, guild: GuildId) -> Result<HistoryEntry, StoreError> {
        let key = format!("guild {guild}, entry {}", self.id);
        let at = At {
            table: "vendor_history",
            key: &key,
        };
        let actor = at.optional_id("actor", self.actor)?;
        Ok(HistoryEntry {
            slug: at.slug("slug", &self.slug)?,
            at: self.at,
            source: ChangeSource::parse(&self.source, actor).map_err(at.corrupt("source"))?,
            action: self.action,
            detail: self.detail,
        })
    }
}

/// Cases with their timelines, from the three reads of an export: the cases in order, then
/// all their events and all their notifications, each in timeline order.
pub(super) fn timelines_of(
    guild: GuildId,
    cases: Vec<InsertedCaseRow>,
    events: Vec<CaseEventRow>,
    notifications: Vec<CaseNotificationRow>,
) -> Result<Vec<(Case, crate::domain::Timeline)>, StoreError> {
    let mut timelines: std::collections::HashMap<i64, crate::domain::Timeline> =
        cases.iter().map(|row| (row.id, Default::default())).collect();
    // A case opened between the reads has events but is not exported.
    for row in events {
        if let Some(timeline) = timelines.get_mut(&row.case_id) {
            timeline.events.push(row.event.into_event(guild)?);
        }
    }
    for row in notifications {
        if let Some(timeline) = timelines.get_mut(&row.case_id) {
            timeline
                .notifications
                .push(row.notification.into_notification(guild)?);
        }
    }
    cases
        .into_iter()
        .map(|row| {
            let timeline = timelines.remove(&row.id).unwrap_or_default();
            Ok((row.case.into_case(guild)?, timeline))
        })
        .collect()
}
