//! The HTTP interactions endpoint, driven with signed requests through the axum router.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use backline::{
    commands::{Core, FixedClock},
    discord::{Dispatcher, SignatureVerifier},
    domain::GuildId,
    http::{AppState, router},
};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::{
    contract,
    fixtures::{self, GUILD, OTHER_GUILD},
    helpers::{TestDb, example_plans, parse},
    on_both_backends,
};

/// The instant the endpoint believes it is (a Wednesday, inside European business hours).
const NOW: &str = "2026-11-25T10:00:00Z";

pub struct Endpoint {
    pub router: Router,
    key: SigningKey,
    now: DateTime<Utc>,
    pub db: TestDb,
}

impl Endpoint {
    /// The endpoint over `db`, with the example registry in `GUILD` and one vendor in `OTHER_GUILD`.
    pub async fn new(db: TestDb) -> Self {
        let vendors = parse(&example_plans());
        db.store
            .import(GuildId::new(GUILD).unwrap(), &vendors, false)
            .await
            .unwrap();
        let other: Vec<_> = vendors
            .iter()
            .filter(|v| v.slug.as_str() == "stripe")
            .cloned()
            .collect();
        db.store
            .import(GuildId::new(OTHER_GUILD).unwrap(), &other, false)
            .await
            .unwrap();

        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public_hex = crate::helpers::hex(&key.verifying_key().to_bytes());
        let now: DateTime<Utc> = NOW.parse().unwrap();
        let clock = Arc::new(FixedClock(now));
        let state = AppState {
            dispatcher: Dispatcher::new(Core::new(Arc::clone(&db.store), clock.clone())),
            verifier: SignatureVerifier::from_hex(&public_hex).unwrap(),
            clock,
            discord_auth: None,
        };
        Self {
            router: router(Arc::new(state)),
            key,
            now,
            db,
        }
    }

    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let signature = self.key.sign(&[timestamp.as_bytes(), body].concat());
        crate::helpers::hex(&signature.to_bytes())
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Option<String>, Vec<u8>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, content_type, body)
    }

    pub fn request(
        &self,
        body: Vec<u8>,
        signature: Option<String>,
        timestamp: Option<String>,
    ) -> Request<Body> {
        let mut request = Request::post("/interactions").header("content-type", "application/json");
        if let Some(signature) = signature {
            request = request.header("x-signature-ed25519", signature);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("x-signature-timestamp", timestamp);
        }
        request.body(Body::from(body)).unwrap()
    }

    /// Posts a correctly signed interaction; checks the answer is JSON that Discord accepts.
    pub async fn post(&self, payload: &Value) -> Value {
        let body = serde_json::to_vec(payload).unwrap();
        let timestamp = self.now.timestamp().to_string();
        let signature = self.sign(&timestamp, &body);
        let (status, content_type, body) = self
            .send(self.request(body, Some(signature), Some(timestamp)))
            .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert_eq!(content_type.as_deref(), Some("application/json"));
        let response: Value = serde_json::from_slice(&body).unwrap();
        contract::assert_valid_callback(&response);
        response
    }
}

pub fn embed(response: &Value) -> &Value {
    &response["data"]["embeds"][0]
}

pub fn field<'a>(response: &'a Value, name: &str) -> &'a str {
    embed(response)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {response:#}"))["value"]
        .as_str()
        .unwrap()
}

