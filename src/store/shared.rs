//! The queries both backends run, written once: the SQL is portable ($N placeholders,
//! ON CONFLICT) and sqlx's API is the same for both pools, so a macro stamps them out.

use crate::domain::{Criticality, Vendor, VendorSlug, VendorSummary, plans_file};

use super::StoreError;

/// Vendors written per INSERT by `import`: 8 parameters each, well under both backends'
/// limits on parameters per statement (SQLite 32766, PostgreSQL 65535).
pub(super) const IMPORT_BATCH: usize = 500;

/// A vendor row as stored: the searchable copies and the TOML document.
pub(super) struct VendorRow {
    pub name: String,
    pub criticality: &'static str,
    pub aliases: String,
    pub document: String,
}

pub(super) fn to_row(vendor: &Vendor) -> Result<VendorRow, StoreError> {
    let document = plans_file::vendor_to_toml(vendor).map_err(|e| StoreError::Corrupt {
        slug: vendor.slug.to_string(),
        source: e.into(),
    })?;
    let aliases = serde_json::to_string(&vendor.aliases).map_err(|e| StoreError::Corrupt {
        slug: vendor.slug.to_string(),
        source: e.into(),
    })?;
    Ok(VendorRow {
        name: vendor.name.clone(),
        criticality: vendor.criticality.as_str(),
        aliases,
        document,
    })
}

pub(super) fn parse_document(slug: &str, document: &str) -> Result<Vendor, StoreError> {
    plans_file::vendor_from_toml(document).map_err(|e| StoreError::Corrupt {
        slug: slug.to_owned(),
        source: e.into(),
    })
}

pub(super) fn parse_summary(
    slug: &str,
    name: String,
    criticality: &str,
    aliases: &str,
) -> Result<VendorSummary, StoreError> {
    let corrupt = |e: anyhow::Error| StoreError::Corrupt {
        slug: slug.to_owned(),
        source: e,
    };
    Ok(VendorSummary {
        slug: VendorSlug::parse(slug).map_err(|e| corrupt(anyhow::anyhow!(e)))?,
        name,
        aliases: serde_json::from_str(aliases).map_err(|e| corrupt(e.into()))?,
        criticality: Criticality::parse(criticality).map_err(|e| corrupt(anyhow::anyhow!(e)))?,
    })
}

