//! The `Store` queries (registry and settings) for both backends. The SQL is portable ($N
//! placeholders, ON CONFLICT) and sqlx's API is the same for both pools, so a macro stamps
//! it out; what to write is decided in `registry.rs`, outside it.

/// Implements `Store` for a store with a `pool` field and a `write_tx` method; `$db` names
/// both the sqlx database type and the `Backend` variant (`Sqlite`, `Postgres`).
macro_rules! impl_store {
    ($store:ty, $db:ident) => {
        const _: () = {
            use std::{
                collections::{HashMap, HashSet},
                sync::Arc,
            };

            use async_trait::async_trait;
            use chrono::Utc;
            use futures_util::TryStreamExt as _;
            use sqlx::QueryBuilder;

            use crate::{
                domain::{GuildId, GuildSettings, Vendor, VendorSlug, VendorSummary, plans_file::VendorDocument},
                store::{
                    Backend, ImportSummary, RegistryFeed, Store, StoreError,
                    registry::{IMPORT_BATCH, ImportPlanner, NewHistory},
                    rows::{SettingsRow, VendorDocumentRow, VendorSummaryRow},
                    write::WriteTx,
                },
            };

            impl $store {
                /// Marks the guild's registry as changed. Every transaction that writes the
                /// guild's vendors or settings calls this before committing, so that caches
                /// of the registry (in this process or another replica) reload it.
                async fn bump_registry_version(
                    tx: &mut WriteTx<'_, $db>,
                    guild: GuildId,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO registry_versions (guild_id, version) VALUES ($1, 1) \
                         ON CONFLICT (guild_id) DO UPDATE SET version = registry_versions.version + 1",
                    )
                    .bind(guild.as_i64())
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::db("marking the registry as changed"))?;
                    tx.changes_registry();
                    Ok(())
                }

                /// Appends history lines, many per statement.
                async fn insert_history(
                    tx: &mut WriteTx<'_, $db>,
                    guild: GuildId,
                    entries: &[NewHistory<'_>],
                ) -> Result<(), StoreError> {
                    for batch in entries.chunks(IMPORT_BATCH) {
                        let mut insert = QueryBuilder::new(
                            "INSERT INTO vendor_history (guild_id, slug, at, actor, source, action, detail) ",
                        );
                        insert.push_values(batch, |mut values, entry| {
                            values
                                .push_bind(guild.as_i64())
                                .push_bind(entry.slug)
                                .push_bind(entry.at)
                                .push_bind(entry.source.actor().map(|a| a as i64))
                                .push_bind(entry.source.as_str())
                                .push_bind(entry.action)
                                .push_bind(&entry.detail);
                        });
                        insert
                            .build()
                            .execute(&mut **tx)
                            .await
                            .map_err(StoreError::db("recording history"))?;
                    }
                    Ok(())
                }

                /// The stored documents of `slugs` (slug → document).
                async fn stored_documents(
                    tx: &mut WriteTx<'_, $db>,
                    guild: GuildId,
                    slugs: &[&str],
                ) -> Result<HashMap<String, String>, StoreError> {
                    if slugs.is_empty() {
                        return Ok(HashMap::new());
                    }
                    let mut select = QueryBuilder::new("SELECT slug, document FROM vendors WHERE guild_id = ");
                    select.push_bind(guild.as_i64()).push(" AND slug IN (");
                    let mut list = select.separated(", ");
                    for slug in slugs {
                        list.push_bind(*slug);
                    }
                    select.push(")");
                    Ok(select
                        .build_query_as::<VendorDocumentRow>()
                        .fetch_all(&mut **tx)
                        .await
                        .map_err(StoreError::db("reading the stored vendors"))?
                        .into_iter()
                        .map(|row| (row.slug, row.document))
                        .collect())
                }

                /// The import, batch by batch from `next` (an error from it abandons the import).
                async fn import_from(
                    &self,
                    guild: GuildId,
                    next: &mut (dyn FnMut() -> Option<Result<Vec<VendorDocument>, StoreError>> + Send),
                    prune: bool,
                ) -> Result<ImportSummary, StoreError> {
                    let mut tx = self.write_tx("starting the import").await?;
                    // The slugs only: the documents are read batch by batch, for the vendors
                    // of the batch, so that re-importing a large registry never holds it whole.
                    let existing: HashSet<String> = sqlx::query_scalar("SELECT slug FROM vendors WHERE guild_id = $1")
                        .bind(guild.as_i64())
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(StoreError::db("reading the current registry"))?
                        .into_iter()
                        .collect();
                    // Each batch's stored vendors are read by slug. A registry imported moments
                    // ago has no statistics yet (autovacuum analyses later): PostgreSQL then
                    // scans the guild's whole registry for each batch (0.5 s a batch at 100k
                    // vendors) instead of using the primary key.
                    if Backend::$db == Backend::Postgres && !existing.is_empty() {
                        sqlx::query("ANALYZE vendors")
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::db("analysing the registry for the import"))?;
                    }
                    let now = Utc::now();
                    let mut planner = ImportPlanner::new(guild, now, &existing);
                    // Batch by batch: each is planned, written and dropped (see ImportBatch).
                    while let Some(vendors) = next() {
                        let vendors = match vendors {
                            Ok(vendors) => vendors,
                            Err(error) => {
                                tx.rollback("abandoning the import").await?;
                                return Err(error);
                            }
                        };
                        let stored = Self::stored_documents(&mut tx, guild, &planner.stored_among(&vendors)).await?;
                        let batch = planner.batch(&vendors, &stored)?;
                        drop(stored);
                        Self::insert_history(&mut tx, guild, &batch.history).await?;
                        if batch.writes.is_empty() {
                            continue;
                        }
                        // Many rows per statement: one statement per vendor made a 10k import
                        // on PostgreSQL mostly round trips.
                        let mut insert = QueryBuilder::new(
                            "INSERT INTO vendors (guild_id, slug, name, criticality, aliases, document, created_at, updated_at) ",
                        );
                        insert.push_values(&batch.writes, |mut values, (slug, row)| {
                            values
                                .push_bind(guild.as_i64())
                                .push_bind(*slug)
                                .push_bind(row.name)
                                .push_bind(row.criticality)
                                .push_bind(&row.aliases)
                                .push_bind(row.document.as_ref())
                                .push_bind(now)
                                .push_bind(now);
                        });
                        insert.push(
                            " ON CONFLICT (guild_id, slug) DO UPDATE SET name = excluded.name, \
                             criticality = excluded.criticality, aliases = excluded.aliases, \
                             document = excluded.document, updated_at = excluded.updated_at",
                        );
                        insert.build().execute(&mut *tx).await.map_err(StoreError::db("writing vendors"))?;
                    }
                    let (removals, removed, summary) = planner.removals(prune)?;
                    Self::insert_history(&mut tx, guild, &removed).await?;
                    for slug in &removals {
                        sqlx::query("DELETE FROM vendors WHERE guild_id = $1 AND slug = $2")
                            .bind(guild.as_i64())
                            .bind(slug.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::db("removing a vendor"))?;
                    }
                    let changed = !(summary.added.is_empty() && summary.updated.is_empty() && summary.removed.is_empty());
                    if changed {
                        Self::bump_registry_version(&mut tx, guild).await?;
                    }
                    tx.commit("committing the import").await?;
                    Ok(summary)
                }
            }

            #[async_trait]
            impl Store for $store {
                fn backend(&self) -> Backend {
                    Backend::$db
                }

                fn pool_connections(&self) -> crate::store::PoolConnections {
                    let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
                    crate::store::PoolConnections {
                        in_use: self.pool.size().saturating_sub(idle),
                        idle,
                    }
                }

                async fn ping(&self) -> Result<(), StoreError> {
                    sqlx::query("SELECT 1")
                        .execute(&self.pool)
                        .await
                        .map_err(StoreError::db("checking the database is reachable"))?;
                    Ok(())
                }

                #[tracing::instrument(skip(self, visit), fields(guild = %guild))]
                async fn visit_vendor_summaries(
                    &self,
                    guild: GuildId,
                    visit: &mut (dyn FnMut(VendorSummary) + Send),
                ) -> Result<(), StoreError> {
                    let mut rows = sqlx::query_as::<_, VendorSummaryRow>(
                        "SELECT slug, name, criticality, aliases FROM vendors WHERE guild_id = $1 ORDER BY slug",
                    )
                    .bind(guild.as_i64())
                    .fetch(&self.pool);
                    while let Some(row) = rows.try_next().await.map_err(StoreError::db("listing vendors"))? {
                        visit(row.into_summary(guild)?);
                    }
                    Ok(())
                }

                async fn registry_version(&self, guild: GuildId) -> Result<i64, StoreError> {
                    let version: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM registry_versions WHERE guild_id = $1")
                            .bind(guild.as_i64())
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(StoreError::db("reading the registry version"))?;
                    Ok(version.unwrap_or(0))
                }

                #[tracing::instrument(skip(self), fields(guild = %guild, vendor = %slug))]
                async fn vendor(
                    &self,
                    guild: GuildId,
                    slug: &VendorSlug,
                ) -> Result<Option<Vendor>, StoreError> {
                    sqlx::query_as::<_, VendorDocumentRow>(
                        "SELECT slug, document FROM vendors WHERE guild_id = $1 AND slug = $2",
                    )
                    .bind(guild.as_i64())
                    .bind(slug.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading a vendor"))?
                    .map(|row| row.into_vendor(guild))
                    .transpose()
                }

                #[tracing::instrument(skip(self), fields(guild = %guild))]
                async fn vendors(&self, guild: GuildId) -> Result<Vec<Vendor>, StoreError> {
                    sqlx::query_as::<_, VendorDocumentRow>(
                        "SELECT slug, document FROM vendors WHERE guild_id = $1 ORDER BY slug",
                    )
                    .bind(guild.as_i64())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading vendors"))?
                    .into_iter()
                    .map(|row| row.into_vendor(guild))
                    .collect()
                }

                #[tracing::instrument(skip(self), fields(guild = %guild))]
                async fn vendors_with_status(&self, guild: GuildId) -> Result<Vec<Vendor>, StoreError> {
                    // A stored document with a status source has a `[status]` table; a note
                    // that merely mentions one is parsed and dropped below.
                    let rows = sqlx::query_as::<_, VendorDocumentRow>(
                        "SELECT slug, document FROM vendors WHERE guild_id = $1 AND document LIKE '%[status]%' ORDER BY slug",
                    )
                    .bind(guild.as_i64())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading the vendors with a status page"))?;
                    let mut vendors = Vec::with_capacity(rows.len());
                    for row in rows {
                        let vendor = row.into_vendor(guild)?;
                        if vendor.status.is_some() {
                            vendors.push(vendor);
                        }
                    }
                    Ok(vendors)
                }

                #[tracing::instrument(skip(self, vendors), fields(guild = %guild, count = vendors.len()))]
                async fn import(
                    &self,
                    guild: GuildId,
                    vendors: &[Vendor],
                    prune: bool,
                ) -> Result<ImportSummary, StoreError> {
                    let mut batches = vendors.chunks(IMPORT_BATCH);
                    let mut next = || {
                        let batch = batches.next()?;
                        Some(Ok(batch.iter().map(|v| VendorDocument::of(v.clone())).collect()))
                    };
                    self.import_from(guild, &mut next, prune).await
                }

                #[tracing::instrument(skip(self, next), fields(guild = %guild))]
                async fn import_batches(
                    &self,
                    guild: GuildId,
                    next: &mut (dyn FnMut() -> Option<Result<Vec<VendorDocument>, StoreError>> + Send),
                    prune: bool,
                ) -> Result<ImportSummary, StoreError> {
                    self.import_from(guild, next, prune).await
                }

                async fn guild_settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
                    sqlx::query_as::<_, SettingsRow>(
                        "SELECT sensitive_contacts, notice_channel_id, manager_role_id, digest_every_minutes, dm_owners, \
                         status_alerts, status_role_id FROM guild_settings WHERE guild_id = $1",
                    )
                    .bind(guild.as_i64())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(StoreError::db("reading guild settings"))?
                    .map_or_else(|| Ok(GuildSettings::default()), |row| row.into_settings(guild))
                }

                async fn set_guild_settings(
                    &self,
                    guild: GuildId,
                    settings: &GuildSettings,
                ) -> Result<(), StoreError> {
                    let mut tx = self.write_tx("saving guild settings").await?;
                    sqlx::query(
                        "INSERT INTO guild_settings (guild_id, sensitive_contacts, notice_channel_id, manager_role_id, \
                         digest_every_minutes, dm_owners, updated_at, status_alerts, status_role_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (guild_id) DO UPDATE SET sensitive_contacts = excluded.sensitive_contacts, \
                         notice_channel_id = excluded.notice_channel_id, manager_role_id = excluded.manager_role_id, \
                         digest_every_minutes = excluded.digest_every_minutes, dm_owners = excluded.dm_owners, \
                         updated_at = excluded.updated_at, status_alerts = excluded.status_alerts, \
                         status_role_id = excluded.status_role_id",
                    )
                    .bind(guild.as_i64())
                    .bind(settings.sensitive_contacts)
                    .bind(settings.notice_channel.map(|c| c as i64))
                    .bind(settings.manager_role.map(|r| r as i64))
                    .bind(settings.digest_every.minutes() as i64)
                    .bind(settings.dm_owners)
                    .bind(Utc::now())
                    .bind(settings.status_alerts.as_str())
                    .bind(settings.status_role.map(|r| r as i64))
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::db("saving guild settings"))?;
                    // The settings decide how /support answers: caches reload them with the registry.
                    Self::bump_registry_version(&mut tx, guild).await?;
                    tx.commit("saving guild settings").await
                }

                fn registry_feed(&self) -> Arc<RegistryFeed> {
                    self.registry_feed_started()
                }

                async fn close(&self) {
                    self.watch.stop();
                    self.pool.close().await;
                }
            }
        };
    };
}

pub(super) use impl_store;
