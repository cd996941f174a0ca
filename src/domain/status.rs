//! What a vendor says about itself: where its status page is, what the page says now, and
//! what changed between two readings of it.
//!
//! A status page is public and the same for every guild that watches it, so a reading
//! (`Snapshot`) belongs to a source URL; which components a vendor's plan depends on
//! (`StatusSource::components`) belongs to the guild's registry and filters at the edge.

use chrono::{DateTime, Utc};

use super::WebUrl;

/// The kind of document a status source serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Indicator {
    Operational,
    Maintenance,
    Minor,
    Major,
    Critical,
}

/// One component's state, worst last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentState {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentStatus {
    /// For a component inside a group: the component's own name (groups are flattened).
    pub name: String,
    pub state: ComponentState,
}

/// An unresolved incident (or, for a feed, an entry).
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Maintenance {
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub components: Vec<String>,
}

/// One successful reading of a status source.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// `None` when the page has no overall verdict (feeds).
    pub indicator: Option<Indicator>,
    pub components: Vec<ComponentStatus>,
    pub incidents: Vec<Incident>,
    pub maintenances: Vec<Maintenance>,
}

/// What changed between two readings: each is stored as a status event with the time seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusChange {
    Component {
        name: String,
        /// `None` on the first reading of a page.
        from: Option<ComponentState>,
        to: ComponentState,
    },
    IncidentOpened(Incident),
    IncidentUpdated(Incident),
    IncidentResolved { id: String, title: String },
    MaintenanceStarted(Maintenance),
    MaintenanceEnded { id: String, title: String },
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
