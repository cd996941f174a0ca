//! `/vendor status` (and `backline status`): the guild's vendors whose status page reports a
//! problem, worst first; with a vendor, its recent status changes. Also the vendor's status
//! noted on a case when it is opened.

use std::collections::HashMap;

use super::{CommandError, Core, Reply, status_view, text::Text};
use crate::domain::{GuildId, Vendor, status::SourceReading};

/// Vendors listed at most: each line is at most ~300 characters (name and summary are cut),
/// so the list stays within an embed description's 4096 characters without being cut.
const LISTED: usize = 12;
/// Status changes shown for one vendor.
const EVENTS: usize = 15;

impl Core {
    pub(super) async fn vendor_status(
        &self,
        guild: GuildId,
        vendor: Option<&str>,
    ) -> Result<Reply, CommandError> {
        match vendor {
            Some(query) => {
                let vendor = self.find_vendor(guild, query).await?;
                self.vendor_status_events(&vendor).await
            }
            None => self.vendors_with_problems(guild).await,
        }
    }

    async fn vendors_with_problems(&self, guild: GuildId) -> Result<Reply, CommandError> {
        let vendors = self.store.vendors(guild).await?;
        let mut readings: HashMap<String, Option<SourceReading>> = HashMap::new();
        let mut watched = 0;
        let mut rows: Vec<(u8, &Vendor, String)> = Vec::new();
        for vendor in &vendors {
            let Some(source) = &vendor.status else { continue };
            watched += 1;
            let url = source.document_url();
            if !readings.contains_key(&url) {
                let reading = self.store.status_reading(&url).await?;
                readings.insert(url.clone(), reading);
            }
            let reading = readings.get(&url).and_then(Option::as_ref);
            let rank = match reading.and_then(|r| status_view::watched(source, r)) {
                Some(snapshot) => status_view::severity(&snapshot),
                // Unknown is listed, after the vendors that report a problem.
                None => 1,
            };
            let unknown = reading.is_none_or(|r| status_view::watched(source, r).is_none());
            if rank > 0 || unknown {
                let rank = if unknown { 0 } else { rank };
                rows.push((rank, vendor, status_view::summary(source, reading)));
            }
        }
        rows.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(a.1.criticality.cmp(&b.1.criticality))
                .then(a.1.slug.cmp(&b.1.slug))
        });
        let mut lines: Vec<Text> = rows
            .iter()
            .take(LISTED)
            .map(|(_, vendor, summary)| {
                Text::new()
                    .bold(clip(&vendor.name, 80))
                    .plain(" (")
                    .code(vendor.slug.as_str())
                    .plain(format!(", {}): {}", vendor.criticality, clip(summary, 160)))
            })
            .collect();
        if rows.len() > LISTED {
            lines.push(Text::from(format!("…and {} more.", rows.len() - LISTED)));
        }
        let description = if watched == 0 {
            Text::from("No vendor of this server declares a status page (")
                .code("status = { statuspage = \"https://…\" }")
                .plain(" in the plans file).")
        } else if rows.is_empty() {
            Text::from(format!("🟢 All {watched} watched vendors report no problem."))
        } else {
            Text::lines(lines)
        };
        Ok(Reply {
            title: Some("Vendor status".to_owned()),
            description: Some(description),
            ..Reply::default()
        })
    }

    async fn vendor_status_events(&self, vendor: &Vendor) -> Result<Reply, CommandError> {
        let Some(source) = &vendor.status else {
            return Err(CommandError::User(Text::from(format!(
                "{} declares no status page in the plans file.",
                vendor.name
            ))));
        };
        let url = source.document_url();
        let reading = self.store.status_reading(&url).await?;
        let events = self.store.status_events(&url, 200).await?;
        let lines: Vec<Text> = events
            .iter()
            .filter(|e| status_view::concerns(source, &e.change))
            .take(EVENTS)
            .map(|e| {
                Text::new()
                    .time(e.seen_at, super::TimeStyle::DateTime)
                    .plain(format!(" — {}", clip(&status_view::describe(&e.change), 200)))
            })
            .collect();
        let now = Text::from("Now: ").plain(clip(&status_view::summary(source, reading.as_ref()), 300));
        let history = if lines.is_empty() {
            Text::from("No status change seen yet.")
        } else {
            Text::lines(lines)
        };
        Ok(Reply {
            title: Some(format!("{} ({}): status", vendor.name, vendor.slug)),
            url: Some(source.url.as_str().to_owned()),
            description: Some(Text::lines([now, history])),
            ..Reply::default()
        })
    }

    /// The vendor's status on top of its `/support` card: from memory, or one read by URL;
    /// the card still answers if that fails.
    pub(super) async fn put_status_on_card(&self, vendor: &Vendor, card: &mut Reply) {
        if let Some(source) = &vendor.status {
            let reading = self
                .status
                .reading(self.store.as_ref(), &source.document_url())
                .await;
            status_view::put_on_card(card, source, reading.ok(), self.clock.now());
        }
    }

    /// Notes on the new case's timeline what the vendor's status page said when it was opened.
    pub(super) async fn note_status_at_opening(&self, guild: GuildId, vendor: &Vendor, case_number: i64) {
        let Some(source) = &vendor.status else { return };
        let now = self.now_seconds();
        let result = async {
            let reading = self.store.status_reading(&source.document_url()).await?;
            let detail = format!(
                "{} status at opening: {}",
                vendor.name,
                status_view::summary(source, reading.as_ref())
            );
            self.store
                .add_case_status_note(guild, case_number, "opened", &detail, now)
                .await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%guild, case = case_number, %error, "could not note the vendor's status on a new case");
        }
    }
}

fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}
