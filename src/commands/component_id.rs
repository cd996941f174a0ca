//! Button and form IDs: one typed value written into Discord's `custom_id` and read back, so
//! a new button is added here and nowhere else. The text forms are those of buttons already
//! posted, which keep working.

use std::{fmt, str::FromStr};

use super::directory::DirectoryFilter;
use crate::domain::{Criticality, GuildId, VendorSlug};

/// What a button or a form is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentId {
    /// "Open a case" on a support card, and the form it opens: `case-open:<vendor>`.
    OpenCase(VendorSlug),
    /// "Escalate" on a case card: `case-escalate:<case>`.
    Escalate(i64),
    /// "Vendor responded" on a case card: `case-responded:<case>`.
    VendorResponded(i64),
    /// The owner's answer to the verification DM, which carries its server because a
    /// click in a direct message comes without one: `verify-yes|verify-no:<guild>:<vendor>`.
    VerifyAnswer {
        guild: GuildId,
        vendor: VendorSlug,
        still_correct: bool,
    },
    /// "Previous" or "Next" under a page of `/vendor list`, with the list's filters (the
    /// team last, as it may hold a colon):
    /// `vendor-list:<page>:<criticality or *>:<covered now 1 or 0>:<team or nothing>`.
    VendorList { page: u32, filter: DirectoryFilter },
}

impl ComponentId {
    /// Discord's limit on a `custom_id`; every ID fits (a slug is at most 32 characters).
    pub const MAX_LEN: usize = 100;
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OpenCase(vendor) => write!(f, "case-open:{vendor}"),
            Self::Escalate(case) => write!(f, "case-escalate:{case}"),
            Self::VendorResponded(case) => write!(f, "case-responded:{case}"),
            Self::VerifyAnswer {
                guild,
                vendor,
                still_correct,
            } => {
                let answer = if *still_correct { "verify-yes" } else { "verify-no" };
                write!(f, "{answer}:{guild}:{vendor}")
            }
            Self::VendorList { page, filter } => {
                let criticality = filter.criticality.map_or("*", Criticality::as_str);
                let covered = u8::from(filter.covered_now);
                let team = filter.team().unwrap_or_default();
                write!(f, "vendor-list:{page}:{criticality}:{covered}:{team}")
            }
        }
    }
}

/// A `custom_id` this version of backline did not write.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownComponent;

impl FromStr for ComponentId {
    type Err = UnknownComponent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, rest) = s.split_once(':').ok_or(UnknownComponent)?;
        let slug = |s: &str| VendorSlug::parse(s).map_err(|_| UnknownComponent);
        let case = |s: &str| s.parse::<i64>().ok().filter(|n| *n > 0).ok_or(UnknownComponent);
        match kind {
            "case-open" => Ok(Self::OpenCase(slug(rest)?)),
            "case-escalate" => Ok(Self::Escalate(case(rest)?)),
            "case-responded" => Ok(Self::VendorResponded(case(rest)?)),
            "verify-yes" | "verify-no" => {
                let (guild, vendor) = rest.split_once(':').ok_or(UnknownComponent)?;
                Ok(Self::VerifyAnswer {
                    guild: guild.parse().map_err(|_| UnknownComponent)?,
                    vendor: slug(vendor)?,
                    still_correct: kind == "verify-yes",
                })
            }
            "vendor-list" => {
                let mut parts = rest.splitn(4, ':');
                let mut next = || parts.next().ok_or(UnknownComponent);
                let page = next()?.parse::<u32>().map_err(|_| UnknownComponent)?;
                let criticality = match next()? {
                    "*" => None,
                    c => Some(Criticality::parse(c).map_err(|_| UnknownComponent)?),
                };
                let covered_now = match next()? {
                    "1" => true,
                    "0" => false,
                    _ => return Err(UnknownComponent),
                };
                let team = Some(next()?).filter(|t| !t.is_empty());
                let filter =
                    DirectoryFilter::new(criticality, team, covered_now).map_err(|_| UnknownComponent)?;
                Ok(Self::VendorList { page, filter })
            }
            _ => Err(UnknownComponent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> VendorSlug {
        VendorSlug::parse(s).unwrap()
    }

    #[test]
    fn every_id_round_trips_and_fits_discord() {
        let longest = "a".repeat(VendorSlug::MAX_LEN);
        let cases = [
            (ComponentId::OpenCase(slug("aws")), "case-open:aws"),
            (ComponentId::Escalate(12), "case-escalate:12"),
            (ComponentId::VendorResponded(7), "case-responded:7"),
            (
                ComponentId::VerifyAnswer {
                    guild: GuildId::new(111).unwrap(),
                    vendor: slug("pagerduty"),
                    still_correct: true,
                },
                "verify-yes:111:pagerduty",
            ),
            (
                ComponentId::VerifyAnswer {
                    guild: GuildId::new(111).unwrap(),
                    vendor: slug("pagerduty"),
                    still_correct: false,
                },
                "verify-no:111:pagerduty",
            ),
            (
                ComponentId::VendorList {
                    page: 2,
                    filter: DirectoryFilter::default(),
                },
                "vendor-list:2:*:0:",
            ),
            (
                ComponentId::VendorList {
                    page: 7,
                    filter: DirectoryFilter::new(Some(Criticality::High), Some("SRE: EU"), true).unwrap(),
                },
                "vendor-list:7:high:1:SRE: EU",
            ),
        ];
        for (id, text) in cases {
            assert_eq!(id.to_string(), text);
            assert_eq!(text.parse::<ComponentId>(), Ok(id));
        }
        let largest = [
            ComponentId::OpenCase(slug(&longest)),
            ComponentId::Escalate(i64::MAX),
            ComponentId::VendorResponded(i64::MAX),
            ComponentId::VerifyAnswer {
                guild: GuildId::new(u64::MAX >> 1).unwrap(),
                vendor: slug(&longest),
                still_correct: false,
            },
            ComponentId::VendorList {
                page: u32::MAX,
                filter: DirectoryFilter::new(
                    Some(Criticality::Critical),
                    Some(&"é".repeat(super::super::directory::TEAM_FILTER_MAX)),
                    true,
                )
                .unwrap(),
            },
        ];
        for id in largest {
            let text = id.to_string();
            assert!(text.chars().count() <= ComponentId::MAX_LEN, "{text}");
            assert_eq!(text.parse::<ComponentId>(), Ok(id));
        }
    }

    #[test]
    fn ids_this_version_did_not_write_are_refused() {
        for text in [
            "",
            "case-open",
            "case-open:",
            "case-open:Not A Slug",
            "case-escalate:0",
            "case-escalate:-3",
            "case-escalate:twelve",
            "verify-yes:aws",
            "verify-maybe:1:aws",
            "delete-everything:1",
            "vendor-list:",
            "vendor-list:x:*:0:",
            "vendor-list:1:urgent:0:",
            "vendor-list:1:*:2:",
            "vendor-list:1:*:0",
        ] {
            assert_eq!(text.parse::<ComponentId>(), Err(UnknownComponent), "{text:?}");
        }
    }
}
