//! Property tests of the plans file: any input is either imported or answered with located
//! errors, never a panic; any valid registry survives import → export → import → export.

use backline::domain::{
    Contact, Criticality, Date, DiscordRoleId, DiscordUserId, EscalationLevel, Filing, GuildId, PerSeverity,
    Person, Plan, ResponseClock, ResponseTime, StatusKind, StatusSource, SupportHours, TimeOfDay, Vendor,
    VendorSlug, WebUrl,
    plans_file::{parse_str, to_toml},
};
use chrono::Weekday;
use proptest::prelude::*;

use crate::helpers::{TestDb, example_plans, postgres, sqlite};

/// Watched components for a generated vendor: none, one, or several (as a page names them).
fn aliases_for_status(i: usize) -> Vec<String> {
    [
        vec![],
        vec!["Git Operations".to_owned()],
        vec!["API Requests".to_owned(), "Webhooks".to_owned()],
        vec!["Ünïcode Sérvice".to_owned()],
    ][i % 4]
        .clone()
}

/// A runtime and one SQLite database shared by the cases of a property (one guild per case).
fn store() -> (tokio::runtime::Runtime, TestDb) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(sqlite());
    (runtime, db)
}

// ---- arbitrary, TOML-ish input ----

/// Any string, or one made mostly of control, invisible and line-breaking characters.
fn awkward() -> impl Strategy<Value = String> {
    prop_oneof![
        // Plain text: enough generated vendors are valid that the import path is exercised.
        "[A-Za-z][A-Za-z ]{0,11}",
        any::<String>(),
        "[a-z \\x00-\\x1F\\x7F\u{85}\u{200B}\u{2028}\u{FEFF}]{0,12}",
        // One odd character in otherwise plain text.
        ("[a-z]{1,5}", prop::char::range('\0', '\u{A0}'), "[a-z ]{0,5}")
            .prop_map(|(a, c, b)| format!("{a}{c}{b}")),
    ]
}

/// Pieces of plans files, valid and not, glued together at random.
fn toml_ish() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[[vendor]]".to_owned()),
        Just("[vendor.owner]".to_owned()),
        Just("[vendor.plan]".to_owned()),
        Just("[vendor.filing]".to_owned()),
        Just("[[vendor.escalation]]".to_owned()),
        Just("[[vendor.escalation.contacts]]".to_owned()),
        Just("[vendor]".to_owned()),
        (
            prop::sample::select(vec![
                "slug",
                "name",
                "criticality",
                "aliases",
                "tier",
                "hours",
                "notes",
                "steps",
                "template",
                "response",
                "sev1",
                "days",
                "start",
                "end",
                "timezone",
                "discord_id",
                "verified",
                "portal",
                "review_every",
                "vendor",
                "x",
            ]),
            prop_oneof![
                any::<String>().prop_map(|s| format!("{s:?}")),
                "[a-z0-9 :/.-]{0,12}".prop_map(|s| format!("\"{s}\"")),
                Just("\"24x7\"".to_owned()),
                Just("\"critical\"".to_owned()),
                Just(
                    "{ days = [\"mon\"], start = \"22:00\", end = \"06:00\", timezone = \"Asia/Tokyo\" }"
                        .to_owned()
                ),
                Just("{ sev1 = \"15m\" }".to_owned()),
                Just("[\"a\", \"\"]".to_owned()),
                any::<i64>().prop_map(|n| n.to_string()),
                Just("2026-02-30".to_owned()),
                Just("\"\"\"\nmulti\nline\"\"\"".to_owned()),
            ],
        )
            .prop_map(|(key, value)| format!("{key} = {value}")),
        any::<String>(),
    ];
    prop_oneof![
        1 => prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n")),
        // A whole vendor whose text is anything at all, written as TOML strings.
        2 => (awkward(), awkward(), awkward(), awkward()).prop_map(|(name, owner, notes, step)| {
            let quoted = |s: String| toml::Value::String(s).to_string();
            format!(
                "[[vendor]]\nslug = \"fuzz\"\nname = {}\ncriticality = \"low\"\nnotes = {}\n[vendor.owner]\nname = {}\n[vendor.filing]\nsteps = [{}]\n",
                quoted(format!("v {name}")),
                quoted(notes),
                quoted(owner),
                quoted(step)
            )
        }),
    ]
}

