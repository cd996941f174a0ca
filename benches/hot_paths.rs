//! criterion micro-benchmarks of the in-process hot paths: autocomplete ranking, the /support reply, findings,
//! the plans-file parse and the cases export.
//!
//! Run with `cargo bench --bench hot_paths` (not part of `cargo test`). The registries are
//! the ones bench/run.sh generates (examples/bench_data/registry.rs).

#[path = "common/autocomplete_endpoint.rs"]
mod autocomplete_endpoint;
#[path = "../examples/bench_data/registry.rs"]
mod registry;

use std::{hint::black_box, sync::Arc};

use backline::{
    commands::{Caller, Command, Core, FixedClock},
    discord::Dispatcher,
    domain::{
        Criticality, Date, GuildId, Vendor, VendorIndex, VendorSlug, VendorSummary, findings, lookup,
        plans_file,
    },
    store,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const GUILD: u64 = 400_000_000_000_000_001;
const NOW: &str = "2026-11-25T10:00:00Z";

/// `count` vendor summaries, as the store returns them (sorted by slug).
fn summaries(count: usize) -> Vec<VendorSummary> {
    let criticality = [
        Criticality::Critical,
        Criticality::High,
        Criticality::Medium,
        Criticality::Low,
    ];
    let mut summaries: Vec<VendorSummary> = (0..count)
        .map(|i| {
            let names = registry::names(i);
            VendorSummary {
                slug: VendorSlug::parse(&names.slug).expect("generated slugs are valid"),
                name: names.name,
                aliases: names.aliases.to_vec(),
                criticality: criticality[i % 4],
            }
        })
        .collect();
    summaries.sort_by(|a, b| a.slug.cmp(&b.slug));
    summaries
}

fn autocomplete(c: &mut Criterion) {
    let vendors = summaries(100_000);
    let index = VendorIndex::new(vendors.clone());
    // What someone types: the first letters of a vendor's name.
    let typed =
        |letters: usize| -> String { vendors[4242].name.to_lowercase().chars().take(letters).collect() };
    let mut group = c.benchmark_group("autocomplete_100k");
    for letters in [2, 4] {
        let q = typed(letters);
        group.bench_with_input(BenchmarkId::new("lookup_rank", letters), &q, |b, q| {
            b.iter(|| lookup::rank(black_box(q), &vendors, 25).len())
        });
        group.bench_with_input(BenchmarkId::new("index_rank", letters), &q, |b, q| {
            b.iter(|| index.rank(black_box(q), 25).len())
        });
    }
    // A misspelling: no vendor starts with it, so every key is scored.
    group.bench_function("index_rank_misspelt", |b| {
        b.iter(|| index.rank(black_box("hrabor"), 25).len())
    });
    group.sample_size(10);
    group.bench_function("index_build", |b| {
        b.iter(|| VendorIndex::new(vendors.clone()).len())
    });
    group.finish();
}

/// Autocomplete at 100k vendors, the whole interaction as the endpoint answers it (body in,
/// response bytes out), on the first letters of 2000 vendors' names in turn as bench/run.sh
/// does. Set up only when selected: the import of 100k vendors takes a while.
fn autocomplete_interaction(c: &mut Criterion) {
    let endpoint = std::cell::OnceCell::new();
    let endpoint = || {
        endpoint.get_or_init(|| {
            let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
            let dir = tempfile::tempdir().expect("a temporary directory");
            let dispatcher = autocomplete_endpoint::dispatcher(&runtime, dir.path(), 100_000);
            (runtime, dir, dispatcher)
        })
    };
    let mut group = c.benchmark_group("autocomplete_100k_interaction");
    for letters in [2, 4] {
        group.bench_function(BenchmarkId::new("dispatch_body", letters), |b| {
            let (runtime, _, dispatcher) = endpoint();
            let bodies = autocomplete_endpoint::bodies(2000, letters);
            let mut next = bodies.iter().cycle();
            b.iter(|| {
                let body = next.next().expect("a body");
                runtime
                    .block_on(dispatcher.dispatch_body(black_box(body)))
                    .and_then(|response| serde_json::to_vec(&response).ok())
            })
        });
        // What the HTTP endpoint does first: the registry is current, so this answers.
        group.bench_function(BenchmarkId::new("quick_answer", letters), |b| {
            let (_, _, dispatcher) = endpoint();
            let bodies = autocomplete_endpoint::bodies(2000, letters);
            let mut next = bodies.iter().cycle();
            b.iter(|| {
                let body = next.next().expect("a body");
                dispatcher
                    .quick_answer(black_box(body))
                    .expect("answered the quick way")
            })
        });
    }
    group.finish();
}

/// The first `count` vendors of the generated registry, imported into a SQLite store in `dir`,
/// and a core over it at `NOW`.
fn imported(runtime: &tokio::runtime::Runtime, dir: &std::path::Path, count: usize) -> (Vec<Vendor>, Core) {
    let url = store::DatabaseUrl::new(format!("sqlite://{}", dir.join("bench.db").display()));
    let plans = registry::plans_file(count).expect("a generated registry");
    let vendors = plans_file::parse_str("bench.toml", &plans).expect("the generated registry parses");
    let guild = GuildId::new(GUILD).expect("a guild ID");
    let store = runtime.block_on(async {
        let store = store::connect(&url).await.expect("a SQLite store");
        store.import(guild, &vendors, false).await.expect("the import");
        store
    });
    let core = Core::new(store, Arc::new(FixedClock(NOW.parse().expect("an instant"))));
    (vendors, core)
}

fn support_reply(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (vendors, core) = imported(&runtime, dir.path(), 10_000);
    let guild = GuildId::new(GUILD).expect("a guild ID");
    // As every request was before the change feed: one registry-version read each.
    let reading = core.clone().without_change_feed();
    let slug = registry::names(4242).slug;
    let command = Command::Support { vendor: slug.clone() };
    let caller = Caller {
        guild: Some(guild),
        channel: Some(1),
        user: 42,
        interaction: None,
        rights: Default::default(),
    };
    let document = plans_file::vendor_to_toml(&vendors[4242]).expect("a vendor document");
    let body = support_interaction(&slug);
    let dispatcher = Dispatcher::new(core.clone());
    let mut group = c.benchmark_group("support_10k");
    group.bench_function("parse_stored_vendor", |b| {
        b.iter(|| plans_file::vendor_from_toml(black_box(&document)).is_ok())
    });
    group.bench_function("core_execute", |b| {
        b.iter(|| {
            runtime
                .block_on(core.execute(black_box(&command), &caller))
                .is_ok()
        })
    });
    group.bench_function("core_execute_reading_the_version", |b| {
        b.iter(|| {
            runtime
                .block_on(reading.execute(black_box(&command), &caller))
                .is_ok()
        })
    });
    // The endpoint's read of the body into an interaction (part of dispatch_body).
    group.bench_function("read_interaction", |b| {
        b.iter(|| backline::discord::interaction_from_json(black_box(&body)).is_ok())
    });
    group.bench_function("dispatch_body", |b| {
        b.iter(|| {
            runtime
                .block_on(dispatcher.dispatch_body(black_box(&body)))
                .is_some()
        })
    });
    group.finish();
}

/// A `/support vendor:<slug>` interaction as Discord sends it.
fn support_interaction(slug: &str) -> Vec<u8> {
    autocomplete_endpoint::support_interaction(
        2,
        serde_json::json!({"name": "vendor", "type": 3, "value": slug}),
    )
}

fn findings_10k(c: &mut Criterion) {
    let plans = registry::plans_file(10_000).expect("a generated registry");
    let vendors = plans_file::parse_str("bench.toml", &plans).expect("the generated registry parses");
    let today = Date::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date"));
    c.bench_function("findings_10k", |b| {
        b.iter(|| {
            vendors
                .iter()
                .map(|v| findings::findings(black_box(v), today).len())
                .sum::<usize>()
        })
    });
}

/// `/support` at 10k vendors when every vendor declares a status page, the benched one with a
/// reading on record (an incident and a component out): compare with `support_10k/core_execute`.
fn support_reply_with_status(c: &mut Criterion) {
    use backline::{
        domain::status::{ComponentState, ComponentStatus, Incident, Indicator, Snapshot, StatusKind},
        store::status::{PollOutcome, StoredValidators},
    };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = store::DatabaseUrl::new(format!("sqlite://{}", dir.path().join("bench.db").display()));
    // Every vendor watches its own status page (10k sources).
    let plans: String = registry::plans_file(10_000)
        .expect("a generated registry")
        .lines()
        .map(|line| match line.strip_prefix("status_page = ") {
            Some(page) => format!("{line}\nstatus = {{ statuspage = {page}, components = [\"API\"] }}\n"),
            None => format!("{line}\n"),
        })
        .collect();
    let vendors = plans_file::parse_str("bench.toml", &plans).expect("the generated registry parses");
    let guild = GuildId::new(GUILD).expect("a guild ID");
    let source = vendors[4242].status.clone().expect("a status source");
    let now = NOW.parse().expect("an instant");
    let store = runtime.block_on(async {
        let store = store::connect(&url).await.expect("a SQLite store");
        store.import(guild, &vendors, false).await.expect("the import");
        let document = source.document_url();
        let sources = [(document.clone(), StatusKind::Statuspage)];
        store
            .register_status_sources(&sources, now)
            .await
            .expect("registered");
        store
            .claim_due_sources(std::slice::from_ref(&document), "bench", now, now, 1)
            .await
            .expect("claimed");
        let incident = Incident {
            id: "bench1".into(),
            title: "Elevated API error rates".into(),
            impact: Some(Indicator::Major),
            stage: Some("identified".into()),
            link: Some("https://stspg.io/bench1".into()),
            latest_update: Some("A fix is being deployed.".into()),
            updated_at: Some(now),
            components: vec!["API".into()],
        };
        let snapshot = Snapshot {
            indicator: Some(Indicator::Major),
            components: vec![ComponentStatus {
                name: "API".into(),
                state: ComponentState::PartialOutage,
            }],
            incidents: vec![incident],
            maintenances: Vec::new(),
        };
        let outcome = PollOutcome::Read {
            snapshot,
            changes: Vec::new(),
            validators: StoredValidators::default(),
        };
        store
            .record_poll(&document, "bench", &outcome, now, now)
            .await
            .expect("recorded");
        store
    });
    let core = Core::new(store, Arc::new(FixedClock(now)));
    let command = Command::Support {
        vendor: registry::names(4242).slug,
    };
    let caller = Caller {
        guild: Some(guild),
        channel: Some(1),
        user: 42,
        interaction: None,
        rights: Default::default(),
    };
    let mut group = c.benchmark_group("support_10k");
    group.bench_function("core_execute_with_status", |b| {
        b.iter(|| {
            runtime
                .block_on(core.execute(black_box(&command), &caller))
                .is_ok()
        })
    });
    group.finish();
}

/// `/case open` through the command core on SQLite, 32 at once (as bench/run.sh's wrk -c32
/// sends them) and one at a time: with group commit, the 32 share a few commits.
fn case_open(c: &mut Criterion) {
    use std::sync::atomic::{AtomicU64, Ordering};

    use backline::commands::OpenCase;

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (_, core) = imported(&runtime, dir.path(), 1_000);
    let guild = GuildId::new(GUILD).expect("a guild ID");
    let command = Command::CaseOpen(OpenCase {
        vendor: registry::names(42).slug,
        severity: "sev1".into(),
        summary: "Checkout 500s".into(),
        vendor_case_id: None,
        link: None,
    });
    let interactions = AtomicU64::new(1);
    let open = |core: Core, command: Command, interaction: u64| async move {
        let caller = Caller {
            guild: Some(guild),
            channel: Some(1),
            user: 42,
            interaction: Some(interaction),
            rights: Default::default(),
        };
        core.execute(&command, &caller).await.is_ok()
    };
    let mut group = c.benchmark_group("case_open_sqlite");
    group.bench_function("one", |b| {
        b.iter(|| {
            let interaction = interactions.fetch_add(1, Ordering::Relaxed);
            runtime.block_on(open(core.clone(), command.clone(), interaction))
        })
    });
    group.bench_function("32_at_once", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let openings = (0..32).map(|_| {
                    let interaction = interactions.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(open(core.clone(), command.clone(), interaction))
                });
                futures_util::future::join_all(openings).await.len()
            })
        })
    });
    group.finish();
}

