//! A vendor's live status as the top lines of the `/support` card: what the vendor reports
//! about the components we use, its open incidents and maintenance, and when it was read.
//! A source that fails, was never read, or has not been read for a while is "unknown",
//! never "operational".

use chrono::{DateTime, Duration, Utc};

use super::text::{Span, Text, TimeStyle};
use crate::domain::status::{Indicator, SourceReading, StatusKind, StatusSource};

/// A reading older than this is not shown as the vendor's status (the poller has stopped
/// reaching the page, or stopped).
pub const STALE_AFTER: Duration = Duration::minutes(15);

/// The most incidents, components, maintenances and feed entries listed; the rest of the
/// incidents and components are counted.
const MAX_LISTED: usize = 3;

/// What a status page writes is not ours: a title or name longer than this is cut, so the
/// card stays within Discord's limits whatever the page says.
const MAX_TITLE_CHARS: usize = 150;

/// The status lines for a vendor whose status comes from `source`.
pub fn status_lines(source: &StatusSource, reading: &SourceReading, now: DateTime<Utc>) -> Vec<Text> {
    let fresh = reading.checked_at.is_some_and(|at| now - at <= STALE_AFTER);
    let snapshot = match (&reading.snapshot, reading.failing_since, fresh) {
        (Some(snapshot), None, true) => snapshot.watched_by(source),
        _ => return vec![unknown(reading)],
    };
    let mut lines = Vec::new();
    if source.kind == StatusKind::Feed {
        lines.push(
            Text::from("⚪ Vendor status: ")
                .bold("feed only")
                .plain(" (a feed says no overall status)"),
        );
        for entry in snapshot.incidents.iter().take(MAX_LISTED) {
            let mut line = Text::from("📰 ").then(link(&entry.title, entry.link.as_deref()));
            if let Some(at) = entry.updated_at {
                line = line.plain(" · ").time(at, TimeStyle::Relative);
            }
            lines.push(line);
        }
    } else {
        let from_components = snapshot.worst_component().indicator();
        let from_incidents = snapshot.incidents.iter().filter_map(|i| i.impact).max();
        let level = from_components.max(from_incidents.unwrap_or(Indicator::Operational));
        let mut headline = Text::from(format!("{} Vendor status: ", emoji(level))).bold(level.as_str());
        if let Some(page) = snapshot.indicator
            && page != level
            && !source.components.is_empty()
        {
            headline = headline.plain(format!(
                " for the components we use (whole page: {})",
                page.as_str()
            ));
        }
        lines.push(headline);
        let affected: Vec<String> = snapshot
            .components
            .iter()
            .filter(|c| c.state != crate::domain::status::ComponentState::Operational)
            .map(|c| format!("{} ({})", cut(&c.name, MAX_TITLE_CHARS), c.state.as_str()))
            .collect();
        if !affected.is_empty() {
            lines.push(Text::from(format!("Affected: {}", listed(&affected))));
        }
        for incident in snapshot.incidents.iter().take(MAX_LISTED) {
            let mut line = Text::from("⚠️ ").then(link(&incident.title, incident.link.as_deref()));
            if let Some(impact) = incident.impact {
                line = line.plain(format!(" · impact: {}", impact_word(impact)));
            }
            if let Some(stage) = &incident.stage {
                line = line.plain(format!(" · {stage}"));
            }
            if let Some(at) = incident.updated_at {
                line = line.plain(" · updated ").time(at, TimeStyle::Relative);
            }
            lines.push(line);
        }
        if snapshot.incidents.len() > MAX_LISTED {
            lines.push(Text::from(format!(
                "and {} more open incident(s)",
                snapshot.incidents.len() - MAX_LISTED
            )));
        }
        for maintenance in snapshot.maintenances.iter().take(MAX_LISTED) {
            lines.push(
                Text::from("🔧 Maintenance in progress: ")
                    .then(link(&maintenance.title, maintenance.link.as_deref())),
            );
        }
    }
    if let Some(at) = reading.checked_at {
        lines.push(Text::from("Last checked ").time(at, TimeStyle::Relative));
    }
    lines
}

fn unknown(reading: &SourceReading) -> Text {
    let since = reading.failing_since.or(reading.checked_at);
    match since {
        Some(since) => Text::from("⚪ Vendor status: ")
            .bold("unknown")
            .plain(" since ")
            .time(since, TimeStyle::Full)
            .plain(" (the status page could not be read)"),
        None => Text::from("⚪ Vendor status: ")
            .bold("unknown")
            .plain(" (the status page has not been read yet)"),
    }
}

/// A page's title, cut to fit a line of the card, linked when the page gave a web address.
fn link(title: &str, url: Option<&str>) -> Text {
    let title = cut(title, MAX_TITLE_CHARS);
    match url.filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        Some(url) => {
            let mut text = Text::new();
            text.push(Span::Link {
                text: title.to_owned(),
                url: url.to_owned(),
            });
            text
        }
        None => Text::from(title.to_owned()),
    }
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

fn listed(items: &[String]) -> String {
    if items.len() <= MAX_LISTED {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..MAX_LISTED].join(", "),
        items.len() - MAX_LISTED
    )
}

fn emoji(level: Indicator) -> &'static str {
    match level {
        Indicator::Operational => "🟢",
        Indicator::Maintenance => "🔧",
        Indicator::Minor => "🟡",
        Indicator::Major => "🟠",
        Indicator::Critical => "🔴",
    }
}

/// An incident's impact in a word.
fn impact_word(impact: Indicator) -> &'static str {
    match impact {
        Indicator::Operational => "none",
        Indicator::Maintenance => "maintenance",
        Indicator::Minor => "minor",
        Indicator::Major => "major",
        Indicator::Critical => "critical",
    }
}

#[cfg(test)]
#[path = "status_card_tests.rs"]
mod tests;
