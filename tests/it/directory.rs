//! The vendor directory: `/vendor list` paged within Discord's limits with Previous/Next
//! buttons, its filters, and `backline list` as text, JSON and CSV.

use std::collections::{BTreeSet, HashMap};

use backline::domain::GuildId;
use serde_json::{Value, json};

use crate::{
    endpoint::{Endpoint, content, embed, is_ephemeral, pings_nobody},
    fixtures::{self, GUILD},
    helpers::{backline, parse, stderr, stdout},
    on_both_backends,
};

const TEAMS: [&str; 3] = ["SRE", "Payments", "Data Platform"];
const CRITICALITY: [&str; 4] = ["critical", "high", "medium", "low"];

/// Vendor `i` of the generated registry: every third has a 24x7 plan, every third a plan
/// open on weekends only (closed at the endpoint's Wednesday 10:00), every third none; every
/// seventh has text that is markup, mentions and formulas, as long as the plans file allows.
fn vendor_toml(i: usize) -> String {
    let hostile = i.is_multiple_of(7);
    let name = if hostile {
        format!(
            "=cmd|' /C calc'!A0 @everyone **{i}** <@123> [x](https://e.example) ||s|| {}",
            "*".repeat(25)
        )
    } else {
        format!("Vendor {i:02}")
    };
    let owner = if hostile {
        format!("+{} @here", "_".repeat(80))
    } else {
        format!("Owner {i}")
    };
    let team = TEAMS[i % 3];
    let plan = match i % 3 {
        0 => "[vendor.plan]\ntier = \"Enterprise\"\nhours = \"24x7\"\n".to_owned(),
        1 => format!(
            "[vendor.plan]\ntier = \"{}\"\n[vendor.plan.hours]\ndays = [\"sat\", \"sun\"]\nstart = \"09:00\"\nend = \"17:00\"\ntimezone = \"Europe/Amsterdam\"\n",
            if hostile {
                "|".repeat(100)
            } else {
                "Basic".to_owned()
            }
        ),
        _ => String::new(),
    };
    format!(
        "[[vendor]]\nslug = \"v-{i:02}\"\nname = \"{name}\"\ncriticality = \"{}\"\n[vendor.owner]\nname = \"{owner}\"\nteam = \"{team}\"\n{plan}\n",
        CRITICALITY[i % 4]
    )
}

async fn with_sixty(db: crate::helpers::TestDb) -> Endpoint {
    let endpoint = Endpoint::new(db).await;
    let text: String = (0..60).map(vendor_toml).collect();
    endpoint
        .db
        .store
        .import(GuildId::new(GUILD).unwrap(), &parse(&text), false)
        .await
        .unwrap();
    endpoint
}

/// `/vendor list` with string and boolean options as Discord sends them.
fn list_command(options: Value) -> Value {
    fixtures::envelope(
        2,
        Some(GUILD),
        json!({"id": "600000000000000003", "name": "vendor", "type": 1,
               "options": [{"name": "list", "type": 1, "options": options}]}),
    )
}

/// The button of a page with `label`, if it has one.
fn button_id(page: &Value, label: &str) -> Option<String> {
    page["data"]["components"][0]["components"]
        .as_array()?
        .iter()
        .find(|b| b["label"].as_str().is_some_and(|l| l.contains(label)))
        .map(|b| b["custom_id"].as_str().unwrap().to_owned())
}

/// The slug of each vendor on a page, read from its field's name `Name (slug) · tier`.
fn slugs(page: &Value) -> Vec<String> {
    embed(page)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap();
            let (head, _) = name.rsplit_once(") · ").unwrap_or_else(|| panic!("{name}"));
            head.rsplit_once(" (").unwrap().1.to_owned()
        })
        .collect()
}

/// The page and every page after it, following the Next buttons.
async fn following(endpoint: &Endpoint, first: Value) -> Vec<Value> {
    let mut pages = vec![first];
    while let Some(next) = button_id(pages.last().unwrap(), "Next") {
        pages.push(endpoint.post(&fixtures::button(Some(GUILD), &next)).await);
        assert!(pages.len() <= 66, "paging never ends");
    }
    pages
}

