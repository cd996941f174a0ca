//! The vendor directory: every vendor of a guild on one line each (tier, hours, covered now,
//! owner, worst finding), filtered, for `/vendor list` (paged) and `backline list` (whole).

use chrono::{DateTime, Utc};

use super::{Button, CommandError, ComponentId, Core, Reply, Text, format};
use crate::domain::{
    Criticality, GuildId, Vendor,
    findings::{Finding, FindingLevel},
};

/// At most this many vendors on one page of `/vendor list`.
pub const PAGE_MAX: usize = 10;
/// A page's vendors together weigh at most this (see [`DirectoryEntry::weight`]): with the
/// title, description and footer, a page stays under a Discord embed's 6000 characters even
/// when every character of the registry's text must be escaped, so no vendor is ever cut.
const PAGE_BUDGET: usize = 4600;
/// The longest team a filter takes: it travels in the paging buttons' IDs.
pub const TEAM_FILTER_MAX: usize = 60;

// What one line shows of each free text, at most (characters).
const NAME_SHOWN: usize = 80;
const TIER_SHOWN: usize = 40;
const PERSON_SHOWN: usize = 60;
const TEAM_SHOWN: usize = 40;
const FINDING_SHOWN: usize = 160;

/// Which vendors to list. The default lists them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryFilter {
    pub criticality: Option<Criticality>,
    /// The owner's team, compared without regard to case or surrounding blanks.
    team: Option<String>,
    /// Only vendors whose support plan answers right now.
    pub covered_now: bool,
}

impl DirectoryFilter {
    pub fn new(
        criticality: Option<Criticality>,
        team: Option<&str>,
        covered_now: bool,
    ) -> Result<Self, String> {
        let team = team.map(str::trim).filter(|t| !t.is_empty());
        if let Some(team) = team
            && team.chars().count() > TEAM_FILTER_MAX
        {
            return Err(format!("A team filter is at most {TEAM_FILTER_MAX} characters."));
        }
        Ok(Self {
            criticality,
            team: team.map(str::to_owned),
            covered_now,
        })
    }

    pub fn team(&self) -> Option<&str> {
        self.team.as_deref()
    }

    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn keeps(&self, entry: &DirectoryEntry) -> bool {
        self.criticality.is_none_or(|c| entry.vendor.criticality == c)
            && self.team.as_deref().is_none_or(|team| {
                entry
                    .vendor
                    .owner
                    .team
                    .as_deref()
                    .is_some_and(|t| t.trim().to_lowercase() == team.to_lowercase())
            })
            && (!self.covered_now || entry.covered_now == Some(true))
    }

    /// The filter in words, for the page's description.
    fn describe(&self) -> Text {
        let mut parts = Vec::new();
        if let Some(c) = self.criticality {
            parts.push(Text::from(format!("criticality {c}")));
        }
        if let Some(team) = &self.team {
            parts.push(Text::from("owner's team ").code(team.as_str()));
        }
        if self.covered_now {
            parts.push(Text::from("covered now"));
        }
        parts
            .into_iter()
            .enumerate()
            .fold(Text::new(), |text, (i, part)| {
                if i == 0 { part } else { text.plain(", ").then(part) }
            })
    }
}

