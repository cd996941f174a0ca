//! Vendor autocomplete answered the quick way (`Dispatcher::quick_answer`, which the HTTP
//! endpoint tries first) says exactly what the general way (`dispatch_body`) says, and
//! never says it from a registry that a write has made stale.

use std::{sync::Arc, time::Duration};

use backline::{
    commands::{Core, FixedClock},
    discord::Dispatcher,
    domain::{GuildId, Vendor},
};
use serde_json::{Value, json};

use crate::{
    fixtures::{self, GUILD, OTHER_GUILD},
    helpers::{NOW, TestDb, example_plans, parse},
    on_both_backends,
};

/// How long a test waits for what must happen soon (generous: the machine may be busy).
const PATIENCE: Duration = Duration::from_secs(20);

/// A name whose label (`name (slug, criticality)`) is past Discord's 100 characters.
const LONG_NAME: &str =
    "Extraordinarily Long Vendor Name Incorporated International Holdings Worldwide Services Group";

/// The example registry in `GUILD` (plus a vendor with a long name), `stripe` in `OTHER_GUILD`.
async fn dispatcher(db: &TestDb) -> Dispatcher {
    let mut vendors = parse(&example_plans());
    let mut long = vendors[0].clone();
    long.slug = backline::domain::VendorSlug::parse("extraordinarily-long").unwrap();
    long.name = LONG_NAME.to_owned();
    long.aliases = vec!["ＥＸＴＲＡ".to_owned()];
    vendors.push(long);
    let stripe: Vec<Vendor> = vendors
        .iter()
        .filter(|v| v.slug.as_str() == "stripe")
        .cloned()
        .collect();
    import(db, GUILD, &vendors).await;
    import(db, OTHER_GUILD, &stripe).await;
    let clock = Arc::new(FixedClock(NOW.parse().unwrap()));
    Dispatcher::new(Core::new(Arc::clone(&db.store), clock))
}

async fn import(db: &TestDb, guild: u64, vendors: &[Vendor]) {
    db.store
        .import(GuildId::new(guild).unwrap(), vendors, false)
        .await
        .unwrap();
}

fn body(payload: &Value) -> Vec<u8> {
    serde_json::to_vec(payload).unwrap()
}

/// Typing `typed` into `/case open`'s vendor option.
fn case_open(guild: Option<u64>, typed: &str) -> Value {
    fixtures::envelope(
        4,
        guild,
        json!({"id": "600000000000000002", "name": "case", "type": 1,
               "options": [{"name": "open", "type": 1, "options": [
                   {"name": "severity", "type": 3, "value": "sev1"},
                   {"name": "vendor", "type": 3, "value": typed, "focused": true}]}]}),
    )
}

/// The general way's answer as the endpoint sends it: nulls dropped.
async fn general(dispatcher: &Dispatcher, payload: &Value) -> Value {
    let mut answer = dispatcher
        .dispatch_body(&body(payload))
        .await
        .expect("an interaction");
    drop_nulls(&mut answer);
    answer
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, field| !field.is_null());
            fields.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn quick(dispatcher: &Dispatcher, payload: &Value) -> Option<Value> {
    let answer = dispatcher.quick_answer(&body(payload))?;
    Some(serde_json::from_slice(&answer).expect("the quick answer is JSON"))
}

/// The quick answer, once the guild's registry is known current (after a general answer
/// loaded it and the store's change feed is live).
async fn quick_once_current(dispatcher: &Dispatcher, payload: &Value) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(answer) = quick(dispatcher, payload) {
            return answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never answered the quick way"
        );
        general(dispatcher, payload).await;
        tokio::task::yield_now().await;
    }
}