/// Every part of the page within Discord's limits, nothing cut, nobody pinged.
fn within_limits(page: &Value) {
    let embed = embed(page);
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let fields = embed["fields"].as_array().unwrap();
    assert!(fields.len() <= 25);
    for f in fields {
        assert!(chars(&f["name"]) <= 256 && chars(&f["value"]) <= 1024, "{f:#}");
        assert_ne!(f["name"], "More", "a vendor was cut: {page:#}");
        assert!(!f["name"].as_str().unwrap().ends_with("(cont.)"), "{f:#}");
    }
    let total = chars(&embed["title"])
        + chars(&embed["description"])
        + chars(&embed["footer"]["text"])
        + fields
            .iter()
            .map(|f| chars(&f["name"]) + chars(&f["value"]))
            .sum::<usize>();
    assert!(total <= 6000, "{total} characters");
    assert!(
        page["data"]["content"]
            .as_str()
            .is_none_or(|c| c.chars().count() <= 2000)
    );
    for b in page["data"]["components"][0]["components"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert!(b["custom_id"].as_str().unwrap().chars().count() <= 100);
    }
    // The first page answers the command, shown to the asker only; a page button replaces
    // the message it is on (an update keeps that message's visibility).
    match page["type"].as_u64() {
        Some(4) => assert!(is_ephemeral(page)),
        Some(7) => assert!(page["data"]["flags"].is_null(), "{page:#}"),
        other => panic!("not a page: {other:?}"),
    }
    pings_nobody(page);
}

on_both_backends! {
    async fn sixty_vendors_page_forward_and_back_each_once_within_discords_limits(db) {
        let endpoint = with_sixty(db).await;
        let stored: Vec<String> = endpoint.db.store.vendors(GuildId::new(GUILD).unwrap()).await.unwrap()
            .into_iter().map(|v| v.slug.to_string()).collect();
        assert_eq!(stored.len(), 66, "the six examples and sixty more");

        let pages = following(&endpoint, endpoint.post(&list_command(json!([]))).await).await;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, page) in pages.iter().enumerate() {
            within_limits(page);
            let description = embed(page)["description"].as_str().unwrap();
            assert!(description.starts_with(&format!("Page {} of {} · 66 vendors", i + 1, pages.len())), "{description}");
            assert_eq!(button_id(page, "Previous").is_some(), i > 0);
            for slug in slugs(page) {
                *seen.entry(slug).or_default() += 1;
            }
        }
        assert!(pages.len() >= 7, "at most ten vendors a page: {}", pages.len());
        assert_eq!(pages[0]["type"], 4, "the command answers with a new message");
        assert!(pages[1..].iter().all(|p| p["type"] == 7), "each button updates the page it is on");
        let mut listed: Vec<&String> = seen.keys().collect();
        listed.sort();
        let mut expected: Vec<&String> = stored.iter().collect();
        expected.sort();
        assert_eq!(listed, expected, "every vendor is listed");
        assert!(seen.values().all(|&n| n == 1), "each once: {seen:?}");
        // Critical first: the first page starts with the critical vendors.
        assert!(embed(&pages[0])["fields"][0]["name"].as_str().unwrap().ends_with("· critical"));

        // Previous from the last page is the page before it.
        let back = endpoint.post(&fixtures::button(Some(GUILD), &button_id(pages.last().unwrap(), "Previous").unwrap())).await;
        assert_eq!(slugs(&back), slugs(&pages[pages.len() - 2]));
        // A page number from a longer list shows the last page.
        let stale = endpoint.post(&fixtures::button(Some(GUILD), "vendor-list:999:*:0:")).await;
        assert_eq!(slugs(&stale), slugs(pages.last().unwrap()));

        // Text from the registry stays text: escaped, never a mention, a link or markup.
        let hostile = pages.iter().flat_map(|p| embed(p)["fields"].as_array().unwrap().clone())
            .find(|f| f["name"].as_str().unwrap().contains("(v-07)")).unwrap();
        let name = hostile["name"].as_str().unwrap();
        assert!(name.contains(r"\@everyone \*\*7\*\* \<@123> \[x\](https://e.example) \|\|s\|\|"), "{name}");
        assert!(hostile["value"].as_str().unwrap().contains(r"Owner: +\_\_"), "{hostile:#}");
    }
}