pub fn is_ephemeral(response: &Value) -> bool {
    response["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}

pub fn pings_nobody(response: &Value) {
    assert_eq!(
        response["data"]["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": []}),
        "{response:#}"
    );
}

on_both_backends! {
    async fn ping_gets_pong(db) {
        let endpoint = Endpoint::new(db).await;
        assert_eq!(endpoint.post(&fixtures::ping()).await["type"], 1);
    }
}

on_both_backends! {
    async fn support_returns_a_card_with_tier_filing_steps_and_ladder(db) {
        let endpoint = Endpoint::new(db).await;
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")])).await;
        assert_eq!(response["type"], 4);
        assert!(!is_ephemeral(&response));
        pings_nobody(&response);
        let card = embed(&response);
        assert_eq!(card["title"], "Amazon Web Services (aws)");
        assert_eq!(card["color"], 0xE03E3E, "critical vendors are red");
        assert!(card["description"].as_str().unwrap().contains("**Enterprise** plan · 24x7"));
        // Our own step numbers are text too: escaped, so a step can never start a Discord list.
        assert!(field(&response, "How to file a case").contains("1\\. Sign in to the payer account"));
        assert!(field(&response, "Escalation ladder").contains("2\\. **Technical Account Manager** (next level after 1h)"));
        assert!(field(&response, "Response times").contains("Business-critical system down"));
    }
}

on_both_backends! {
    async fn owner_returns_owner_and_backup(db) {
        let endpoint = Endpoint::new(db).await;
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "owner", &[("vendor", "Cloudflare")])).await;
        pings_nobody(&response);
        let owner = field(&response, "Owner");
        assert!(owner.starts_with("**Ravi Menon**\nTeam: SRE\n"), "{owner}");
        assert!(owner.contains("\nDiscord: <@402811948512772098>\nLast verified: "), "a clickable mention, not a ping: {owner}");
        assert!(field(&response, "Backup").starts_with("**Dana Whitfield**\n"));
    }
}

on_both_backends! {
    async fn autocomplete_ranks_this_guilds_vendors_only(db) {
        let endpoint = Endpoint::new(db).await;
        let response = endpoint.post(&fixtures::autocomplete(Some(GUILD), "support", "cl")).await;
        assert_eq!(response["type"], 8);
        let choices = response["data"]["choices"].as_array().unwrap();
        assert_eq!(choices[0]["value"], "cloudflare");

        let everything = endpoint.post(&fixtures::autocomplete(Some(GUILD), "support", "")).await;
        let values: Vec<&str> = everything["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
        assert_eq!(values.len(), 6);
        assert_eq!(&values[..3], ["aws", "cloudflare", "stripe"], "critical vendors first");

        let other = endpoint.post(&fixtures::autocomplete(Some(OTHER_GUILD), "support", "")).await;
        let values: Vec<&str> = other["data"]["choices"].as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
        assert_eq!(values, ["stripe"], "another guild sees only its own registry");

        let dm = endpoint.post(&fixtures::autocomplete(None, "support", "a")).await;
        assert_eq!(dm["data"]["choices"], json!([]));
    }
}

on_both_backends! {
    async fn unknown_vendor_is_an_ephemeral_did_you_mean(db) {
        let endpoint = Endpoint::new(db).await;
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "cloudfalre")])).await;
        assert!(is_ephemeral(&response));
        pings_nobody(&response);
        let content = response["data"]["content"].as_str().unwrap();
        assert!(content.starts_with("No vendor named `cloudfalre` here. Did you mean `cloudflare`"), "{content}");
    }
}

on_both_backends! {
    async fn another_guilds_vendor_is_not_found_here(db) {
        let endpoint = Endpoint::new(db).await;
        let response = endpoint.post(&fixtures::slash(Some(OTHER_GUILD), "support", &[("vendor", "aws")])).await;
        assert!(is_ephemeral(&response));
        assert!(response["data"]["content"].as_str().unwrap().starts_with("No vendor named `aws` here"));
        assert!(response["data"]["embeds"].is_null() || response["data"]["embeds"] == json!([]));
    }
}

on_both_backends! {
    async fn a_guild_without_a_registry_and_a_dm_are_told_what_to_do(db) {
        let endpoint = Endpoint::new(db).await;
        let empty = endpoint.post(&fixtures::slash(Some(42), "support", &[("vendor", "aws")])).await;
        assert!(is_ephemeral(&empty));
        assert!(empty["data"]["content"].as_str().unwrap().contains("backline import --guild"));
        let dm = endpoint.post(&fixtures::slash(None, "support", &[("vendor", "aws")])).await;
        assert!(is_ephemeral(&dm));
        assert!(dm["data"]["content"].as_str().unwrap().contains("not in direct messages"));
    }
}

