//! Splitting a plans file into parts that parse on their own, one vendor each, and parsing
//! them on every core.

use std::ops::Range;

use std::collections::HashSet;

use super::{LineIndex, Location, PlanError, SourceFile, Vendor, name_key, parse_part, vendor_to_toml};

/// Vendors per batch of [`VendorBatches`].
const BATCH: usize = 500;

/// A vendor with the TOML table the store keeps of it ([`vendor_to_toml`]), written on the
/// parsing threads so that an import's single writer does not spend its time serialising.
#[derive(Debug)]
pub struct VendorDocument {
    pub vendor: Vendor,
    pub document: Result<String, toml::ser::Error>,
}

impl VendorDocument {
    pub fn of(vendor: Vendor) -> Self {
        let document = vendor_to_toml(&vendor);
        Self { vendor, document }
    }
}

/// The vendors of plans files with their documents, batch by batch in file order, for an
/// import that never holds them all: each batch is parsed on every core and checked as
/// [`super::parse_files`] checks (each vendor, and every name leading to one vendor). At the
/// first problem it stops and says so ([`VendorBatches::failed`]): `parse_files` then finds
/// every error to report.
pub struct VendorBatches<'a> {
    files: &'a [SourceFile],
    file: usize,
    /// The parts of the current file not parsed yet.
    parts: Vec<Range<usize>>,
    claimed: HashSet<String>,
    failed: bool,
}

impl<'a> VendorBatches<'a> {
    pub fn new(files: &'a [SourceFile]) -> Self {
        Self {
            files,
            file: 0,
            parts: Vec::new(),
            claimed: HashSet::new(),
            failed: false,
        }
    }

    /// Something in the files is wrong: no more batches.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Every name the batch's vendors answer to is new: else the batch fails.
    fn claim(&mut self, vendors: &[VendorDocument]) -> bool {
        for VendorDocument { vendor, .. } in vendors {
            let mut names = vec![vendor.slug.as_str().to_owned(), name_key(&vendor.name)];
            names.extend(vendor.aliases.iter().map(|a| name_key(a)));
            names.sort();
            names.dedup();
            for name in names {
                if !self.claimed.insert(name) {
                    return false;
                }
            }
        }
        true
    }
}

impl Iterator for VendorBatches<'_> {
    type Item = Vec<VendorDocument>;

    fn next(&mut self) -> Option<Vec<VendorDocument>> {
        while self.parts.is_empty() {
            if self.failed || self.file >= self.files.len() {
                return None;
            }
            let text = &self.files[self.file].text;
            let mut parts = vendor_chunks(text);
            if !parts.iter().all(|part| vendor_or_comments(&text[part.clone()])) {
                parts = std::iter::once(0..text.len()).collect();
            }
            parts.reverse();
            self.parts = parts;
            self.file += 1;
        }
        let file = &self.files[self.file - 1];
        let lines = LineIndex::new(&file.text);
        let take = self.parts.len().min(BATCH);
        let mut batch: Vec<Range<usize>> = self.parts.split_off(self.parts.len() - take);
        batch.reverse();
        let vendors = on_every_core(&batch, |share| {
            let parsed = parse_parts(file, &lines, share)?;
            Some(
                parsed
                    .into_iter()
                    .map(|(vendor, _)| VendorDocument::of(vendor))
                    .collect(),
            )
        });
        match vendors {
            Some(vendors) if self.claim(&vendors) => Some(vendors),
            _ => {
                self.failed = true;
                self.parts.clear();
                None
            }
        }
    }
}

/// A file's vendors, or every error in it. A large file is parsed vendor by vendor (see
/// [`vendor_chunks`]), so that only one vendor's spanned document is alive at a time;
/// when anything in it is wrong, the whole file is parsed again at once, so that errors are
/// reported exactly as for any file.
pub(super) fn parse_file<'a>(
    file: &'a SourceFile,
    lines: &'a LineIndex<'a>,
) -> (Vec<(Vendor, Location<'a>)>, Vec<PlanError>) {
    let parts = vendor_chunks(&file.text);
    if !parts
        .iter()
        .all(|part| vendor_or_comments(&file.text[part.clone()]))
    {
        return parse_part(file, lines, 0..file.text.len());
    }
    match parse_on_every_core(file, lines, &parts) {
        Some(vendors) => (vendors, Vec::new()),
        None => parse_part(file, lines, 0..file.text.len()),
    }
}

/// The vendors of `parts` of `file`, in order, parsed on every core; none when any part
/// has an error.
fn parse_on_every_core<'a>(
    file: &'a SourceFile,
    lines: &'a LineIndex<'a>,
    parts: &[Range<usize>],
) -> Option<Vec<(Vendor, Location<'a>)>> {
    on_every_core(parts, |share| parse_parts(file, lines, share))
}

/// `work` on consecutive shares of `parts`, one thread per core, results in order; none
/// when any share has none. The vendors are independent: a large file is parsed on every
/// core.
fn on_every_core<T: Send>(
    parts: &[Range<usize>],
    work: impl Fn(&[Range<usize>]) -> Option<Vec<T>> + Sync,
) -> Option<Vec<T>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_core = parts.len().div_ceil(cores).max(PARALLEL_FROM);
    let work = &work;
    let done: Vec<Option<Vec<T>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .chunks(per_core)
            .map(|share| scope.spawn(move || work(share)))
            .collect();
        workers.into_iter().map(|w| w.join().ok().flatten()).collect()
    });
    let mut all = Vec::with_capacity(parts.len());
    for share in done {
        all.append(&mut share?);
    }
    Some(all)
}