/// One vendor as the directory shows it.
#[derive(Clone, Debug)]
pub struct DirectoryEntry {
    /// Verifications applied.
    pub vendor: Vendor,
    /// Whether the plan answers now; `None` without a plan.
    pub covered_now: Option<bool>,
    /// The worst of its findings: the first error, else the first warning.
    pub worst: Option<Finding>,
    /// How many findings it has.
    pub findings: usize,
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl DirectoryEntry {
    /// "Name (slug) · criticality", the field's name.
    pub(super) fn heading(&self) -> String {
        let v = &self.vendor;
        format!("{} ({}) · {}", cut(&v.name, NAME_SHOWN), v.slug, v.criticality)
    }

    /// Plan and hours, owner, worst finding: one line each.
    pub(super) fn lines(&self) -> Text {
        let v = &self.vendor;
        let plan = match (&v.plan, self.covered_now) {
            (Some(plan), covered) => {
                let now = if covered == Some(true) {
                    "🟢 covered now"
                } else {
                    "🔴 not covered now"
                };
                Text::from(format!(
                    "{} plan · {} · {now}",
                    cut(&plan.tier, TIER_SHOWN),
                    plan.hours
                ))
            }
            (None, _) => Text::from("⚠️ no support plan"),
        };
        let owner = &v.owner;
        let mut owner_line = Text::from(format!("Owner: {}", cut(&owner.name, PERSON_SHOWN)));
        if let Some(team) = &owner.team {
            owner_line = owner_line.plain(format!(" ({})", cut(team, TEAM_SHOWN)));
        }
        let mut lines = vec![plan, owner_line];
        lines.push(match &self.worst {
            Some(finding) => format::finding_line(&Finding {
                message: cut(&finding.message, FINDING_SHOWN),
                ..finding.clone()
            }),
            None => Text::from("✅ no findings"),
        });
        Text::lines(lines)
    }

    /// An upper bound of the characters this entry takes once rendered for Discord: every
    /// plain character may need an escape, and the markup around them is counted generously.
    fn weight(&self) -> usize {
        let plain = self.heading().chars().count() + super::terminal::text(&self.lines()).chars().count();
        2 * plain + 32
    }
}

impl Core {
    /// Every vendor of the guild that the filter keeps, most critical first, then by name.
    pub async fn directory(
        &self,
        guild: GuildId,
        filter: &DirectoryFilter,
    ) -> Result<Vec<DirectoryEntry>, CommandError> {
        let now = self.clock.now();
        let mut entries: Vec<DirectoryEntry> = self
            .audit(guild)
            .await?
            .into_iter()
            .map(|a| entry(a.vendor, a.findings, now))
            .filter(|e| filter.keeps(e))
            .collect();
        entries.sort_by(|a, b| {
            (a.vendor.criticality, a.vendor.name.to_lowercase(), &a.vendor.slug).cmp(&(
                b.vendor.criticality,
                b.vendor.name.to_lowercase(),
                &b.vendor.slug,
            ))
        });
        Ok(entries)
    }

    /// `/vendor list`: one page of the directory (1-based; past the end, the last page).
    pub(super) async fn vendor_list(
        &self,
        guild: GuildId,
        filter: &DirectoryFilter,
        page: u32,
    ) -> Result<Reply, CommandError> {
        let entries = self.directory(guild, filter).await?;
        if entries.is_empty() {
            let message = if filter.is_empty() {
                Text::from("This server has no vendor registry yet. Import one with ")
                    .code("backline import --guild <server ID> plans.toml")
                    .plain(".")
            } else {
                Text::from("No vendor matches: ")
                    .then(filter.describe())
                    .plain(".")
            };
            return Ok(Reply::notice(message));
        }
        Ok(page_card(&entries, filter, page))
    }
}

fn entry(vendor: Vendor, findings: Vec<Finding>, now: DateTime<Utc>) -> DirectoryEntry {
    let covered_now = vendor.plan.as_ref().map(|p| p.hours.coverage(now).covered);
    let worst = findings
        .iter()
        .find(|f| f.level == FindingLevel::Error)
        .or_else(|| findings.first())
        .cloned();
    DirectoryEntry {
        vendor,
        covered_now,
        worst,
        findings: findings.len(),
    }
}

/// The directory cut into pages: at most [`PAGE_MAX`] vendors, and at most [`PAGE_BUDGET`]
/// of weight, on each; every vendor on exactly one page.
pub fn pages(entries: &[DirectoryEntry]) -> Vec<&[DirectoryEntry]> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut weight = 0;
    for (i, e) in entries.iter().enumerate() {
        let w = e.weight();
        if i > start && (i - start == PAGE_MAX || weight + w > PAGE_BUDGET) {
            pages.push(&entries[start..i]);
            start = i;
            weight = 0;
        }
        weight += w;
    }
    if start < entries.len() {
        pages.push(&entries[start..]);
    }
    pages
}