/// Implements `Store` for a struct with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_store {
    ($store:ty, $backend:expr, $begin:expr) => {
        impl $store {
            /// Marks the guild's registry as changed. Every transaction that writes the
            /// guild's vendors or settings calls this before committing, so that caches of
            /// the registry (in this process or another replica) reload it.
            async fn bump_registry_version(
                tx: &mut sqlx::Transaction<'static, <Self as $crate::store::cases_impl::HasDb>::Db>,
                guild: $crate::domain::GuildId,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO registry_versions (guild_id, version) VALUES ($1, 1) \
                     ON CONFLICT (guild_id) DO UPDATE SET version = registry_versions.version + 1",
                )
                .bind(guild.as_i64())
                .execute(&mut **tx)
                .await
                .map_err($crate::store::StoreError::db("marking the registry as changed"))?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1")
                    .execute(&self.pool)
                    .await
                    .map_err($crate::store::StoreError::db("checking the database is reachable"))?;
                Ok(())
            }

            #[tracing::instrument(skip(self, visit), fields(guild = %guild))]
            async fn visit_vendor_summaries(
                &self,
                guild: $crate::domain::GuildId,
                visit: &mut (dyn FnMut($crate::domain::VendorSummary) + Send),
            ) -> Result<(), $crate::store::StoreError> {
                use futures_util::TryStreamExt as _;
                use sqlx::Row as _;
                let mut rows = sqlx::query(
                    "SELECT slug, name, criticality, aliases FROM vendors WHERE guild_id = $1 ORDER BY slug",
                )
                .bind(guild.as_i64())
                .fetch(&self.pool);
                while let Some(row) = rows.try_next().await.map_err($crate::store::StoreError::db("listing vendors"))? {
                    let get = |col: &str| -> Result<String, $crate::store::StoreError> {
                        row.try_get(col).map_err($crate::store::StoreError::db("reading a vendor row"))
                    };
                    visit($crate::store::shared::parse_summary(
                        &get("slug")?,
                        get("name")?,
                        &get("criticality")?,
                        &get("aliases")?,
                    )?);
                }
                Ok(())
            }

            async fn registry_version(
                &self,
                guild: $crate::domain::GuildId,
            ) -> Result<i64, $crate::store::StoreError> {
                let row: Option<(i64,)> =
                    sqlx::query_as("SELECT version FROM registry_versions WHERE guild_id = $1")
                        .bind(guild.as_i64())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err($crate::store::StoreError::db("reading the registry version"))?;
                Ok(row.map_or(0, |(version,)| version))
            }

            #[tracing::instrument(skip(self), fields(guild = %guild, vendor = %slug))]
            async fn vendor(
                &self,
                guild: $crate::domain::GuildId,
                slug: &$crate::domain::VendorSlug,
            ) -> Result<Option<$crate::domain::Vendor>, $crate::store::StoreError> {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT document FROM vendors WHERE guild_id = $1 AND slug = $2")
                        .bind(guild.as_i64())
                        .bind(slug.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err($crate::store::StoreError::db("reading a vendor"))?;
                row.map(|(doc,)| $crate::store::shared::parse_document(slug.as_str(), &doc))
                    .transpose()
            }

            #[tracing::instrument(skip(self), fields(guild = %guild))]
            async fn vendors(
                &self,
                guild: $crate::domain::GuildId,
            ) -> Result<Vec<$crate::domain::Vendor>, $crate::store::StoreError> {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT slug, document FROM vendors WHERE guild_id = $1 ORDER BY slug")
                        .bind(guild.as_i64())
                        .fetch_all(&self.pool)
                        .await
                        .map_err($crate::store::StoreError::db("reading vendors"))?;
                rows.iter()
                    .map(|(slug, doc)| $crate::store::shared::parse_document(slug, doc))
                    .collect()
            }

            #[tracing::instrument(skip(self, vendors), fields(guild = %guild, count = vendors.len()))]
            async fn import(
                &self,
                guild: $crate::domain::GuildId,
                vendors: &[$crate::domain::Vendor],
                prune: bool,
            ) -> Result<$crate::store::ImportSummary, $crate::store::StoreError> {
                use $crate::store::StoreError;
                let now = chrono::Utc::now();
                let _turn = self.write_turn().await;
                let mut tx = self.pool.begin_with($begin).await.map_err(StoreError::db("starting the import"))?;
                let existing: Vec<(String, String)> =
                    sqlx::query_as("SELECT slug, document FROM vendors WHERE guild_id = $1")
                        .bind(guild.as_i64())
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(StoreError::db("reading the current registry"))?;
                let existing: std::collections::HashMap<String, String> = existing.into_iter().collect();
                let mut summary = $crate::store::ImportSummary::default();
                let mut writes = Vec::new();
                let mut history = Vec::new();
                for vendor in vendors {
                    let row = $crate::store::shared::to_row(vendor)?;
                    let (action, before) = match existing.get(vendor.slug.as_str()) {
                        Some(doc) if *doc == row.document => {
                            summary.unchanged.push(vendor.slug.clone());
                            continue;
                        }
                        Some(doc) => {
                            summary.updated.push(vendor.slug.clone());
                            ("updated", $crate::store::shared::parse_document(vendor.slug.as_str(), doc).ok())
                        }
                        None => {
                            summary.added.push(vendor.slug.clone());
                            ("added", None)
                        }
                    };
                    let detail = $crate::store::upkeep::history_detail(&$crate::domain::diff::changes(before.as_ref(), Some(vendor)));
                    history.push((vendor.slug.as_str(), action, detail));
                    writes.push((vendor.slug.as_str(), row));
                }
                // Many rows per statement (one statement per vendor made a 10k import on
                // PostgreSQL mostly round trips). A slug given twice is written once, as last
                // given: one statement cannot upsert the same row twice.
                let mut seen = std::collections::HashSet::new();
                writes.reverse();
                writes.retain(|(slug, _)| seen.insert(*slug));
                writes.reverse();
                for batch in history.chunks($crate::store::shared::IMPORT_BATCH) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO vendor_history (guild_id, slug, at, actor, source, action, detail) ",
                    );
                    insert.push_values(batch, |mut values, (slug, action, detail)| {
                        values
                            .push_bind(guild.as_i64())
                            .push_bind(*slug)
                            .push_bind(now)
                            .push_bind(None::<i64>)
                            .push_bind("import")
                            .push_bind(*action)
                            .push_bind(detail);
                    });
                    insert.build().execute(&mut *tx).await.map_err(StoreError::db("recording history"))?;
                }
                for batch in writes.chunks($crate::store::shared::IMPORT_BATCH) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO vendors (guild_id, slug, name, criticality, aliases, document, created_at, updated_at) ",
                    );
                    insert.push_values(batch, |mut values, (slug, row)| {
                        values
                            .push_bind(guild.as_i64())
                            .push_bind(*slug)
                            .push_bind(&row.name)
                            .push_bind(row.criticality)
                            .push_bind(&row.aliases)
                            .push_bind(&row.document)
                            .push_bind(now)
                            .push_bind(now);
                    });
                    insert.push(
                        " ON CONFLICT (guild_id, slug) DO UPDATE SET name = excluded.name, \
                         criticality = excluded.criticality, aliases = excluded.aliases, \
                         document = excluded.document, updated_at = excluded.updated_at",
                    );
                    insert
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db("writing vendors"))?;
                }
                if prune {
                    let keep: std::collections::HashSet<&str> = vendors.iter().map(|v| v.slug.as_str()).collect();
                    let mut gone: Vec<&String> = existing.keys().filter(|s| !keep.contains(s.as_str())).collect();
                    gone.sort();
                    for slug in gone {
                        sqlx::query("DELETE FROM vendors WHERE guild_id = $1 AND slug = $2")
                            .bind(guild.as_i64())
                            .bind(slug.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::db("removing a vendor"))?;
                        Self::insert_history(&mut tx, guild, slug, now, None, "import", "removed", "removed: not in the imported files")
                            .await
                            .map_err(StoreError::db("recording history"))?;
                        if let Ok(slug) = $crate::domain::VendorSlug::parse(slug) {
                            summary.removed.push(slug);
                        }
                    }
                }
                let changed = !(summary.added.is_empty() && summary.updated.is_empty() && summary.removed.is_empty());
                if changed {
                    Self::bump_registry_version(&mut tx, guild).await?;
                }
                tx.commit().await.map_err(StoreError::db("committing the import"))?;
                Ok(summary)
            }

            async fn guild_settings(
                &self,
                guild: $crate::domain::GuildId,
            ) -> Result<$crate::store::GuildSettings, $crate::store::StoreError> {
                let row: Option<(bool, Option<i64>, Option<i64>, i64, bool)> = sqlx::query_as(
                    "SELECT sensitive_contacts, notice_channel_id, manager_role_id, digest_every_minutes, dm_owners \
                     FROM guild_settings WHERE guild_id = $1",
                )
                .bind(guild.as_i64())
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::store::StoreError::db("reading guild settings"))?;
                Ok(row.map_or_else(Default::default, |(sensitive_contacts, channel, role, every, dm_owners)| {
                    $crate::store::GuildSettings {
                        sensitive_contacts,
                        notice_channel: channel.map(|c| c as u64),
                        manager_role: role.map(|r| r as u64),
                        digest_every: $crate::domain::ResponseTime::from_minutes(every.max(1) as u64),
                        dm_owners,
                    }
                }))
            }

            async fn set_guild_settings(
                &self,
                guild: $crate::domain::GuildId,
                settings: &$crate::store::GuildSettings,
            ) -> Result<(), $crate::store::StoreError> {
                let _turn = self.write_turn().await;
                let mut tx = self.pool.begin_with($begin).await.map_err($crate::store::StoreError::db("saving guild settings"))?;
                sqlx::query(
                    "INSERT INTO guild_settings (guild_id, sensitive_contacts, notice_channel_id, manager_role_id, \
                     digest_every_minutes, dm_owners, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (guild_id) DO UPDATE SET sensitive_contacts = excluded.sensitive_contacts, \
                     notice_channel_id = excluded.notice_channel_id, manager_role_id = excluded.manager_role_id, \
                     digest_every_minutes = excluded.digest_every_minutes, dm_owners = excluded.dm_owners, \
                     updated_at = excluded.updated_at",
                )
                .bind(guild.as_i64())
                .bind(settings.sensitive_contacts)
                .bind(settings.notice_channel.map(|c| c as i64))
                .bind(settings.manager_role.map(|r| r as i64))
                .bind(settings.digest_every.minutes() as i64)
                .bind(settings.dm_owners)
                .bind(chrono::Utc::now())
                .execute(&mut *tx)
                .await
                .map_err($crate::store::StoreError::db("saving guild settings"))?;
                // The settings decide how /support answers: caches reload them with the registry.
                Self::bump_registry_version(&mut tx, guild).await?;
                tx.commit().await.map_err($crate::store::StoreError::db("saving guild settings"))?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

pub(super) use impl_store;
