//! A vendor's change history: what changed, when, and who or what changed it.

use chrono::{DateTime, Utc};

use super::{Vendor, VendorSlug, diff::Change};

/// Who made a change, and through what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSource {
    /// `backline import`.
    Import,
    /// A person, from Discord.
    Discord(u64),
    /// The gateway noticing something (a member leaving).
    Gateway,
    /// backline's own upkeep (a digest that could not ping an owner).
    Backline,
}

impl ChangeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Import => "import",
            Self::Discord(_) => "discord",
            Self::Gateway => "gateway",
            Self::Backline => "backline",
        }
    }

    /// The Discord user who made the change, when a person did.
    pub fn actor(self) -> Option<u64> {
        match self {
            Self::Discord(user) => Some(user),
            Self::Import | Self::Gateway | Self::Backline => None,
        }
    }

    /// The source recorded as `source` (its `as_str`) and `actor`; a person from Discord
    /// needs their user ID, the others have none.
    pub fn parse(source: &str, actor: Option<u64>) -> Result<Self, String> {
        match (source, actor) {
            ("import", None) => Ok(Self::Import),
            ("gateway", None) => Ok(Self::Gateway),
            ("backline", None) => Ok(Self::Backline),
            ("discord", Some(user)) => Ok(Self::Discord(user)),
            _ => Err(format!(
                "source `{source}` with actor {actor:?} is not a change source"
            )),
        }
    }
}

/// One line of a vendor's change history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub slug: VendorSlug,
    pub at: DateTime<Utc>,
    pub source: ChangeSource,
    /// What happened: `added`, `updated`, `removed`, `verified`, `set-owner`, `owner-left`, …
    pub action: String,
    /// One `field: before → after` per line.
    pub detail: String,
}

impl HistoryEntry {
    /// The Discord user who made the change, when a person did.
    pub fn actor(&self) -> Option<u64> {
        self.source.actor()
    }
}

/// The detail of a history entry for `changes`: one `field: before → after` per line.
pub fn describe_changes(changes: &[Change]) -> String {
    changes
        .iter()
        .map(Change::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The detail of a vendor's `added` entry: who it is, not every field. The vendor's whole
/// document is its current state, and each later change records the values it replaced,
/// so listing every field here told nothing more, and it was most of the work of importing
/// a large registry.
pub fn describe_addition(vendor: &Vendor) -> String {
    format!(
        "{}, {}, owned by {}",
        vendor.name,
        vendor.criticality.as_str(),
        vendor.owner.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_added_vendor_is_described_in_one_line_by_name_criticality_and_owner() {
        let vendor = &crate::domain::plans_file::parse_str(
            "a",
            "[[vendor]]\nslug = \"aws\"\nname = \"AWS\"\ncriticality = \"high\"\n[vendor.owner]\nname = \"Dana\"\nteam = \"SRE\"\n",
        )
        .unwrap()[0];
        assert_eq!(describe_addition(vendor), "AWS, high, owned by Dana");
    }

    #[test]
    fn a_source_reads_back_from_what_is_stored_and_nothing_else_does() {
        for source in [
            ChangeSource::Import,
            ChangeSource::Gateway,
            ChangeSource::Discord(42),
        ] {
            assert_eq!(ChangeSource::parse(source.as_str(), source.actor()), Ok(source));
        }
        assert!(ChangeSource::parse("discord", None).is_err());
        assert!(ChangeSource::parse("import", Some(7)).is_err());
        assert!(ChangeSource::parse("cli", None).is_err());
    }
}