on_both_backends! {
    async fn stale_buttons_forms_and_unknown_commands_get_a_clear_ephemeral_answer(db) {
        let endpoint = Endpoint::new(db).await;
        for (payload, expected) in [
            (fixtures::button(Some(GUILD), "old-button"), "This button is no longer active. Run the command again."),
            (fixtures::modal(Some(GUILD), "old-form", "text"), "This form is no longer active. Run the command again."),
            (
                fixtures::slash(Some(GUILD), "retired", &[]),
                "backline has no `/retired` command any more. An admin can refresh the commands with `backline discord register`.",
            ),
            (fixtures::slash(Some(GUILD), "support", &[]), "The `vendor` option is required."),
        ] {
            let response = endpoint.post(&payload).await;
            assert!(is_ephemeral(&response), "{response:#}");
            pings_nobody(&response);
            assert_eq!(response["data"]["content"], expected);
        }
    }
}

on_both_backends! {
    async fn a_vendor_named_everyone_pings_nobody(db) {
        let endpoint = Endpoint::new(db).await;
        let text = example_plans().replace("name = \"PagerDuty\"", "name = \"@everyone <@&1> @here\"");
        let guild = GuildId::new(GUILD).unwrap();
        endpoint.db.store.import(guild, &parse(&text), false).await.unwrap();
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "pagerduty")])).await;
        // Shown as typed, never as a mention: both @ and < are escaped.
        assert_eq!(embed(&response)["title"], "\\@everyone \\<@&1> \\@here (pagerduty)");
        pings_nobody(&response);
    }
}

on_both_backends! {
    async fn sensitive_guilds_get_ephemeral_support_cards(db) {
        let endpoint = Endpoint::new(db).await;
        let settings = backline::domain::GuildSettings { sensitive_contacts: true, ..Default::default() };
        endpoint.db.store.set_guild_settings(GuildId::new(GUILD).unwrap(), &settings).await.unwrap();
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")])).await;
        assert!(is_ephemeral(&response));
        assert_eq!(embed(&response)["title"], "Amazon Web Services (aws)");
    }
}

