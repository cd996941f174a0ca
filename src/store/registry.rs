//! What the registry's writes store, decided without SQL: a vendor's row, and what an
//! import adds, updates, removes and records in the history.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

use chrono::{DateTime, Utc};

use crate::domain::{
    ChangeSource, GuildId, Vendor, VendorSlug, diff,
    history::{describe_addition, describe_changes},
    plans_file::{self, VendorDocument},
};

use super::{ImportSummary, StoreError, rows::parse_document};

/// Vendors written per INSERT by `import`: 8 parameters each, well under both backends'
/// limits on parameters per statement (SQLite 32766, PostgreSQL 65535).
pub(super) const IMPORT_BATCH: usize = 500;

/// A vendor row as stored: the searchable copies and the TOML document.
pub(super) struct VendorRow<'v> {
    pub name: &'v str,
    pub criticality: &'static str,
    pub aliases: String,
    pub document: Cow<'v, str>,
}

impl<'v> VendorRow<'v> {
    pub fn of(vendor: &'v Vendor) -> Result<Self, StoreError> {
        let document = plans_file::vendor_to_toml(vendor);
        Self::with_document(vendor, document.map(Cow::Owned).as_ref())
    }

    /// The row of a vendor whose document was written already (by the parsing threads).
    pub fn of_given(given: &'v VendorDocument) -> Result<Self, StoreError> {
        let document = given.document.as_deref().map(Cow::Borrowed);
        Self::with_document(&given.vendor, document.as_ref().map_err(|e| *e))
    }

    fn with_document(
        vendor: &'v Vendor,
        document: Result<&Cow<'v, str>, &toml::ser::Error>,
    ) -> Result<Self, StoreError> {
        let unwritable = |problem: String| StoreError::Unwritable {
            vendor: vendor.slug.to_string(),
            problem,
        };
        Ok(Self {
            name: &vendor.name,
            criticality: vendor.criticality.as_str(),
            aliases: serde_json::to_string(&vendor.aliases).map_err(|e| unwritable(e.to_string()))?,
            document: document.map_err(|e| unwritable(e.to_string()))?.clone(),
        })
    }
}

/// One history line to insert.
pub(super) struct NewHistory<'a> {
    pub slug: &'a str,
    pub at: DateTime<Utc>,
    pub source: ChangeSource,
    pub action: &'a str,
    pub detail: String,
}

/// What an import writes for a batch of the vendors given, decided from the stored documents
/// of the batch's vendors (slug → TOML). A batch is planned, written and dropped before the
/// next: a large import holds one batch's stored documents at a time, never the registry's.
pub(super) struct ImportBatch<'v> {
    /// Vendors to insert or overwrite, each slug once (the last given wins).
    pub writes: Vec<(&'v str, VendorRow<'v>)>,
    /// In order: added and updated vendors.
    pub history: Vec<NewHistory<'v>>,
}

/// Plans an import batch by batch (see [`ImportBatch`]), then what it removes.
pub(super) struct ImportPlanner<'e> {
    guild: GuildId,
    now: DateTime<Utc>,
    /// The guild's slugs before the import.
    existing: &'e HashSet<String>,
    /// Every slug given so far.
    given: HashSet<String>,
    pub summary: ImportSummary,
}

impl<'e> ImportPlanner<'e> {
    pub fn new(guild: GuildId, now: DateTime<Utc>, existing: &'e HashSet<String>) -> Self {
        Self {
            guild,
            now,
            existing,
            given: HashSet::new(),
            summary: ImportSummary::default(),
        }
    }

