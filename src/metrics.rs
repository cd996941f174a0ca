//! The bot's Prometheus metrics (prometheus-client): one registry per `commands::Core`, so
//! two cores in one process (the tests) never count into each other. Every layer counts
//! through the few methods here; `http` serves [`Metrics::encode`] on its own address.

use std::time::Duration;

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
        info::Info,
    },
    registry::Registry,
};

use crate::store::PoolConnections;

/// The version and commit this binary was built from (commit from `build.rs`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_COMMIT: &str = env!("BACKLINE_GIT_COMMIT");

/// How an interaction ended, as counted and logged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    /// Answered as asked (including a notice the dispatcher chose to show).
    #[default]
    Answered,
    /// The user's mistake, explained to them (unknown vendor, bad input, no rights…).
    UserError,
    /// Ours: logged with its cause chain, the user saw only the error ID.
    InternalError,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::UserError => "user_error",
            Self::InternalError => "internal_error",
        }
    }
}

/// Why the HTTP endpoint refused a request (the client is told only that it was refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NoSignature,
    BadSignature,
    StaleTimestamp,
    TooLarge,
    /// A timestamp that is not a number, or a signed body that is not an interaction.
    Malformed,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoSignature => "no_signature",
            Self::BadSignature => "bad_signature",
            Self::StaleTimestamp => "stale_timestamp",
            Self::TooLarge => "too_large",
            Self::Malformed => "malformed",
        }
    }
}

/// A message the bot posts on its own (not as an answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Post {
    /// The response clock of a case ran out.
    Reminder,
    /// The periodic verification digest.
    Digest,
    /// A vendor owner left the server.
    OwnerLeftNotice,
}

