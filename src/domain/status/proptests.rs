//! `parse` never panics, whatever it is given.

use proptest::prelude::*;

use super::*;

proptest! {
    #[test]
    fn parse_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        for kind in StatusKind::ALL {
            let _ = parse(kind, &body);
        }
    }

    #[test]
    fn parse_never_panics_on_json_shaped_like_the_documents(
        indicator in "(none|minor|major|critical|maintenance|x)",
        state in "(operational|degraded|downtime|maintenance|partial_outage|under_maintenance|not_monitored|)",
        kind in "(incident|notice|outage|manual|maintenance)",
        id in prop_oneof![Just("\"a\"".to_owned()), Just("1".to_owned()), Just("null".to_owned()), Just("[]".to_owned())],
        group in any::<bool>(),
    ) {
        let statuspage = format!(r#"{{"status":{{"indicator":"{indicator}"}},"components":[{{"id":{id},"name":"n","status":"{state}","group":{group},"group_id":{id}}}],"incidents":[{{"id":"i","name":"t","impact":"{indicator}","incident_updates":[{{"body":"b"}}],"components":[]}}],"scheduled_maintenances":[]}}"#);
        let slack = format!(r#"{{"status":"active","active_incidents":[{{"id":{id},"title":"t","type":"{kind}","services":["s","s"],"notes":[{{}}]}}]}}"#);
        let betterstack = format!(r#"{{"data":{{"id":{id},"type":"status_page","attributes":{{"aggregate_state":"{state}"}}}},"included":[{{"id":{id},"type":"status_page_resource","attributes":{{"public_name":"n","status":"{state}"}}}},{{"id":{id},"type":"status_report","attributes":{{"report_type":"{kind}","affected_resources":[{{"status_page_resource_id":{id}}}, 5]}}}},{{"id":{id},"type":"status_update","attributes":{{"status_report_id":{id},"published_at":"{state}"}}}}]}}"#);
        for (kind, body) in [(StatusKind::Statuspage, statuspage), (StatusKind::Slack, slack), (StatusKind::BetterStack, betterstack)] {
            if let Ok(snapshot) = parse(kind, body.as_bytes()) {
                let _ = changes(Some(&snapshot), &Snapshot::default());
                let _ = changes(None, &snapshot);
            }
        }
    }
}
