//! Findings: what is wrong with a vendor's support data, and what to do about it.

use std::fmt;

use super::{Criticality, Date, Severity, Vendor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingLevel {
    Error,
    Warning,
}

impl fmt::Display for FindingLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FindingLevel::Error => "error",
            FindingLevel::Warning => "warning",
        })
    }
}

/// Which rule a finding comes from, for code that acts on findings (and tests) without
/// reading their wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// The owner or backup left the Discord server.
    PersonLeft,
    /// A critical or high vendor has no plan.
    NoPlanForCriticalVendor,
    /// A medium or low vendor has no plan.
    NoPlan,
    PlanWeakerThanNeed,
    /// A response time is needed at a severity the plan promises nothing for.
    NoPromisedResponse,
    /// sev1 support is needed but the plan answers only in business hours.
    BusinessHoursOnlyForSev1,
    RenewalPassed,
    RenewsSoon,
    SinglePointOfContact,
    NoFilingSteps,
    NoWayToReachVendor,
    EmptyEscalationLadder,
    VerifiedInFuture,
    StaleContacts,
    /// The plans file watches a status component the vendor's page does not have (known
    /// once a poll has read the page).
    UnknownStatusComponent,
}

/// One problem with one vendor: how bad, and a sentence saying what is wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub level: FindingLevel,
    pub message: String,
}

impl Finding {
    fn error(kind: FindingKind, message: String) -> Self {
        Self {
            kind,
            level: FindingLevel::Error,
            message,
        }
    }
    pub fn warning(kind: FindingKind, message: String) -> Self {
        Self {
            kind,
            level: FindingLevel::Warning,
            message,
        }
    }
}

/// Every finding for `vendor` as of `today`, errors first (see [`findings_with_members`]).
pub fn findings(vendor: &Vendor, today: Date) -> Vec<Finding> {
    findings_with_members(vendor, today, &|_| false)
}

/// Every finding for `vendor` as of `today`, errors first; `has_left(user)` says whether a
/// Discord user is known to have left the server.
pub fn findings_with_members(vendor: &Vendor, today: Date, has_left: &dyn Fn(u64) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for (person, role) in
        std::iter::once((&vendor.owner, "owner")).chain(vendor.backup.iter().map(|b| (b, "backup")))
    {
        if person.discord_id.is_some_and(|id| has_left(id.get())) {
            out.push(Finding::error(FindingKind::PersonLeft, format!(
                "the {role} {} is no longer a member of this server: name a new {role} (and re-verify the vendor's contacts)",
                person.name
            )));
        }
    }
    match &vendor.plan {
        None if vendor.criticality <= Criticality::High => out.push(Finding::error(FindingKind::NoPlanForCriticalVendor, format!(
            "{} vendor with no support plan: buy one that meets the response times you need, or record the plan you have under [plan]",
            vendor.criticality
        ))),
        None => out.push(Finding::warning(FindingKind::NoPlan,
            "no support plan recorded: add a [plan] section if you pay for one".into(),
        )),
        Some(plan) => {
            for (severity, needed) in vendor.needs.iter() {
                match plan.response.get(severity) {
                    Some(promised) if promised > needed => out.push(Finding::error(FindingKind::PlanWeakerThanNeed, format!(
                        "plan weaker than needed at {severity}: {} promises first response in {promised}, you need {needed}; upgrade the plan or relax the need",
                        plan.tier
                    ))),
                    None => out.push(Finding::warning(FindingKind::NoPromisedResponse, format!(
                        "you need a first response within {needed} at {severity}, but the plan states no response time for it: add plan.response.{severity}"
                    ))),
                    Some(_) => {}
                }
            }
            if !plan.hours.is_always() && vendor.needs.get(Severity::Sev1).is_some() {
                out.push(Finding::warning(FindingKind::BusinessHoursOnlyForSev1, format!(
                    "sev1 support is needed but {} only answers during business hours ({}): check out-of-hours coverage",
                    plan.tier, plan.hours
                )));
            }
            if let Some(renews) = plan.renews {
                let days = today.days_until(renews);
                if days < 0 {
                    out.push(Finding::error(FindingKind::RenewalPassed, format!(
                        "the contract renewal date {renews} has passed: confirm the plan is still active and update plan.renews"
                    )));
                } else if days <= 30 {
                    out.push(Finding::warning(FindingKind::RenewsSoon, format!(
                        "the contract renews on {renews} (in {days} days): make sure the renewal is in hand"
                    )));
                }
            }
        }
    }
    if vendor.backup.is_none() {
        out.push(Finding::warning(FindingKind::SinglePointOfContact,
            "single point of contact: no backup owner; name one under [backup] so the vendor is covered when the owner is away".into(),
        ));
    }
    if vendor.filing.steps.is_empty() {
        out.push(Finding::warning(
            FindingKind::NoFilingSteps,
            "no filing steps: write down how to open a case under filing.steps".into(),
        ));
    }
    if !vendor.filing.has_channel() {
        out.push(Finding::error(
            FindingKind::NoWayToReachVendor,
            "no way to reach the vendor: add filing.portal, filing.phone or filing.email".into(),
        ));
    }
    if vendor.escalation.is_empty() {
        out.push(Finding::warning(
            FindingKind::EmptyEscalationLadder,
            "empty escalation ladder: add [[escalation]] levels so responders know where to go next".into(),
        ));
    }
    if let Some((_, newest)) = verification_range(vendor).filter(|(_, newest)| *newest > today) {
        out.push(Finding::warning(FindingKind::VerifiedInFuture, format!(
            "a `verified` date is in the future ({newest}): correct it, or the contact will never be reported stale"
        )));
    }
    let stale = stale_contacts(vendor, today);
    if !stale.is_empty() {
        out.push(Finding::warning(FindingKind::StaleContacts, format!(
            "contacts not verified within {}: {}; confirm them with the vendor and update their `verified` dates",
            vendor.review_every,
            stale.join(", ")
        )));
    }
    out.sort_by_key(|f| f.level);
    out
}

/// Names of the people whose details were not verified within the vendor's review cadence.
pub fn stale_contacts(vendor: &Vendor, today: Date) -> Vec<String> {
    let cadence_minutes = i64::try_from(vendor.review_every.minutes()).unwrap_or(i64::MAX);
    let is_stale = |verified: Option<Date>| match verified {
        None => true,
        Some(date) => date.days_until(today).saturating_mul(24 * 60) > cadence_minutes,
    };
    let mut names = Vec::new();
    if is_stale(vendor.owner.verified) {
        names.push(format!("{} (owner)", vendor.owner.name));
    }
    if let Some(backup) = vendor.backup.as_ref().filter(|b| is_stale(b.verified)) {
        names.push(format!("{} (backup)", backup.name));
    }
    for level in &vendor.escalation {
        for contact in level.contacts.iter().filter(|c| is_stale(c.verified)) {
            names.push(format!("{} ({})", contact.name, level.name));
        }
    }
    names
}

/// The most recent and the oldest verification date among the vendor's people.
pub fn verification_range(vendor: &Vendor) -> Option<(Date, Date)> {
    let dates: Vec<Date> = std::iter::once(vendor.owner.verified)
        .chain(vendor.backup.iter().map(|b| b.verified))
        .chain(
            vendor
                .escalation
                .iter()
                .flat_map(|l| l.contacts.iter().map(|c| c.verified)),
        )
        .flatten()
        .collect();
    Some((*dates.iter().min()?, *dates.iter().max()?))
}
