//! Text → Discord markdown: plain text escaped, names single-line, cut on spans (never
//! inside an escape, a mention, a link or a timestamp).

use chrono::{DateTime, Utc};

use crate::commands::{Span, Text, TimeStyle};

/// Escaped wherever they stand: emphasis, underline, strikethrough, spoilers, code,
/// masked links, mentions, timestamps and custom emoji.
const ALWAYS: &[char] = &['\\', '*', '_', '~', '`', '|', '<', '[', ']'];
/// Escaped at a line's start: headings, subtext, block quotes, lists.
const AT_LINE_START: &[char] = &['#', '>', '-', '+'];

/// Plain text as pieces that are never cut apart: one character with its escape.
fn plain_atoms(s: &str, line_start: &mut bool) -> Vec<String> {
    let mut atoms = Vec::with_capacity(s.len());
    plain_escaped(s, line_start, |atom| atoms.push(atom.to_owned()));
    atoms
}

/// Appends `s` escaped to `out`: what `plain_escaped` emits, character by character, but
/// copying each run of characters that need nothing in one go. Only ASCII characters are
/// ever escaped or change the line-start state, so the scan is over bytes.
fn push_plain_markdown(out: &mut String, s: &str, line_start: &mut bool) {
    let bytes = s.as_bytes();
    out.reserve(s.len());
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !b.is_ascii() {
            *line_start = false;
            i += 1;
            continue;
        }
        if *line_start && b.is_ascii_digit() {
            // `1.` at a line's start makes a list.
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if bytes.get(i) == Some(&b'.') {
                out.push_str(&s[run..i]);
                out.push_str("\\.");
                i += 1;
                run = i;
            }
            *line_start = false;
            continue;
        }
        let c = char::from(b);
        let newline = b == b'\n' || b == b'\r';
        let escape = ALWAYS.contains(&c)
            || (*line_start && AT_LINE_START.contains(&c))
            // `@everyone` and `@here` are shown, never read as a mention.
            || (b == b'@' && (s[i..].starts_with("@everyone") || s[i..].starts_with("@here")));
        if !(b == b' ' || b == b'\t' || newline) {
            *line_start = false;
        }
        if escape || newline {
            out.push_str(&s[run..i]);
            out.push_str(if newline { " " } else { "\\" });
            if escape {
                out.push(c);
            }
            run = i + 1;
        }
        i += 1;
    }
    out.push_str(&s[run..]);
}

/// Hands `emit` each piece of `s` escaped: one character, with its backslash when it needs
/// one. Line breaks become spaces (a name is one line).
fn plain_escaped(s: &str, line_start: &mut bool, mut emit: impl FnMut(&str)) {
    let mut buf = [0u8; 8];
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let c = if c == '\n' || c == '\r' { ' ' } else { c };
        if *line_start && c.is_ascii_digit() {
            // `1.` at a line's start makes a list.
            emit(c.encode_utf8(&mut buf));
            while let Some(&(_, d)) = chars.peek()
                && d.is_ascii_digit()
            {
                emit(d.encode_utf8(&mut buf));
                chars.next();
            }
            if let Some(&(_, '.')) = chars.peek() {
                emit("\\.");
                chars.next();
            }
            *line_start = false;
            continue;
        }
        let escape = ALWAYS.contains(&c)
            || (*line_start && AT_LINE_START.contains(&c))
            // `@everyone` and `@here` are shown, never read as a mention.
            || (c == '@' && (s[i..].starts_with("@everyone") || s[i..].starts_with("@here")));
        if !(c == ' ' || c == '\t') {
            *line_start = false;
        }
        if escape {
            buf[0] = b'\\';
            let n = c.encode_utf8(&mut buf[1..]).len();
            emit(std::str::from_utf8(&buf[..=n]).unwrap_or("\\"));
        } else {
            emit(c.encode_utf8(&mut buf));
        }
    }
}

fn inline_code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if !s.contains('`') {
        format!("`{s}`")
    } else if !s.contains("``") && !s.ends_with('`') && !s.starts_with('`') {
        format!("``{s}``")
    } else {
        // Discord has no escape inside code: show look-alike quotes instead.
        format!("`{}`", s.replace('`', "ˋ"))
    }
}

fn code_block(s: &str) -> String {
    format!("```\n{}\n```", s.trim_end().replace("```", "'''"))
}

fn timestamp(at: DateTime<Utc>, style: TimeStyle) -> String {
    let t = at.timestamp();
    match style {
        TimeStyle::Full => format!("<t:{t}:f> (<t:{t}:R>)"),
        TimeStyle::DateTime => format!("<t:{t}:f>"),
        TimeStyle::Time => format!("<t:{t}:T>"),
        TimeStyle::Relative => format!("<t:{t}:R>"),
    }
}

/// A web address Discord links as it is: no blanks, no markup or mention syntax in it.
fn is_plain_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '<' | '>' | '`' | '"' | '\\' | '|' | '[' | ']' | '(' | ')' | '@'
                )
        })
}

/// One span as Discord markdown.
fn span_markdown(span: &Span, line_start: &mut bool) -> String {
    let mut out = String::new();
    push_span_markdown(&mut out, span, line_start);
    out
}

