//! Fetching status documents from the fake status server: conditional requests, the
//! timeout, the size cap, server errors, and `backline status check`.

use std::time::Duration;

use backline::{
    domain::status::{Indicator, StatusKind},
    status::{FetchError, Fetched, ReadError, StatusClient, Validators, fetch, read_source},
};

use crate::{
    fake_status::{FakeStatus, Mode},
    helpers::{stderr, stdout},
};

const SUMMARY: &str = "/api/v2/summary.json";

fn client() -> StatusClient {
    StatusClient::new().unwrap()
}

fn document(fetched: Fetched) -> (Vec<u8>, Validators) {
    match fetched {
        Fetched::Document { body, validators } => (body, validators),
        Fetched::NotModified => panic!("expected a document, got 304"),
    }
}

#[tokio::test]
async fn a_document_is_fetched_then_not_modified_until_it_changes() {
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-operational.json");
    let url = format!("{}{SUMMARY}", fake.url());
    let (body, validators) = document(fetch(&client(), &url, &Validators::default()).await.unwrap());
    assert_eq!(body, crate::fake_status::fixture("statuspage-operational.json"));
    assert!(validators.etag.is_some() && validators.last_modified.is_some());

    assert_eq!(
        fetch(&client(), &url, &validators).await.unwrap(),
        Fetched::NotModified
    );
    let sent = fake.log().pop().unwrap();
    assert_eq!(sent.if_none_match, validators.etag);
    assert_eq!(sent.if_modified_since, validators.last_modified);
    // Last-Modified alone is enough for a server without ETags.
    let only_date = Validators {
        etag: None,
        last_modified: validators.last_modified.clone(),
    };
    assert_eq!(
        fetch(&client(), &url, &only_date).await.unwrap(),
        Fetched::NotModified
    );
    assert_eq!(fake.not_modified(), 2);

    fake.set_fixture(SUMMARY, "statuspage-investigating.json");
    let (body, newer) = document(fetch(&client(), &url, &validators).await.unwrap());
    assert_eq!(body, crate::fake_status::fixture("statuspage-investigating.json"));
    assert_ne!(newer, validators);
}

#[tokio::test]
async fn a_server_error_is_an_error_with_its_status() {
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-operational.json");
    fake.set_mode(Mode::ServerError);
    let url = format!("{}{SUMMARY}", fake.url());
    assert_eq!(
        fetch(&client(), &url, &Validators::default()).await,
        Err(FetchError::Status(500))
    );
    fake.set_mode(Mode::Normal);
    let missing = format!("{}/nothing-here", fake.url());
    assert_eq!(
        fetch(&client(), &missing, &Validators::default()).await,
        Err(FetchError::Status(404))
    );
}

#[tokio::test]
async fn redirects_are_followed_on_loopback_five_times_at_most_never_to_plain_http_elsewhere() {
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-operational.json");
    let url = format!("{}/old", fake.url());
    let target: &'static str = format!("{}{SUMMARY}", fake.url()).leak();
    fake.set_mode(Mode::RedirectTo(target));
    // Every request is redirected, the target's too: followed on loopback, 5 times at most.
    let redirected = fetch(&client(), &url, &Validators::default()).await;
    assert!(
        matches!(redirected, Err(FetchError::Unreachable(ref e)) if e.contains("redirect")),
        "{redirected:?}"
    );
    fake.set_mode(Mode::RedirectTo("http://status.example.com/api/v2/summary.json"));
    assert_eq!(
        fetch(&client(), &url, &Validators::default()).await,
        Err(FetchError::Status(302)),
        "not followed to plain http off this machine"
    );
}

#[tokio::test]
async fn a_server_that_does_not_answer_in_time_is_a_timeout() {
    let fake = FakeStatus::start().await;
    let quick = StatusClient::with_limits(Duration::from_millis(300), 1024 * 1024).unwrap();
    let url = format!("{}{SUMMARY}", fake.url());
    for mode in [Mode::Slow, Mode::StalledBody] {
        fake.set_mode(mode);
        let result = fetch(&quick, &url, &Validators::default()).await;
        assert!(
            matches!(result, Err(FetchError::Timeout(_))),
            "{mode:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_whether_or_not_its_length_is_declared() {
    let fake = FakeStatus::start().await;
    let url = format!("{}{SUMMARY}", fake.url());
    for mode in [Mode::Huge, Mode::HugeChunked] {
        fake.set_mode(mode);
        let result = fetch(&client(), &url, &Validators::default()).await;
        assert_eq!(result, Err(FetchError::TooLarge(1024 * 1024)), "{mode:?}");
    }
}

#[tokio::test]
async fn an_unreachable_server_and_a_malformed_document_say_why() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/index.json", listener.local_addr().unwrap());
    drop(listener);
    let result = fetch(&client(), &closed, &Validators::default()).await;
    assert!(matches!(result, Err(FetchError::Unreachable(_))), "{result:?}");

    let fake = FakeStatus::start().await;
    fake.set_mode(Mode::Malformed);
    let source = backline::domain::StatusSource {
        kind: StatusKind::Statuspage,
        url: backline::domain::WebUrl::parse(fake.url()).unwrap(),
        components: vec![],
    };
    let result = read_source(&client(), &source).await;
    assert!(
        matches!(&result, Err(ReadError::Document(e)) if e.0.contains("not a Statuspage summary.json")),
        "{result:?}"
    );
}

#[tokio::test]
async fn every_kind_is_read_from_its_real_path() {
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-investigating.json");
    fake.set_fixture("/api/v2.0.0/current", "slack-incident.json");
    fake.set_fixture("/index.json", "betterstack-index.json");
    fake.set_fixture("/history.atom", "atom.xml");
    let source = |kind, url: String| backline::domain::StatusSource {
        kind,
        url: backline::domain::WebUrl::parse(&url).unwrap(),
        components: vec![],
    };
    let base = fake.url().to_owned();
    let page = read_source(&client(), &source(StatusKind::Statuspage, base.clone()))
        .await
        .unwrap();
    assert_eq!(page.indicator, Some(Indicator::Major));
    let slack = read_source(&client(), &source(StatusKind::Slack, base.clone()))
        .await
        .unwrap();
    assert_eq!(slack.incidents.len(), 2);
    let better = read_source(&client(), &source(StatusKind::BetterStack, base.clone()))
        .await
        .unwrap();
    assert_eq!(better.indicator, Some(Indicator::Minor));
    let feed = read_source(
        &client(),
        &source(StatusKind::Feed, format!("{base}/history.atom")),
    )
    .await
    .unwrap();
    assert_eq!(feed.incidents[0].title, "Delayed inbound mail");
    assert_eq!(fake.requests(), 4);
    let paths: Vec<String> = fake.log().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [SUMMARY, "/api/v2.0.0/current", "/index.json", "/history.atom"]
    );
}

