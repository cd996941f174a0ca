//! The `CaseStore` queries for both backends, stamped out by a macro (the SQL is portable).

/// Implements `CaseStore` for a store with a `pool` field and a `write_tx` method.
macro_rules! impl_case_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{Executor, QueryBuilder};

            use crate::{
                domain::{
                    GuildId, Timeline, VendorSlug,
                    case::{Case, CaseStatus, Delivery, NotifyTarget, Recipient},
                },
                store::{
                    CaseStore, StoreError,
                    cases::{CHANNEL_MENTION, NewCase, NewEvent, Recorded},
                    rows::{
                        CaseEventRow, CaseNotificationRow, CaseRow, ClaimedCaseRow, EventRow, InsertedCaseRow,
                        NotificationRow, case_columns, timelines_of,
                        recipient_columns,
                    },
                    write::WriteTx,
                    batch::MarkJob,
                },
            };

            crate::store::cases_batch::impl_case_batches!($store);

            impl $store {
                async fn read_case<'e, E>(
                    executor: E,
                    guild: GuildId,
                    number: i64,
                ) -> Result<Option<Case>, StoreError>
                where
                    E: Executor<'e, Database = $db>,
                {
                    let sql = concat!("SELECT ", case_columns!(), " FROM cases WHERE guild_id = $1 AND number = $2");
                    sqlx::query_as::<_, CaseRow>(sql)
                        .bind(guild.as_i64())
                        .bind(number)
                        .fetch_optional(executor)
                        .await
                        .map_err(StoreError::db("reading a case"))?
                        .map(|row| row.into_case(guild))
                        .transpose()
                }

                /// The case an already-recorded interaction produced, if any.
                pub(super) async fn replayed(
                    &self,
                    guild: GuildId,
                    interaction_id: Option<u64>,
                ) -> Result<Option<Recorded>, StoreError> {
                    let Some(interaction) = interaction_id else { return Ok(None) };
                    let row: Option<(i64, i64)> = sqlx::query_as(
                        "SELECT e.id, c.number FROM case_events e JOIN cases c ON c.id = e.case_id \
                         WHERE e.guild_id = $1 AND e.interaction_id = $2",
                    )
                    .bind(guild.as_i64())
                    .bind(interaction as i64)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("looking up an interaction"))?;
                    let Some((event_id, number)) = row else { return Ok(None) };
                    let case = Self::read_case(&self.pool, guild, number)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("case #{number}")))?;
                    Ok(Some(Recorded { case, event_id, replayed: true }))
                }

                /// After a unique violation on the interaction: the same interaction, delivered
                /// twice at once, and the other delivery won.
                async fn lost_race(
                    &self,
                    guild: GuildId,
                    event: &NewEvent,
                    error: StoreError,
                    what: &str,
                ) -> Result<Recorded, StoreError> {
                    if !error.is_unique_violation() {
                        return Err(error);
                    }
                    self.replayed(guild, event.interaction_id)
                        .await?
                        .ok_or_else(|| StoreError::AlreadyExists(what.to_owned()))
                }

                pub(super) async fn insert_event_and_notifications(
                    tx: &mut WriteTx<'_, $db>,
                    guild: GuildId,
                    case_id: i64,
                    event: &NewEvent,
                    notify: &[NotifyTarget],
                ) -> Result<i64, StoreError> {
                    let event_id: i64 = sqlx::query_scalar(
                        "INSERT INTO case_events (guild_id, case_id, at, kind, actor, detail, interaction_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(guild.as_i64())
                    .bind(case_id)
                    .bind(event.at)
                    .bind(event.kind.as_str())
                    .bind(event.actor.map(|a| a as i64))
                    .bind(&event.detail)
                    .bind(event.interaction_id.map(|i| i as i64))
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(StoreError::db("recording a case event"))?;
                    if notify.is_empty() {
                        return Ok(event_id);
                    }
                    // One statement for all of them: this runs while the transaction holds the
                    // guild's case counter, so every round trip here delays the guild's next case.
                    let mut insert = QueryBuilder::new(
                        "INSERT INTO notifications (guild_id, case_id, event_id, recipient_kind, recipient_id, label, method, at, delivery) ",
                    );
                    insert.push_values(notify, |mut values, target| {
                        let (kind, id) = recipient_columns(target.recipient);
                        values
                            .push_bind(guild.as_i64())
                            .push_bind(case_id)
                            .push_bind(event_id)
                            .push_bind(kind)
                            .push_bind(id)
                            .push_bind(&target.label)
                            .push_bind(CHANNEL_MENTION)
                            .push_bind(event.at)
                            .push_bind(Delivery::Pending.as_str());
                    });
                    insert.push(" ON CONFLICT (event_id, recipient_kind, recipient_id) DO NOTHING");
                    insert.build().execute(&mut **tx).await.map_err(StoreError::db("recording notifications"))?;
                    Ok(event_id)
                }

                /// The event's ID, or none when the case is no longer as `before` says.
                async fn update_case(
                    &self,
                    guild: GuildId,
                    before: &Case,
                    after: &Case,
                    event: &NewEvent,
                    notify: &[NotifyTarget],
                ) -> Result<Option<i64>, StoreError> {
                    let mut tx = self.write_tx("recording a case event").await?;
                    let case_id: Option<i64> = sqlx::query_scalar(
                        "UPDATE cases SET status = $1, escalation_level = $2, vendor_case_id = $3, link = $4, \
                         vendor_responded_at = $5, closed_at = $6, resolution = $7 \
                         WHERE guild_id = $8 AND number = $9 AND status = $10 AND escalation_level = $11 \
                         RETURNING id",
                    )
                    .bind(after.status.as_str())
                    .bind(after.escalation_level as i64)
                    .bind(&after.vendor_case_id)
                    .bind(&after.link)
                    .bind(after.vendor_responded_at)
                    .bind(after.closed_at)
                    .bind(&after.resolution)
                    .bind(guild.as_i64())
                    .bind(before.number)
                    .bind(before.status.as_str())
                    .bind(before.escalation_level as i64)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::db("recording a case event"))?;
                    let Some(case_id) = case_id else {
                        tx.rollback("recording a case event").await?;
                        return Ok(None);
                    };
                    let event_id =
                        Self::insert_event_and_notifications(&mut tx, guild, case_id, event, notify).await?;
                    tx.commit("recording a case event").await?;
                    Ok(Some(event_id))
                }
            }

            #[async_trait]
            impl CaseStore for $store {
                #[tracing::instrument(skip_all, fields(guild = %guild, vendor = %case.vendor))]
                async fn open_case(
                    &self,
                    guild: GuildId,
                    case: &NewCase,
                    event: &NewEvent,
                    notify: &[NotifyTarget],
                ) -> Result<Recorded, StoreError> {
                    // With the openings that queued while the last commit ran (`cases_batch`).
                    self.open_grouped(guild, case, event, notify).await
                }

                #[tracing::instrument(skip_all, fields(guild = %guild, case = before.number))]
                async fn record_case_event(
                    &self,
                    guild: GuildId,
                    before: &Case,
                    after: &Case,
                    event: &NewEvent,
                    notify: &[NotifyTarget],
                ) -> Result<Recorded, StoreError> {
                    if let Some(done) = self.replayed(guild, event.interaction_id).await? {
                        return Ok(done);
                    }
                    match self.update_case(guild, before, after, event, notify).await {
                        Ok(Some(event_id)) => {
                            let case = Self::read_case(&self.pool, guild, before.number)
                                .await?
                                .ok_or_else(|| StoreError::NotFound(format!("case #{}", before.number)))?;
                            Ok(Recorded { case, event_id, replayed: false })
                        }
                        Ok(None) => Err(StoreError::Conflict(format!(
                            "case #{} changed while you were updating it",
                            before.number
                        ))),
                        Err(e) => self.lost_race(guild, event, e, "this event").await,
                    }
                }

                async fn mark_recipients(
                    &self, guild: GuildId, event_id: i64, recipients: Option<&[Recipient]>, delivery: Delivery, reason: Option<&str>,
                ) -> Result<(), StoreError> {
                    // With the marks that queued while the last commit of marks ran.
                    let recipients = recipients.map(<[Recipient]>::to_vec);
                    let reason = reason.map(str::to_owned);
                    self.mark_grouped(MarkJob { guild, event_id, recipients, delivery, reason }).await
                }

                async fn case(&self, guild: GuildId, number: i64) -> Result<Option<Case>, StoreError> {
                    Self::read_case(&self.pool, guild, number).await
                }

                async fn cases(
                    &self,
                    guild: GuildId,
                    vendor: Option<&VendorSlug>,
                    status: Option<CaseStatus>,
                    limit: i64,
                ) -> Result<Vec<Case>, StoreError> {
                    sqlx::query_as::<_, CaseRow>(concat!(
                        "SELECT ", case_columns!(), " FROM cases WHERE guild_id = $1 \
                         AND ($2 IS NULL OR vendor_slug = $2) AND ($3 IS NULL OR status = $3) \
                         ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'vendor-responded' THEN 1 ELSE 2 END, number DESC \
                         LIMIT $4"
                    ))
                    .bind(guild.as_i64())
                    .bind(vendor.map(|v| v.as_str().to_owned()))
                    .bind(status.map(|s| s.as_str()))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("listing cases"))?
                    .into_iter()
                    .map(|row| row.into_case(guild))
                    .collect()
                }

                async fn search_cases(&self, guild: GuildId, typed: &str, limit: i64) -> Result<Vec<Case>, StoreError> {
                    let typed = typed.to_lowercase();
                    let literal = typed.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    // The ORDER BY is the index `cases_by_shown_order`: the scan stops at `limit`.
                    sqlx::query_as::<_, CaseRow>(concat!(
                        "SELECT ", case_columns!(), " FROM cases WHERE guild_id = $1 \
                         AND ($2 = '' OR CAST(number AS TEXT) LIKE $3 ESCAPE '\\' OR lower(vendor_name) LIKE $4 ESCAPE '\\' \
                              OR vendor_slug LIKE $4 ESCAPE '\\' OR lower(summary) LIKE $4 ESCAPE '\\') \
                         ORDER BY guild_id, CASE status WHEN 'open' THEN 0 WHEN 'vendor-responded' THEN 1 ELSE 2 END, number DESC \
                         LIMIT $5"
                    ))
                    .bind(guild.as_i64())
                    .bind(&typed)
                    .bind(format!("{literal}%"))
                    .bind(format!("%{literal}%"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("searching cases"))?
                    .into_iter()
                    .map(|row| row.into_case(guild))
                    .collect()
                }

                async fn timeline(&self, guild: GuildId, number: i64) -> Result<Timeline, StoreError> {
                    let events = sqlx::query_as::<_, EventRow>(
                        "SELECT e.id, e.at, e.kind, e.actor, e.detail FROM case_events e \
                         JOIN cases c ON c.id = e.case_id WHERE c.guild_id = $1 AND c.number = $2 ORDER BY e.id",
                    )
                    .bind(guild.as_i64())
                    .bind(number)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a case timeline"))?;
                    let notifications = sqlx::query_as::<_, NotificationRow>(
                        "SELECT n.id, n.event_id, n.recipient_kind, n.recipient_id, n.label, n.method, n.at, n.delivery, n.reason \
                         FROM notifications n JOIN cases c ON c.id = n.case_id \
                         WHERE c.guild_id = $1 AND c.number = $2 ORDER BY n.event_id, n.id",
                    )
                    .bind(guild.as_i64())
                    .bind(number)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a case's notifications"))?;
                    Ok(Timeline {
                        events: events.into_iter().map(|row| row.into_event(guild)).collect::<Result<_, _>>()?,
                        notifications: notifications
                            .into_iter()
                            .map(|row| row.into_notification(guild))
                            .collect::<Result<_, _>>()?,
                    })
                }

                async fn cases_with_timelines(
                    &self,
                    guild: GuildId,
                    since: Option<DateTime<Utc>>,
                ) -> Result<Vec<(Case, Timeline)>, StoreError> {
                    // Three queries whatever the number of cases: the cases, then all their
                    // events, then all their notifications, each in timeline order.
                    let doing = "exporting cases";
                    let rows = sqlx::query_as::<_, InsertedCaseRow>(concat!(
                        "SELECT id, ", case_columns!(), " FROM cases c WHERE c.guild_id = $1 \
                         AND ($2 IS NULL OR c.opened_at >= $2) ORDER BY number"
                    ))
                    .bind(guild.as_i64())
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(doing))?;
                    let events = sqlx::query_as::<_, CaseEventRow>(
                        "SELECT e.case_id, e.id, e.at, e.kind, e.actor, e.detail FROM case_events e \
                         JOIN cases c ON c.id = e.case_id WHERE c.guild_id = $1 AND ($2 IS NULL OR c.opened_at >= $2) \
                         ORDER BY e.case_id, e.id",
                    )
                    .bind(guild.as_i64())
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(doing))?;
                    let notifications = sqlx::query_as::<_, CaseNotificationRow>(
                        "SELECT n.case_id, n.id, n.event_id, n.recipient_kind, n.recipient_id, n.label, n.method, \
                         n.at, n.delivery, n.reason FROM notifications n JOIN cases c ON c.id = n.case_id \
                         WHERE c.guild_id = $1 AND ($2 IS NULL OR c.opened_at >= $2) ORDER BY n.case_id, n.event_id, n.id",
                    )
                    .bind(guild.as_i64())
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db(doing))?;
                    timelines_of(guild, rows, events, notifications)
                }

                async fn claim_overdue_reminders(
                    &self,
                    now: DateTime<Utc>,
                    limit: i64,
                ) -> Result<Vec<(GuildId, Case)>, StoreError> {
                    let doing = "claiming overdue reminders";
                    let mut tx = self.write_tx(doing).await?;
                    // The conditional UPDATE is the claim: a replica that loses the race finds
                    // reminder_claimed_at already set and updates nothing.
                    let rows = sqlx::query_as::<_, ClaimedCaseRow>(concat!(
                        "UPDATE cases SET reminder_claimed_at = $1 \
                         WHERE id IN (SELECT id FROM cases WHERE status = 'open' AND reminder_claimed_at IS NULL \
                                      AND response_due <= $1 ORDER BY response_due LIMIT $2) \
                         AND reminder_claimed_at IS NULL AND status = 'open' \
                         RETURNING guild_id, ",
                        case_columns!()
                    ))
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?;
                    tx.commit(doing).await?;
                    rows.into_iter().map(ClaimedCaseRow::into_claimed).collect()
                }
            }
        };
    };
}

pub(super) use impl_case_store;
