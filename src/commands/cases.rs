//! `/case open|escalate|update|close`: record what happened and notify exactly who should know.

use chrono::{DateTime, SubsecRound, Utc};

use super::{Caller, CommandError, Core, Reply, Text, case_views};
use crate::{
    domain::{
        GuildId, Severity, Vendor,
        case::{self, Case, CaseStatus, CaseSummary, EventKind, NotifyTarget, bounded_text},
    },
    store::{NewCase, NewEvent, StoreError},
};

/// The limits live with the case type; re-exported for the command registration.
pub use crate::domain::case::{LINK_MAX, NOTE_MAX, VENDOR_CASE_ID_MAX};

/// `/case open` as typed (or as filled in the form behind "Open a case").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCase {
    pub vendor: String,
    pub severity: String,
    pub summary: String,
    pub vendor_case_id: Option<String>,
    pub link: Option<String>,
}

/// `/case update`: any of the three, at least one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateCase {
    pub case: String,
    pub vendor_case_id: Option<String>,
    pub status: Option<String>,
    pub note: Option<String>,
}

fn user(message: impl Into<Text>) -> CommandError {
    CommandError::User(message.into())
}

/// `12`, `#12` or an autocomplete value → a case number.
pub fn parse_case_number(input: &str) -> Result<i64, CommandError> {
    input
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            user(
                Text::new()
                    .code(input)
                    .plain(" is not a case number: pick a case from the list, e.g. ")
                    .code("12")
                    .plain("."),
            )
        })
}

fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, CommandError> {
    value
        .map(|v| bounded_text(field, v, max))
        .transpose()
        .map(Option::flatten)
        .map_err(user)
}

fn link(value: Option<&str>) -> Result<Option<String>, CommandError> {
    let link = optional("link", value, LINK_MAX)?;
    if let Some(l) = &link
        && (!(l.starts_with("https://") || l.starts_with("http://")) || l.contains(char::is_whitespace))
    {
        return Err(user(
            Text::from("The link ")
                .code(l.as_str())
                .plain(" is not a web address: paste the full https:// address."),
        ));
    }
    Ok(link)
}

impl Core {
    pub(super) fn now_seconds(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(0)
    }

    pub(super) async fn open_case(
        &self,
        guild: GuildId,
        caller: &Caller,
        open: &OpenCase,
    ) -> Result<Reply, CommandError> {
        let severity = Severity::parse(&open.severity).map_err(user)?;
        let summary = CaseSummary::parse(&open.summary).map_err(user)?;
        let vendor_case_id = optional(
            "vendor case ID",
            open.vendor_case_id.as_deref(),
            VENDOR_CASE_ID_MAX,
        )?;
        let link = link(open.link.as_deref())?;
        let vendor = self.find_vendor(guild, &open.vendor).await?;
        // While the database is known to be down, say so at once rather than wait on it.
        let unrecorded = || {
            let private = self.sensitive_contacts_in_memory(guild).unwrap_or(true);
            super::support::unrecorded_card(&vendor, private)
        };
        if self.registry.database_down() {
            return Ok(unrecorded());
        }
        let now = self.now_seconds();
        let new = NewCase {
            vendor: vendor.slug.clone(),
            vendor_name: vendor.name.clone(),
            severity,
            vendor_severity: vendor
                .plan
                .as_ref()
                .and_then(|p| p.severity_names.get(severity).cloned()),
            summary: summary.as_str().to_owned(),
            vendor_case_id,
            link,
            channel_id: caller.channel,
            opened_by: caller.user,
            opened_at: now,
            response_due: case::response_due(&vendor, severity, now),
        };
        let targets = case::opening_targets(&vendor, severity);
        let event = NewEvent {
            kind: EventKind::Opened,
            actor: Some(caller.user),
            detail: format!("{severity}: {}", summary.as_str()),
            at: now,
            interaction_id: caller.interaction,
        };
        let recorded = match self.store.open_case(guild, &new, &event, &targets).await {
            Err(error) if self.registry.observe(&error) => {
                tracing::warn!(%error, "a case could not be recorded: the database is unreachable");
                return Ok(unrecorded());
            }
            recorded => recorded?,
        };
        if !recorded.replayed {
            self.metrics.case_event(event.kind.as_str());
        }
        // A first delivery notified exactly `targets`; a redelivery shows what was recorded then.
        let notified: Vec<NotifyTarget> = if recorded.replayed {
            let timeline = self.store.timeline(guild, recorded.case.number).await?;
            timeline
                .notifications
                .iter()
                .filter(|n| n.event_id == recorded.event_id)
                .map(|n| NotifyTarget {
                    recipient: n.recipient,
                    label: n.label.clone(),
                })
                .collect()
        } else {
            self.note_status_at_opening(guild, &vendor, recorded.case.number)
                .await;
            targets
        };
        let mut reply = case_views::opened_card(&vendor, &recorded.case, &notified, caller.user);
        reply.delivers = Some(super::Delivers {
            guild,
            event_id: recorded.event_id,
        });
        Ok(reply)
    }