#[test]
fn any_input_imports_or_gets_located_errors() {
    let (runtime, db) = store();
    // What passes validation must import on PostgreSQL too (NUL once did not).
    // PostgreSQL too when the tests are built with a server (see build.rs).
    let postgres = (!cfg!(no_test_postgres)).then(|| runtime.block_on(postgres()));
    let guild = std::cell::Cell::new(0);
    let imported = std::cell::Cell::new(0);
    proptest!(ProptestConfig { cases: 256, ..ProptestConfig::default() }, |(text in toml_ish())| {
        let lines = text.split('\n').count();
        match parse_str("fuzz.toml", &text) {
            Ok(vendors) => {
                // What passes validation also imports.
                imported.set(imported.get() + usize::from(!vendors.is_empty()));
                guild.set(guild.get() + 1);
                let guild = GuildId::new(guild.get()).unwrap();
                for db in std::iter::once(&db).chain(&postgres) {
                    runtime.block_on(db.store.import(guild, &vendors, false)).unwrap();
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert_eq!(&e.file, "fuzz.toml");
                    prop_assert!(e.line >= 1 && e.line <= lines, "{} of {} lines", e, lines);
                    prop_assert!(e.column >= 1, "{}", e);
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    });
    assert!(
        imported.get() > 10,
        "only {} inputs with vendors imported",
        imported.get()
    );
}

// ---- valid registries ----

/// Text that follows the rules but is full of what breaks naive code: quotes, backslashes,
/// TOML and Markdown syntax, non-ASCII, zero-width characters between visible ones.
fn text(max: usize, multi_line: bool) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 ]{1,8}",
        prop::sample::select(vec![
            "\"",
            "'",
            "\\",
            "\"\"\"",
            "'''",
            "#",
            "[[vendor]]",
            "=",
            "{",
            "}",
            "<@everyone>",
            "**",
            "`",
            "~~~",
            "é",
            "日本",
            "🚨",
            "\u{200B}",
            "ＡＷＳ",
            "ﬁ",
            "=1+1",
            "-",
            "@",
        ])
        .prop_map(str::to_owned),
        if multi_line {
            prop::sample::select(vec!["\n", "\t", "\r\n", "\n\n# heading\n"])
                .prop_map(str::to_owned)
                .boxed()
        } else {
            Just(" ".to_owned()).boxed()
        },
    ];
    prop::collection::vec(piece, 0..6).prop_map(move |pieces| {
        let mut s: String = format!("x{}", pieces.concat());
        while s.chars().count() > max {
            s.pop();
        }
        s
    })
}

fn person(name: String, id: Option<u64>, day: Option<u32>) -> Person {
    Person {
        name,
        team: Some("SRE".into()),
        email: None,
        discord_id: id.map(|i| DiscordUserId::new(i).unwrap()),
        verified: day.map(|d| Date::parse(&format!("2026-10-{:02}", d % 28 + 1)).unwrap()),
    }
}

fn hours() -> impl Strategy<Value = SupportHours> {
    prop_oneof![
        Just(SupportHours::Always),
        (1u8..128, 0u32..1440, 0u32..=1440, 0usize..3).prop_filter_map(
            "empty hours",
            |(mask, start, end, zone)| {
                (start != end).then(|| SupportHours::Business {
                    days: (0..7u8)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| Weekday::try_from(i).unwrap())
                        .collect(),
                    start: TimeOfDay::parse(&format!("{:02}:{:02}", start / 60, start % 60)).unwrap(),
                    end: TimeOfDay::parse(&format!("{:02}:{:02}", end / 60, end % 60)).unwrap(),
                    timezone: ["Asia/Tokyo", "Europe/Berlin", "America/St_Johns"][zone]
                        .parse()
                        .unwrap(),
                })
            }
        ),
    ]
}

