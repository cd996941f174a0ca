//! The tier `VendorIndex` scores key by key: substrings and close spellings, reached only
//! when fewer vendors than were asked for start with what was typed.

use super::{VendorIndex, index_u32, lookup, slice};

/// `lookup` counts a misspelling only from this Jaro-Winkler similarity up.
const CLOSE_SPELLING: f64 = 0.75;

impl VendorIndex {
    /// `lookup::rank`'s own scoring of every key, skipping the Jaro-Winkler similarity of
    /// keys that lack too many of the query's letters to reach `CLOSE_SPELLING`.
    pub(super) fn score_every_key(&self, q: &str, limit: usize) -> Vec<(u32, u32)> {
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
}

/// Which characters a text holds, as bits: one per ASCII letter and digit, the rest
/// sharing the remaining bits (a shared bit only makes a key look closer than it is).
pub(super) fn letters(text: &str) -> u32 {
    text.chars().fold(0, |set, c| set | letter(c))
}

fn letter(c: char) -> u32 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << 26,
        _ => 1 << (27 + c as u32 % 5),
    }
}
