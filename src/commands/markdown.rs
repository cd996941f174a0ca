//! The CommonMark renderer (the wiki export): plain text is escaped so that no block or
//! inline construct (headings, setext underlines, thematic breaks, list markers, fences,
//! HTML, links, emphasis, tables) can come out of it.

use super::text::{Span, Text, TimeStyle};

/// Escaped everywhere: emphasis, code, links and images, HTML and autolinks, entities,
/// table pipes, strikethrough, backslashes, heading closers.
const ALWAYS: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~', '#', '!'];
/// Escaped where a block starts: headings, setext underlines, thematic breaks, list
/// markers, block quotes.
const AT_BLOCK_START: &[char] = &['-', '+', '=', '>', '#', '*', '_'];

struct Writer {
    out: String,
    /// At the start of a line, where a block construct could begin.
    block_start: bool,
}

impl Writer {
    fn plain(&mut self, s: &str) {
        let chars: Vec<char> = s
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if self.block_start {
                // Leading blanks would make an indented code block or a list continuation.
                if c == ' ' || c == '\t' {
                    i += 1;
                    continue;
                }
                self.block_start = false;
                if c.is_ascii_digit() {
                    // `1.` or `1)` starts an ordered list: escape the punctuation.
                    let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                    self.out.extend(&chars[i..i + run]);
                    i += run;
                    if let Some(&p @ ('.' | ')')) = chars.get(i) {
                        self.out.push('\\');
                        self.out.push(p);
                        i += 1;
                    }
                    continue;
                }
                if AT_BLOCK_START.contains(&c) || ALWAYS.contains(&c) {
                    self.out.push('\\');
                }
                self.out.push(c);
                i += 1;
                continue;
            }
            if ALWAYS.contains(&c) {
                self.out.push('\\');
            }
            self.out.push(c);
            i += 1;
        }
    }

    fn code(&mut self, s: &str) {
        let s = s.replace(['\n', '\r'], " ");
        if s.is_empty() {
            return;
        }
        let longest = longest_run(&s, '`');
        let fence = "`".repeat(longest + 1);
        // Three backticks at a line's start would open a fenced block instead.
        if self.block_start && fence.len() >= 3 {
            self.out.push_str("&#8203;");
        }
        let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
            " "
        } else {
            ""
        };
        self.out.push_str(&format!("{fence}{pad}{s}{pad}{fence}"));
        self.block_start = false;
    }

    fn span(&mut self, span: &Span) {
        match span {
            Span::Plain(s) => self.plain(s),
            Span::Bold(s) => {
                let inner = s.replace(['\n', '\r'], " ");
                let inner = inner.trim();
                if !inner.is_empty() {
                    self.out.push_str("**");
                    self.block_start = false;
                    self.plain(inner);
                    self.out.push_str("**");
                }
            }
            Span::Code(s) | Span::CodeBlock(s) => self.code(s),
            Span::Link { text, url } => {
                let safe_url = !url.contains([' ', '<', '>', '\n', '\r', '\\']);
                if !safe_url {
                    self.plain(url);
                } else if text == url {
                    self.out.push_str(&format!("<{url}>"));
                } else {
                    self.out.push('[');
                    self.block_start = false;
                    self.plain(text);
                    self.out.push_str(&format!("](<{url}>)"));
                }
                self.block_start = false;
            }
            Span::User { name: Some(name), .. } => self.plain(name),
            Span::User { id, name: None } => self.plain(&format!("Discord user {id}")),
            Span::Role(id) => self.plain(&format!("Discord role {id}")),
            Span::Time(at, TimeStyle::Time) => self.plain(&at.format("%H:%M:%S UTC").to_string()),
            Span::Time(at, _) => self.plain(&at.format("%Y-%m-%d %H:%M UTC").to_string()),
            Span::LineBreak => {
                self.out.push('\n');
                self.block_start = true;
            }
            Span::ChatOnly(_) => {}
        }
    }
}

fn longest_run(s: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Text for a place where a block may start (a list item, a heading, a table cell, a
/// paragraph): everything in it stays inline text.
pub fn inline(text: &Text) -> String {
    let mut writer = Writer {
        out: String::new(),
        block_start: true,
    };
    for span in text.spans() {
        writer.span(span);
    }
    writer.out
}

/// Plain text, escaped.
pub fn plain(s: &str) -> String {
    inline(&Text::from(s))
}

/// A fenced block showing `content` as it is, whatever fences it holds itself.
pub fn code_block(content: &str, info: &str) -> String {
    let fence = "`".repeat((longest_run(content, '`') + 1).max(3));
    format!("{fence}{info}\n{}\n{fence}\n", content.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_constructs_at_a_line_start_are_escaped() {
        for (raw, escaped) in [
            ("# heading", "\\# heading"),
            ("- item", "\\- item"),
            ("+ item", "\\+ item"),
            ("1. first", "1\\. first"),
            ("12) first", "12\\) first"),
            ("===", "\\==="),
            ("---", "\\---"),
            ("> quote", "\\> quote"),
            ("    indented code", "indented code"),
            ("a - b = c", "a - b = c"),
        ] {
            assert_eq!(plain(raw), escaped, "{raw}");
        }
    }

    #[test]
    fn inline_constructs_are_escaped_everywhere() {
        assert_eq!(
            plain("*a* _b_ `c` [d](e) <f> &amp; | ~~g~~ \\"),
            "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\<f\\> \\&amp; \\| \\~\\~g\\~\\~ \\\\"
        );
    }

    #[test]
    fn a_code_block_fence_is_longer_than_any_fence_inside() {
        let block = code_block("```\n~~~\n````", "text");
        assert!(block.starts_with("`````text\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
    }
}