on_both_backends! {
    async fn filters_keep_only_matching_vendors_and_travel_with_the_page_buttons(db) {
        let endpoint = with_sixty(db).await;
        let critical = endpoint.post(&list_command(json!([{"name": "criticality", "type": 3, "value": "critical"}]))).await;
        within_limits(&critical);
        let description = embed(&critical)["description"].as_str().unwrap();
        // v-00, v-04, … v-56 (15) and the example's aws, stripe, cloudflare.
        assert!(description.contains("18 vendors · criticality critical"), "{description}");
        let next = button_id(&critical, "Next").unwrap();
        assert_eq!(next, "vendor-list:2:critical:0:");
        let second = endpoint.post(&fixtures::button(Some(GUILD), &next)).await;
        let all: Vec<String> = slugs(&critical).into_iter().chain(slugs(&second)).collect();
        assert_eq!(all.len(), 18);
        assert!(embed(&second)["fields"].as_array().unwrap().iter().all(|f| f["name"].as_str().unwrap().ends_with("· critical")));

        // Owner's team in any case, and covered now: the 24x7 plans of SRE (i % 3 == 0) and
        // the example's SRE-owned 24x7 vendors.
        let covered = endpoint.post(&list_command(json!([
            {"name": "team", "type": 3, "value": "sre"},
            {"name": "covered-now", "type": 5, "value": true},
        ]))).await;
        assert_eq!(button_id(&covered, "Next").unwrap(), "vendor-list:2:*:1:sre");
        let pages = following(&endpoint, covered).await;
        let found: Vec<String> = pages.iter().flat_map(slugs).collect();
        let generated: Vec<&String> = found.iter().filter(|s| s.starts_with("v-")).collect();
        assert_eq!(generated.len(), 20, "{found:?}");
        assert!(generated.iter().all(|s| s[2..].parse::<usize>().unwrap().is_multiple_of(3)));
        // The example's SRE-owned vendors with 24x7 plans.
        let examples: BTreeSet<&str> = found.iter().filter(|s| !s.starts_with("v-")).map(String::as_str).collect();
        assert_eq!(examples, BTreeSet::from(["cloudflare", "pagerduty"]));
        for page in &pages {
            within_limits(page);
            for f in embed(page)["fields"].as_array().unwrap() {
                assert!(f["value"].as_str().unwrap().contains("🟢 covered now"), "{f:#}");
            }
        }

        let none = endpoint.post(&list_command(json!([{"name": "team", "type": 3, "value": "Nobody"}]))).await;
        assert!(is_ephemeral(&none));
        assert_eq!(content(&none), "No vendor matches: owner's team `Nobody`.");
    }
}

on_both_backends! {
    async fn an_unknown_vendor_points_to_the_directory(db) {
        let endpoint = Endpoint::new(db).await;
        let unknown = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "qqqqzzzz")])).await;
        assert!(content(&unknown).contains("See every vendor with `/vendor list` in Discord or `backline list` in a terminal."), "{unknown:#}");
        let out = backline(&endpoint.db, &["ask", "--guild", &GUILD.to_string(), "/support qqqqzzzz"]);
        assert!(stderr(&out).contains("`backline list` in a terminal"), "{}", stderr(&out));
    }
}

