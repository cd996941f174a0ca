use chrono::{DateTime, Utc};

use super::*;
use crate::domain::{
    WebUrl,
    status::{ComponentState, ComponentStatus, Incident, Maintenance, Snapshot},
};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn source(kind: StatusKind, components: &[&str]) -> StatusSource {
    StatusSource {
        kind,
        url: WebUrl::parse("https://www.githubstatus.com").unwrap(),
        components: components.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn component(name: &str, state: ComponentState) -> ComponentStatus {
    ComponentStatus {
        name: name.into(),
        state,
    }
}

fn incident(title: &str, components: &[&str]) -> Incident {
    Incident {
        id: title.into(),
        title: title.into(),
        impact: Some(Indicator::Major),
        stage: Some("identified".into()),
        link: Some("https://stspg.io/abc".into()),
        latest_update: Some("A fix is rolling out.".into()),
        updated_at: Some(at("2026-11-26T10:20:00Z")),
        components: components.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn reading(snapshot: Snapshot) -> SourceReading {
    SourceReading {
        snapshot: Some(snapshot),
        checked_at: Some(at("2026-11-26T10:30:00Z")),
        failing_since: None,
        last_error: None,
    }
}

const NOW: &str = "2026-11-26T10:31:00Z";

fn rendered(source: &StatusSource, reading: &SourceReading) -> Vec<String> {
    status_lines(source, reading, at(NOW))
        .iter()
        .map(super::super::terminal::text)
        .collect()
}

#[test]
fn an_operational_page_says_so_and_when_it_was_checked() {
    let snapshot = Snapshot {
        indicator: Some(Indicator::Operational),
        components: vec![component("Actions", ComponentState::Operational)],
        ..Snapshot::default()
    };
    let lines = rendered(&source(StatusKind::Statuspage, &[]), &reading(snapshot));
    assert_eq!(
        lines,
        [
            "🟢 Vendor status: operational",
            "Last checked 2026-11-26 10:30 UTC"
        ]
    );
}

#[test]
fn watched_components_incidents_and_maintenance_are_listed() {
    let snapshot = Snapshot {
        indicator: Some(Indicator::Major),
        components: vec![
            component("Actions", ComponentState::MajorOutage),
            component("Pages", ComponentState::PartialOutage),
            component("Git Operations", ComponentState::Operational),
        ],
        incidents: vec![
            incident("Actions delayed", &["Actions"]),
            incident("Pages slow", &["Pages"]),
        ],
        maintenances: vec![Maintenance {
            id: "m".into(),
            title: "Database upgrade".into(),
            link: None,
            components: vec![],
        }],
    };
    let lines = rendered(
        &source(StatusKind::Statuspage, &["actions", "git operations"]),
        &reading(snapshot),
    );
    assert_eq!(
        lines,
        [
            "🔴 Vendor status: critical outage for the components we use (whole page: major issues)",
            "Affected: Actions (major outage)",
            "⚠️ Actions delayed (https://stspg.io/abc) · impact: major · identified · updated 2026-11-26 10:20 UTC",
            "🔧 Maintenance in progress: Database upgrade",
            "Last checked 2026-11-26 10:30 UTC",
        ],
        "Pages is not watched: neither it nor its incident is shown"
    );
}

#[test]
fn a_failing_source_is_unknown_never_operational() {
    let mut failing = reading(Snapshot {
        indicator: Some(Indicator::Operational),
        ..Snapshot::default()
    });
    failing.failing_since = Some(at("2026-11-26T10:25:00Z"));
    failing.last_error = Some("the server answered HTTP 500".into());
    let lines = rendered(&source(StatusKind::Statuspage, &[]), &failing);
    assert_eq!(
        lines,
        ["⚪ Vendor status: unknown since 2026-11-26 10:25 UTC (the status page could not be read)"]
    );
    let never = rendered(&source(StatusKind::Slack, &[]), &SourceReading::default());
    assert_eq!(
        never,
        ["⚪ Vendor status: unknown (the status page has not been read yet)"]
    );
}

#[test]
fn a_reading_older_than_the_stale_limit_is_unknown() {
    let mut old = reading(Snapshot {
        indicator: Some(Indicator::Operational),
        ..Snapshot::default()
    });
    old.checked_at = Some(at(NOW) - STALE_AFTER - chrono::Duration::minutes(1));
    let lines = rendered(&source(StatusKind::Statuspage, &[]), &old);
    assert!(lines[0].contains("unknown since"), "{lines:?}");
    assert!(!lines.join(" ").contains("operational"), "{lines:?}");
}

#[test]
fn a_feed_lists_its_newest_entries_without_an_overall_status() {
    let snapshot = Snapshot {
        incidents: (0..5).map(|i| incident(&format!("Entry {i}"), &[])).collect(),
        ..Snapshot::default()
    };
    let lines = rendered(&source(StatusKind::Feed, &[]), &reading(snapshot));
    assert_eq!(
        lines[0],
        "⚪ Vendor status: feed only (a feed says no overall status)"
    );
    assert_eq!(
        lines[1],
        "📰 Entry 0 (https://stspg.io/abc) · 2026-11-26 10:20 UTC"
    );
    assert_eq!(lines.len(), 1 + MAX_LISTED + 1, "{lines:?}");
}

#[test]
fn what_the_page_writes_is_cut_and_only_web_links_are_links() {
    let mut long = incident(&"x".repeat(400), &[]);
    long.link = Some("javascript:alert(1)".into());
    let snapshot = Snapshot {
        indicator: Some(Indicator::Minor),
        incidents: vec![long],
        maintenances: (0..10)
            .map(|i| Maintenance {
                id: i.to_string(),
                title: format!("Maintenance {i}"),
                link: None,
                components: vec![],
            })
            .collect(),
        ..Snapshot::default()
    };
    let lines = rendered(&source(StatusKind::Statuspage, &[]), &reading(snapshot));
    let incident = &lines[1];
    assert!(
        incident.starts_with(&format!("⚠️ {}…", "x".repeat(150))),
        "{incident}"
    );
    assert!(!incident.contains("javascript"), "{incident}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("Maintenance in progress"))
            .count(),
        MAX_LISTED
    );
}
