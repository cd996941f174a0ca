//! Splitting a plans file into parts that parse on their own, one vendor each.

use std::ops::Range;

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
}