    pub(super) async fn existing_case(&self, guild: GuildId, input: &str) -> Result<Case, CommandError> {
        let number = parse_case_number(input)?;
        self.store.case(guild, number).await?.ok_or_else(|| {
            user(
                Text::from(format!("There is no case #{number} in this server. "))
                    .code("/case list")
                    .plain(" shows the cases here."),
            )
        })
    }

    /// The vendor a case was opened with, which may since have left the registry.
    async fn case_vendor(&self, guild: GuildId, case: &Case) -> Result<Option<Vendor>, CommandError> {
        Ok(self.store.vendor(guild, &case.vendor).await?)
    }

    /// Records `after` with its event; a concurrent change becomes a user message.
    async fn save(
        &self,
        guild: GuildId,
        before: &Case,
        after: &Case,
        event: NewEvent,
        notify: &[NotifyTarget],
    ) -> Result<crate::store::Recorded, CommandError> {
        match self
            .store
            .record_case_event(guild, before, after, &event, notify)
            .await
        {
            Err(StoreError::Conflict(_)) => Err(user(
                Text::from(format!(
                    "Case #{} was changed by someone else a moment ago. Look at ",
                    before.number
                ))
                .code(format!("/case show case:{}", before.number))
                .plain(" and try again."),
            )),
            other => {
                let recorded = other?;
                if !recorded.replayed {
                    self.metrics.case_event(event.kind.as_str());
                }
                Ok(recorded)
            }
        }
    }

    pub(super) async fn escalate_case(
        &self,
        guild: GuildId,
        caller: &Caller,
        input: &str,
    ) -> Result<Reply, CommandError> {
        let before = self.existing_case(guild, input).await?;
        if before.status == CaseStatus::Closed {
            return Err(user(format!(
                "Case #{} is closed: there is nothing to escalate.",
                before.number
            )));
        }
        let vendor = self.case_vendor(guild, &before).await?.ok_or_else(|| {
            user(format!(
                "{} is no longer in the registry, so its escalation ladder is unknown.",
                before.vendor_name
            ))
        })?;
        let next = before.escalation_level + 1;
        let Some(level) = vendor.escalation.get(next) else {
            let top = vendor.escalation.get(before.escalation_level).map_or_else(
                || "no ladder on record".to_owned(),
                |l| format!("level {}: {}", before.escalation_level + 1, l.name),
            );
            return Err(user(format!(
                "Case #{} is already at the top of {}'s escalation ladder ({top}). Nothing further to escalate to.",
                before.number, vendor.name
            )));
        };
        let mut after = before.clone();
        after.escalation_level = next;
        let targets = case::level_targets(&vendor, next);
        let event = NewEvent {
            kind: EventKind::Escalated,
            actor: Some(caller.user),
            detail: format!("to level {}: {}", next + 1, level.name),
            at: self.now_seconds(),
            interaction_id: caller.interaction,
        };
        let recorded = self.save(guild, &before, &after, event, &targets).await?;
        let mut reply = case_views::escalated_card(&vendor, &recorded.case, &targets, caller.user);
        reply.delivers = Some(super::Delivers {
            guild,
            event_id: recorded.event_id,
        });
        Ok(reply)
    }

