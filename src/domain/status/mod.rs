//! What a vendor says about itself: where its status page is, what the page says now, and
//! what changed between two readings of it.
//!
//! A status page is public and the same for every guild that watches it, so a reading
//! (`Snapshot`) belongs to a source URL; which components a vendor's plan depends on
//! (`StatusSource::components`) belongs to the guild's registry and filters at the edge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::WebUrl;

mod betterstack;
mod changes;
mod feed;
#[cfg(test)]
mod proptests;
mod slack;
mod source;
mod statuspage;
#[cfg(test)]
mod tests;

pub use changes::changes;
pub use feed::MAX_FEED_ENTRIES;
pub use source::{check_status_url, same_name};

/// One entry per component name, at the first one's place, in the worst state of those of
/// that name: pages may have two groups with an "API" each, and a reading is matched to the
/// next by name.
fn merge_same_names(components: Vec<ComponentStatus>) -> Vec<ComponentStatus> {
    let mut merged: Vec<ComponentStatus> = Vec::with_capacity(components.len());
    for component in components {
        match merged.iter_mut().find(|c| c.name == component.name) {
            Some(kept) => kept.state = kept.state.max(component.state),
            None => merged.push(component),
        }
    }
    merged
}

/// Reads a fetched body as a status document of `kind`. Pure: never panics, whatever the
/// bytes; a body of the wrong shape is an error saying what was expected.
pub fn parse(kind: StatusKind, body: &[u8]) -> Result<Snapshot, StatusDocumentError> {
    match kind {
        StatusKind::Statuspage => statuspage::parse(body),
        StatusKind::Slack => slack::parse(body),
        StatusKind::BetterStack => betterstack::parse(body),
        StatusKind::Feed => feed::parse(body),
    }
}

/// The kind of document a status source serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusKind {
    /// Atlassian Statuspage: `<base>/api/v2/summary.json`.
    Statuspage,
    /// Slack's status API: `<base>/api/v2.0.0/current`.
    Slack,
    /// A Better Stack status page: `<base>/index.json`.
    BetterStack,
    /// An RSS 2.0 or Atom feed, read as is: entries, no components.
    Feed,
}

impl StatusKind {
    pub const ALL: [Self; 4] = [Self::Statuspage, Self::Slack, Self::BetterStack, Self::Feed];

    /// The key naming this kind in the plans file (`status = { statuspage = "…" }`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Statuspage => "statuspage",
            Self::Slack => "slack",
            Self::BetterStack => "betterstack",
            Self::Feed => "feed",
        }
    }
}

/// Where a vendor's status comes from, as the plans file declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusSource {
    pub kind: StatusKind,
    /// The page's base address as written (for `Feed`, the feed's own address).
    pub url: WebUrl,
    /// The components the plan depends on, by name as the page writes them; matched
    /// case-insensitively. Empty: every component of the page counts.
    pub components: Vec<String>,
}

/// The page's overall verdict, worst last (so `max` is the worst).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    Operational,
    Maintenance,
    Minor,
    Major,
    Critical,
}

impl Indicator {
    /// The word for it, as people read it ("minor issues").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::Maintenance => "under maintenance",
            Self::Minor => "minor issues",
            Self::Major => "major issues",
            Self::Critical => "critical outage",
        }
    }
}

/// One component's state, worst last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::UnderMaintenance => "under maintenance",
            Self::DegradedPerformance => "degraded performance",
            Self::PartialOutage => "partial outage",
            Self::MajorOutage => "major outage",
        }
    }

    /// The overall verdict a page gives for a component in this state (Statuspage's own
    /// mapping: degraded is minor, a partial outage major, a major outage critical).
    pub fn indicator(self) -> Indicator {
        match self {
            Self::Operational => Indicator::Operational,
            Self::UnderMaintenance => Indicator::Maintenance,
            Self::DegradedPerformance => Indicator::Minor,
            Self::PartialOutage => Indicator::Major,
            Self::MajorOutage => Indicator::Critical,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentStatus {
    /// For a component inside a group: the component's own name (groups are flattened).
    pub name: String,
    pub state: ComponentState,
}

/// An unresolved incident (or, for a feed, an entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The page's own identifier (a feed entry's guid/id, else its link).
    pub id: String,
    pub title: String,
    /// `None` when the page does not say (feeds).
    pub impact: Option<Indicator>,
    /// The page's stage word, e.g. "investigating", "identified", "monitoring".
    pub stage: Option<String>,
    pub link: Option<String>,
    /// The latest update's text, when the page gives one.
    pub latest_update: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Names of the components it affects; empty when the page does not say.
    pub components: Vec<String>,
}

/// A scheduled maintenance in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub components: Vec<String>,
}

/// One successful reading of a status source.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// `None` when the page has no overall verdict (feeds).
    pub indicator: Option<Indicator>,
    pub components: Vec<ComponentStatus>,
    pub incidents: Vec<Incident>,
    pub maintenances: Vec<Maintenance>,
}

/// What changed between two readings: each is stored as a status event with the time seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum StatusChange {
    Component {
        name: String,
        /// `None` on the first reading of a page.
        from: Option<ComponentState>,
        to: ComponentState,
    },
    IncidentOpened(Incident),
    IncidentUpdated(Incident),
    IncidentResolved {
        id: String,
        title: String,
    },
    MaintenanceStarted(Maintenance),
    MaintenanceEnded {
        id: String,
        title: String,
    },
}

/// Why a body could not be read as a status document of its kind; said to the operator
/// (`backline status check`) and stored as the source's last error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StatusDocumentError(pub String);

/// What is known of a source now: its last good reading, and whether it has been failing
/// since. A failing source is shown as "status unknown since …", never as operational.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SourceReading {
    /// The last document read successfully (kept while the source fails).
    pub snapshot: Option<Snapshot>,
    /// When the source last answered (a document or "not modified").
    pub checked_at: Option<DateTime<Utc>>,
    /// The first failed attempt since the last success; `None` while it answers.
    pub failing_since: Option<DateTime<Utc>>,
    /// Why the last attempt failed, for operators (no secrets: the URL is public).
    pub last_error: Option<String>,
}