    /// The next batch of the vendors given. One statement cannot upsert the same row twice:
    /// a slug given twice in a batch is written once, as last given; a later batch simply
    /// overwrites an earlier one's.
    pub fn batch<'v>(
        &mut self,
        vendors: &'v [VendorDocument],
        stored: &HashMap<String, String>,
    ) -> Result<ImportBatch<'v>, StoreError> {
        let last: HashMap<&str, usize> = vendors
            .iter()
            .enumerate()
            .map(|(i, v)| (v.vendor.slug.as_str(), i))
            .collect();
        let mut writes = Vec::with_capacity(vendors.len());
        let mut history = Vec::with_capacity(vendors.len());
        for (index, given) in vendors.iter().enumerate() {
            let vendor = &given.vendor;
            if !self.given.contains(vendor.slug.as_str()) {
                self.given.insert(vendor.slug.to_string());
            }
            let row = VendorRow::of_given(given)?;
            let (action, detail) = match stored.get(vendor.slug.as_str()) {
                Some(document) if *document == row.document => {
                    self.summary.unchanged.push(vendor.slug.clone());
                    continue;
                }
                Some(document) => {
                    self.summary.updated.push(vendor.slug.clone());
                    // An import is how a stored document that no longer reads gets repaired:
                    // the history then shows every field as new.
                    let before = parse_document(self.guild, vendor.slug.as_str(), document).ok();
                    (
                        "updated",
                        describe_changes(&diff::changes(before.as_ref(), Some(vendor))),
                    )
                }
                None => {
                    self.summary.added.push(vendor.slug.clone());
                    ("added", describe_addition(vendor))
                }
            };
            history.push(NewHistory {
                slug: vendor.slug.as_str(),
                at: self.now,
                source: ChangeSource::Import,
                action,
                detail,
            });
            if last.get(vendor.slug.as_str()) == Some(&index) {
                writes.push((vendor.slug.as_str(), row));
            }
        }
        Ok(ImportBatch { writes, history })
    }

    /// The vendors of `vendors` stored before the import: `batch` needs their documents.
    pub fn stored_among<'v>(&self, vendors: &'v [VendorDocument]) -> Vec<&'v str> {
        vendors
            .iter()
            .map(|v| v.vendor.slug.as_str())
            .filter(|slug| self.existing.contains(*slug))
            .collect()
    }

    /// Slugs to delete when pruning, with their history lines; then the summary.
    #[allow(clippy::type_complexity)]
    pub fn removals(
        mut self,
        prune: bool,
    ) -> Result<(Vec<String>, Vec<NewHistory<'e>>, ImportSummary), StoreError> {
        let mut removals = Vec::new();
        let mut history = Vec::new();
        if prune {
            let mut gone: Vec<&'e String> = self
                .existing
                .iter()
                .filter(|s| !self.given.contains(s.as_str()))
                .collect();
            gone.sort();
            for slug in gone {
                // A stored slug that no longer parses is removed all the same (it is not in
                // the files), but the summary can only list it if it is a slug.
                self.summary
                    .removed
                    .push(VendorSlug::parse(slug).map_err(|problem| StoreError::Corrupt {
                        table: "vendors",
                        key: format!("guild {}, vendor {slug}", self.guild),
                        column: "slug",
                        problem,
                    })?);
                history.push(NewHistory {
                    slug,
                    at: self.now,
                    source: ChangeSource::Import,
                    action: "removed",
                    detail: "removed: not in the imported files".to_owned(),
                });
                removals.push(slug.clone());
            }
        }
        Ok((removals, history, self.summary))
    }
}

/// Everything an import writes at once (for tests of the decisions).
#[cfg(test)]
pub(super) struct ImportPlan<'v> {
    pub summary: ImportSummary,
    pub writes: Vec<(&'v str, VendorRow<'v>)>,
    pub removals: Vec<String>,
    pub history: Vec<NewHistory<'v>>,
}

#[cfg(test)]
impl ImportPlan<'_> {
    pub fn changes_anything(&self) -> bool {
        let s = &self.summary;
        !(s.added.is_empty() && s.updated.is_empty() && s.removed.is_empty())
    }
}