fn values(answer: &Value) -> Vec<&str> {
    answer["data"]["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect()
}

on_both_backends! {
    async fn the_quick_answer_is_the_general_answer(db) {
        let dispatcher = dispatcher(&db).await;
        let long_typing = "a".repeat(150);
        let mut payloads = Vec::new();
        for typed in [
            "", "a", "cl", "clou", "AMAZON", "amazon web", "cloudfalre", "zzzz", "ＥＸＴＲＡ", "extraordinarily",
            " Stripe ", "(", "\"quoted\\", long_typing.as_str(),
        ] {
            payloads.push(fixtures::autocomplete(Some(GUILD), "support", typed));
            payloads.push(fixtures::autocomplete(Some(GUILD), "owner", typed));
            payloads.push(fixtures::autocomplete(Some(OTHER_GUILD), "support", typed));
            payloads.push(fixtures::autocomplete(None, "support", typed));
            payloads.push(case_open(Some(GUILD), typed));
        }
        for payload in &payloads {
            let quick = quick_once_current(&dispatcher, payload).await;
            assert_eq!(quick, general(&dispatcher, payload).await, "{payload}");
        }
        // What the comparison covered: the label past 100 characters is cut the same way.
        let long = quick_once_current(&dispatcher, &fixtures::autocomplete(Some(GUILD), "support", "extra")).await;
        let name = long["data"]["choices"][0]["name"].as_str().unwrap();
        assert_eq!(name.chars().count(), 100, "{name}");
        assert!(name.starts_with(LONG_NAME) && name.ends_with('…'), "{name}");
        assert_eq!(long["data"]["choices"][0]["value"], "extraordinarily-long");

        // The quick way is counted in /metrics as the general way is.
        let owner = fixtures::autocomplete(Some(GUILD), "owner", "aw");
        let before = answered(&dispatcher, &db, "owner");
        quick(&dispatcher, &owner).expect("answered the quick way");
        assert_eq!(answered(&dispatcher, &db, "owner"), before + 1);
    }
}

/// How many autocompletes of `command` /metrics counts as answered.
fn answered(dispatcher: &Dispatcher, db: &TestDb, command: &str) -> u64 {
    let text = dispatcher.core().metrics().encode(db.store.pool_connections());
    let series = format!(
        "backline_interactions_total{{kind=\"autocomplete\",command=\"{command}\",outcome=\"answered\"}} "
    );
    text.lines()
        .find_map(|line| line.strip_prefix(series.as_str()))
        .map_or(0, |n| n.parse().unwrap())
}

on_both_backends! {
    async fn no_quick_answer_leaves_out_what_was_just_imported(db) {
        let dispatcher = dispatcher(&db).await;
        let typing = fixtures::autocomplete(Some(GUILD), "support", "zephyr");
        assert_eq!(values(&quick_once_current(&dispatcher, &typing).await), Vec::<&str>::new());

        let mut zephyr = parse(&example_plans()).remove(0);
        zephyr.slug = backline::domain::VendorSlug::parse("zephyr").unwrap();
        zephyr.name = "Zephyr Systems".to_owned();
        zephyr.aliases = Vec::new();
        import(&db, GUILD, &[zephyr]).await;

        // Right after the write: the quick way declines or already knows of it.
        if let Some(answer) = quick(&dispatcher, &typing) {
            assert_eq!(values(&answer), ["zephyr"]);
        }
        assert_eq!(values(&general(&dispatcher, &typing).await), ["zephyr"]);
        assert_eq!(values(&quick_once_current(&dispatcher, &typing).await), ["zephyr"]);
    }
}

on_both_backends! {
    async fn only_vendor_autocomplete_is_answered_the_quick_way(db) {
        let dispatcher = dispatcher(&db).await;
        quick_once_current(&dispatcher, &fixtures::autocomplete(Some(GUILD), "support", "aw")).await;
        let mut case_number = fixtures::autocomplete(Some(GUILD), "case", "1");
        case_number["data"]["options"][0]["name"] = json!("case");
        let mut number_typed = fixtures::autocomplete(Some(GUILD), "support", "aw");
        number_typed["data"]["options"][0]["value"] = json!(12);
        let mut no_token = fixtures::autocomplete(Some(GUILD), "support", "aw");
        no_token.as_object_mut().unwrap().remove("token");
        for (what, payload) in [
            ("a PING", fixtures::ping()),
            ("a command", fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")])),
            ("a case number, looked up in the store", case_number),
            ("a value that is not text", number_typed),
            ("a body serenity refuses", no_token),
            ("not an interaction", json!({"type": 4})),
        ] {
            assert_eq!(quick(&dispatcher, &payload), None, "{what}");
        }
        assert_eq!(dispatcher.quick_answer(b"{not json"), None);
    }
}