/// Fewer vendors than this are parsed on one thread.
const PARALLEL_FROM: usize = 256;

/// The vendors of `parts`, or none when any part has an error.
fn parse_parts<'a>(
    file: &'a SourceFile,
    lines: &'a LineIndex<'a>,
    parts: &[Range<usize>],
) -> Option<Vec<(Vendor, Location<'a>)>> {
    let mut vendors = Vec::new();
    for part in parts {
        let (mut parsed, errors) = parse_part(file, lines, part.clone());
        if !errors.is_empty() {
            return None;
        }
        vendors.append(&mut parsed);
    }
    Some(vendors)
}

/// Byte ranges covering `text` in order: what comes before the first `[[vendor]]` header
/// line (if anything), then each vendor from its header line to the next one.
///
/// The split is by lines only, so it can be wrong where a multi-line string holds a line
/// that starts with `[[vendor]]`: the part before that line then ends inside an unclosed
/// string, which fails to parse, and the caller parses the whole file instead. A header
/// written any other way (`[[ vendor ]]`) is simply not split at.
pub(super) fn vendor_chunks(text: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if at > 0 && line.trim_start().starts_with("[[vendor]]") {
            starts.push(at);
        }
        at += line.len();
    }
    starts.push(text.len());
    starts
        .windows(2)
        .map(|w| w[0]..w[1])
        .filter(|r| !r.is_empty())
        .collect()
}

/// True for a part that is a vendor (starts with its header) or only comments and blank
/// lines. Anything else before the first vendor (`vendor = [...]`, another key) could mean
/// something different in the whole file than on its own: such a file is parsed whole.
pub(super) fn vendor_or_comments(part: &str) -> bool {
    part.trim_start().starts_with("[[vendor]]")
        || part
            .lines()
            .map(str::trim)
            .all(|line| line.is_empty() || line.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_vendor_header_line_starts_a_part_and_the_parts_cover_the_text() {
        let text = "# plans\n\n[[vendor]]\nslug = \"a\"\n\n  [[vendor]]\nslug = \"b\"\n[vendor.plan]\n";
        let parts = vendor_chunks(text);
        let pieces: Vec<&str> = parts.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(
            pieces,
            [
                "# plans\n\n",
                "[[vendor]]\nslug = \"a\"\n\n",
                "  [[vendor]]\nslug = \"b\"\n[vendor.plan]\n"
            ]
        );
        assert!(vendor_chunks("").is_empty());
        assert!(parts.iter().all(|r| vendor_or_comments(&text[r.clone()])));
        assert!(!vendor_or_comments("vendor = []\n"));
    }

    fn vendor(i: usize, extra: &str) -> String {
        format!(
            "[[vendor]]\nslug = \"v{i}\"\nname = \"Vendor {i}\"\ncriticality = \"low\"\n{extra}\n[vendor.owner]\nname = \"Someone\"\n\n"
        )
    }

    #[test]
    fn a_large_file_parses_as_a_whole_file_would_errors_included() {
        let mut text = String::from("# many vendors\n\n");
        for i in 0..600 {
            text.push_str(&vendor(i, ""));
        }
        let parsed = crate::domain::plans_file::parse_str("big.toml", &text).unwrap();
        assert_eq!(parsed.len(), 600);
        assert!(parsed.windows(2).all(|w| w[0].slug < w[1].slug));

        let broken = text.replacen("name = \"Vendor 500\"", "nmae = \"Vendor 500\"", 1);
        let errors = crate::domain::plans_file::parse_str("big.toml", &broken).unwrap_err();
        let line = broken.lines().position(|l| l.starts_with("nmae")).unwrap() + 1;
        assert!(
            errors
                .iter()
                .any(|e| e.line == line && e.vendor.as_deref() == Some("v500")),
            "{errors:?}"
        );
    }

    #[test]
    fn a_vendor_header_inside_a_multi_line_string_is_not_a_split() {
        let notes = "notes = \"\"\"\n[[vendor]]\nslug = \"inside\"\n\"\"\"";
        let text = format!("{}{}", vendor(1, notes), vendor(2, ""));
        let parsed = crate::domain::plans_file::parse_str("notes.toml", &text).unwrap();
        let slugs: Vec<&str> = parsed.iter().map(|v| v.slug.as_str()).collect();
        assert_eq!(slugs, ["v1", "v2"]);
        assert!(
            parsed[0]
                .notes
                .as_deref()
                .unwrap_or_default()
                .contains("slug = \"inside\"")
        );
    }

    #[test]
    fn batches_hold_at_most_five_hundred_vendors_and_stop_at_a_name_used_twice() {
        let mut text = String::new();
        for i in 0..1200 {
            text.push_str(&vendor(i, ""));
        }
        let files = [SourceFile {
            name: "big.toml".into(),
            text: text.clone(),
        }];
        let sizes: Vec<usize> = VendorBatches::new(&files).map(|b| b.len()).collect();
        assert_eq!(sizes, [500, 500, 200]);

        let clash = text.replacen("name = \"Vendor 900\"", "name = \"vendor 3\"", 1);
        let files = [SourceFile {
            name: "clash.toml".into(),
            text: clash,
        }];
        let mut batches = VendorBatches::new(&files);
        assert_eq!(batches.by_ref().count(), 1, "the second batch holds the clash");
        assert!(batches.failed());
    }
}
