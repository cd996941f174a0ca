//! Finding a vendor by what someone typed: exact slug/name/alias, else ranked fuzzy matches.

use super::{VendorSlug, VendorSummary};

/// The result of looking a vendor up by what a person typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(VendorSlug),
    /// No exact match; the closest vendors, best first (possibly none).
    NotFound {
        suggestions: Vec<VendorSummary>,
    },
}

/// Exact match on slug, display name or alias, ignoring case and Unicode compatibility forms;
/// else up to three suggestions.
pub fn resolve(query: &str, vendors: &[VendorSummary]) -> Lookup {
    let q = normalise(query);
    let exact = vendors.iter().find(|v| {
        v.slug.as_str() == q || normalise(&v.name) == q || v.aliases.iter().any(|a| normalise(a) == q)
    });
    match exact {
        Some(v) => Lookup::Found(v.slug.clone()),
        None => Lookup::NotFound {
            suggestions: rank(query, vendors, 3)
                .into_iter()
                .filter(|(score, _)| *score >= SUGGESTION_THRESHOLD)
                .map(|(_, v)| v.clone())
                .collect(),
        },
    }
}

/// Below this a fuzzy match is noise rather than a plausible typo.
pub(super) const SUGGESTION_THRESHOLD: u32 = 500;

/// Vendors ranked for what was typed so far, best first, at most `limit`.
///
/// An empty query lists the most critical vendors first (what responders reach for).
/// Otherwise: exact > prefix > word prefix > substring > close spelling; ties go to the
/// more critical vendor, then by name.
pub fn rank<'a>(query: &str, vendors: &'a [VendorSummary], limit: usize) -> Vec<(u32, &'a VendorSummary)> {
    let q = normalise(query);
    let mut scored: Vec<(u32, &VendorSummary)> = vendors
        .iter()
        .filter_map(|v| {
            let score = if q.is_empty() {
                1
            } else {
                keys(v).map(|k| score(&q, &k)).max().unwrap_or(0)
            };
            (score > 0).then_some((score, v))
        })
        .collect();
    scored.sort_by(|(sa, a), (sb, b)| {
        sb.cmp(sa)
            .then(a.criticality.cmp(&b.criticality))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    scored.truncate(limit);
    scored
}

fn keys(v: &VendorSummary) -> impl Iterator<Item = String> + '_ {
    std::iter::once(v.slug.as_str().to_owned())
        .chain(std::iter::once(normalise(&v.name)))
        .chain(v.aliases.iter().map(|a| normalise(a)))
}

/// The form names are compared in, the same as the plans file's duplicate rule: `ＡＷＳ`
/// finds `aws` (see `text::name_key`).
pub(super) fn normalise(s: &str) -> String {
    super::text::name_key(s)
}

/// How well `key` matches `query` (both normalised): 1000 exact … 0 unrelated.
pub(super) fn score(query: &str, key: &str) -> u32 {
    if key == query {
        return 1000;
    }
    if key.starts_with(query) {
        return 900;
    }
    if key
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.starts_with(query))
    {
        return 800;
    }
    if key.contains(query) {
        return 700;
    }
    let similarity = strsim::jaro_winkler(query, key);
    if similarity >= 0.75 {
        (similarity * 650.0) as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Criticality;

    fn vendor(slug: &str, name: &str, aliases: &[&str], criticality: Criticality) -> VendorSummary {
        VendorSummary {
            slug: VendorSlug::parse(slug).unwrap(),
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            criticality,
        }
    }

    fn registry() -> Vec<VendorSummary> {
        vec![
            vendor("aws", "Amazon Web Services", &["amazon"], Criticality::Critical),
            vendor("cloudflare", "Cloudflare", &["cf"], Criticality::Critical),
            vendor("pagerduty", "PagerDuty", &["pd"], Criticality::High),
            vendor("datadog", "Datadog", &[], Criticality::Medium),
        ]
    }

    #[test]
    fn finds_by_slug_name_or_alias_in_any_case() {
        let r = registry();
        for q in [
            "aws",
            "AWS",
            "Amazon Web Services",
            "amazon",
            " Amazon ",
            "ＡＷＳ",
            "amazon  web\u{200B} services",
        ] {
            assert_eq!(
                resolve(q, &r),
                Lookup::Found(VendorSlug::parse("aws").unwrap()),
                "{q}"
            );
        }
    }

    #[test]
    fn a_misspelling_suggests_the_closest_vendor_first() {
        let Lookup::NotFound { suggestions } = resolve("cloudflar", &registry()) else {
            panic!("a misspelling must not resolve");
        };
        assert_eq!(suggestions[0].slug.as_str(), "cloudflare");
        let Lookup::NotFound { suggestions } = resolve("pagerduyt", &registry()) else {
            panic!("a misspelling must not resolve");
        };
        assert_eq!(suggestions[0].slug.as_str(), "pagerduty");
    }

    #[test]
    fn nonsense_gets_no_suggestions() {
        assert_eq!(
            resolve("zzzzqqq", &registry()),
            Lookup::NotFound { suggestions: vec![] }
        );
    }

    #[test]
    fn empty_query_lists_critical_vendors_first() {
        let vendors = registry();
        let ranked = rank("", &vendors, 25);
        let crit: Vec<_> = ranked.iter().map(|(_, v)| v.criticality).collect();
        assert_eq!(
            crit,
            [
                Criticality::Critical,
                Criticality::Critical,
                Criticality::High,
                Criticality::Medium
            ]
        );
    }

    #[test]
    fn prefix_beats_substring() {
        let vendors = registry();
        let ranked = rank("da", &vendors, 25);
        assert_eq!(ranked[0].1.slug.as_str(), "datadog");
    }
}
