//! `/case open` on SQLite: the statements of the write transaction, one after the other.

use super::{
    SqliteStore, StoreError,
    cases::{NewCase, NewEvent, Recorded},
    rows::{InsertedCaseRow, case_columns},
};
use crate::domain::{GuildId, case::NotifyTarget};

impl SqliteStore {
    /// Numbers and records a case with its `opened` event and notifications: a statement
    /// each, in one write transaction (SQLite's statements cost no network round trip).
    pub(super) async fn insert_case(
        &self,
        guild: GuildId,
        case: &NewCase,
        event: &NewEvent,
        notify: &[NotifyTarget],
    ) -> Result<Recorded, StoreError> {
        // Checked first: a redelivery is refused without failing the write transaction.
        if let Some(done) = self.replayed(guild, event.interaction_id).await? {
            return Ok(done);
        }
        let mut tx = self.write_tx("opening a case").await?;
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (guild_id, last_number) VALUES ($1, 1) \
             ON CONFLICT (guild_id) DO UPDATE SET last_number = case_counters.last_number + 1 \
             RETURNING last_number",
        )
        .bind(guild.as_i64())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::db("numbering a case"))?;
        // The case comes back as stored (no read after the commit).
        let stored = sqlx::query_as::<_, InsertedCaseRow>(concat!(
            "INSERT INTO cases (guild_id, number, vendor_slug, vendor_name, severity, vendor_severity, \
             summary, vendor_case_id, link, channel_id, opened_by, opened_at, response_due, status, \
             escalation_level) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', 0) RETURNING id, ",
            case_columns!()
        ))
        .bind(guild.as_i64())
        .bind(number)
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
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::db("opening a case"))?;
        let event_id = Self::insert_event_and_notifications(&mut tx, guild, stored.id, event, notify).await?;
        tx.commit("opening a case").await?;
        Ok(Recorded {
            case: stored.case.into_case(guild)?,
            event_id,
            replayed: false,
        })
    }
}