/// Appends one span as Discord markdown to `out`.
fn push_span_markdown(out: &mut String, span: &Span, line_start: &mut bool) {
    use std::fmt::Write as _;
    match span {
        Span::Plain(s) => return push_plain_markdown(out, s, line_start),
        Span::ChatOnly(text) => {
            for span in text.spans() {
                push_span_markdown(out, span, line_start);
            }
            return;
        }
        Span::Bold(s) => {
            let s = s.trim();
            if !s.is_empty() {
                out.push_str("**");
                push_plain_markdown(out, s, &mut false);
                out.push_str("**");
            }
        }
        Span::Code(s) => out.push_str(&inline_code(s)),
        Span::CodeBlock(s) => {
            if !*line_start {
                out.push('\n');
            }
            out.push_str(&code_block(s));
        }
        // An address someone typed that could carry markup or a mention is shown as text.
        Span::Link { text, url } if !is_plain_url(url) => {
            push_plain_markdown(out, text, line_start);
            if text != url {
                push_plain_markdown(out, &format!(" ({url})"), line_start);
            }
            return;
        }
        Span::Link { text, url } if text == url => out.push_str(url),
        Span::Link { text, url } => {
            out.push('[');
            push_plain_markdown(out, text, &mut false);
            let _ = write!(out, "]({url})");
        }
        Span::User { id, .. } => {
            let _ = write!(out, "<@{id}>");
        }
        Span::Role(id) => {
            let _ = write!(out, "<@&{id}>");
        }
        Span::Time(at, style) => out.push_str(&timestamp(*at, *style)),
        Span::LineBreak => {
            *line_start = true;
            out.push('\n');
            return;
        }
    }
    *line_start = false;
}

/// The text as Discord markdown, plain spans escaped.
pub fn markdown(text: &Text) -> String {
    markdown_within(text.spans(), usize::MAX)
}

/// At most `max` characters of markdown. What does not fit is cut between spans, or between
/// characters of a plain, bold or code span (never inside an escape, a mention, a link or a
/// timestamp, which are left out whole), and the cut ends with "…".
pub fn markdown_within(spans: &[Span], max: usize) -> String {
    let mut line_start = true;
    let mut all = String::new();
    let mut ends = Vec::with_capacity(spans.len());
    for span in spans {
        push_span_markdown(&mut all, span, &mut line_start);
        ends.push(all.len());
    }
    if max == usize::MAX || all.len() <= max || all.chars().count() <= max {
        return all;
    }
    let whole = std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(ends.iter().copied())
        .map(|(start, end)| &all[start..end]);
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    let mut line_start = true;
    for (span, rendered) in spans.iter().zip(whole) {
        let size = rendered.chars().count();
        if used + size <= budget {
            out.push_str(rendered);
            used += size;
            // Keep the line-start state in step with what was written.
            span_markdown(span, &mut line_start);
            continue;
        }
        let left = budget - used;
        let (open, atoms, close) = match span {
            Span::Plain(s) => (String::new(), plain_atoms(s, &mut line_start), String::new()),
            Span::Bold(s) => (
                "**".to_owned(),
                plain_atoms(s.trim(), &mut false),
                "**".to_owned(),
            ),
            Span::Code(s) => (
                "`".to_owned(),
                s.replace(['\n', '\r', '`'], " ")
                    .chars()
                    .map(String::from)
                    .collect(),
                "`".to_owned(),
            ),
            Span::CodeBlock(s) => {
                let open = if line_start { "```\n" } else { "\n```\n" };
                (
                    open.to_owned(),
                    s.replace("```", "'''").chars().map(String::from).collect(),
                    "\n```".to_owned(),
                )
            }
            _ => (String::new(), Vec::new(), String::new()),
        };
        let frame = open.chars().count() + close.chars().count();
        let mut taken = String::new();
        let mut taken_len = 0;
        for atom in atoms {
            let n = atom.chars().count();
            if frame + taken_len + n > left {
                break;
            }
            taken.push_str(&atom);
            taken_len += n;
        }
        if taken_len > 0 {
            out.push_str(&open);
            out.push_str(&taken);
            out.push_str(&close);
        }
        break;
    }
    out.push('…');
    out
}

/// Text where Discord shows markdown as typed (embed footers): nothing to escape.
pub fn literal(text: &Text) -> String {
    text.spans()
        .iter()
        .map(|span| match span {
            Span::Plain(s) | Span::Bold(s) => s.replace(['\n', '\r'], " "),
            Span::ChatOnly(text) => literal(text),
            Span::Code(s) => format!("`{s}`"),
            Span::CodeBlock(s) => s.clone(),
            Span::Link { url, .. } => url.clone(),
            Span::User { id, name } => name.clone().unwrap_or_else(|| format!("Discord user {id}")),
            Span::Role(id) => format!("Discord role {id}"),
            Span::Time(at, _) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
            Span::LineBreak => "\n".to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escape written in one pass is exactly the one written character by character
    /// (which the cut relies on).
    #[test]
    fn plain_text_escapes_the_same_in_one_pass_as_character_by_character() {
        let samples = [
            "",
            "plain words only",
            "1. first\n2) second\r\n# heading > quote - list + more",
            "  12. indented 3.5 and 42",
            "*bold* _it_ ~~s~~ `code` ||spoiler|| <@123> [x](y) \\ back",
            "@everyone @here @someone @ever",
            "é1. ünïcödé 🚨 - # > + @here",
            "\t- tab then dash\n\n- two\n123",
            "9",
            "9.",
            "#",
        ];
        for sample in samples {
            for start in [true, false] {
                let (mut by_char, mut one_pass) = (start, start);
                let expected = plain_atoms(sample, &mut by_char).concat();
                let mut out = String::new();
                push_plain_markdown(&mut out, sample, &mut one_pass);
                assert_eq!(out, expected, "{sample:?} at line start {start}");
                assert_eq!(one_pass, by_char, "line-start state after {sample:?}");
            }
        }
    }
}
