//! `/case open` on PostgreSQL: one statement, run on its own (autocommit), so one round trip
//! and one commit per case.
//!
//! Numbers stay gapless because the guild's counter row is updated in the same transaction
//! as the case: a case that fails to insert (a redelivered interaction) rolls its number
//! back. Concurrent openings in one guild wait for that row, but only for what the server
//! does after taking it (the inserts of this statement and the commit): no client round
//! trip happens while it is held, where the statement-by-statement version held it across
//! four.

use std::collections::HashSet;

use super::{
    PostgresStore, StoreError,
    batch::{MarkJob, OpenJob},
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

/// A batch of openings of one guild as one statement: the cases come in as arrays (one
/// element per case, in order; `ord` is the position), the notifications as arrays with the
/// position of their case. The counter moves by the batch's size once, and case `ord` gets
/// number `last - size + ord`: gapless, in order.
const OPEN_CASES: &str = concat!(
    "WITH input AS (\
        SELECT * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
            $9::bigint[], $10::bigint[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::text[], \
            $15::bigint[], $16::text[], $17::bigint[]) WITH ORDINALITY AS i(vendor_slug, vendor_name, severity, \
            vendor_severity, summary, vendor_case_id, link, channel_id, opened_by, opened_at, response_due, \
            event_at, event_kind, actor, detail, interaction_id, ord)), \
     counter AS (\
        INSERT INTO case_counters (guild_id, last_number) VALUES ($1, $18) \
        ON CONFLICT (guild_id) DO UPDATE SET last_number = case_counters.last_number + EXCLUDED.last_number \
        RETURNING last_number), \
     numbered AS (SELECT input.*, counter.last_number - $18 + input.ord AS number FROM input, counter), \
     opened AS (\
        INSERT INTO cases (guild_id, number, vendor_slug, vendor_name, severity, vendor_severity, summary, \
            vendor_case_id, link, channel_id, opened_by, opened_at, response_due, status, escalation_level) \
        SELECT $1, number, vendor_slug, vendor_name, severity, vendor_severity, summary, vendor_case_id, link, \
            channel_id, opened_by, opened_at, response_due, 'open', 0 FROM numbered ORDER BY number \
        RETURNING id, ",
    case_columns!(),
    "), \
     event AS (\
        INSERT INTO case_events (guild_id, case_id, at, kind, actor, detail, interaction_id) \
        SELECT $1, opened.id, n.event_at, n.event_kind, n.actor, n.detail, n.interaction_id \
        FROM opened JOIN numbered n ON n.number = opened.number ORDER BY opened.number \
        RETURNING id, case_id), \
     notified AS (\
        INSERT INTO notifications (guild_id, case_id, event_id, recipient_kind, recipient_id, label, method, at, delivery) \
        SELECT $1, opened.id, event.id, t.kind, t.recipient, t.label, $23, n.event_at, $24 \
        FROM UNNEST($19::bigint[], $20::text[], $21::bigint[], $22::text[]) WITH ORDINALITY AS t(ord, kind, recipient, label, pos) \
        JOIN numbered n ON n.ord = t.ord JOIN opened ON opened.number = n.number JOIN event ON event.case_id = opened.id \
        ORDER BY t.pos \
        ON CONFLICT (event_id, recipient_kind, recipient_id) DO NOTHING) \
     SELECT event.id AS event_id, opened.* FROM opened JOIN event ON event.case_id = opened.id ORDER BY opened.number"
);

impl PostgresStore {
    /// Numbers and records a batch of the guild's cases in one statement (see `OPEN_CASES`):
    /// one round trip and one commit for all of them. All or nothing.
    pub(super) async fn insert_cases(
        &self,
        guild: GuildId,
        jobs: &[OpenJob],
    ) -> Result<Vec<Recorded>, StoreError> {
        let cases = jobs.iter().map(|job| &job.case);
        let events = jobs.iter().map(|job| &job.event);
        let mut targets = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (ord, job) in (1i64..).zip(jobs) {
            for target in &job.notify {
                let (kind, recipient) = recipient_columns(target.recipient);
                targets.0.push(ord);
                targets.1.push(kind);
                targets.2.push(recipient);
                targets.3.push(target.label.as_str());
            }
        }
        let rows = sqlx::query_as::<_, OpenedRow>(OPEN_CASES)
            .bind(guild.as_i64())
            .bind(cases.clone().map(|c| c.vendor.as_str()).collect::<Vec<_>>())
            .bind(cases.clone().map(|c| c.vendor_name.as_str()).collect::<Vec<_>>())
            .bind(cases.clone().map(|c| c.severity.as_str()).collect::<Vec<_>>())
            .bind(
                cases
                    .clone()
                    .map(|c| c.vendor_severity.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(cases.clone().map(|c| c.summary.as_str()).collect::<Vec<_>>())
            .bind(
                cases
                    .clone()
                    .map(|c| c.vendor_case_id.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(cases.clone().map(|c| c.link.as_deref()).collect::<Vec<_>>())
            .bind(
                cases
                    .clone()
                    .map(|c| c.channel_id.map(|id| id as i64))
                    .collect::<Vec<_>>(),
            )
            .bind(cases.clone().map(|c| c.opened_by as i64).collect::<Vec<_>>())
            .bind(cases.clone().map(|c| c.opened_at).collect::<Vec<_>>())
            .bind(cases.map(|c| c.response_due).collect::<Vec<_>>())
            .bind(events.clone().map(|e| e.at).collect::<Vec<_>>())
            .bind(events.clone().map(|e| e.kind.as_str()).collect::<Vec<_>>())
            .bind(
                events
                    .clone()
                    .map(|e| e.actor.map(|a| a as i64))
                    .collect::<Vec<_>>(),
            )
            .bind(events.clone().map(|e| e.detail.as_str()).collect::<Vec<_>>())
            .bind(
                events
                    .map(|e| e.interaction_id.map(|i| i as i64))
                    .collect::<Vec<_>>(),
            )
            .bind(jobs.len() as i64)
            .bind(targets.0)
            .bind(targets.1)
            .bind(targets.2)
            .bind(targets.3)
            .bind(CHANNEL_MENTION)
            .bind(Delivery::Pending.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::db("opening cases"))?;
        if rows.len() != jobs.len() {
            return Err(StoreError::Conflict(format!(
                "{} of {} cases were recorded",
                rows.len(),
                jobs.len()
            )));
        }
        rows.into_iter()
            .map(|row| {
                Ok(Recorded {
                    case: row.case.into_case(guild)?,
                    event_id: row.event_id,
                    replayed: false,
                })
            })
            .collect()
    }
}

/// Delivery marks as one statement: one row of `m` per marked recipient (kind NULL: all of
/// the event's notifications). `event_id = ANY` lets the planner find the rows through the
/// `(event_id, recipient_kind, recipient_id)` index; joined to `UNNEST` alone, it scanned
/// the whole table for each batch.
const MARK_ALL: &str = "UPDATE notifications n SET delivery = m.delivery, reason = m.reason \
    FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[]) \
        AS m(guild_id, event_id, kind, recipient, delivery, reason) \
    WHERE n.event_id = ANY($2) AND n.guild_id = m.guild_id AND n.event_id = m.event_id \
    AND (m.kind IS NULL OR (n.recipient_kind = m.kind AND n.recipient_id = m.recipient))";

impl PostgresStore {
    /// A batch of delivery marks in one statement (one round trip, one commit), unless two
    /// of them mark the same notification: then one after the other, in one transaction,
    /// so the later one wins as it would alone.
    pub(super) async fn mark_all(&self, jobs: &[MarkJob]) -> Result<(), StoreError> {
        let mut rows = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let mut marked = HashSet::new();
        let mut whole_events = HashSet::new();
        for job in jobs {
            let key = (job.guild, job.event_id);
            let recipients: Vec<Option<(&str, i64)>> = match &job.recipients {
                None => vec![None],
                Some(recipients) => recipients.iter().map(|r| Some(recipient_columns(*r))).collect(),
            };
            for recipient in recipients {
                let overlaps = match recipient {
                    None => !whole_events.insert(key) || marked.iter().any(|(k, _)| *k == key),
                    Some(one) => whole_events.contains(&key) || !marked.insert((key, one)),
                };
                if overlaps {
                    return self.write_marks(jobs).await;
                }
                rows.0.push(job.guild.as_i64());
                rows.1.push(job.event_id);
                rows.2.push(recipient.map(|r| r.0));
                rows.3.push(recipient.map(|r| r.1));
                rows.4.push(job.delivery.as_str());
                rows.5.push(job.reason.as_deref());
            }
        }
        sqlx::query(MARK_ALL)
            .bind(rows.0)
            .bind(rows.1)
            .bind(rows.2)
            .bind(rows.3)
            .bind(rows.4)
            .bind(rows.5)
            .execute(&self.pool)
            .await
            .map_err(StoreError::db("recording notifications' delivery"))?;
        Ok(())
    }
}
