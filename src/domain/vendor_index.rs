//! A guild's vendor summaries, indexed: the answers of `lookup::resolve` and `lookup::rank`
//! without scoring every vendor on every keystroke.
//!
//! Every lookup key (slug, lowercased name, lowercased aliases: the keys `lookup` scores)
//! and every inner word of every key is kept in a sorted list. An exact match is a binary
//! search; "starts with" (score 900) and "a word starts with" (score 800) are a run of a
//! sorted list. Only when those tiers hold fewer vendors than were asked for does ranking
//! score every key as `lookup::rank` does, because only then can a substring or a
//! misspelling make the list; even then most keys are ruled out by the letters they lack.
//! All text lives in one string, so a registry of 100k vendors costs about 30 MB here.

use super::{
    Criticality, VendorSlug, VendorSummary,
    lookup::{self, Lookup},
};

#[path = "vendor_index_spelling.rs"]
mod spelling;
use spelling::letters;

/// Scores of the tiers the index answers without scoring (the values `lookup` gives them).
const EXACT: u32 = 1000;
const PREFIX: u32 = 900;
const WORD_PREFIX: u32 = 800;

/// A run of `VendorIndex::text`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
}

/// A key or an inner word in a sorted list: its text, and its vendor's tie position.
#[derive(Clone, Copy, Debug)]
struct Entry {
    text: Span,
    tie: u32,
}

/// One lookup key of a vendor, with what rules it out of the close-spelling tier cheaply.
#[derive(Clone, Copy, Debug)]
struct Key {
    text: Span,
    /// Its length in characters (saturated: a smaller count only loosens the bound).
    chars: u16,
    letters: u32,
}

/// Vendor summaries with lookup structures over their keys. Immutable once built.
#[derive(Debug, Default)]
pub struct VendorIndex {
    text: String,
    /// Every vendor's keys in `lookup`'s order (slug, name, aliases), vendor after vendor:
    /// vendor `v`'s are `keys[first_key[v]..first_key[v + 1]]`.
    keys: Vec<Key>,
    first_key: Vec<u32>,
    /// What each key was written as (the name and aliases before lowercasing).
    originals: Vec<Span>,
    criticality: Vec<Criticality>,
    /// Every key, sorted by text then tie position; and every word of a key that does not
    /// start the key (a word that does is found through the key itself).
    sorted_keys: Vec<Entry>,
    sorted_words: Vec<Entry>,
    /// Vendors in the order ties are broken in `lookup::rank`: criticality, lowercased
    /// name, then the order given. Also what an empty query lists.
    by_tie: Vec<u32>,
}

/// A vendor `rank` chose, with its score: read it with `VendorIndex::vendor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranked {
    pub score: u32,
    /// Its number in the order the index was given the vendors.
    vendor: u32,
}

/// What an autocomplete choice shows of a vendor, borrowed from the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedVendor<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub criticality: Criticality,
}

/// Builds a `VendorIndex` one vendor at a time, so a registry streamed from the database
/// is never held in full beside its index.
#[derive(Debug, Default)]
pub struct VendorIndexBuilder {
    index: VendorIndex,
}

impl VendorIndexBuilder {
    /// Adds the next vendor (in the order `lookup` would be given them: by slug).
    pub fn push(&mut self, vendor: VendorSummary) {
        self.index.push(vendor);
    }

