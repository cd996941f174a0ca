//! The audit: every vendor of a guild as it stands now, with its findings, worst first.

use std::collections::HashMap;

use crate::{
    commands::{CommandError, Core},
    domain::{
        Date, GuildId, Vendor,
        findings::{self, Finding, FindingKind, FindingLevel},
        status::{SourceReading, StatusKind},
    },
};

/// A vendor's findings, with who has left the server and the latest verification known.
pub struct Audited {
    pub vendor: Vendor,
    pub findings: Vec<Finding>,
}

impl Audited {
    fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == FindingLevel::Error)
            .count()
    }
}

/// Vendors with findings, worst first: most errors, then most warnings, then criticality.
pub fn worst_first(mut audited: Vec<Audited>) -> Vec<Audited> {
    audited.retain(|a| !a.findings.is_empty());
    audited.sort_by(|a, b| {
        b.errors()
            .cmp(&a.errors())
            .then(b.findings.len().cmp(&a.findings.len()))
            .then(a.vendor.criticality.cmp(&b.vendor.criticality))
            .then_with(|| a.vendor.slug.cmp(&b.vendor.slug))
    });
    audited
}

impl Core {
    /// Every vendor of the guild as it stands now (verifications applied), with its findings.
    pub async fn audit(&self, guild: GuildId) -> Result<Vec<Audited>, CommandError> {
        let today = Date::new(self.clock.now().date_naive());
        let departed = self.store.departed(guild).await?;
        let verified = self.store.verifications(guild).await?;
        let vendors = self.store.vendors(guild).await?;
        let pages = self.pages_read(&vendors).await;
        Ok(vendors
            .into_iter()
            .map(|v| {
                let at = verified.get(&v.slug).map(|(_, at)| *at);
                let vendor = v.with_verification(at);
                let mut findings =
                    findings::findings_with_members(&vendor, today, &|u| departed.contains(&u));
                findings.extend(unknown_components(&vendor, &pages));
                Audited { vendor, findings }
            })
            .collect())
    }

    /// What the poller last read of each status page that lists all its components
    /// (Statuspage, Better Stack; Slack's and feeds list only what is affected), once per page.
    async fn pages_read(&self, vendors: &[Vendor]) -> HashMap<String, SourceReading> {
        let mut pages = HashMap::new();
        for source in vendors.iter().filter_map(|v| v.status.as_ref()) {
            let url = source.document_url();
            if !matches!(source.kind, StatusKind::Statuspage | StatusKind::BetterStack)
                || source.components.is_empty()
                || pages.contains_key(&url)
            {
                continue;
            }
            // A page not read yet (or a database that fails) says nothing either way.
            if let Ok(Some(reading)) = self.status.reading(self.store.as_ref(), &url).await {
                pages.insert(url, reading);
            }
        }
        pages
    }
}

/// A warning for each watched component the vendor's page, as last read, does not have.
fn unknown_components(vendor: &Vendor, pages: &HashMap<String, SourceReading>) -> Option<Finding> {
    let source = vendor.status.as_ref()?;
    let snapshot = pages.get(&source.document_url())?.snapshot.as_ref()?;
    let missing = source.missing_components(snapshot);
    (!missing.is_empty()).then(|| {
        Finding::warning(
            FindingKind::UnknownStatusComponent,
            format!(
                "Its status page has no component named {}: fix `components` in the plans file (`backline status check` lists the page's components).",
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}