#[cfg(test)]
pub(super) fn plan_import<'v>(
    guild: GuildId,
    now: DateTime<Utc>,
    existing: &'v HashMap<String, String>,
    slugs: &'v HashSet<String>,
    vendors: &'v [VendorDocument],
    prune: bool,
) -> Result<ImportPlan<'v>, StoreError> {
    let mut planner = ImportPlanner::new(guild, now, slugs);
    let (mut writes, mut history) = (Vec::new(), Vec::new());
    let batch = planner.batch(vendors, existing)?;
    writes.extend(batch.writes);
    history.extend(batch.history);
    let (removals, removed, summary) = planner.removals(prune)?;
    history.extend(removed);
    Ok(ImportPlan {
        summary,
        writes,
        removals,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendor(slug: &str, name: &str) -> VendorDocument {
        let text = format!(
            "[[vendor]]\nslug = \"{slug}\"\nname = \"{name}\"\ncriticality = \"low\"\n\n[vendor.owner]\nname = \"Someone\"\n"
        );
        VendorDocument::of(
            plans_file::parse_str("test.toml", &text)
                .expect("valid vendor")
                .remove(0),
        )
    }

    fn stored(vendors: &[VendorDocument]) -> HashMap<String, String> {
        vendors
            .iter()
            .map(|v| {
                (
                    v.vendor.slug.to_string(),
                    VendorRow::of_given(v).unwrap().document.into_owned(),
                )
            })
            .collect()
    }

    fn keys(stored: &HashMap<String, String>) -> HashSet<String> {
        stored.keys().cloned().collect()
    }

    fn slugs(list: &[VendorSlug]) -> Vec<&str> {
        list.iter().map(VendorSlug::as_str).collect()
    }

    #[test]
    fn an_import_adds_updates_and_leaves_identical_vendors_alone() {
        let existing = stored(&[vendor("aws", "AWS"), vendor("github", "GitHub")]);
        let files = [
            vendor("aws", "Amazon Web Services"),
            vendor("github", "GitHub"),
            vendor("stripe", "Stripe"),
        ];
        let known = keys(&existing);
        let plan = plan_import(GuildId::LOCAL, Utc::now(), &existing, &known, &files, false).unwrap();
        assert_eq!(slugs(&plan.summary.added), ["stripe"]);
        assert_eq!(slugs(&plan.summary.updated), ["aws"]);
        assert_eq!(slugs(&plan.summary.unchanged), ["github"]);
        assert_eq!(
            plan.writes.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            ["aws", "stripe"]
        );
        let lines: Vec<(&str, &str)> = plan.history.iter().map(|h| (h.slug, h.action)).collect();
        assert_eq!(lines, [("aws", "updated"), ("stripe", "added")]);
        assert_eq!(plan.history[0].detail, "name: AWS → Amazon Web Services");
        assert_eq!(plan.history[1].detail, "Stripe, low, owned by Someone");
        assert!(plan.removals.is_empty() && plan.changes_anything());
    }

    #[test]
    fn only_a_pruning_import_removes_and_it_records_the_removal_last() {
        let existing = stored(&[
            vendor("aws", "AWS"),
            vendor("zendesk", "Zendesk"),
            vendor("github", "GitHub"),
        ]);
        let files = [vendor("aws", "AWS")];
        let known = keys(&existing);
        let kept = plan_import(GuildId::LOCAL, Utc::now(), &existing, &known, &files, false).unwrap();
        assert!(kept.removals.is_empty() && !kept.changes_anything());
        let pruned = plan_import(GuildId::LOCAL, Utc::now(), &existing, &known, &files, true).unwrap();
        assert_eq!(pruned.removals, ["github", "zendesk"]);
        assert_eq!(slugs(&pruned.summary.removed), ["github", "zendesk"]);
        let lines: Vec<(&str, &str)> = pruned.history.iter().map(|h| (h.slug, h.action)).collect();
        assert_eq!(lines, [("github", "removed"), ("zendesk", "removed")]);
    }

    #[test]
    fn a_slug_given_twice_is_written_once_as_last_given() {
        let files = [vendor("aws", "First"), vendor("aws", "Second")];
        let nothing = HashMap::new();
        let known = keys(&nothing);
        let plan = plan_import(GuildId::LOCAL, Utc::now(), &nothing, &known, &files, false).unwrap();
        assert_eq!(plan.writes.len(), 1);
        assert_eq!(plan.writes[0].1.name, "Second");
    }
}