/// Runs `backline status check` off the async runtime, so the fake server keeps answering.
async fn status_check(file: &std::path::Path) -> std::process::Output {
    status_check_with(file, &[]).await
}

async fn status_check_with(file: &std::path::Path, env: &[(&str, &str)]) -> std::process::Output {
    let file = file.to_owned();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_backline"));
        command.args(["status", "check"]).arg(file);
        for key in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            command.env_remove(key);
        }
        command.envs(env).output().expect("run backline")
    })
    .await
    .unwrap()
}

fn plans(entries: &[(&str, &str)]) -> String {
    entries
        .iter()
        .map(|(slug, status)| {
            format!("[[vendor]]\nslug = \"{slug}\"\nname = \"{slug}\"\ncriticality = \"high\"\nstatus = {status}\n[vendor.owner]\nname = \"Owner\"\n\n")
        })
        .collect()
}

#[tokio::test]
async fn status_check_lists_each_pages_components_and_the_missing_ones() {
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-investigating.json");
    fake.set_fixture("/index.json", "betterstack-index.json");
    let base = fake.url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plans.toml");
    let text = plans(&[
        (
            "github",
            &format!("{{ statuspage = \"{base}\", components = [\"actions\", \"Gti Operations\"] }}"),
        ),
        ("cloud", &format!("{{ betterstack = \"{base}\" }}")),
    ]);
    std::fs::write(&file, text).unwrap();
    let out = status_check(&file).await;
    let printed = stdout(&out);
    assert!(out.status.success(), "{printed}{}", stderr(&out));
    assert!(printed.contains("\"Actions\" (major outage)"), "{printed}");
    assert!(printed.contains("\"Git Operations\""), "{printed}");
    assert!(
        !printed.contains("\"Developer tools\""),
        "a group is not a component: {printed}"
    );
    assert!(
        printed.contains("warning: not on the page: \"Gti Operations\""),
        "{printed}"
    );
    assert!(printed.contains("\"API\" (degraded performance)"), "{printed}");
    assert!(printed.contains("2 source(s) read, 0 failed."), "{printed}");

    fake.set_mode(Mode::ServerError);
    let out = status_check(&file).await;
    let printed = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("FAILED: the server answered HTTP 500"),
        "{printed}"
    );
    assert!(printed.contains("2 source(s) read, 2 failed."), "{printed}");
}

#[tokio::test]
async fn status_check_goes_through_the_proxy_from_the_environment_unless_no_proxy_says_not() {
    // The fake server stands in for the proxy: the page's own address has nothing listening.
    let proxy = FakeStatus::start().await;
    proxy.set_fixture(SUMMARY, "statuspage-operational.json");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let page = format!("http://localhost:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plans.toml");
    std::fs::write(
        &file,
        plans(&[("github", &format!("{{ statuspage = \"{page}\" }}"))]),
    )
    .unwrap();

    let out = status_check_with(&file, &[("HTTP_PROXY", proxy.url())]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(proxy.requests(), 1);

    let out = status_check_with(&file, &[("HTTP_PROXY", proxy.url()), ("NO_PROXY", "localhost")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("FAILED: could not reach the server"),
        "{}",
        stdout(&out)
    );
    assert_eq!(proxy.requests(), 1, "NO_PROXY: straight to the (closed) page");
}

#[tokio::test]
async fn status_check_never_prints_a_pages_control_characters() {
    let fake = FakeStatus::start().await;
    fake.set_document(
        SUMMARY,
        r#"{"status":{"indicator":"none"},"components":[{"id":"a","name":"API\u001b[2J\u001b]0;owned\u0007","status":"operational"}]}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plans.toml");
    let status = format!("{{ statuspage = \"{}\" }}", fake.url());
    std::fs::write(&file, plans(&[("hostile", &status)])).unwrap();
    let out = status_check(&file).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        !out.stdout.iter().any(|b| *b == 0x1b || *b == 0x07),
        "{:?}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(r#""API\u{1b}[2J"#), "{}", stdout(&out));
}