    pub(super) async fn update_case(
        &self,
        guild: GuildId,
        caller: &Caller,
        update: &UpdateCase,
    ) -> Result<Reply, CommandError> {
        let vendor_case_id = optional(
            "vendor case ID",
            update.vendor_case_id.as_deref(),
            VENDOR_CASE_ID_MAX,
        )?;
        let note = optional("note", update.note.as_deref(), NOTE_MAX)?;
        let status = update
            .status
            .as_deref()
            .map(CaseStatus::parse)
            .transpose()
            .map_err(user)?;
        if vendor_case_id.is_none() && note.is_none() && status.is_none() {
            return Err(user(
                "Nothing to update: give a vendor case ID, a status (vendor-responded) or a note.",
            ));
        }
        let before = self.existing_case(guild, &update.case).await?;
        if before.status == CaseStatus::Closed {
            return Err(user(format!(
                "Case #{} is closed. Open a new case if the problem is back.",
                before.number
            )));
        }
        let now = self.now_seconds();
        let mut after = before.clone();
        let mut changes = Vec::new();
        let mut kind = EventKind::Updated;
        if let Some(id) = &vendor_case_id {
            changes.push(format!("vendor case ID: {id}"));
            after.vendor_case_id = Some(id.clone());
        }
        match status {
            Some(CaseStatus::VendorResponded) if before.status == CaseStatus::Open => {
                kind = EventKind::VendorResponded;
                after.status = CaseStatus::VendorResponded;
                after.vendor_responded_at = Some(now);
                changes.push("the vendor responded".to_owned());
            }
            Some(CaseStatus::VendorResponded) => {
                return Err(user(format!(
                    "Case #{}: the vendor's response is already recorded.",
                    before.number
                )));
            }
            Some(CaseStatus::Closed) => {
                return Err(user(
                    Text::from(format!("To close case #{}, use ", before.number))
                        .code("/case close")
                        .plain(" (it asks for the resolution)."),
                ));
            }
            Some(CaseStatus::Open) => {
                return Err(user(
                    "A case is open until the vendor responds or it is closed; that status cannot be set.",
                ));
            }
            None => {}
        }
        if let Some(note) = &note {
            changes.push(format!("note: {note}"));
        }
        let event = NewEvent {
            kind,
            actor: Some(caller.user),
            detail: changes.join("; "),
            at: now,
            interaction_id: caller.interaction,
        };
        let recorded = self.save(guild, &before, &after, event, &[]).await?;
        Ok(case_views::updated_card(&recorded.case, &changes, caller.user))
    }

    pub(super) async fn close_case(
        &self,
        guild: GuildId,
        caller: &Caller,
        input: &str,
        resolution: Option<&str>,
    ) -> Result<Reply, CommandError> {
        let resolution = optional("resolution", resolution, NOTE_MAX)?;
        let before = self.existing_case(guild, input).await?;
        if before.status == CaseStatus::Closed {
            return Err(user(format!("Case #{} is already closed.", before.number)));
        }
        let now = self.now_seconds();
        let mut after = before.clone();
        after.status = CaseStatus::Closed;
        after.closed_at = Some(now);
        after.resolution = resolution.clone();
        let event = NewEvent {
            kind: EventKind::Closed,
            actor: Some(caller.user),
            detail: resolution.unwrap_or_else(|| "closed".to_owned()),
            at: now,
            interaction_id: caller.interaction,
        };
        let recorded = self.save(guild, &before, &after, event, &[]).await?;
        Ok(case_views::closed_card(&recorded.case, caller.user))
    }
}
