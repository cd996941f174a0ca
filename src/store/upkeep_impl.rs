//! The `UpkeepStore` implementation, stamped out for each backend (the SQL is portable).

/// Implements `UpkeepStore` for a struct with a `pool` field; `$begin` as for cases.
macro_rules! impl_upkeep_store {
    ($store:ty, $begin:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::UpkeepStore for $store {
            async fn record_verification(
                &self,
                guild: $crate::domain::GuildId,
                slug: &$crate::domain::VendorSlug,
                by: u64,
                at: chrono::DateTime<chrono::Utc>,
                note: &str,
            ) -> Result<(), $crate::store::StoreError> {
                let db = $crate::store::StoreError::db("recording a verification");
                let _turn = self.write_turn().await;
                let work = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    sqlx::query(
                        "INSERT INTO vendor_verifications (guild_id, slug, verified_by, verified_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (guild_id, slug) DO UPDATE SET verified_by = excluded.verified_by, verified_at = excluded.verified_at",
                    )
                    .bind(guild.as_i64())
                    .bind(slug.as_str())
                    .bind(by as i64)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    Self::insert_history(&mut tx, guild, slug.as_str(), at, Some(by), "discord", "verified", note).await?;
                    Ok::<_, sqlx::Error>(tx)
                };
                let mut tx = work.await.map_err(db)?;
                // The registry cache keeps verifications: make it reload.
                Self::bump_registry_version(&mut tx, guild).await?;
                tx.commit().await.map_err($crate::store::StoreError::db("recording a verification"))
            }

            async fn verifications(
                &self,
                guild: $crate::domain::GuildId,
            ) -> Result<
                std::collections::HashMap<$crate::domain::VendorSlug, (u64, chrono::DateTime<chrono::Utc>)>,
                $crate::store::StoreError,
            > {
                let rows: Vec<(String, i64, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "SELECT slug, verified_by, verified_at FROM vendor_verifications WHERE guild_id = $1",
                )
                .bind(guild.as_i64())
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::StoreError::db("reading verifications"))?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(slug, by, at)| Some(($crate::domain::VendorSlug::parse(&slug).ok()?, (by as u64, at))))
                    .collect())
            }

            async fn save_vendor_edit(
                &self,
                guild: $crate::domain::GuildId,
                before: &$crate::domain::Vendor,
                after: &$crate::domain::Vendor,
                source: &$crate::store::upkeep::Source,
                action: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::StoreError;
                let old = $crate::store::shared::to_row(before)?;
                let new = $crate::store::shared::to_row(after)?;
                let detail = $crate::store::upkeep::history_detail(&$crate::domain::diff::changes(Some(before), Some(after)));
                let _turn = self.write_turn().await;
                let work = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let updated = sqlx::query(
                        "UPDATE vendors SET name = $1, criticality = $2, aliases = $3, document = $4, updated_at = $5 \
                         WHERE guild_id = $6 AND slug = $7 AND document = $8",
                    )
                    .bind(&new.name)
                    .bind(new.criticality)
                    .bind(&new.aliases)
                    .bind(&new.document)
                    .bind(at)
                    .bind(guild.as_i64())
                    .bind(after.slug.as_str())
                    .bind(&old.document)
                    .execute(&mut *tx)
                    .await?;
                    if updated.rows_affected() == 0 {
                        return Ok(None);
                    }
                    Self::insert_history(&mut tx, guild, after.slug.as_str(), at, source.actor(), source.as_str(), action, &detail)
                        .await?;
                    Ok::<_, sqlx::Error>(Some(tx))
                };
                let tx = match work.await {
                    Ok(Some(mut tx)) => {
                        // Caches of the registry (names and aliases may have changed) reload it.
                        Self::bump_registry_version(&mut tx, guild).await?;
                        tx.commit().await.map(|()| true)
                    }
                    Ok(None) => Ok(false),
                    Err(e) => Err(e),
                };
                match tx {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(StoreError::Conflict(format!(
                        "vendor `{}` was changed by someone else meanwhile",
                        after.slug
                    ))),
                    Err(source) => Err(StoreError::Database { doing: "saving a vendor edit", source }),
                }
            }

            async fn record_history(
                &self,
                guild: $crate::domain::GuildId,
                entries: &[$crate::store::upkeep::HistoryEntry],
            ) -> Result<(), $crate::store::StoreError> {
                let work = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    for e in entries {
                        Self::insert_history(&mut tx, guild, e.slug.as_str(), e.at, e.actor, &e.source, &e.action, &e.detail)
                            .await?;
                    }
                    tx.commit().await
                };
                work.await.map_err($crate::store::StoreError::db("recording history"))
            }

            async fn history(
                &self,
                guild: $crate::domain::GuildId,
                vendor: Option<&$crate::domain::VendorSlug>,
                limit: i64,
            ) -> Result<Vec<$crate::store::upkeep::HistoryEntry>, $crate::store::StoreError> {
                let rows: Vec<(String, chrono::DateTime<chrono::Utc>, Option<i64>, String, String, String)> = sqlx::query_as(
                    "SELECT slug, at, actor, source, action, detail FROM vendor_history \
                     WHERE guild_id = $1 AND ($2 IS NULL OR slug = $2) ORDER BY id DESC LIMIT $3",
                )
                .bind(guild.as_i64())
                .bind(vendor.map(|v| v.as_str().to_owned()))
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err($crate::store::StoreError::db("reading history"))?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(slug, at, actor, source, action, detail)| {
                        Some($crate::store::upkeep::HistoryEntry {
                            slug: $crate::domain::VendorSlug::parse(&slug).ok()?,
                            at,
                            actor: actor.map(|a| a as u64),
                            source,
                            action,
                            detail,
                        })
                    })
                    .collect())
            }

            async fn record_departure(
                &self,
                guild: $crate::domain::GuildId,
                user: u64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let _turn = self.write_turn().await;
                let work = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let inserted = sqlx::query(
                        "INSERT INTO departed_members (guild_id, user_id, left_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (guild_id, user_id) DO NOTHING",
                    )
                    .bind(guild.as_i64())
                    .bind(user as i64)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    Ok::<_, sqlx::Error>((tx, inserted.rows_affected() == 1))
                };
                let (mut tx, inserted) = work.await.map_err($crate::store::StoreError::db("recording a departure"))?;
                if inserted {
                    // The registry cache keeps who left: make it reload.
                    Self::bump_registry_version(&mut tx, guild).await?;
                }
                tx.commit().await.map_err($crate::store::StoreError::db("recording a departure"))?;
                Ok(inserted)
            }

            async fn clear_departure(&self, guild: $crate::domain::GuildId, user: u64) -> Result<(), $crate::store::StoreError> {
                let _turn = self.write_turn().await;
                let work = async {
                    let mut tx = self.pool.begin_with($begin).await?;
                    let deleted = sqlx::query("DELETE FROM departed_members WHERE guild_id = $1 AND user_id = $2")
                        .bind(guild.as_i64())
                        .bind(user as i64)
                        .execute(&mut *tx)
                        .await?;
                    Ok::<_, sqlx::Error>((tx, deleted.rows_affected() > 0))
                };
                let (mut tx, deleted) = work.await.map_err($crate::store::StoreError::db("clearing a departure"))?;
                if deleted {
                    Self::bump_registry_version(&mut tx, guild).await?;
                }
                tx.commit().await.map_err($crate::store::StoreError::db("clearing a departure"))
            }

            async fn departed(
                &self,
                guild: $crate::domain::GuildId,
            ) -> Result<std::collections::HashSet<u64>, $crate::store::StoreError> {
                let rows: Vec<(i64,)> = sqlx::query_as("SELECT user_id FROM departed_members WHERE guild_id = $1")
                    .bind(guild.as_i64())
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("reading departures"))?;
                Ok(rows.into_iter().map(|(u,)| u as u64).collect())
            }

            async fn claim_digest(
                &self,
                guild: $crate::domain::GuildId,
                period_start: chrono::DateTime<chrono::Utc>,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let inserted = sqlx::query(
                    "INSERT INTO digests (guild_id, period_start, posted_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (guild_id, period_start) DO NOTHING",
                )
                .bind(guild.as_i64())
                .bind(period_start)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err($crate::store::StoreError::db("claiming a digest"))?;
                Ok(inserted.rows_affected() == 1)
            }

            async fn registry_guilds(&self) -> Result<Vec<$crate::domain::GuildId>, $crate::store::StoreError> {
                let rows: Vec<(i64,)> = sqlx::query_as("SELECT DISTINCT guild_id FROM vendors ORDER BY guild_id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("listing guilds"))?;
                Ok(rows.into_iter().filter_map(|(g,)| $crate::domain::GuildId::new(g as u64).ok()).collect())
            }
        }

        impl $store {
            #[allow(clippy::too_many_arguments, reason = "one column each")]
            async fn insert_history(
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::cases_impl::HasDb>::Db>,
                guild: $crate::domain::GuildId,
                slug: &str,
                at: chrono::DateTime<chrono::Utc>,
                actor: Option<u64>,
                source: &str,
                action: &str,
                detail: &str,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(
                    "INSERT INTO vendor_history (guild_id, slug, at, actor, source, action, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(guild.as_i64())
                .bind(slug)
                .bind(at)
                .bind(actor.map(|a| a as i64))
                .bind(source)
                .bind(action)
                .bind(detail)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }
    };
}

pub(super) use impl_upkeep_store;
