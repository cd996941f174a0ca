//! The `UpkeepStore` queries for both backends, stamped out by a macro (the SQL is portable).

/// Implements `UpkeepStore` for a store with a `pool` field and a `write_tx` method (and the
/// helpers `impl_store!` adds).
macro_rules! impl_upkeep_store {
    ($store:ty) => {
        const _: () = {
            use std::collections::{HashMap, HashSet};

            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use crate::{
                domain::{
                    ChangeSource, GuildId, HistoryEntry, Vendor, VendorSlug, diff, history::describe_changes,
                },
                store::{
                    StoreError, UpkeepStore,
                    registry::{NewHistory, VendorRow},
                    rows::{HistoryRow, VerificationRow, guild_id},
                },
            };

            #[async_trait]
            impl UpkeepStore for $store {
                async fn record_verification(
                    &self,
                    guild: GuildId,
                    slug: &VendorSlug,
                    by: u64,
                    at: DateTime<Utc>,
                    note: &str,
                ) -> Result<(), StoreError> {
                    let doing = "recording a verification";
                    let mut tx = self.write_tx(doing).await?;
                    sqlx::query(
                        "INSERT INTO vendor_verifications (guild_id, slug, verified_by, verified_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (guild_id, slug) DO UPDATE SET verified_by = excluded.verified_by, verified_at = excluded.verified_at",
                    )
                    .bind(guild.as_i64())
                    .bind(slug.as_str())
                    .bind(by as i64)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?;
                    let entry = NewHistory {
                        slug: slug.as_str(),
                        at,
                        source: ChangeSource::Discord(by),
                        action: "verified",
                        detail: note.to_owned(),
                    };
                    Self::insert_history(&mut tx, guild, &[entry]).await?;
                    // The registry cache keeps verifications: make it reload.
                    Self::bump_registry_version(&mut tx, guild).await?;
                    tx.commit(doing).await
                }

                async fn verifications(
                    &self,
                    guild: GuildId,
                ) -> Result<HashMap<VendorSlug, (u64, DateTime<Utc>)>, StoreError> {
                    sqlx::query_as::<_, VerificationRow>(
                        "SELECT slug, verified_by, verified_at FROM vendor_verifications WHERE guild_id = $1",
                    )
                    .bind(guild.as_i64())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading verifications"))?
                    .into_iter()
                    .map(|row| row.into_verification(guild))
                    .collect()
                }

                async fn save_vendor_edit(
                    &self,
                    guild: GuildId,
                    before: &Vendor,
                    after: &Vendor,
                    source: &ChangeSource,
                    action: &str,
                    at: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    let doing = "saving a vendor edit";
                    let old = VendorRow::of(before)?;
                    let new = VendorRow::of(after)?;
                    let mut tx = self.write_tx(doing).await?;
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
                    .await
                    .map_err(StoreError::db(doing))?;
                    if updated.rows_affected() == 0 {
                        tx.rollback(doing).await?;
                        return Err(StoreError::Conflict(format!(
                            "vendor `{}` was changed by someone else meanwhile",
                            after.slug
                        )));
                    }
                    let entry = NewHistory {
                        slug: after.slug.as_str(),
                        at,
                        source: *source,
                        action,
                        detail: describe_changes(&diff::changes(Some(before), Some(after))),
                    };
                    Self::insert_history(&mut tx, guild, &[entry]).await?;
                    // Caches of the registry (names and aliases may have changed) reload it.
                    Self::bump_registry_version(&mut tx, guild).await?;
                    tx.commit(doing).await
                }

                async fn record_history(
                    &self,
                    guild: GuildId,
                    entries: &[HistoryEntry],
                ) -> Result<(), StoreError> {
                    let lines: Vec<NewHistory<'_>> = entries
                        .iter()
                        .map(|e| NewHistory {
                            slug: e.slug.as_str(),
                            at: e.at,
                            source: e.source,
                            action: &e.action,
                            detail: e.detail.clone(),
                        })
                        .collect();
                    let mut tx = self.write_tx("recording history").await?;
                    Self::insert_history(&mut tx, guild, &lines).await?;
                    tx.commit("recording history").await
                }

                async fn history(
                    &self,
                    guild: GuildId,
                    vendor: Option<&VendorSlug>,
                    limit: i64,
                ) -> Result<Vec<HistoryEntry>, StoreError> {
                    sqlx::query_as::<_, HistoryRow>(
                        "SELECT id, slug, at, actor, source, action, detail FROM vendor_history \
                         WHERE guild_id = $1 AND ($2 IS NULL OR slug = $2) ORDER BY id DESC LIMIT $3",
                    )
                    .bind(guild.as_i64())
                    .bind(vendor.map(|v| v.as_str().to_owned()))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading history"))?
                    .into_iter()
                    .map(|row| row.into_entry(guild))
                    .collect()
                }

                async fn record_departure(
                    &self,
                    guild: GuildId,
                    user: u64,
                    at: DateTime<Utc>,
                ) -> Result<bool, StoreError> {
                    let doing = "recording a departure";
                    let mut tx = self.write_tx(doing).await?;
                    let inserted = sqlx::query(
                        "INSERT INTO departed_members (guild_id, user_id, left_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (guild_id, user_id) DO NOTHING",
                    )
                    .bind(guild.as_i64())
                    .bind(user as i64)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?
                    .rows_affected()
                        == 1;
                    if inserted {
                        // The registry cache keeps who left: make it reload.
                        Self::bump_registry_version(&mut tx, guild).await?;
                    }
                    tx.commit(doing).await?;
                    Ok(inserted)
                }

                async fn clear_departure(&self, guild: GuildId, user: u64) -> Result<(), StoreError> {
                    let doing = "clearing a departure";
                    let mut tx = self.write_tx(doing).await?;
                    let deleted = sqlx::query("DELETE FROM departed_members WHERE guild_id = $1 AND user_id = $2")
                        .bind(guild.as_i64())
                        .bind(user as i64)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(doing))?
                        .rows_affected()
                        > 0;
                    if deleted {
                        Self::bump_registry_version(&mut tx, guild).await?;
                    }
                    tx.commit(doing).await
                }

                async fn departed(&self, guild: GuildId) -> Result<HashSet<u64>, StoreError> {
                    let users: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM departed_members WHERE guild_id = $1")
                        .bind(guild.as_i64())
                        .fetch_all(&self.pool)
                        .await
                        .map_err(StoreError::db("reading departures"))?;
                    users
                        .into_iter()
                        .map(|user| {
                            u64::try_from(user).map_err(|e| StoreError::Corrupt {
                                table: "departed_members",
                                key: format!("guild {guild}, user {user}"),
                                column: "user_id",
                                problem: e.to_string(),
                            })
                        })
                        .collect()
                }

                async fn claim_digest(
                    &self,
                    guild: GuildId,
                    period_start: DateTime<Utc>,
                    at: DateTime<Utc>,
                ) -> Result<bool, StoreError> {
                    let doing = "claiming a digest";
                    let mut tx = self.write_tx(doing).await?;
                    let inserted = sqlx::query(
                        "INSERT INTO digests (guild_id, period_start, posted_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (guild_id, period_start) DO NOTHING",
                    )
                    .bind(guild.as_i64())
                    .bind(period_start)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db(doing))?
                    .rows_affected()
                        == 1;
                    tx.commit(doing).await?;
                    Ok(inserted)
                }

                async fn registry_guilds(&self) -> Result<Vec<GuildId>, StoreError> {
                    let guilds: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT guild_id FROM vendors ORDER BY guild_id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(StoreError::db("listing guilds"))?;
                    guilds.into_iter().map(|g| guild_id("vendors", g)).collect()
                }
            }
        };
    };
}

pub(super) use impl_upkeep_store;
