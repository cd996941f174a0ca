//! `VendorIndex` answers exactly as the scans in `lookup` do, on a registry built to be awkward.

use super::*;
use crate::domain::{Criticality, VendorSlug};

/// A registry with the awkward cases: shared words, duplicate names in other cases,
/// padded names, separators, non-ASCII letters, vendors without aliases.
fn registry(count: usize) -> Vec<VendorSummary> {
    const PARTS: [&str; 12] = [
        "clo", "ud", "data", "dog", "pa", "ger", "zon", "fast", "ly", "stri", "pe", "zü",
    ];
    const WORDS: [&str; 5] = ["", " cloud", " Data-Works", " (EU)", "   "];
    let mut seed: u64 = 7;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    (0..count)
        .map(|i| {
            let stem: String = (0..1 + next(3)).map(|_| PARTS[next(PARTS.len())]).collect();
            let mut name = format!("{stem}{}", WORDS[next(WORDS.len())]);
            if next(3) == 0 {
                name = name.to_uppercase();
            }
            if next(7) == 0 {
                name = format!("({name}) Ltd");
            }
            let aliases = (0..next(3))
                .map(|_| format!("{}{}", PARTS[next(12)], PARTS[next(12)]))
                .collect();
            let criticality = [
                Criticality::Critical,
                Criticality::High,
                Criticality::Medium,
                Criticality::Low,
            ][next(4)];
            VendorSummary {
                slug: VendorSlug::parse(&format!("{}-{i}", PARTS[next(9)])).unwrap(),
                name,
                aliases,
                criticality,
            }
        })
        .collect()
}

fn queries() -> Vec<String> {
    let mut queries: Vec<String> = [
        "", " ", "c", "cl", "clo", "clou", "cloud", "d", "da", "data", "works", "data-w", "(eu", "eu)", "zü",
        "ZÜ", "pager", "zonly", "strpe", "xq", "ly-", "dog-1", "pa-17", "  Fast  ", "(clo", "ltd", "clodu",
        "dgo", "fsat",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for v in registry(300).iter().step_by(7) {
        queries.push(v.name.clone());
        queries.push(v.slug.to_string());
        queries.extend(v.aliases.iter().cloned());
        queries.push(v.name.chars().take(3).collect());
        // Misspelt: a letter dropped, two swapped.
        let name: Vec<char> = v.name.chars().collect();
        queries.push(
            name.iter()
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .map(|(_, c)| c)
                .collect(),
        );
        let mut swapped = name.clone();
        swapped.swap(0, name.len().saturating_sub(1).min(2));
        queries.push(swapped.into_iter().collect());
    }
    queries
}

#[test]
fn ranks_exactly_as_lookup_rank_does() {
    let vendors = registry(300);
    let index = VendorIndex::new(vendors.clone());
    for q in queries() {
        for limit in [0, 1, 3, 25, 400] {
            let slow: Vec<(u32, &str)> = lookup::rank(&q, &vendors, limit)
                .into_iter()
                .map(|(s, v)| (s, v.slug.as_str()))
                .collect();
            let fast = index.rank(&q, limit);
            let fast: Vec<(u32, &str)> = fast.iter().map(|(s, v)| (*s, v.slug.as_str())).collect();
            assert_eq!(fast, slow, "query {q:?}, limit {limit}");
        }
    }
}

#[test]
fn resolves_exactly_as_lookup_resolve_does() {
    let vendors = registry(300);
    let index = VendorIndex::new(vendors.clone());
    for q in queries() {
        assert_eq!(index.resolve(&q), lookup::resolve(&q, &vendors), "query {q:?}");
    }
}

#[test]
fn ranked_summaries_are_the_vendors_as_given() {
    let vendors = registry(300);
    let index = VendorIndex::new(vendors.clone());
    assert_eq!(index.len(), 300);
    for (_, summary) in index.rank("", 400) {
        assert!(vendors.contains(&summary), "{summary:?}");
    }
}

#[test]
fn an_empty_registry_finds_nothing() {
    let index = VendorIndex::new(Vec::new());
    assert!(index.is_empty());
    assert!(index.rank("", 25).is_empty());
    assert!(index.rank("aws", 25).is_empty());
    assert_eq!(index.resolve("aws"), Lookup::NotFound { suggestions: vec![] });
}
