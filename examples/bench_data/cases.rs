//! Cases for the export benchmark: the first opened through backline's store (so every
//! value is stored as backline stores it), the others copied from it in SQL, in one
//! transaction (10k cases with 50k notifications take a second or two, not minutes of
//! `open_case` one by one).

use backline::{
    domain::{
        GuildId, Severity, VendorSlug,
        case::{Delivery, EventKind, NotifyTarget, Recipient},
    },
    store::{self, DatabaseUrl, NewCase, NewEvent, Store},
};

use crate::registry;

/// Each statement takes the guild (`$1`) and the number of cases wanted (`$2`); case 1 is
/// the template. The copies keep its event and notifications, and get their own number
/// and summary.
const COPY_STATEMENTS: [&str; 4] = [
    "WITH RECURSIVE n(i) AS (SELECT CAST(2 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
     INSERT INTO cases (guild_id, number, vendor_slug, vendor_name, severity, vendor_severity, summary, \
     vendor_case_id, link, channel_id, opened_by, opened_at, response_due, status, escalation_level, \
     vendor_responded_at, closed_at, resolution) \
     SELECT t.guild_id, n.i, t.vendor_slug, t.vendor_name, t.severity, t.vendor_severity, \
     t.summary || ' (' || n.i || ')', t.vendor_case_id, t.link, t.channel_id, t.opened_by, t.opened_at, \
     t.response_due, t.status, t.escalation_level, t.vendor_responded_at, t.closed_at, t.resolution \
     FROM cases t, n WHERE t.guild_id = $1 AND t.number = 1 ORDER BY n.i",
    "INSERT INTO case_events (guild_id, case_id, at, kind, actor, detail) \
     SELECT e.guild_id, c.id, e.at, e.kind, e.actor, e.detail FROM case_events e \
     JOIN cases t ON t.id = e.case_id \
     JOIN cases c ON c.guild_id = t.guild_id AND c.number > 1 AND c.number <= $2 \
     WHERE t.guild_id = $1 AND t.number = 1 ORDER BY c.number, e.id",
    "INSERT INTO notifications (guild_id, case_id, event_id, recipient_kind, recipient_id, label, method, \
     at, delivery, reason) \
     SELECT n.guild_id, c.id, ce.id, n.recipient_kind, n.recipient_id, n.label, n.method, n.at, n.delivery, \
     n.reason FROM notifications n \
     JOIN cases t ON t.id = n.case_id \
     JOIN case_events te ON te.id = n.event_id \
     JOIN cases c ON c.guild_id = t.guild_id AND c.number > 1 AND c.number <= $2 \
     JOIN case_events ce ON ce.case_id = c.id AND ce.kind = te.kind \
     WHERE t.guild_id = $1 AND t.number = 1 ORDER BY c.number, n.id",
    "UPDATE case_counters SET last_number = $2 WHERE guild_id = $1",
];

/// Gives `guild` (which must have no cases yet) `cases` cases, each opened with
/// `notifications` notifications marked sent.
pub fn fill(url: &str, guild: u64, cases: u64, notifications: u64) -> Result<(), String> {
    if cases == 0 {
        return Err("CASES must be at least 1".into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // Connecting creates the tables of a new database.
        let store = store::connect(&DatabaseUrl::new(url))
            .await
            .map_err(|e| format!("{e:#}"))?;
        let existing = crate::count_cases_async(url, guild as i64).await?;
        if existing > 0 {
            store.close().await;
            return Err(format!("guild {guild} already has {existing} cases"));
        }
        let opened = open_template(store.as_ref(), guild, notifications).await;
        store.close().await;
        opened?;
        copy_template(url, guild, cases).await
    })
}

async fn open_template(store: &dyn Store, guild: u64, notifications: u64) -> Result<(), String> {
    let guild = GuildId::new(guild)?;
    let names = registry::names(0);
    let now = chrono::Utc::now();
    let case = NewCase {
        vendor: VendorSlug::parse(&names.slug)?,
        vendor_name: names.name,
        severity: Severity::Sev2,
        vendor_severity: Some("P2".into()),
        summary: "Checkout payments fail for some EU customers".into(),
        vendor_case_id: Some("CS-0042917".into()),
        link: Some("https://support.example.com/cases/CS-0042917".into()),
        channel_id: Some(500_000_000_000_000_001),
        opened_by: 300_000_000_000_000_001,
        opened_at: now,
        response_due: Some(now + chrono::Duration::hours(4)),
    };
    let event = NewEvent {
        kind: EventKind::Opened,
        actor: Some(300_000_000_000_000_001),
        detail: "opened with the vendor's premium support line".into(),
        at: now,
        interaction_id: Some(1),
    };
    let targets: Vec<NotifyTarget> = (0..notifications)
        .map(|i| NotifyTarget {
            recipient: if i % 5 == 4 {
                Recipient::Role(700_000_000_000_000_000 + i)
            } else {
                Recipient::User(600_000_000_000_000_000 + i)
            },
            label: format!("Contact {i} (escalation level {})", i / 2 + 1),
        })
        .collect();
    let recorded = store
        .open_case(guild, &case, &event, &targets)
        .await
        .map_err(|e| format!("opening the template case: {e}"))?;
    store
        .mark_delivery(guild, recorded.event_id, Delivery::Sent)
        .await
        .map_err(|e| format!("marking the template's notifications sent: {e}"))
}

async fn copy_template(url: &str, guild: u64, cases: u64) -> Result<(), String> {
    let (guild, cases) = (guild as i64, cases as i64);
    let db = |e: sqlx::Error| format!("copying the template case: {e}");
    // The same statements in one transaction, then ANALYZE, on either backend's pool.
    macro_rules! copy_with {
        ($pool:ty) => {{
            let pool = <$pool>::connect(url).await.map_err(db)?;
            let mut tx = pool.begin().await.map_err(db)?;
            for sql in COPY_STATEMENTS {
                sqlx::query(sql)
                    .bind(guild)
                    .bind(cases)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            sqlx::raw_sql("ANALYZE").execute(&pool).await.map_err(db)?;
        }};
    }
    if url.starts_with("postgres") {
        copy_with!(sqlx::PgPool);
    } else {
        copy_with!(sqlx::SqlitePool);
    }
    Ok(())
}
