//! The `CaseStore` implementation, stamped out for each backend (the SQL is portable).

/// Implements `CaseStore` for a struct with a `pool: sqlx::Pool<_>` field. `$begin` is the
/// statement that opens a write transaction (SQLite needs `BEGIN IMMEDIATE`, or two writers
/// that both read first deadlock instead of waiting for each other).
macro_rules! impl_case_store {
    ($store:ty, $begin:expr) => {
        impl $store {
            async fn read_case<'e, E>(
                executor: E,
                guild: $crate::domain::GuildId,
                number: i64,
            ) -> Result<Option<$crate::domain::case::Case>, $crate::store::StoreError>
            where
                E: sqlx::Executor<'e, Database = <Self as $crate::store::cases_impl::HasDb>::Db>,
            {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE guild_id = $1 AND number = $2",
                    $crate::store::cases::CASE_COLUMNS
                ));
                let row = sqlx::query(sql)
                    .bind(guild.as_i64())
                    .bind(number)
                    .fetch_optional(executor)
                    .await
                    .map_err($crate::store::StoreError::db("reading a case"))?;
                row.map(|r| Self::case_row(&r)).transpose()
            }

            fn case_row(
                row: &<<Self as $crate::store::cases_impl::HasDb>::Db as sqlx::Database>::Row,
            ) -> Result<$crate::domain::case::Case, $crate::store::StoreError> {
                use sqlx::Row as _;
                let e = $crate::store::StoreError::db("reading a case row");
                let get = || -> Result<$crate::store::cases::CaseRow, sqlx::Error> {
                    Ok($crate::store::cases::CaseRow {
                        number: row.try_get("number")?,
                        vendor_slug: row.try_get("vendor_slug")?,
                        vendor_name: row.try_get("vendor_name")?,
                        severity: row.try_get("severity")?,
                        vendor_severity: row.try_get("vendor_severity")?,
                        summary: row.try_get("summary")?,
                        vendor_case_id: row.try_get("vendor_case_id")?,
                        link: row.try_get("link")?,
                        channel_id: row.try_get("channel_id")?,
                        opened_by: row.try_get("opened_by")?,
                        opened_at: row.try_get("opened_at")?,
                        response_due: row.try_get("response_due")?,
                        status: row.try_get("status")?,
                        escalation_level: row.try_get("escalation_level")?,
                        vendor_responded_at: row.try_get("vendor_responded_at")?,
                        closed_at: row.try_get("closed_at")?,
                        resolution: row.try_get("resolution")?,
                    })
                };
                get().map_err(e)?.into_case()
            }

            /// The case an already-recorded interaction produced, if any.
            async fn replayed(
                &self,
                guild: $crate::domain::GuildId,
                interaction_id: Option<u64>,
            ) -> Result<Option<$crate::store::cases::Recorded>, $crate::store::StoreError> {
                let Some(interaction) = interaction_id else { return Ok(None) };
                let row: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT e.id, c.number FROM case_events e JOIN cases c ON c.id = e.case_id \
                     WHERE e.guild_id = $1 AND e.interaction_id = $2",
                )
                .bind(guild.as_i64())
                .bind(interaction as i64)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::StoreError::db("looking up an interaction"))?;
                let Some((event_id, number)) = row else { return Ok(None) };
                let case = Self::read_case(&self.pool, guild, number)
                    .await?
                    .ok_or_else(|| $crate::store::StoreError::NotFound(format!("case #{number}")))?;
                Ok(Some($crate::store::cases::Recorded { case, event_id, replayed: true }))
            }

            async fn insert_event_and_notifications(
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::cases_impl::HasDb>::Db>,
                guild: $crate::domain::GuildId,
                case_id: i64,
                event: &$crate::store::cases::NewEvent,
                notify: &[$crate::domain::case::NotifyTarget],
            ) -> Result<i64, sqlx::Error> {
                let (event_id,): (i64,) = sqlx::query_as(
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
                .await?;
                if notify.is_empty() {
                    return Ok(event_id);
                }
                // One statement for all of them: this runs while the transaction holds the
                // guild's case counter, so every round trip here delays the guild's next case.
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO notifications (guild_id, case_id, event_id, recipient_kind, recipient_id, label, method, at, delivery) ",
                );
                insert.push_values(notify, |mut values, target| {
                    let (kind, id) = $crate::store::cases::recipient_parts(target.recipient);
                    values
                        .push_bind(guild.as_i64())
                        .push_bind(case_id)
                        .push_bind(event_id)
                        .push_bind(kind)
                        .push_bind(id)
                        .push_bind(&target.label)
                        .push_bind($crate::store::cases::CHANNEL_MENTION)
                        .push_bind(event.at)
                        .push("'pending'");
                });
                insert.push(" ON CONFLICT (event_id, recipient_kind, recipient_id) DO NOTHING");
                insert.build().execute(&mut **tx).await?;
                Ok(event_id)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::CaseStore for $store {
            #[tracing::instrument(skip_all, fields(guild = %guild, vendor = %case.vendor))]
            async fn open_case(
                &self,
                guild: $crate::domain::GuildId,
                case: &$crate::store::cases::NewCase,
                event: &$crate::store::cases::NewEvent,
                notify: &[$crate::domain::case::NotifyTarget],
            ) -> Result<$crate::store::cases::Recorded, $crate::store::StoreError> {
                use $crate::store::StoreError;
                if let Some(done) = self.replayed(guild, event.interaction_id).await? {
                    return Ok(done);
                }
                let turn = self.write_turn().await;
                let attempt = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let (number,): (i64,) = sqlx::query_as(
                        "INSERT INTO case_counters (guild_id, last_number) VALUES ($1, 1) \
                         ON CONFLICT (guild_id) DO UPDATE SET last_number = case_counters.last_number + 1 \
                         RETURNING last_number",
                    )
                    .bind(guild.as_i64())
                    .fetch_one(&mut *tx)
                    .await?;
                    // The case comes back as stored (no read after the commit).
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO cases (guild_id, number, vendor_slug, vendor_name, severity, vendor_severity, \
                         summary, vendor_case_id, link, channel_id, opened_by, opened_at, response_due, status, \
                         escalation_level) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', 0) RETURNING id, {}",
                        $crate::store::cases::CASE_COLUMNS
                    ));
                    let stored = sqlx::query(sql)
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
                    .await?;
                    let case_id: i64 = sqlx::Row::try_get(&stored, "id")?;
                    let event_id = Self::insert_event_and_notifications(&mut tx, guild, case_id, event, notify).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>((stored, event_id))
                };
                let outcome = attempt.await;
                drop(turn);
                match outcome {
                    Ok((stored, event_id)) => {
                        let case = Self::case_row(&stored)?;
                        Ok($crate::store::cases::Recorded { case, event_id, replayed: false })
                    }
                    // The same interaction, delivered twice at once: the other delivery won.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => self
                        .replayed(guild, event.interaction_id)
                        .await?
                        .ok_or_else(|| StoreError::AlreadyExists("this case".into())),
                    Err(e) => Err(StoreError::Database { doing: "opening a case", source: e }),
                }
            }

            #[tracing::instrument(skip_all, fields(guild = %guild, case = before.number))]
            async fn record_case_event(
                &self,
                guild: $crate::domain::GuildId,
                before: &$crate::domain::case::Case,
                after: &$crate::domain::case::Case,
                event: &$crate::store::cases::NewEvent,
                notify: &[$crate::domain::case::NotifyTarget],
            ) -> Result<$crate::store::cases::Recorded, $crate::store::StoreError> {
                use $crate::store::StoreError;
                if let Some(done) = self.replayed(guild, event.interaction_id).await? {
                    return Ok(done);
                }
                let turn = self.write_turn().await;
                let attempt = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let updated: Option<(i64,)> = sqlx::query_as(
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
                    .await?;
                    let Some((case_id,)) = updated else { return Ok(None) };
                    let event_id = Self::insert_event_and_notifications(&mut tx, guild, case_id, event, notify).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(Some(event_id))
                };
                let outcome = attempt.await;
                drop(turn);
                match outcome {
                    Ok(Some(event_id)) => {
                        let case = Self::read_case(&self.pool, guild, before.number)
                            .await?
                            .ok_or_else(|| StoreError::NotFound(format!("case #{}", before.number)))?;
                        Ok($crate::store::cases::Recorded { case, event_id, replayed: false })
                    }
                    Ok(None) => Err(StoreError::Conflict(format!(
                        "case #{} changed while you were updating it",
                        before.number
                    ))),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => self
                        .replayed(guild, event.interaction_id)
                        .await?
                        .ok_or_else(|| StoreError::AlreadyExists("this event".into())),
                    Err(e) => Err(StoreError::Database { doing: "recording a case event", source: e }),
                }
            }

            async fn mark_delivery(
                &self,
                guild: $crate::domain::GuildId,
                event_id: i64,
                delivery: $crate::domain::case::Delivery,
            ) -> Result<(), $crate::store::StoreError> {
                let _turn = self.write_turn().await;
                sqlx::query("UPDATE notifications SET delivery = $1 WHERE guild_id = $2 AND event_id = $3")
                    .bind(delivery.as_str())
                    .bind(guild.as_i64())
                    .bind(event_id)
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("recording a notification's delivery"))?;
                Ok(())
            }

            async fn case(
                &self,
                guild: $crate::domain::GuildId,
                number: i64,
            ) -> Result<Option<$crate::domain::case::Case>, $crate::store::StoreError> {
                Self::read_case(&self.pool, guild, number).await
            }

            async fn cases(
                &self,
                guild: $crate::domain::GuildId,
                vendor: Option<&$crate::domain::VendorSlug>,
                status: Option<$crate::domain::case::CaseStatus>,
                limit: i64,
            ) -> Result<Vec<$crate::domain::case::Case>, $crate::store::StoreError> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE guild_id = $1 \
                     AND ($2 IS NULL OR vendor_slug = $2) AND ($3 IS NULL OR status = $3) \
                     ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'vendor-responded' THEN 1 ELSE 2 END, number DESC \
                     LIMIT $4",
                    $crate::store::cases::CASE_COLUMNS
                ));
                let rows = sqlx::query(sql)
                    .bind(guild.as_i64())
                    .bind(vendor.map(|v| v.as_str().to_owned()))
                    .bind(status.map(|s| s.as_str()))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("listing cases"))?;
                rows.iter().map(Self::case_row).collect()
            }

            async fn timeline(
                &self,
                guild: $crate::domain::GuildId,
                number: i64,
            ) -> Result<$crate::store::cases::Timeline, $crate::store::StoreError> {
                use $crate::store::StoreError;
                let events: Vec<(i64, chrono::DateTime<chrono::Utc>, String, Option<i64>, String)> = sqlx::query_as(
                    "SELECT e.id, e.at, e.kind, e.actor, e.detail FROM case_events e \
                     JOIN cases c ON c.id = e.case_id WHERE c.guild_id = $1 AND c.number = $2 ORDER BY e.id",
                )
                .bind(guild.as_i64())
                .bind(number)
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::db("reading a case timeline"))?;
                let notifications: Vec<(i64, String, i64, String, String, chrono::DateTime<chrono::Utc>, String)> =
                    sqlx::query_as(
                        "SELECT n.event_id, n.recipient_kind, n.recipient_id, n.label, n.method, n.at, n.delivery \
                         FROM notifications n JOIN cases c ON c.id = n.case_id \
                         WHERE c.guild_id = $1 AND c.number = $2 ORDER BY n.event_id, n.id",
                    )
                    .bind(guild.as_i64())
                    .bind(number)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a case's notifications"))?;
                Ok($crate::store::cases::Timeline {
                    events: events
                        .into_iter()
                        .map(|(id, at, kind, actor, detail)| $crate::domain::case::CaseEvent {
                            id,
                            at,
                            kind: $crate::store::cases::event_kind(&kind),
                            actor: actor.map(|a| a as u64),
                            detail,
                        })
                        .collect(),
                    notifications: notifications
                        .into_iter()
                        .map(|(event_id, kind, id, label, method, at, delivery)| {
                            $crate::domain::case::Notification {
                                event_id,
                                recipient: $crate::store::cases::recipient_from(&kind, id),
                                label,
                                method,
                                at,
                                delivery: $crate::store::cases::delivery(&delivery),
                            }
                        })
                        .collect(),
                })
            }

            async fn cases_with_timelines(
                &self,
                guild: $crate::domain::GuildId,
                since: Option<chrono::DateTime<chrono::Utc>>,
            ) -> Result<Vec<($crate::domain::case::Case, $crate::store::cases::Timeline)>, $crate::store::StoreError> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE guild_id = $1 AND ($2 IS NULL OR opened_at >= $2) ORDER BY number",
                    $crate::store::cases::CASE_COLUMNS
                ));
                let rows = sqlx::query(sql)
                    .bind(guild.as_i64())
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("exporting cases"))?;
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let case = Self::case_row(row)?;
                    let timeline = $crate::store::CaseStore::timeline(self, guild, case.number).await?;
                    out.push((case, timeline));
                }
                Ok(out)
            }

            async fn claim_overdue_reminders(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<($crate::domain::GuildId, $crate::domain::case::Case)>, $crate::store::StoreError> {
                use sqlx::Row as _;
                // The conditional UPDATE is the claim: a replica that loses the race finds
                // reminder_claimed_at already set and updates nothing.
                let sql = sqlx::AssertSqlSafe(format!(
                    "UPDATE cases SET reminder_claimed_at = $1 \
                     WHERE id IN (SELECT id FROM cases WHERE status = 'open' AND reminder_claimed_at IS NULL \
                                  AND response_due <= $1 ORDER BY response_due LIMIT $2) \
                     AND reminder_claimed_at IS NULL AND status = 'open' \
                     RETURNING guild_id, {}",
                    $crate::store::cases::CASE_COLUMNS
                ));
                let _turn = self.write_turn().await;
                let rows = sqlx::query(sql)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("claiming overdue reminders"))?;
                rows.iter()
                    .map(|row| {
                        let guild: i64 = row
                            .try_get("guild_id")
                            .map_err($crate::store::StoreError::db("reading a claimed case"))?;
                        let guild = $crate::domain::GuildId::new(guild as u64)
                            .map_err(|e| $crate::store::StoreError::Corrupt { slug: String::new(), source: anyhow::anyhow!(e) })?;
                        Ok((guild, Self::case_row(row)?))
                    })
                    .collect()
            }
        }
    };
}

/// Names the sqlx database type of a store, so the macro can write row types.
pub trait HasDb {
    type Db: sqlx::Database;
}

pub(super) use impl_case_store;