/// A vendor whose every field is longer than Discord allows anywhere.
fn oversized_vendor() -> String {
    let long = |n: usize| "Ünïcödé ✓ ".repeat(n);
    let lines = |n: usize, width: usize| {
        (0..n)
            .map(|i| format!("\"{i} {}\"", long(width)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        r#"
[[vendor]]
slug = "{slug}"
name = "{name}"
criticality = "critical"
notes = "{notes}"
workloads = [{workloads}]
[vendor.owner]
name = "{name}"
team = "{name}"
[vendor.plan]
tier = "{name}"
account_id = "{name}"
hours = "24x7"
response = {{ sev1 = "15m", sev2 = "1h", sev3 = "4h", sev4 = "1d" }}
severity_names = {{ sev1 = "{name}", sev2 = "{name}", sev3 = "{name}", sev4 = "{name}" }}
[vendor.filing]
portal = "https://example.com/{path}"
steps = [{steps}]
required_info = [{steps}]
template = "{notes}"
{ladder}
"#,
        slug = "x".repeat(32),
        name = long(40),
        notes = long(700),
        workloads = lines(50, 5),
        path = "p".repeat(3000),
        steps = lines(60, 30),
        ladder = (0..30)
            .map(|i| format!("[[vendor.escalation]]\nname = \"{i}{}\"\nescalate_after = \"1h\"\ncontacts = [{{ name = \"{}\", phone = \"{}\" }}]\n", long(30), long(30), long(30)))
            .collect::<String>(),
    )
}

on_both_backends! {
    async fn a_vendor_exceeding_every_discord_limit_still_gets_a_valid_response(db) {
        assert!(contract::available() || std::env::var_os("CI").is_none());
        let endpoint = Endpoint::new(db).await;
        let guild = GuildId::new(GUILD).unwrap();
        // Past the plans file's text limits, so read without the validator (as a registry
        // stored before those limits existed would be): rendering must still cope.
        let oversized: std::collections::HashMap<String, Vec<backline::domain::Vendor>> =
            toml::from_str(&oversized_vendor()).unwrap();
        endpoint.db.store.import(guild, &oversized["vendor"], false).await.unwrap();
        let slug = "x".repeat(32);
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", &slug)])).await;
        let card = embed(&response);
        assert_eq!(card["title"].as_str().unwrap().chars().count(), 256);
        assert!(card["fields"].as_array().unwrap().len() <= 25);
        let owner = endpoint.post(&fixtures::slash(Some(GUILD), "owner", &[("vendor", &slug)])).await;
        assert!(embed(&owner)["title"].as_str().unwrap().chars().count() <= 256);
        let choices = endpoint.post(&fixtures::autocomplete(Some(GUILD), "support", "")).await;
        assert!(choices["data"]["choices"].as_array().unwrap().len() <= 25);
    }
}

#[test]
#[cfg_attr(
    no_discord_spec,
    ignore = "no Discord OpenAPI description: set BACKLINE_DISCORD_SPEC"
)]
fn the_contract_check_rejects_what_discord_would_reject() {
    if !contract::available() {
        return;
    }
    assert_eq!(
        contract::is_valid_callback(&json!({"type": 4, "data": {"embeds": [{"title": "x".repeat(300)}]}})),
        Some(false)
    );
    let choices: Vec<Value> = (0..26)
        .map(|i| json!({"name": i.to_string(), "value": i.to_string()}))
        .collect();
    assert_eq!(
        contract::is_valid_callback(&json!({"type": 8, "data": {"choices": choices}})),
        Some(false)
    );
    assert_eq!(contract::is_valid_callback(&json!({"type": 1})), Some(true));
    // A follow-up is judged as the webhook-execute body it is, not as a callback.
    assert_eq!(
        contract::is_valid_follow_up(&json!({"content": "x".repeat(2001)})),
        Some(false)
    );
    let embeds: Vec<Value> = (0..11).map(|i| json!({"title": i.to_string()})).collect();
    assert_eq!(
        contract::is_valid_follow_up(&json!({"embeds": embeds})),
        Some(false)
    );
    assert_eq!(
        contract::is_valid_follow_up(
            &json!({"content": "hi", "flags": 64, "allowed_mentions": {"parse": []}})
        ),
        Some(true)
    );
}

#[test]
fn the_registration_body_is_one_discord_accepts() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["discord", "register", "--dry-run"])
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["support", "owner", "case", "vendor"]);
    assert_eq!(body[0]["options"][0]["autocomplete"], true);
    contract::assert_valid_registration(&body);
}

mod rejected {
    use super::*;

    async fn endpoint() -> Endpoint {
        Endpoint::new(crate::helpers::sqlite().await).await
    }

