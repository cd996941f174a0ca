//! `/case open` on SQLite: the statements of the write transaction, for one case or a batch.

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::{
    SqliteStore, StoreError,
    batch::{MarkJob, OpenJob},
    cases::{CHANNEL_MENTION, NewCase, NewEvent, Recorded},
    rows::{InsertedCaseRow, case_columns, recipient_columns},
};
use crate::domain::{
    GuildId,
    case::{Delivery, NotifyTarget},
};

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

/// Notification rows per INSERT, well under SQLite's limit of bound values (9 per row).
const NOTIFICATIONS_PER_INSERT: usize = 1000;

impl SqliteStore {
    /// Numbers and records a batch of cases (in order, numbers allocated together) with
    /// their `opened` events and notifications, in one write transaction: a multi-row
    /// INSERT each for the cases, the events and the notifications. All or nothing.
    pub(super) async fn insert_cases(
        &self,
        guild: GuildId,
        jobs: &[OpenJob],
    ) -> Result<Vec<Recorded>, StoreError> {
        let doing = "opening cases";
        let count = jobs.len() as i64;
        let mut tx = self.write_tx(doing).await?;
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (guild_id, last_number) VALUES ($1, $2) \
             ON CONFLICT (guild_id) DO UPDATE SET last_number = case_counters.last_number + excluded.last_number \
             RETURNING last_number",
        )
        .bind(guild.as_i64())
        .bind(count)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::db("numbering cases"))?;
        let first = last - count + 1;
        let mut cases = QueryBuilder::new(
            "INSERT INTO cases (guild_id, number, vendor_slug, vendor_name, severity, vendor_severity, \
             summary, vendor_case_id, link, channel_id, opened_by, opened_at, response_due, status, \
             escalation_level) ",
        );
        cases.push_values(jobs.iter().zip(first..), |mut values, (job, number)| {
            let case = &job.case;
            values
                .push_bind(guild.as_i64())
                .push_bind(number)
                .push_bind(case.vendor.as_str())
                .push_bind(&case.vendor_name)
                .push_bind(case.severity.as_str())
                .push_bind(&case.vendor_severity)
                .push_bind(&case.summary)
                .push_bind(&case.vendor_case_id)
                .push_bind(&case.link)
                .push_bind(case.channel_id.map(|c| c as i64))
                .push_bind(case.opened_by as i64)
                .push_bind(case.opened_at)
                .push_bind(case.response_due)
                .push_bind("open")
                .push_bind(0i64);
        });
        cases.push(concat!(" RETURNING id, ", case_columns!()));
        let mut stored = cases
            .build_query_as::<InsertedCaseRow>()
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::db(doing))?;
        // RETURNING gives no order: the numbers say which row is which job's.
        stored.sort_by_key(|row| row.case.number());
        if stored.len() != jobs.len() {
            return Err(StoreError::Conflict(format!(
                "{} of {} cases were recorded",
                stored.len(),
                jobs.len()
            )));
        }
        let mut events = QueryBuilder::new(
            "INSERT INTO case_events (guild_id, case_id, at, kind, actor, detail, interaction_id) ",
        );
        events.push_values(jobs.iter().zip(&stored), |mut values, (job, row)| {
            let event = &job.event;
            values
                .push_bind(guild.as_i64())
                .push_bind(row.id)
                .push_bind(event.at)
                .push_bind(event.kind.as_str())
                .push_bind(event.actor.map(|a| a as i64))
                .push_bind(&event.detail)
                .push_bind(event.interaction_id.map(|i| i as i64));
        });
        events.push(" RETURNING id, case_id");
        let event_ids: HashMap<i64, i64> = events
            .build_query_as::<(i64, i64)>()
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::db("recording case events"))?
            .into_iter()
            .map(|(event, case)| (case, event))
            .collect();
        let event_of = |case_id: i64| {
            event_ids
                .get(&case_id)
                .copied()
                .ok_or_else(|| StoreError::Conflict("a case's event was not recorded".to_owned()))
        };
        // Each case's notifications in its targets' order, as one opening writes them.
        let mut rows = Vec::new();
        for (job, row) in jobs.iter().zip(&stored) {
            let event_id = event_of(row.id)?;
            rows.extend(job.notify.iter().map(|target| (job, row.id, event_id, target)));
        }
        for chunk in rows.chunks(NOTIFICATIONS_PER_INSERT) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO notifications (guild_id, case_id, event_id, recipient_kind, recipient_id, label, method, at, delivery) ",
            );
            insert.push_values(chunk, |mut values, (job, case_id, event_id, target)| {
                let (kind, id) = recipient_columns(target.recipient);
                values
                    .push_bind(guild.as_i64())
                    .push_bind(*case_id)
                    .push_bind(*event_id)
                    .push_bind(kind)
                    .push_bind(id)
                    .push_bind(&target.label)
                    .push_bind(CHANNEL_MENTION)
                    .push_bind(job.event.at)
                    .push_bind(Delivery::Pending.as_str());
            });
            insert.push(" ON CONFLICT (event_id, recipient_kind, recipient_id) DO NOTHING");
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(StoreError::db("recording notifications"))?;
        }
        let recorded = stored
            .into_iter()
            .map(|row| {
                Ok(Recorded {
                    event_id: event_of(row.id)?,
                    case: row.case.into_case(guild)?,
                    replayed: false,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        tx.commit(doing).await?;
        Ok(recorded)
    }
}

impl SqliteStore {
    /// A batch of delivery marks: one write transaction, a statement each (SQLite's
    /// statements cost no network round trip).
    pub(super) async fn mark_all(&self, jobs: &[MarkJob]) -> Result<(), StoreError> {
        self.write_marks(jobs).await
    }
}