    pub fn finish(self) -> VendorIndex {
        let mut index = self.index;
        let vendors = index.criticality.len();
        index.first_key.push(index_u32(index.keys.len()));
        let mut by_tie: Vec<u32> = (0..index_u32(vendors)).collect();
        by_tie.sort_by_cached_key(|&v| {
            let name = index.originals[index.first_key[v as usize] as usize + 1];
            (
                index.criticality[v as usize],
                slice(&index.text, name).to_lowercase(),
                v,
            )
        });
        let mut tie_of = vec![0; vendors];
        for (position, &vendor) in by_tie.iter().enumerate() {
            tie_of[vendor as usize] = index_u32(position);
        }
        index.by_tie = by_tie;
        let text = &index.text;
        for entries in [&mut index.sorted_keys, &mut index.sorted_words] {
            for entry in entries.iter_mut() {
                entry.tie = tie_of[entry.tie as usize];
            }
            entries.sort_unstable_by(|a, b| {
                slice(text, a.text)
                    .cmp(slice(text, b.text))
                    .then(a.tie.cmp(&b.tie))
            });
            entries.shrink_to_fit();
        }
        index.text.shrink_to_fit();
        index.keys.shrink_to_fit();
        index.originals.shrink_to_fit();
        index.first_key.shrink_to_fit();
        index.criticality.shrink_to_fit();
        index
    }
}

impl VendorIndex {
    /// Indexes `vendors` (in the order `lookup` would be given them: by slug, from the store).
    pub fn new(vendors: Vec<VendorSummary>) -> Self {
        let mut builder = VendorIndexBuilder::default();
        for vendor in vendors {
            builder.push(vendor);
        }
        builder.finish()
    }