fn vendor(index: usize) -> impl Strategy<Value = Vendor> {
    let slug = format!("v{index}");
    (
        (
            text(90, false),
            prop::collection::vec(text(90, false), 0..3),
            0usize..4,
        ),
        (
            text(100, false),
            text(100, false),
            proptest::option::of(1u64..1 << 62),
            proptest::option::of(0u32..60),
        ),
        proptest::option::of((
            text(100, false),
            hours(),
            proptest::option::of(1u64..5000),
            any::<bool>(),
        )),
        (
            prop::collection::vec(text(300, false), 0..3),
            proptest::option::of(text(1000, true)),
            proptest::option::of(text(1000, true)),
        ),
        prop::collection::vec(
            (
                text(100, false),
                proptest::option::of(text(100, false)),
                proptest::option::of(1u64..1 << 62),
            ),
            0..3,
        ),
    )
        .prop_map(move |(names, people, plan, filing, contacts)| {
            let (name, aliases, criticality) = names;
            let (owner, backup, id, day) = people;
            let prefix = |s: String| format!("{slug} {s}");
            Vendor {
                slug: VendorSlug::parse(&slug).unwrap(),
                name: prefix(name),
                aliases: aliases.into_iter().map(prefix).collect(),
                criticality: [
                    Criticality::Critical,
                    Criticality::High,
                    Criticality::Medium,
                    Criticality::Low,
                ][criticality],
                workloads: vec!["checkout".into()],
                status_page: Some(WebUrl::parse("https://status.example.com/").unwrap()),
                status: Some(StatusSource {
                    kind: StatusKind::ALL[criticality],
                    url: WebUrl::parse("https://status.example.com/").unwrap(),
                    components: aliases_for_status(criticality),
                }),
                review_every: ResponseTime::from_days(90),
                notes: filing.2,
                owner: person(owner, id, day),
                backup: Some(person(backup, None, None)),
                needs: PerSeverity {
                    sev1: Some(ResponseTime::from_minutes(30)),
                    ..PerSeverity::default()
                },
                plan: plan.map(|(tier, hours, minutes, business)| Plan {
                    tier,
                    account_id: None,
                    renews: None,
                    hours,
                    response_clock: if business {
                        ResponseClock::BusinessHours
                    } else {
                        ResponseClock::Calendar
                    },
                    response: PerSeverity {
                        sev2: minutes.map(ResponseTime::from_minutes),
                        ..PerSeverity::default()
                    },
                    severity_names: PerSeverity::default(),
                }),
                filing: Filing {
                    portal: None,
                    phone: Some("+1 555 0100".into()),
                    email: None,
                    steps: filing.0,
                    required_info: Vec::new(),
                    template: filing.1,
                },
                escalation: vec![EscalationLevel {
                    name: "Support".into(),
                    escalate_after: None,
                    contacts: contacts
                        .into_iter()
                        .map(|(name, role, id)| Contact {
                            name,
                            role,
                            email: None,
                            phone: None,
                            discord_id: id.map(|i| DiscordUserId::new(i).unwrap()),
                            verified: None,
                        })
                        .collect(),
                }],
                notify_roles: PerSeverity {
                    sev1: Some(vec![DiscordRoleId::new(402811948512779001).unwrap()]),
                    ..PerSeverity::default()
                },
            }
        })
}

fn registry() -> impl Strategy<Value = Vec<Vendor>> {
    (1usize..5).prop_flat_map(|n| (0..n).map(vendor).collect::<Vec<_>>())
}

#[test]
fn the_example_registry_round_trips_through_sqlite() {
    let (runtime, db) = store();
    let vendors = parse_str("plans.toml", &example_plans()).unwrap();
    runtime.block_on(round_trip(&db, 1, &vendors)).unwrap();
}

/// Imports `vendors` into guild `guild`, exports, imports that into guild `guild + 1`,
/// exports again: both exports must be the same text and parse back to `vendors`.
async fn round_trip(db: &TestDb, guild: u64, vendors: &[Vendor]) -> Result<(), TestCaseError> {
    let first = GuildId::new(guild).unwrap();
    let second = GuildId::new(guild + 1).unwrap();
    let text = to_toml(vendors).unwrap();
    let parsed =
        parse_str("generated.toml", &text).map_err(|e| TestCaseError::fail(format!("{e:#?}\n{text}")))?;
    prop_assert_eq!(&parsed, &sorted(vendors));
    db.store.import(first, &parsed, false).await.unwrap();
    let exported = to_toml(&db.store.vendors(first).await.unwrap()).unwrap();
    let again = parse_str("exported.toml", &exported).map_err(|e| TestCaseError::fail(format!("{e:#?}")))?;
    db.store.import(second, &again, false).await.unwrap();
    let exported_again = to_toml(&db.store.vendors(second).await.unwrap()).unwrap();
    prop_assert_eq!(&exported, &exported_again);
    prop_assert_eq!(&exported, &text);
    Ok(())
}

fn sorted(vendors: &[Vendor]) -> Vec<Vendor> {
    let mut sorted = vendors.to_vec();
    sorted.sort_by(|a, b| a.slug.cmp(&b.slug));
    sorted
}

#[test]
fn generated_registries_round_trip_through_sqlite() {
    let (runtime, db) = store();
    let guild = std::cell::Cell::new(1);
    proptest!(ProptestConfig { cases: 48, ..ProptestConfig::default() }, |(vendors in registry())| {
        guild.set(guild.get() + 2);
        runtime.block_on(round_trip(&db, guild.get(), &vendors))?;
    });
}
