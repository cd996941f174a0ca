//! The audit: every vendor of a guild as it stands now, with its findings, worst first.

use crate::{
    commands::{CommandError, Core},
    domain::{
        Date, GuildId, Vendor,
        findings::{self, Finding, FindingLevel},
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
        Ok(vendors
            .into_iter()
            .map(|v| {
                let at = verified.get(&v.slug).map(|(_, at)| *at);
                let vendor = v.with_verification(at);
                let findings = findings::findings_with_members(&vendor, today, &|u| departed.contains(&u));
                Audited { vendor, findings }
            })
            .collect())
    }
}