fn page_card(entries: &[DirectoryEntry], filter: &DirectoryFilter, page: u32) -> Reply {
    let pages = pages(entries);
    let count = pages.len();
    // A page number from an older, longer list shows the last page.
    let index = usize::try_from(page.max(1)).unwrap_or(usize::MAX).min(count) - 1;
    let mut description = Text::from(format!(
        "Page {} of {count} · {} vendors",
        index + 1,
        entries.len()
    ));
    if !filter.is_empty() {
        description = description.plain(" · ").then(filter.describe());
    }
    let mut reply = Reply {
        title: Some("Vendor directory".into()),
        description: Some(description),
        footer: Some(Text::from("Everything about one vendor: /support <vendor>")),
        ephemeral: true,
        ..Reply::default()
    };
    for e in pages[index] {
        reply = reply.field(e.heading(), e.lines());
    }
    let button = |to: usize, label: &str| Button {
        id: ComponentId::VendorList {
            page: u32::try_from(to + 1).unwrap_or(u32::MAX),
            filter: filter.clone(),
        },
        label: label.into(),
    };
    if index > 0 {
        reply.buttons.push(button(index - 1, "◀ Previous"));
    }
    if index + 1 < count {
        reply.buttons.push(button(index + 1, "Next ▶"));
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(slug: &str, name: &str, team: &str) -> DirectoryEntry {
        let text = format!(
            "[[vendor]]\nslug = \"{slug}\"\nname = \"{name}\"\ncriticality = \"low\"\n[vendor.owner]\nname = \"{name}\"\nteam = \"{team}\"\n"
        );
        let vendor = crate::domain::plans_file::parse_str("t.toml", &text)
            .unwrap()
            .remove(0);
        DirectoryEntry {
            vendor,
            covered_now: None,
            worst: None,
            findings: 0,
        }
    }

    #[test]
    fn a_team_filter_is_trimmed_matched_in_any_case_and_at_most_sixty_characters() {
        let filter = DirectoryFilter::new(None, Some("  sre "), false).unwrap();
        assert_eq!(filter.team(), Some("sre"));
        assert!(filter.keeps(&entry("a", "A", "SRE")));
        assert!(!filter.keeps(&entry("b", "B", "SRE Europe")));
        assert_eq!(
            DirectoryFilter::new(None, Some("   "), false),
            Ok(DirectoryFilter::default())
        );
        assert!(DirectoryFilter::new(None, Some(&"é".repeat(TEAM_FILTER_MAX)), false).is_ok());
        assert_eq!(
            DirectoryFilter::new(None, Some(&"é".repeat(TEAM_FILTER_MAX + 1)), false),
            Err("A team filter is at most 60 characters.".to_owned())
        );
    }

    #[test]
    fn pages_hold_each_vendor_once_at_most_ten_and_fewer_when_their_text_is_long() {
        let short: Vec<_> = (0..25)
            .map(|i| entry(&format!("v{i}"), &format!("V{i}"), "SRE"))
            .collect();
        let sizes: Vec<usize> = pages(&short).iter().map(|p| p.len()).collect();
        assert_eq!(sizes, [10, 10, 5]);
        let long: Vec<_> = (0..25)
            .map(|i| {
                entry(
                    &format!("v{i}"),
                    &format!("{i}{}", "*".repeat(98)),
                    &"_".repeat(100),
                )
            })
            .collect();
        let paged = pages(&long);
        assert!(paged.iter().all(
            |p| p.len() < PAGE_MAX && p.iter().map(DirectoryEntry::weight).sum::<usize>() <= PAGE_BUDGET
        ));
        assert_eq!(paged.iter().map(|p| p.len()).sum::<usize>(), 25);
    }
}