on_both_backends! {
    async fn backline_list_prints_every_vendor_as_text_json_or_csv(db) {
        let endpoint = with_sixty(db).await;
        let guild = GUILD.to_string();
        let human = backline(&endpoint.db, &["list", "--guild", &guild]);
        assert!(human.status.success(), "{}", stderr(&human));
        let human = stdout(&human);
        assert!(human.ends_with("66 vendors\n"), "{human}");
        assert!(human.contains("Amazon Web Services (aws) · critical\n  Enterprise plan · 24x7 · 🟢 covered now\n  Owner: Dana Whitfield (Platform)\n"), "{human}");

        let json = backline(&endpoint.db, &["list", "--guild", &guild, "--format", "json", "--criticality", "critical"]);
        let json: Value = serde_json::from_str(&stdout(&json)).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 18);
        let v00 = rows.iter().find(|r| r["slug"] == "v-00").unwrap();
        // JSON keeps every value exactly as typed.
        assert!(v00["name"].as_str().unwrap().starts_with("=cmd|' /C calc'!A0 @everyone"));
        assert_eq!(v00["owner"]["team"], "SRE");
        assert_eq!(v00["covered_now"], true, "24x7");
        assert_eq!(v00["tier"], "Enterprise");
        let v08 = rows.iter().find(|r| r["slug"] == "v-08").unwrap();
        assert_eq!(v08["tier"], Value::Null);
        assert_eq!(v08["covered_now"], Value::Null);
        assert_eq!(v08["worst_finding"]["level"], "error", "a critical vendor with no plan");

        let csv = backline(&endpoint.db, &["list", "--guild", &guild, "--format", "csv", "--team", "sre"]);
        let csv = stdout(&csv);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(&header[..4], ["slug", "name", "criticality", "tier"]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(records.iter().all(|r| r[7].eq_ignore_ascii_case("sre")));
        let v00 = records.iter().find(|r| &r[0] == "v-00").unwrap();
        assert!(v00[1].starts_with("'=cmd|"), "a formula is neutralised: {}", &v00[1]);
        assert!(v00[6].starts_with("'+__"), "{}", &v00[6]);

        let covered = backline(&endpoint.db, &["list", "--guild", &guild, "--format", "json", "--covered-now"]);
        let covered: Value = serde_json::from_str(&stdout(&covered)).unwrap();
        assert!(covered.as_array().unwrap().iter().all(|r| r["covered_now"] == true));

        let bad = backline(&endpoint.db, &["list", "--criticality", "urgent"]);
        assert_eq!(bad.status.code(), Some(2));
        assert!(stderr(&bad).contains("not a criticality"), "{}", stderr(&bad));
    }
}

#[tokio::test]
async fn pages_of_the_longest_text_that_must_all_be_escaped_stay_within_limits() {
    let endpoint = Endpoint::new(crate::helpers::sqlite().await).await;
    // Every free text at the plans file's limit, made only of characters Discord needs escaped.
    let text: String = (0..30)
        .map(|i| {
            let (x, stars) = ("x".repeat(29), "*".repeat(98));
            format!(
                "[[vendor]]\nslug = \"{i:02}-{x}\"\nname = \"{i:02}{stars}\"\ncriticality = \"critical\"\n\
                 [vendor.owner]\nname = \"{owner}\"\nteam = \"{team}\"\n\
                 [vendor.plan]\ntier = \"{tier}\"\n[vendor.plan.hours]\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\n\
                 start = \"22:00\"\nend = \"06:00\"\ntimezone = \"America/Argentina/ComodRivadavia\"\n\n",
                owner = "_".repeat(100),
                team = "|".repeat(100),
                tier = "`".repeat(100),
            )
        })
        .collect();
    endpoint
        .db
        .store
        .import(GuildId::new(GUILD).unwrap(), &parse(&text), false)
        .await
        .unwrap();
    let pages = following(&endpoint, endpoint.post(&list_command(json!([]))).await).await;
    let listed: usize = pages.iter().map(|p| slugs(p).len()).sum();
    assert_eq!(listed, 36, "every vendor, none cut");
    for page in &pages {
        within_limits(page);
    }
}