impl Post {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::Digest => "digest",
            Self::OwnerLeftNotice => "owner_left_notice",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InteractionLabels {
    kind: &'static str,
    command: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    command: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PostLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

type LatencyFamily = Family<CommandLabels, Histogram, fn() -> Histogram>;

/// Every metric backline exports, registered under the `backline_` prefix.
pub struct Metrics {
    registry: Registry,
    interactions: Family<InteractionLabels, Counter>,
    latency: LatencyFamily,
    refused: Family<ReasonLabels, Counter>,
    case_events: Family<EventLabels, Counter>,
    notifications: Family<OutcomeLabels, Counter>,
    posts: Family<PostLabels, Counter>,
    connections: Family<StateLabels, Gauge>,
    registry_hits: Counter,
    registry_rebuilds: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// 5 ms to about 20 s: a cached `/support` answers in well under 5 ms, a deferred answer
/// can take many seconds.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("backline");
        let metrics = Self {
            registry: Registry::default(),
            interactions: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            refused: Family::default(),
            case_events: Family::default(),
            notifications: Family::default(),
            posts: Family::default(),
            connections: Family::default(),
            registry_hits: Counter::default(),
            registry_rebuilds: Counter::default(),
        };
        registry.register(
            "build",
            "The version and git commit this binary was built from",
            Info::new(vec![("version", VERSION), ("commit", GIT_COMMIT)]),
        );
        registry.register(
            "interactions",
            "Interactions handled, by kind, command and outcome",
            metrics.interactions.clone(),
        );
        registry.register(
            "interaction_duration_seconds",
            "Time from receiving an interaction to its answer being ready, by command",
            metrics.latency.clone(),
        );
        registry.register(
            "requests_refused",
            "HTTP requests to the interactions endpoint refused, by reason",
            metrics.refused.clone(),
        );
        registry.register(
            "case_events",
            "Case changes recorded (opened, escalated, updated, vendor-responded, closed); a redelivered interaction is not counted again",
            metrics.case_events.clone(),
        );
        registry.register(
            "notifications",
            "People and roles notified of a case change, by outcome (sent, failed)",
            metrics.notifications.clone(),
        );
        registry.register(
            "posts",
            "Messages the bot posted on its own (reminder, digest, owner_left_notice), by outcome (posted, failed)",
            metrics.posts.clone(),
        );
        registry.register(
            "db_connections",
            "Database pool connections, by state (in_use, idle), at the time of the scrape",
            metrics.connections.clone(),
        );
        registry.register(
            "registry_cache_hits",
            "Registry reads answered by the in-memory index at the current version",
            metrics.registry_hits.clone(),
        );
        registry.register(
            "registry_cache_rebuilds",
            "Times a guild's in-memory registry index was rebuilt from the database",
            metrics.registry_rebuilds.clone(),
        );
        Self { registry, ..metrics }
    }

    /// One interaction handled: its kind, command (a bounded label: command and
    /// subcommand, or a button's kind), how it ended and how long it took.
    pub fn interaction(&self, kind: &'static str, command: &str, outcome: Outcome, took: Duration) {
        self.interactions
            .get_or_create(&InteractionLabels {
                kind,
                command: command.to_owned(),
                outcome: outcome.as_str(),
            })
            .inc();
        self.latency
            .get_or_create(&CommandLabels {
                command: command.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn refused(&self, reason: Refusal) {
        self.refused
            .get_or_create(&ReasonLabels {
                reason: reason.as_str(),
            })
            .inc();
    }

    /// A case change recorded for the first time (`event`: the event kind's name).
    pub fn case_event(&self, event: &'static str) {
        self.case_events.get_or_create(&EventLabels { event }).inc();
    }

    /// `count` recipients of a case change whose message Discord took (`sent`) or not.
    pub fn notifications(&self, sent: bool, count: usize) {
        let outcome = if sent { "sent" } else { "failed" };
        self.notifications
            .get_or_create(&OutcomeLabels { outcome })
            .inc_by(count as u64);
    }

    pub fn posted(&self, post: Post, posted: bool) {
        let outcome = if posted { "posted" } else { "failed" };
        self.posts
            .get_or_create(&PostLabels {
                kind: post.as_str(),
                outcome,
            })
            .inc();
    }

    pub fn registry_hit(&self) {
        self.registry_hits.inc();
    }

    pub fn registry_rebuild(&self) {
        self.registry_rebuilds.inc();
    }

    /// The text exposition (OpenMetrics, which Prometheus reads), with the database pool's
    /// connections as they are now.
    pub fn encode(&self, pool: PoolConnections) -> String {
        for (state, count) in [("in_use", pool.in_use), ("idle", pool.idle)] {
            self.connections
                .get_or_create(&StateLabels { state })
                .set(i64::from(count));
        }
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            // Writing into a String fails only if a label refuses to encode.
            tracing::error!(%error, "could not encode the metrics");
        }
        text
    }
}

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_appear_under_their_documented_names() {
        let metrics = Metrics::new();
        metrics.interaction("command", "support", Outcome::Answered, Duration::from_millis(3));
        metrics.refused(Refusal::StaleTimestamp);
        metrics.case_event("opened");
        metrics.notifications(true, 3);
        metrics.posted(Post::Digest, true);
        metrics.registry_hit();
        metrics.registry_rebuild();
        let text = metrics.encode(PoolConnections { in_use: 1, idle: 4 });
        for line in [
            "backline_interactions_total{kind=\"command\",command=\"support\",outcome=\"answered\"} 1",
            "backline_interaction_duration_seconds_count{command=\"support\"} 1",
            "backline_requests_refused_total{reason=\"stale_timestamp\"} 1",
            "backline_case_events_total{event=\"opened\"} 1",
            "backline_notifications_total{outcome=\"sent\"} 3",
            "backline_posts_total{kind=\"digest\",outcome=\"posted\"} 1",
            "backline_db_connections{state=\"in_use\"} 1",
            "backline_db_connections{state=\"idle\"} 4",
            "backline_registry_cache_hits_total 1",
            "backline_registry_cache_rebuilds_total 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
        assert!(
            text.contains(&format!(
                "backline_build_info{{version=\"{VERSION}\",commit=\"{GIT_COMMIT}\"}} 1"
            )),
            "{text}"
        );
    }
}
