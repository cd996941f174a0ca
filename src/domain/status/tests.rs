//! The status documents read from fixtures shaped like the real APIs
//! (tests/fixtures/status/), and the rules of changes and watching.

use super::*;
use crate::domain::WebUrl;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/status/",
            $name
        ))
        .as_slice()
    };
}

fn read(kind: StatusKind, body: &[u8]) -> Snapshot {
    match parse(kind, body) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn source(kind: StatusKind, url: &str, components: &[&str]) -> StatusSource {
    StatusSource {
        kind,
        url: WebUrl::parse(url).unwrap(),
        components: components.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn state(snapshot: &Snapshot, name: &str) -> Option<ComponentState> {
    snapshot
        .components
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.state)
}

#[test]
fn statuspage_groups_are_flattened_to_their_components() {
    let s = read(StatusKind::Statuspage, fixture!("statuspage-operational.json"));
    assert_eq!(s.indicator, Some(Indicator::Operational));
    let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
    assert!(
        names.contains(&"Actions") && names.contains(&"Pages"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"Developer tools"),
        "the group row itself is not a component"
    );
    assert!(s.incidents.is_empty());
    assert!(
        s.maintenances.is_empty(),
        "a maintenance only scheduled is not in progress"
    );
}

#[test]
fn statuspage_incident_has_impact_stage_link_latest_update_and_components() {
    let s = read(StatusKind::Statuspage, fixture!("statuspage-identified.json"));
    assert_eq!(s.indicator, Some(Indicator::Minor));
    assert_eq!(state(&s, "Actions"), Some(ComponentState::PartialOutage));
    let [incident] = s.incidents.as_slice() else {
        panic!("{:?}", s.incidents)
    };
    assert_eq!(incident.title, "Disruption with some GitHub services");
    assert_eq!(incident.impact, Some(Indicator::Minor));
    assert_eq!(incident.stage.as_deref(), Some("identified"));
    assert_eq!(incident.link.as_deref(), Some("https://stspg.io/t0pfq5hsmxlm"));
    assert!(
        incident
            .latest_update
            .as_deref()
            .unwrap()
            .contains("identified the cause")
    );
    assert_eq!(
        incident.updated_at.unwrap().to_rfc3339(),
        "2026-11-26T10:20:00+00:00"
    );
    assert_eq!(incident.components, ["Actions"]);
}

#[test]
fn statuspage_maintenance_in_progress_is_read() {
    let s = read(StatusKind::Statuspage, fixture!("statuspage-maintenance.json"));
    assert_eq!(s.indicator, Some(Indicator::Maintenance));
    assert_eq!(
        state(&s, "Git Operations"),
        Some(ComponentState::UnderMaintenance)
    );
    let [m] = s.maintenances.as_slice() else {
        panic!("{:?}", s.maintenances)
    };
    assert_eq!(m.title, "Scheduled maintenance of Git Operations");
    assert_eq!(m.components, ["Git Operations"]);
}

#[test]
fn statuspage_unknown_indicator_and_other_json_are_errors() {
    let body = br#"{"status":{"indicator":"purple"},"components":[]}"#;
    assert!(
        parse(StatusKind::Statuspage, body)
            .unwrap_err()
            .0
            .contains("purple")
    );
    assert!(parse(StatusKind::Statuspage, fixture!("slack-ok.json")).is_err());
    assert!(parse(StatusKind::Statuspage, fixture!("malformed.json")).is_err());
}

#[test]
fn slack_ok_and_active_incidents() {
    let ok = read(StatusKind::Slack, fixture!("slack-ok.json"));
    assert_eq!(ok.indicator, Some(Indicator::Operational));
    assert!(ok.components.is_empty() && ok.incidents.is_empty());
    let s = read(StatusKind::Slack, fixture!("slack-incident.json"));
    assert_eq!(s.indicator, Some(Indicator::Major), "an outage is the worst");
    assert_eq!(state(&s, "Messaging"), Some(ComponentState::PartialOutage));
    assert_eq!(state(&s, "Huddles"), Some(ComponentState::MajorOutage));
    let first = &s.incidents[0];
    assert_eq!(first.id, "2478");
    assert_eq!(
        first.latest_update.as_deref(),
        Some("We've identified the cause and are working on a fix.")
    );
    assert_eq!(
        first.updated_at.unwrap().to_rfc3339(),
        "2026-11-26T10:31:47+00:00"
    );
    assert_eq!(first.components, ["Messaging", "Connectivity"]);
    let body = br#"{"status":"fine","active_incidents":[]}"#;
    assert!(parse(StatusKind::Slack, body).is_err());
}

#[test]
fn betterstack_resources_and_open_reports() {
    let s = read(StatusKind::BetterStack, fixture!("betterstack-index.json"));
    assert_eq!(s.indicator, Some(Indicator::Minor));
    assert_eq!(state(&s, "API"), Some(ComponentState::DegradedPerformance));
    assert_eq!(state(&s, "Dashboard"), Some(ComponentState::Operational));
    assert_eq!(
        state(&s, "Background jobs"),
        None,
        "not monitored: no state to show"
    );
    let [incident] = s.incidents.as_slice() else {
        panic!("{:?}", s.incidents)
    };
    assert_eq!(incident.title, "Elevated API error rates");
    assert_eq!(
        incident.latest_update.as_deref(),
        Some("A fix is being rolled out.")
    );
    assert_eq!(incident.components, ["API"]);
    let downtime = br#"{"data":{"id":"1","type":"status_page","attributes":{"aggregate_state":"downtime"}}}"#;
    assert_eq!(
        read(StatusKind::BetterStack, downtime).indicator,
        Some(Indicator::Major)
    );
    let wrong = br#"{"data":{"id":"1","type":"monitor","attributes":{"aggregate_state":"downtime"}}}"#;
    assert!(parse(StatusKind::BetterStack, wrong).is_err());
}

#[test]
fn rss_and_atom_entries_are_incidents_without_impact() {
    let rss = read(StatusKind::Feed, fixture!("rss.xml"));
    assert_eq!(rss.indicator, None);
    assert_eq!(rss.incidents.len(), 2);
    let first = &rss.incidents[0];
    assert_eq!(first.id, "incident-3k9x");
    assert_eq!(first.impact, None);
    assert_eq!(
        first.link.as_deref(),
        Some("https://status.example.net/incidents/3k9x")
    );
    assert_eq!(
        first.latest_update.as_deref(),
        Some("Investigating - We are seeing packet loss & latency in fra1.")
    );
    assert_eq!(rss.incidents[1].title, "Object storage & CDN maintenance");
    let atom = read(StatusKind::Feed, fixture!("atom.xml"));
    let first = &atom.incidents[0];
    assert_eq!(first.title, "Delayed inbound mail");
    assert_eq!(
        first.link.as_deref(),
        Some("https://status.example.org/incidents/24601")
    );
    assert_eq!(
        first.updated_at.unwrap().to_rfc3339(),
        "2026-11-26T10:15:00+00:00"
    );
    assert!(
        first
            .latest_update
            .as_deref()
            .unwrap()
            .starts_with("Identified - Inbound mail")
    );
    assert!(parse(StatusKind::Feed, b"<html><body>hi</body></html>").is_err());
    assert!(parse(StatusKind::Feed, b"<rss><channel><item><title>x</item></rss>").is_err());
    assert!(parse(StatusKind::Feed, fixture!("malformed.json")).is_err());
}

#[test]
fn an_incident_sequence_opens_updates_and_resolves() {
    let operational = read(StatusKind::Statuspage, fixture!("statuspage-operational.json"));
    let investigating = read(StatusKind::Statuspage, fixture!("statuspage-investigating.json"));
    let identified = read(StatusKind::Statuspage, fixture!("statuspage-identified.json"));
    let resolved = read(StatusKind::Statuspage, fixture!("statuspage-resolved.json"));
    let first = changes(None, &operational);
    assert!(
        first
            .iter()
            .all(|c| matches!(c, StatusChange::Component { from: None, .. }))
    );
    assert_eq!(first.len(), operational.components.len());
    let opened = changes(Some(&operational), &investigating);
    assert!(opened.contains(&StatusChange::Component {
        name: "Actions".into(),
        from: Some(ComponentState::Operational),
        to: ComponentState::MajorOutage
    }));
    assert!(
        matches!(opened.last(), Some(StatusChange::IncidentOpened(i)) if i.stage.as_deref() == Some("investigating"))
    );
    let updated = changes(Some(&investigating), &identified);
    assert!(
        updated.iter().any(
            |c| matches!(c, StatusChange::IncidentUpdated(i) if i.stage.as_deref() == Some("identified"))
        )
    );
    assert!(
        changes(Some(&identified), &identified).is_empty(),
        "the same document twice changes nothing"
    );
    let closed = changes(Some(&identified), &resolved);
    assert!(closed.contains(&StatusChange::IncidentResolved {
        id: "yq1q5cr8wrmw".into(),
        title: "Disruption with some GitHub services".into()
    }));
    let maintenance = read(StatusKind::Statuspage, fixture!("statuspage-maintenance.json"));
    assert!(
        changes(Some(&operational), &maintenance)
            .iter()
            .any(|c| matches!(c, StatusChange::MaintenanceStarted(_)))
    );
    assert!(
        changes(Some(&maintenance), &operational)
            .iter()
            .any(|c| matches!(c, StatusChange::MaintenanceEnded { .. }))
    );
}

#[test]
fn a_slack_service_that_leaves_the_list_is_operational_again() {
    let incident = read(StatusKind::Slack, fixture!("slack-incident.json"));
    let ok = read(StatusKind::Slack, fixture!("slack-ok.json"));
    let back = changes(Some(&incident), &ok);
    assert!(back.contains(&StatusChange::Component {
        name: "Huddles".into(),
        from: Some(ComponentState::MajorOutage),
        to: ComponentState::Operational
    }));
    assert_eq!(
        back.iter()
            .filter(|c| matches!(c, StatusChange::IncidentResolved { .. }))
            .count(),
        2
    );
}

#[test]
fn feeds_open_only_new_entries_and_never_resolve() {
    let full = read(StatusKind::Feed, fixture!("rss.xml"));
    assert!(
        changes(None, &full).is_empty(),
        "a feed's first reading is its history"
    );
    let mut older = full.clone();
    older.incidents.remove(0);
    let new = changes(Some(&older), &full);
    assert!(matches!(new.as_slice(), [StatusChange::IncidentOpened(i)] if i.id == "incident-3k9x"));
    assert!(
        changes(Some(&full), &older).is_empty(),
        "an entry leaving the feed is not resolved"
    );
}

#[test]
fn watching_filters_components_and_incidents_case_insensitively() {
    let s = read(StatusKind::Statuspage, fixture!("statuspage-investigating.json"));
    let actions = source(
        StatusKind::Statuspage,
        "https://www.githubstatus.com",
        &["actions"],
    );
    let watched = s.watched_by(&actions);
    assert_eq!(watched.components.len(), 1);
    assert_eq!(watched.incidents.len(), 1);
    assert_eq!(watched.worst_component(), ComponentState::MajorOutage);
    let git = source(
        StatusKind::Statuspage,
        "https://www.githubstatus.com",
        &["GIT OPERATIONS"],
    );
    let watched = s.watched_by(&git);
    assert_eq!(watched.worst_component(), ComponentState::Operational);
    assert!(watched.incidents.is_empty(), "the incident affects Actions only");
    let mut unspecific = s.clone();
    unspecific.incidents[0].components.clear();
    assert_eq!(
        unspecific.watched_by(&git).incidents.len(),
        1,
        "an incident naming nothing affects everything"
    );
    let all = source(StatusKind::Statuspage, "https://www.githubstatus.com", &[]);
    assert_eq!(s.watched_by(&all), s);
    let typo = source(
        StatusKind::Statuspage,
        "https://www.githubstatus.com",
        &["Actions", "Gti Operations"],
    );
    assert_eq!(typo.missing_components(&s), ["Gti Operations"]);
}

#[test]
fn snapshots_and_changes_round_trip_through_json() {
    let before = read(StatusKind::Statuspage, fixture!("statuspage-operational.json"));
    let after = read(StatusKind::Statuspage, fixture!("statuspage-identified.json"));
    let json = serde_json::to_string(&after).unwrap();
    assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), after);
    let all = changes(Some(&before), &after);
    let json = serde_json::to_string(&all).unwrap();
    assert!(json.contains(r#""change":"incident_opened""#), "{json}");
    assert!(json.contains(r#""to":"partial_outage""#), "{json}");
    assert_eq!(serde_json::from_str::<Vec<StatusChange>>(&json).unwrap(), all);
}

#[test]
fn components_of_the_same_name_in_two_groups_are_one_in_the_worst_state() {
    let body = br#"{"status":{"indicator":"minor"},"components":[
        {"id":"g1","name":"EU","group":true,"components":["a"]},
        {"id":"a","name":"API","status":"operational","group_id":"g1"},
        {"id":"g2","name":"US","group":true,"components":["b"]},
        {"id":"b","name":"API","status":"partial_outage","group_id":"g2"}]}"#;
    let s = read(StatusKind::Statuspage, body);
    assert_eq!(
        s.components,
        [ComponentStatus {
            name: "API".into(),
            state: ComponentState::PartialOutage
        }]
    );
    assert!(
        changes(Some(&s), &s).is_empty(),
        "the same page twice changes nothing"
    );
}
