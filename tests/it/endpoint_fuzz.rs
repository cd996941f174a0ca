//! Property test of the signed endpoint: no JSON body, however odd, gets a 5xx or a panic,
//! and the endpoint still answers a PING afterwards.

use axum::http::StatusCode;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{
    endpoint::Endpoint,
    fixtures::{self, GUILD},
    helpers::sqlite,
};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[0-9]{1,20}".prop_map(Value::from),
        prop::sample::select(vec![
            "aws",
            "support",
            "case",
            "open",
            "sev1",
            "case-escalate:1",
            "case-open:aws",
            "\0"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A real interaction (command, autocomplete, button, form) to start from.
fn interaction() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![0usize, 1, 2, 3, 4, 5]).prop_map(|i| match i {
        0 => fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]),
        1 => fixtures::slash(Some(GUILD), "owner", &[("vendor", "stripe")]),
        2 => fixtures::autocomplete(Some(GUILD), "support", "aw"),
        3 => fixtures::button(Some(GUILD), "case-open:aws"),
        4 => fixtures::modal(Some(GUILD), "case-open:aws", "Checkout is down"),
        _ => fixtures::envelope(
            2,
            Some(GUILD),
            json!({"id": "600000000000000002", "name": "case", "type": 1,
                   "options": [{"name": "open", "type": 1, "options": [
                       {"name": "vendor", "type": 3, "value": "aws"},
                       {"name": "severity", "type": 3, "value": "sev1"},
                       {"name": "summary", "type": 3, "value": "Checkout 500s"}]}]}),
        ),
    })
}

/// Every place in `value` a mutation can hit: JSON pointers to each node.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(child.clone());
                pointers(v, child, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let child = format!("{at}/{i}");
                out.push(child.clone());
                pointers(v, child, out);
            }
        }
        _ => {}
    }
}

/// What replaces a value: something of the same kind (a string for a string) or anything.
#[derive(Clone, Debug)]
enum Change {
    SameKind(String, i64),
    Anything(Value),
}

/// An interaction with some of its values replaced, or a value of any shape.
fn body() -> impl Strategy<Value = Value> {
    let change = prop_oneof![
        3 => (
            prop_oneof![any::<String>(), "[0-9]{1,20}", "(sev[0-9]|aws|stripe|case-[a-z]+:[0-9]{1,3})"],
            any::<i64>()
        )
            .prop_map(|(s, n)| Change::SameKind(s, n)),
        1 => any_json().prop_map(Change::Anything),
    ];
    prop_oneof![
        1 => any_json(),
        4 => (interaction(), prop::collection::vec((any::<prop::sample::Index>(), change), 1..4)).prop_map(
            |(mut payload, changes)| {
                for (place, change) in changes {
                    let mut all = Vec::new();
                    pointers(&payload, String::new(), &mut all);
                    let Some(target) = all.get(place.index(all.len().max(1))).and_then(|p| payload.pointer_mut(p)) else {
                        continue;
                    };
                    *target = match (change, &*target) {
                        (Change::SameKind(s, _), Value::String(_)) => Value::from(s),
                        (Change::SameKind(_, n), Value::Number(_)) => Value::from(n),
                        (Change::SameKind(_, n), Value::Bool(_)) => Value::from(n % 2 == 0),
                        (Change::SameKind(..), other) => other.clone(),
                        (Change::Anything(v), _) => v,
                    };
                }
                payload
            }
        ),
    ]
}

#[test]
fn no_signed_body_gets_a_server_error_and_a_ping_still_answers() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let endpoint = runtime.block_on(async { Endpoint::new(sqlite().await).await });
    // The instant the test endpoint's clock shows (tests/it/endpoint.rs).
    let timestamp = "2026-11-25T10:00:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .timestamp()
        .to_string();
    let send = |payload: &Value| {
        let body = serde_json::to_vec(payload).unwrap();
        let signature = endpoint.sign(&timestamp, &body);
        let (status, _, answer) =
            runtime.block_on(endpoint.send(endpoint.request(body, Some(signature), Some(timestamp.clone()))));
        (status, String::from_utf8_lossy(&answer).into_owned())
    };
    let statuses = std::cell::RefCell::new(Vec::new());
    proptest!(ProptestConfig { cases: 128, ..ProptestConfig::default() }, |(payload in body())| {
        let (status, answer) = send(&payload);
        prop_assert!(!status.is_server_error(), "{} for {}: {}", status, payload, answer);
        statuses.borrow_mut().push(status);
    });
    // Some bodies must have got through to the commands, or the test proves little.
    let answered = statuses.borrow().iter().filter(|s| **s == StatusCode::OK).count();
    assert!(answered > 10, "only {answered} bodies were answered with 200");
    let (status, answer) = send(&fixtures::ping());
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&answer).unwrap()["type"],
        1,
        "PONG: {answer}"
    );
}