/// `backline import`'s parse of a 10k-vendor plans file (25 MB), vendor by vendor.
fn import_parse_10k(c: &mut Criterion) {
    let plans = registry::plans_file(10_000).expect("a generated registry");
    let files = [plans_file::SourceFile {
        name: "bench.toml".into(),
        text: plans,
    }];
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.bench_function("parse_plans_file_10k", |b| {
        b.iter(|| plans_file::parse_files(black_box(&files)).map(|v| v.len()))
    });
    // What `backline import` hands the store: the vendors, batch by batch, each with its
    // stored document, parsed and written on every core.
    group.bench_function("vendor_batches_with_documents_10k", |b| {
        b.iter(|| {
            plans_file::VendorBatches::new(black_box(&files))
                .map(|batch| batch.len())
                .sum::<usize>()
        })
    });
    // The writer's side: planning each batch (what is added, its history line) and the
    // SQLite writes, into a fresh database each time; the batches are parsed beforehand.
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let guild = GuildId::new(GUILD).expect("a guild ID");
    group.bench_function("store_import_batches_10k_sqlite", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url =
                    store::DatabaseUrl::new(format!("sqlite://{}", dir.path().join("bench.db").display()));
                let store = runtime.block_on(store::connect(&url)).expect("a SQLite store");
                let batches: Vec<_> = plans_file::VendorBatches::new(&files).collect();
                (dir, store, batches)
            },
            |(dir, store, batches)| {
                let mut batches = batches.into_iter();
                let mut next = || batches.next().map(Ok);
                let summary = runtime.block_on(store.import_batches(guild, &mut next, false));
                runtime.block_on(store.close());
                drop(dir);
                summary.map(|s| s.added.len())
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// `backline cases export` of 10k cases with one event and five notifications each, as
/// bench/run.sh fills them, written to a sink: the formatting without the database.
fn cases_export_10k(c: &mut Criterion) {
    use backline::{
        commands::export,
        domain::{
            Severity, Timeline,
            case::{Case, CaseEvent, CaseStatus, Delivery, EventKind, Notification, Recipient},
        },
    };
    let at: chrono::DateTime<chrono::Utc> = NOW.parse().expect("a timestamp");
    let cases: Vec<(Case, Timeline)> = (1..=10_000i64)
        .map(|number| {
            let case = Case {
                number,
                vendor: VendorSlug::parse("acmebridge-monitoring").expect("a slug"),
                vendor_name: "Acmebridge Monitoring".into(),
                severity: Severity::Sev2,
                vendor_severity: Some("P2".into()),
                summary: format!("Checkout payments fail for some EU customers ({number})"),
                vendor_case_id: Some("CS-0042917".into()),
                link: Some("https://support.example.com/cases/CS-0042917".into()),
                channel_id: Some(500_000_000_000_000_001),
                opened_by: 300_000_000_000_000_001,
                opened_at: at,
                response_due: Some(at + chrono::Duration::hours(4)),
                status: CaseStatus::Open,
                escalation_level: 0,
                vendor_responded_at: None,
                closed_at: None,
                resolution: None,
            };
            let event = CaseEvent {
                id: number,
                at,
                kind: EventKind::Opened,
                actor: Some(300_000_000_000_000_001),
                detail: "opened with the vendor's premium support line".into(),
            };
            let notifications = (0..5u64)
                .map(|i| Notification {
                    event_id: number,
                    recipient: Recipient::User(600_000_000_000_000_000 + i),
                    label: format!("Contact {i} (escalation level {})", i / 2 + 1),
                    method: "channel-mention".into(),
                    at,
                    delivery: Delivery::Sent,
                    reason: None,
                })
                .collect();
            let timeline = Timeline {
                events: vec![event],
                notifications,
            };
            (case, timeline)
        })
        .collect();
    let mut group = c.benchmark_group("cases_export_10k");
    group.sample_size(10);
    group.bench_function("csv", |b| {
        b.iter(|| export::write_cases_csv(std::io::sink(), black_box(&cases)).is_ok())
    });
    group.bench_function("json", |b| {
        b.iter(|| export::write_cases_json(std::io::sink(), black_box(&cases)).is_ok())
    });
    group.finish();
}

criterion_group!(
    benches,
    autocomplete,
    autocomplete_interaction,
    support_reply,
    support_reply_with_status,
    findings_10k,
    import_parse_10k,
    cases_export_10k,
    case_open
);
criterion_main!(benches);
