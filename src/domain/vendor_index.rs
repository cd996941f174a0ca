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

/// Scores of the tiers the index answers without scoring (the values `lookup` gives them).
const EXACT: u32 = 1000;
const PREFIX: u32 = 900;
const WORD_PREFIX: u32 = 800;
/// `lookup` counts a misspelling only from this Jaro-Winkler similarity up.
const CLOSE_SPELLING: f64 = 0.75;

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
        let q = lookup::normalise(query);
        if q.is_empty() {
            return self
                .by_tie
                .iter()
                .take(limit)
                .map(|&v| (1, self.summary(v as usize)))
                .collect();
        }
        // Best first: (score, tie position).
        let mut chosen: Vec<(u32, u32)> = Vec::with_capacity(limit);
        for (score, entries) in [
            (EXACT, self.run(&self.sorted_keys, &q, Match::Whole)),
            (PREFIX, self.run(&self.sorted_keys, &q, Match::Prefix)),
            (WORD_PREFIX, self.run(&self.sorted_words, &q, Match::Prefix)),
        ] {
            if chosen.len() == limit {
                break;
            }
            let best = first_in_tie_order(entries, limit - chosen.len(), &chosen);
            chosen.extend(best.into_iter().map(|tie| (score, tie)));
        }
        if chosen.len() < limit {
            // Fewer than `limit` vendors start with it: substrings and misspellings count too.
            chosen = self.score_every_key(&q, limit);
        }
        chosen
            .into_iter()
            .map(|(score, tie)| (score, self.summary(self.by_tie[tie as usize] as usize)))
            .collect()
    }

    /// `lookup::rank`'s own scoring of every key, skipping the Jaro-Winkler similarity of
    /// keys that lack too many of the query's letters to reach `CLOSE_SPELLING`.
    fn score_every_key(&self, q: &str, limit: usize) -> Vec<(u32, u32)> {
        let query_letters: Vec<u32> = q.chars().map(letter).collect();
        let query_chars = query_letters.len() as f64;
        let mut scored: Vec<(u32, u32)> = Vec::new();
        for (tie, &v) in self.by_tie.iter().enumerate() {
            let v = v as usize;
            let keys = &self.keys[self.first_key[v] as usize..self.first_key[v + 1] as usize];
            let mut best = 0;
            for key in keys {
                let text = slice(&self.text, key.text);
                let shared = query_letters.iter().filter(|&&l| key.letters & l != 0).count();
                let substring = shared == query_letters.len() && text.contains(q);
                if !substring {
                    // Only a close spelling can count. Jaro matches at most `shared`
                    // characters, and Winkler's bonus needs a common prefix.
                    let prefix = q
                        .chars()
                        .zip(text.chars())
                        .take(4)
                        .take_while(|(a, b)| a == b)
                        .count();
                    let c = shared as f64;
                    let jaro = if shared == 0 {
                        0.0
                    } else {
                        (c / query_chars + c / f64::from(key.chars) + 1.0) / 3.0
                    };
                    let bound = if jaro > 0.7 {
                        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
                    } else {
                        jaro
                    };
                    if bound < CLOSE_SPELLING - 1e-9 {
                        continue;
                    }
                }
                best = best.max(lookup::score(q, text));
            }
            if best > 0 {
                scored.push((best, index_u32(tie)));
            }
        }
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(limit);
        scored
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

/// The `room` distinct tie positions of `entries` that come first, leaving out those
/// already `chosen` (by a higher tier).
fn first_in_tie_order(entries: &[Entry], room: usize, chosen: &[(u32, u32)]) -> Vec<u32> {
    let mut best: Vec<u32> = Vec::with_capacity(room + 1);
    for entry in entries {
        if best.len() == room && best.last().is_some_and(|&last| entry.tie >= last) {
            continue;
        }
        if chosen.iter().any(|c| c.1 == entry.tie) {
            continue;
        }
        let at = best.partition_point(|&b| b < entry.tie);
        if best.get(at) != Some(&entry.tie) {
            best.insert(at, entry.tie);
            best.truncate(room);
        }
    }
    best
}

/// Which characters a text holds, as bits: one per ASCII letter and digit, the rest
/// sharing the remaining bits (a shared bit only makes a key look closer than it is).
fn letters(text: &str) -> u32 {
    text.chars().fold(0, |set, c| set | letter(c))
}

fn letter(c: char) -> u32 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << 26,
        _ => 1 << (27 + c as u32 % 5),
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
