//! The `StatusStore` queries for both backends, stamped out by a macro (the SQL is portable).

/// URLs per statement when claiming: well under both backends' limits on parameters.
pub(super) const URL_BATCH: usize = 1000;

/// Implements `StatusStore` for a store with a `pool` field and a `write_tx` method.
macro_rules! impl_status_store {
    ($store:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::QueryBuilder;

            use crate::{
                domain::{
                    GuildId, VendorSlug,
                    status::{SourceReading, StatusKind},
                },
                store::{
                    StoreError,
                    status::{ClaimedSource, EVENTS_KEPT, PollOutcome, StatusAlert, StatusEvent, StatusStore},
                    status_impl::URL_BATCH,
                    status_rows::{AlertRow, ClaimedSourceRow, EventRow, ReadingRow, change_columns, snapshot_json},
                },
            };

            #[async_trait]
            impl StatusStore for $store {
                async fn register_status_sources(
                    &self,
                    sources: &[(String, StatusKind)],
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    let doing = "registering status sources";
                    if sources.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.write_tx(doing).await?;
                    for batch in sources.chunks(URL_BATCH / 2) {
                        let mut insert = QueryBuilder::new("INSERT INTO status_sources (url, kind, next_poll_at) ");
                        insert.push_values(batch, |mut values, (url, kind)| {
                            values.push_bind(url.as_str()).push_bind(kind.as_str()).push_bind(now);
                        });
                        insert.push(" ON CONFLICT (url) DO NOTHING");
                        insert.build().execute(&mut *tx).await.map_err(StoreError::db(doing))?;
                    }
                    tx.commit(doing).await
                }

                async fn claim_due_sources(
                    &self,
                    urls: &[String],
                    owner: &str,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    limit: i64,
                ) -> Result<Vec<ClaimedSource>, StoreError> {
                    let doing = "claiming status sources";
                    let mut claimed = Vec::new();
                    for batch in urls.chunks(URL_BATCH) {
                        let left = limit - claimed.len() as i64;
                        if left <= 0 {
                            break;
                        }
                        let mut tx = self.write_tx(doing).await?;
                        // The conditional UPDATE is the lease: a replica that loses the race
                        // finds the lease taken (or the next poll moved on) and updates nothing.
                        let mut update = QueryBuilder::new("UPDATE status_sources SET lease_owner = ");
                        update.push_bind(owner).push(", lease_until = ").push_bind(lease_until);
                        update.push(" WHERE url IN (SELECT url FROM status_sources WHERE url IN (");
                        let mut list = update.separated(", ");
                        for url in batch {
                            list.push_bind(url.as_str());
                        }
                        update.push(") AND next_poll_at <= ").push_bind(now);
                        update.push(" AND (lease_until IS NULL OR lease_until <= ").push_bind(now);
                        update.push(") ORDER BY next_poll_at LIMIT ").push_bind(left);
                        update.push(") AND next_poll_at <= ").push_bind(now);
                        update.push(" AND (lease_until IS NULL OR lease_until <= ").push_bind(now);
                        update.push(") RETURNING url, kind, etag, last_modified, snapshot, failures");
                        let rows: Vec<ClaimedSourceRow> = update
                            .build_query_as()
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(StoreError::db(doing))?;
                        tx.commit(doing).await?;
                        for row in rows {
                            claimed.push(row.into_claimed()?);
                        }
                    }
                    Ok(claimed)
                }

                async fn record_poll(
                    &self,
                    url: &str,
                    owner: &str,
                    outcome: &PollOutcome,
                    now: DateTime<Utc>,
                    next_poll_at: DateTime<Utc>,
                ) -> Result<Option<Vec<StatusEvent>>, StoreError> {
                    let doing = "recording a status poll";
                    let mut tx = self.write_tx(doing).await?;
                    let query = match outcome {
                        PollOutcome::Read { snapshot, validators, .. } => sqlx::query(
                            "UPDATE status_sources SET snapshot = $3, etag = $4, last_modified = $5, checked_at = $6, \
                             failing_since = NULL, last_error = NULL, failures = 0, next_poll_at = $7, \
                             lease_owner = NULL, lease_until = NULL WHERE url = $1 AND lease_owner = $2",
                        )
                        .bind(url)
                        .bind(owner)
                        .bind(snapshot_json(snapshot)?)
                        .bind(validators.etag.as_deref())
                        .bind(validators.last_modified.as_deref())
                        .bind(now)
                        .bind(next_poll_at),
                        PollOutcome::NotModified => sqlx::query(
                            "UPDATE status_sources SET checked_at = $3, failing_since = NULL, last_error = NULL, \
                             failures = 0, next_poll_at = $4, lease_owner = NULL, lease_until = NULL \
                             WHERE url = $1 AND lease_owner = $2",
                        )
                        .bind(url)
                        .bind(owner)
                        .bind(now)
                        .bind(next_poll_at),
                        PollOutcome::Failed { error } => sqlx::query(
                            "UPDATE status_sources SET failing_since = COALESCE(failing_since, $3), last_error = $4, \
                             failures = failures + 1, next_poll_at = $5, lease_owner = NULL, lease_until = NULL \
                             WHERE url = $1 AND lease_owner = $2",
                        )
                        .bind(url)
                        .bind(owner)
                        .bind(now)
                        .bind(error.as_str())
                        .bind(next_poll_at),
                    };
                    let held = query.execute(&mut *tx).await.map_err(StoreError::db(doing))?.rows_affected() == 1;
                    if !held {
                        tx.rollback(doing).await?;
                        return Ok(None);
                    }
                    let mut events = Vec::new();
                    if let PollOutcome::Read { changes, .. } = outcome {
                        for change in changes {
                            let (kind, json) = change_columns(change)?;
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO status_events (url, seen_at, kind, change) VALUES ($1, $2, $3, $4) RETURNING id",
                            )
                            .bind(url)
                            .bind(now)
                            .bind(kind)
                            .bind(&json)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(StoreError::db(doing))?;
                            events.push(StatusEvent {
                                id,
                                url: url.to_owned(),
                                seen_at: now,
                                change: change.clone(),
                            });
                        }
                    }
                    if !events.is_empty() {
                        sqlx::query(
                            "DELETE FROM status_events WHERE url = $1 AND id < \
                             (SELECT id FROM status_events WHERE url = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
                        )
                        .bind(url)
                        .bind(EVENTS_KEPT - 1)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(doing))?;
                    }
                    tx.commit(doing).await?;
                    Ok(Some(events))
                }

                async fn status_reading(&self, url: &str) -> Result<Option<SourceReading>, StoreError> {
                    sqlx::query_as::<_, ReadingRow>(
                        "SELECT url, snapshot, checked_at, failing_since, last_error FROM status_sources WHERE url = $1",
                    )
                    .bind(url)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a vendor's status"))?
                    .map(|row| row.into_reading().map(|(_, reading)| reading))
                    .transpose()
                }

                async fn status_events(&self, url: &str, limit: i64) -> Result<Vec<StatusEvent>, StoreError> {
                    sqlx::query_as::<_, EventRow>(
                        "SELECT id, url, seen_at, change FROM status_events WHERE url = $1 ORDER BY id DESC LIMIT $2",
                    )
                    .bind(url)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading status events"))?
                    .into_iter()
                    .map(EventRow::into_event)
                    .collect()
                }

                async fn open_status_alerts(
                    &self,
                    guild: GuildId,
                    vendor: &VendorSlug,
                ) -> Result<Vec<StatusAlert>, StoreError> {
                    sqlx::query_as::<_, AlertRow>(
                        "SELECT id, subject, channel_id, message_id, posted_state FROM status_alerts \
                         WHERE guild_id = $1 AND vendor_slug = $2 AND resolved_at IS NULL ORDER BY id",
                    )
                    .bind(guild.as_i64())
                    .bind(vendor.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading status alerts"))?
                    .into_iter()
                    .map(AlertRow::into_alert)
                    .collect()
                }

                async fn claim_status_alert(
                    &self,
                    guild: GuildId,
                    vendor: &VendorSlug,
                    subject: &str,
                    channel: u64,
                    state: &str,
                    at: DateTime<Utc>,
                ) -> Result<Option<i64>, StoreError> {
                    let doing = "claiming a status alert";
                    let mut tx = self.write_tx(doing).await?;
                    // The partial unique index (one open alert per subject) decides who posts.
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO status_alerts (guild_id, vendor_slug, subject, channel_id, posted_state, opened_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(guild.as_i64())
                    .bind(vendor.as_str())
                    .bind(subject)
                    .bind(channel as i64)
                    .bind(state)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?;
                    tx.commit(doing).await?;
                    Ok(id)
                }

                async fn advance_status_alert(
                    &self,
                    alert: i64,
                    before: &str,
                    after: &str,
                    resolved_at: Option<DateTime<Utc>>,
                ) -> Result<bool, StoreError> {
                    let doing = "updating a status alert";
                    let mut tx = self.write_tx(doing).await?;
                    let moved = sqlx::query(
                        "UPDATE status_alerts SET posted_state = $3, resolved_at = $4 \
                         WHERE id = $1 AND posted_state = $2 AND resolved_at IS NULL",
                    )
                    .bind(alert)
                    .bind(before)
                    .bind(after)
                    .bind(resolved_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?
                    .rows_affected()
                        == 1;
                    tx.commit(doing).await?;
                    Ok(moved)
                }

                async fn set_status_alert_message(&self, alert: i64, message: u64) -> Result<(), StoreError> {
                    let doing = "recording a status alert's message";
                    let mut tx = self.write_tx(doing).await?;
                    sqlx::query("UPDATE status_alerts SET message_id = $2 WHERE id = $1")
                        .bind(alert)
                        .bind(message as i64)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(doing))?;
                    tx.commit(doing).await
                }

                async fn add_case_status_note(
                    &self,
                    guild: GuildId,
                    case_number: i64,
                    key: &str,
                    detail: &str,
                    at: DateTime<Utc>,
                ) -> Result<Option<i64>, StoreError> {
                    let doing = "noting a vendor's status on a case";
                    let mut tx = self.write_tx(doing).await?;
                    let first = sqlx::query(
                        "INSERT INTO case_status_notes (guild_id, case_number, note_key) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(guild.as_i64())
                    .bind(case_number)
                    .bind(key)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?
                    .rows_affected()
                        == 1;
                    if !first {
                        tx.rollback(doing).await?;
                        return Ok(None);
                    }
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO case_events (guild_id, case_id, at, kind, actor, detail) \
                         SELECT guild_id, id, $3, 'vendor-status', NULL, $4 FROM cases WHERE guild_id = $1 AND number = $2 \
                         RETURNING id",
                    )
                    .bind(guild.as_i64())
                    .bind(case_number)
                    .bind(at)
                    .bind(detail)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?;
                    tx.commit(doing).await?;
                    Ok(id)
                }
            }
        };
    };
}

pub(super) use impl_status_store;
