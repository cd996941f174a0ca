//! After each poll of a status source: the vendor-incident alert in each guild's notice
//! channel (posted once per incident, edited on update and on resolution, whichever replica
//! gets there first), and the changes noted on the vendor's open cases.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    ComponentId, Core, Mentions, Reply, format::criticality_color, reminders::Poster, status_view, text::Text,
};
use crate::{
    domain::{
        GuildId, Severity, Vendor,
        case::CaseStatus,
        status::{
            ComponentState, ComponentStatus, Incident, Snapshot, StatusChange, StatusKind, StatusSource,
        },
    },
    store::status::{COMPONENTS_SUBJECT, StatusAlert, StatusEvent},
};

/// A vendor of a guild that watches a status source.
#[derive(Clone, Debug)]
pub struct StatusWatch {
    pub guild: GuildId,
    pub vendor: Arc<Vendor>,
    pub source: StatusSource,
}

/// What an alert is about, as posted: its stored state is this, as JSON.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Subject {
    Incident(Incident),
    Components(Vec<ComponentStatus>),
}

impl Subject {
    fn key(&self) -> &str {
        match self {
            Self::Incident(i) => &i.id,
            Self::Components(_) => COMPONENTS_SUBJECT,
        }
    }

    fn state(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The alerts a reading calls for: one per open incident; one for the watched components
/// that are out when no incident explains them. Maintenance alone alerts nobody.
fn subjects(watched: &Snapshot) -> Vec<Subject> {
    let mut subjects: Vec<Subject> = watched.incidents.iter().cloned().map(Subject::Incident).collect();
    let out: Vec<ComponentStatus> = watched
        .components
        .iter()
        .filter(|c| c.state > ComponentState::UnderMaintenance)
        .cloned()
        .collect();
    if subjects.is_empty() && !out.is_empty() {
        subjects.push(Subject::Components(out));
    }
    subjects
}

const RESOLVED: &str = "resolved";

impl Core {
    /// The clock commands and background jobs read.
    pub fn clock(&self) -> &Arc<dyn super::Clock> {
        &self.clock
    }

    /// Alerts and case notes after a poll of `url` was recorded with `events`.
    pub async fn after_status_poll(
        &self,
        url: &str,
        watchers: &[StatusWatch],
        events: &[StatusEvent],
        poster: Option<&dyn Poster>,
    ) -> anyhow::Result<()> {
        self.status.forget(url);
        let Some(reading) = self.store.status_reading(url).await? else {
            return Ok(());
        };
        for watch in watchers {
            self.note_cases(watch, events, poster).await?;
            // A failing source keeps its alerts as they are: unknown is not resolved.
            let Some(watched) = status_view::watched(&watch.source, &reading) else {
                continue;
            };
            let Some(poster) = poster else { continue };
            if watch.source.kind == StatusKind::Feed {
                self.alert_new_entries(watch, events, poster).await?;
            } else {
                self.reconcile_alerts(watch, &watched, poster).await?;
            }
        }
        Ok(())
    }

    /// A feed says nothing of resolution: each new entry is alerted once and left as posted.
    async fn alert_new_entries(
        &self,
        watch: &StatusWatch,
        events: &[StatusEvent],
        poster: &dyn Poster,
    ) -> anyhow::Result<()> {
        let Some(channel) = self.alert_channel(watch).await? else {
            return Ok(());
        };
        let role = self.store.guild_settings(watch.guild).await?.status_role;
        let now = self.now_seconds();
        for event in events {
            let StatusChange::IncidentOpened(entry) = &event.change else {
                continue;
            };
            let subject = Subject::Incident(entry.clone());
            let claimed = self
                .store
                .claim_status_alert(
                    watch.guild,
                    &watch.vendor.slug,
                    subject.key(),
                    channel,
                    &subject.state(),
                    now,
                )
                .await?;
            if let Some(alert) = claimed {
                let message = alert_message(&watch.vendor, &subject, false, role, now);
                self.send_alert(poster, alert, channel, &message).await?;
            }
        }
        Ok(())
    }

    /// The notice channel, when the guild wants alerts about this vendor.
    async fn alert_channel(&self, watch: &StatusWatch) -> anyhow::Result<Option<u64>> {
        let settings = self.store.guild_settings(watch.guild).await?;
        Ok(settings
            .notice_channel
            .filter(|_| settings.status_alerts.covers(watch.vendor.criticality)))
    }

    async fn reconcile_alerts(
        &self,
        watch: &StatusWatch,
        watched: &Snapshot,
        poster: &dyn Poster,
    ) -> anyhow::Result<()> {
        let guild = watch.guild;
        let Some(channel) = self.alert_channel(watch).await? else {
            return Ok(());
        };
        let role = self.store.guild_settings(guild).await?.status_role;
        let now = self.now_seconds();
        let wanted = subjects(watched);
        let open = self.store.open_status_alerts(guild, &watch.vendor.slug).await?;
        for subject in &wanted {
            let state = subject.state();
            let message = alert_message(&watch.vendor, subject, false, role, now);
            match open.iter().find(|a| a.subject == subject.key()) {
                None => {
                    let claimed = self
                        .store
                        .claim_status_alert(guild, &watch.vendor.slug, subject.key(), channel, &state, now)
                        .await?;
                    if let Some(alert) = claimed {
                        self.send_alert(poster, alert, channel, &message).await?;
                    }
                }
                Some(alert) if alert.posted_state != state => {
                    if self
                        .store
                        .advance_status_alert(alert.id, &alert.posted_state, &state, None)
                        .await?
                    {
                        self.edit_alert(poster, alert, &message).await?;
                    }
                }
                Some(_) => {}
            }
        }
        for alert in open
            .iter()
            .filter(|a| !wanted.iter().any(|s| s.key() == a.subject))
        {
            let Ok(was) = serde_json::from_str::<Subject>(&alert.posted_state) else {
                continue;
            };
            if self
                .store
                .advance_status_alert(alert.id, &alert.posted_state, RESOLVED, Some(now))
                .await?
            {
                let message = alert_message(&watch.vendor, &was, true, None, now);
                self.edit_alert(poster, alert, &message).await?;
            }
        }
        Ok(())
    }

    async fn send_alert(
        &self,
        poster: &dyn Poster,
        alert: i64,
        channel: u64,
        message: &Reply,
    ) -> anyhow::Result<()> {
        match poster.send(channel, message).await {
            Ok(id) => self.store.set_status_alert_message(alert, id).await?,
            Err(error) => {
                tracing::warn!(alert, error = %format!("{error:#}"), "could not post a vendor-incident alert")
            }
        }
        Ok(())
    }

    /// Edits the alert's message; one that never went out is posted now.
    async fn edit_alert(
        &self,
        poster: &dyn Poster,
        alert: &StatusAlert,
        message: &Reply,
    ) -> anyhow::Result<()> {
        match alert.message {
            Some(id) => {
                if let Err(error) = poster.edit(alert.channel, id, message).await {
                    tracing::warn!(alert = alert.id, error = %format!("{error:#}"), "could not edit a vendor-incident alert");
                }
                Ok(())
            }
            None => self.send_alert(poster, alert.id, alert.channel, message).await,
        }
    }

    /// Each change that concerns the vendor's watched components goes on the timeline of
    /// each of its open cases, and into the case's channel, once.
    async fn note_cases(
        &self,
        watch: &StatusWatch,
        events: &[StatusEvent],
        poster: Option<&dyn Poster>,
    ) -> anyhow::Result<()> {
        // A component seen for the first time (the page's first reading) is not a change.
        let relevant: Vec<&StatusEvent> = events
            .iter()
            .filter(|e| !matches!(e.change, StatusChange::Component { from: None, .. }))
            .filter(|e| status_view::concerns(&watch.source, &e.change))
            .collect();
        if relevant.is_empty() {
            return Ok(());
        }
        let cases = self
            .store
            .cases(watch.guild, Some(&watch.vendor.slug), None, 25)
            .await?;
        for case in cases.iter().filter(|c| c.status != CaseStatus::Closed) {
            for event in &relevant {
                let detail = format!(
                    "{} status: {}",
                    watch.vendor.name,
                    status_view::describe(&event.change)
                );
                let key = format!("event:{}", event.id);
                let noted = self
                    .store
                    .add_case_status_note(watch.guild, case.number, &key, &detail, event.seen_at)
                    .await?;
                if let (Some(_), Some(channel), Some(poster)) = (noted, case.channel_id, poster) {
                    let message = Reply {
                        content: Some(Text::from(format!("Case #{}: ", case.number)).plain(detail)),
                        ..Reply::default()
                    };
                    let sent = poster.post(channel, &message).await;
                    if sent.failures().next().is_some() {
                        tracing::warn!(case = case.number, error = %sent.summary(), "could not post a status change to a case");
                    }
                }
            }
        }
        Ok(())
    }
}

/// The alert: what the vendor reports, our plan's tier and sev1 response time, whether
/// support is available now, and the Open a case button (none once resolved).
fn alert_message(
    vendor: &Vendor,
    subject: &Subject,
    resolved: bool,
    role: Option<u64>,
    now: DateTime<Utc>,
) -> Reply {
    let (what, mut description) = match subject {
        Subject::Incident(incident) => {
            let mut lines = Vec::new();
            let impact = incident.impact.map(status_view::indicator_word);
            let detail: Vec<&str> = impact.into_iter().chain(incident.stage.as_deref()).collect();
            if !detail.is_empty() {
                lines.push(Text::from("Impact: ").bold(detail.join(", ")));
            }
            if let Some(update) = &incident.latest_update {
                lines
                    .push(Text::from("Latest update: ").plain(update.chars().take(1000).collect::<String>()));
            }
            if !incident.components.is_empty() {
                lines.push(Text::from(format!("Affects: {}", incident.components.join(", "))));
            }
            if let Some(link) = incident
                .link
                .as_deref()
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
            {
                lines.push(Text::from("Details: ").url(link));
            }
            (incident.title.chars().take(150).collect::<String>(), lines)
        }
        Subject::Components(components) => (
            "components not operational".to_owned(),
            components
                .iter()
                .map(|c| Text::from(format!("{}: {}", c.name, c.state.as_str())))
                .collect(),
        ),
    };
    if resolved {
        description.insert(
            0,
            Text::from("✅ ")
                .bold("Resolved")
                .plain(" — the vendor no longer reports it."),
        );
    }
    let plan = match &vendor.plan {
        Some(plan) => {
            let sev1 = plan
                .response
                .get(Severity::Sev1)
                .map_or_else(|| "none promised".to_owned(), |t| t.to_string());
            let coverage = plan.hours.coverage(now);
            let now_line = if coverage.covered {
                "🟢 support available now"
            } else {
                "🔴 outside support hours now"
            };
            Text::new()
                .bold(plan.tier.as_str())
                .plain(format!(" plan · sev1 first response {sev1} · {now_line}"))
        }
        None => Text::from("No support plan on record: best effort only."),
    };
    let prefix = if resolved { "Resolved" } else { "Vendor incident" };
    let mut reply = Reply {
        title: Some(
            format!("{prefix}: {} — {what}", vendor.name)
                .chars()
                .take(256)
                .collect(),
        ),
        description: Some(Text::lines(description)),
        color: Some(if resolved {
            0x2e_cc_71
        } else {
            criticality_color(vendor.criticality)
        }),
        ..Reply::default()
    }
    .field("Our support plan", plan);
    if let Some(role) = role {
        reply.content = Some(
            Text::new()
                .role(role)
                .plain(format!(" {} reports an incident.", vendor.name)),
        );
        reply.mentions = Mentions {
            users: Vec::new(),
            roles: vec![role],
        };
    }
    if !resolved {
        reply.buttons.push(super::Button {
            id: ComponentId::OpenCase(vendor.slug.clone()),
            label: "Open a case".into(),
        });
    }
    reply
}