    /// One fixed payload: each fixture call gets a new interaction ID, so sign what is sent.
    fn body() -> Vec<u8> {
        static BODY: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
            serde_json::to_vec(&fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")])).unwrap()
        });
        BODY.clone()
    }

    #[tokio::test]
    async fn without_signature_headers_401() {
        let e = endpoint().await;
        let ts = e.now.timestamp().to_string();
        assert_eq!(
            e.send(e.request(body(), None, None)).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            e.send(e.request(body(), None, Some(ts))).await.0,
            StatusCode::UNAUTHORIZED
        );
        let signed = e.sign(&e.now.timestamp().to_string(), &body());
        assert_eq!(
            e.send(e.request(body(), Some(signed), None)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }

    #[tokio::test]
    async fn with_a_forged_or_mismatched_signature_401() {
        let e = endpoint().await;
        let ts = e.now.timestamp().to_string();
        let forged = SigningKey::from_bytes(&[9u8; 32]).sign(&[ts.as_bytes(), &body()].concat());
        let forged = crate::helpers::hex(&forged.to_bytes());
        assert_eq!(
            e.send(e.request(body(), Some(forged), Some(ts.clone()))).await.0,
            StatusCode::UNAUTHORIZED
        );
        // Signed for one body, sent with another.
        let signature = e.sign(&ts, b"{}");
        assert_eq!(
            e.send(e.request(body(), Some(signature), Some(ts.clone())))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            e.send(e.request(body(), Some("zz".repeat(64)), Some(ts))).await.0,
            StatusCode::UNAUTHORIZED
        );
    }

    #[tokio::test]
    async fn with_a_timestamp_outside_five_minutes_401_even_when_signed() {
        let e = endpoint().await;
        for offset in [-301, 301, -86_400] {
            let ts = (e.now.timestamp() + offset).to_string();
            let signature = e.sign(&ts, &body());
            assert_eq!(
                e.send(e.request(body(), Some(signature), Some(ts))).await.0,
                StatusCode::UNAUTHORIZED,
                "{offset}"
            );
        }
        let ts = (e.now.timestamp() - 299).to_string();
        let signature = e.sign(&ts, &body());
        assert_eq!(
            e.send(e.request(body(), Some(signature), Some(ts))).await.0,
            StatusCode::OK
        );
        let signature = e.sign("yesterday", &body());
        assert_eq!(
            e.send(e.request(body(), Some(signature), Some("yesterday".into())))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }

    #[tokio::test]
    async fn a_body_over_64_kib_413() {
        let e = endpoint().await;
        let big = vec![b' '; 64 * 1024 + 1];
        let ts = e.now.timestamp().to_string();
        let signature = e.sign(&ts, &big);
        assert_eq!(
            e.send(e.request(big, Some(signature), Some(ts))).await.0,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[tokio::test]
    async fn a_signed_body_that_is_not_an_interaction_400() {
        let e = endpoint().await;
        let ts = e.now.timestamp().to_string();
        for junk in [&b"not json"[..], b"{\"type\": 99}", b"[]"] {
            let signature = e.sign(&ts, junk);
            assert_eq!(
                e.send(e.request(junk.to_vec(), Some(signature), Some(ts.clone())))
                    .await
                    .0,
                StatusCode::BAD_REQUEST
            );
        }
    }

    #[tokio::test]
    async fn a_forged_request_touches_nothing() {
        let e = endpoint().await;
        let before = e.db.store.vendors(GuildId::new(GUILD).unwrap()).await.unwrap();
        let ts = e.now.timestamp().to_string();
        let (status, _, body) = e.send(e.request(body(), Some("00".repeat(64)), Some(ts))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!String::from_utf8_lossy(&body).contains("aws"));
        assert_eq!(
            e.db.store.vendors(GuildId::new(GUILD).unwrap()).await.unwrap(),
            before
        );
    }
}

on_both_backends! {
    async fn an_internal_error_shows_only_an_error_id(db) {
        let endpoint = Endpoint::new(db).await;
        endpoint.db.store.close().await;
        let payload = fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
        let response = endpoint.post(&payload).await;
        assert!(is_ephemeral(&response));
        pings_nobody(&response);
        let text = content(&response);
        let id = payload["id"].as_str().unwrap();
        assert!(text.contains(&format!("error ID {id}")), "{text}");
        for leak in ["pool", "sqlx", "database", "closed"] {
            assert!(!text.to_lowercase().contains(leak), "leaks {leak}: {text}");
        }
    }
}

pub fn content(response: &Value) -> &str {
    response["data"]["content"].as_str().unwrap_or_default()
}