    /// Adds a vendor; its entries carry its vendor number until `finish` knows tie positions.
    fn push(&mut self, vendor: VendorSummary) {
        let tie = index_u32(self.criticality.len());
        self.first_key.push(index_u32(self.keys.len()));
        self.criticality.push(vendor.criticality);
        let written = [vendor.slug.as_str(), vendor.name.as_str()]
            .into_iter()
            .chain(vendor.aliases.iter().map(String::as_str));
        for (i, written) in written.enumerate() {
            // The slug is its own key; names and aliases are looked up normalised.
            let key = if i == 0 {
                written.to_owned()
            } else {
                lookup::normalise(written)
            };
            let text = self.append(&key);
            let original = if written == key {
                text
            } else {
                self.append(written)
            };
            self.originals.push(original);
            self.keys.push(Key {
                text,
                chars: u16::try_from(key.chars().count()).unwrap_or(u16::MAX),
                letters: letters(&key),
            });
            self.sorted_keys.push(Entry { text, tie });
            for word in key
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                // `word` borrows from `key`: its offset there is the distance between them.
                let offset = word.as_ptr() as usize - key.as_ptr() as usize;
                if offset > 0 {
                    let start = text.start + index_u32(offset);
                    let text = Span {
                        start,
                        len: index_u32(word.len()),
                    };
                    self.sorted_words.push(Entry { text, tie });
                }
            }
        }
    }

    fn append(&mut self, s: &str) -> Span {
        let start = index_u32(self.text.len());
        self.text.push_str(s);
        Span {
            start,
            len: index_u32(s.len()),
        }
    }

    pub fn len(&self) -> usize {
        self.criticality.len()
    }

    pub fn is_empty(&self) -> bool {
        self.criticality.is_empty()
    }

    /// The summary of vendor `v` (in the order the index was given the vendors).
    fn summary(&self, v: usize) -> VendorSummary {
        let originals = &self.originals[self.first_key[v] as usize..self.first_key[v + 1] as usize];
        let text = |span: &Span| slice(&self.text, *span);
        VendorSummary {
            slug: VendorSlug::from_parsed(text(&originals[0])),
            name: text(&originals[1]).to_owned(),
            aliases: originals[2..].iter().map(|a| text(a).to_owned()).collect(),
            criticality: self.criticality[v],
        }
    }

    /// Vendor `v` as the index holds it, borrowed: nothing is copied.
    pub fn vendor(&self, v: Ranked) -> IndexedVendor<'_> {
        let v = v.vendor as usize;
        let first = self.first_key[v] as usize;
        IndexedVendor {
            slug: slice(&self.text, self.originals[first]),
            name: slice(&self.text, self.originals[first + 1]),
            criticality: self.criticality[v],
        }
    }

    /// The same answer as `lookup::resolve(query, vendors)`.
    pub fn resolve(&self, query: &str) -> Lookup {
        let q = lookup::normalise(query);
        let exact = self.run(&self.sorted_keys, &q, Match::Whole);
        // The lowest vendor among equal keys is the one `resolve`'s scan finds first.
        match exact.iter().map(|e| self.by_tie[e.tie as usize]).min() {
            Some(v) => Lookup::Found(self.summary(v as usize).slug),
            None => Lookup::NotFound {
                suggestions: self
                    .rank(query, 3)
                    .into_iter()
                    .filter(|(score, _)| *score >= lookup::SUGGESTION_THRESHOLD)
                    .map(|(_, v)| v)
                    .collect(),
            },
        }
    }

    /// The same answer as `lookup::rank(query, vendors, limit)`.
    pub fn rank(&self, query: &str, limit: usize) -> Vec<(u32, VendorSummary)> {
        self.ranked(query, limit)
            .into_iter()
            .map(|r| (r.score, self.summary(r.vendor as usize)))
            .collect()
    }

    /// `rank`'s answer as vendor numbers, for `vendor` to read without copying.
    pub fn ranked(&self, query: &str, limit: usize) -> Vec<Ranked> {
        let q = lookup::normalise(query);
        let chosen = if q.is_empty() {
            (0..index_u32(limit.min(self.len())))
                .map(|tie| (1, tie))
                .collect()
        } else {
            self.best_keys(&q, limit)
        };
        chosen
            .into_iter()
            .map(|(score, tie)| Ranked {
                score,
                vendor: self.by_tie[tie as usize],
            })
            .collect()
    }

    /// The best `limit` vendors for a normalised, non-empty `q`: (score, tie position).
    fn best_keys(&self, q: &str, limit: usize) -> Vec<(u32, u32)> {
        let mut chosen = Vec::with_capacity(limit);
        for (score, entries, how) in [
            (EXACT, &self.sorted_keys, Match::Whole),
            (PREFIX, &self.sorted_keys, Match::Prefix),
            (WORD_PREFIX, &self.sorted_words, Match::Prefix),
        ] {
            if chosen.len() == limit {
                return chosen;
            }
            take_first_in_tie_order(self.run(entries, q, how), score, limit, &mut chosen);
        }
        if chosen.len() < limit {
            // Fewer than `limit` vendors start with it: substrings and misspellings count too.
            chosen = self.score_every_key(q, limit);
        }
        chosen
    }

    /// The entries equal to `q`, or starting with it: a run of the sorted list.
    fn run<'e>(&self, entries: &'e [Entry], q: &str, how: Match) -> &'e [Entry] {
        let start = entries.partition_point(|e| slice(&self.text, e.text) < q);
        let len = entries[start..].partition_point(|e| {
            let text = slice(&self.text, e.text);
            match how {
                Match::Whole => text == q,
                Match::Prefix => text.starts_with(q),
            }
        });
        &entries[start..start + len]
    }
}

#[derive(Clone, Copy)]
enum Match {
    Whole,
    Prefix,
}

/// Adds to `chosen`, at `score`, the distinct tie positions of `entries` that come first
/// until it holds `limit`, leaving out those already chosen (by a higher tier).
fn take_first_in_tie_order(entries: &[Entry], score: u32, limit: usize, chosen: &mut Vec<(u32, u32)>) {
    // `chosen[tier..]` is this tier's best so far, in tie order.
    let tier = chosen.len();
    for entry in entries {
        if chosen.len() == limit && chosen[tier..].last().is_some_and(|last| entry.tie >= last.1) {
            continue;
        }
        if chosen[..tier].iter().any(|c| c.1 == entry.tie) {
            continue;
        }
        let at = tier + chosen[tier..].partition_point(|b| b.1 < entry.tie);
        if chosen.get(at).map(|c| c.1) != Some(entry.tie) {
            chosen.insert(at, (score, entry.tie));
            chosen.truncate(limit);
        }
    }
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start as usize..(span.start + span.len) as usize]
}

/// Registries are far below 4 billion vendors or bytes of names; saturate rather than wrap.
fn index_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[path = "vendor_index_tests.rs"]
mod tests;
