//! `/case open` on PostgreSQL: one statement, run on its own (autocommit), so one round trip
//! and one commit per case.
//!
//! Numbers stay gapless because the guild's counter row is updated in the same transaction
//! as the case: a case that fails to insert (a redelivered interaction) rolls its number
//! back. Concurrent openings in one guild wait for that row, but only for what the server
//! does after taking it (the inserts of this statement and the commit): no client round
//! trip happens while it is held, where the statement-by-statement version held it across
//! four.

use super::{
    PostgresStore, StoreError,
    cases::{CHANNEL_MENTION, NewCase, NewEvent, Recorded},
    rows::{CaseRow, case_columns, recipient_columns},
};
use crate::domain::{
    GuildId,
    case::{Delivery, NotifyTarget},
};

/// The case as stored, with its row ID and the ID of its `opened` event.
#[derive(sqlx::FromRow)]
struct OpenedRow {
    event_id: i64,
    #[sqlx(flatten)]
    case: CaseRow,
}

const OPEN_CASE: &str = concat!(
    "WITH counter AS (\
        INSERT INTO case_counters (guild_id, last_number) VALUES ($1, 1) \
        ON CONFLICT (guild_id) DO UPDATE SET last_number = case_counters.last_number + 1 \
        RETURNING last_number), \
     opened AS (\
        INSERT INTO cases (guild_id, number, vendor_slug, vendor_name, severity, vendor_severity, summary, \
            vendor_case_id, link, channel_id, opened_by, opened_at, response_due, status, escalation_level) \
        SELECT $1, last_number, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', 0 FROM counter \
        RETURNING id, ",
    case_columns!(),
    "), \
     event AS (\
        INSERT INTO case_events (guild_id, case_id, at, kind, actor, detail, interaction_id) \
        SELECT $1, id, $13, $14, $15, $16, $17 FROM opened RETURNING id), \
     notified AS (\
        INSERT INTO notifications (guild_id, case_id, event_id, recipient_kind, recipient_id, label, method, at, delivery) \
        SELECT $1, opened.id, event.id, n.kind, n.recipient, n.label, $21, $13, $22 \
        FROM opened, event, UNNEST($18::text[], $19::bigint[], $20::text[]) AS n(kind, recipient, label) \
        ON CONFLICT (event_id, recipient_kind, recipient_id) DO NOTHING) \
     SELECT event.id AS event_id, opened.* FROM opened, event"
);

impl PostgresStore {
    /// Numbers and records a case with its `opened` event and notifications (see the module).
    pub(super) async fn insert_case(
        &self,
        guild: GuildId,
        case: &NewCase,
        event: &NewEvent,
        notify: &[NotifyTarget],
    ) -> Result<Recorded, StoreError> {
        let (kinds, recipients): (Vec<&str>, Vec<i64>) =
            notify.iter().map(|t| recipient_columns(t.recipient)).unzip();
        let labels: Vec<&str> = notify.iter().map(|t| t.label.as_str()).collect();
        let row = sqlx::query_as::<_, OpenedRow>(OPEN_CASE)
            .bind(guild.as_i64())
            .bind(case.vendor.as_str())
            .bind(&case.vendor_name)
            .bind(case.severity.as_str())
            .bind(&case.vendor_severity)
            .bind(&case.summary)
            .bind(&case.vendor_case_id)
            .bind(&case.link)
            .bind(case.channel_id.map(|c| c as i64))
            .bind(case.opened_by as i64)
            .bind(case.opened_at)
            .bind(case.response_due)
            .bind(event.at)
            .bind(event.kind.as_str())
            .bind(event.actor.map(|a| a as i64))
            .bind(&event.detail)
            .bind(event.interaction_id.map(|i| i as i64))
            .bind(kinds)
            .bind(recipients)
            .bind(labels)
            .bind(CHANNEL_MENTION)
            .bind(Delivery::Pending.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::db("opening a case"))?;
        Ok(Recorded {
            case: row.case.into_case(guild)?,
            event_id: row.event_id,
            replayed: false,
        })
    }
}
