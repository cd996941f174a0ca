//! The terminal's renderer (`backline ask`): text that reads naturally in a terminal, with
//! people by name, times in UTC, and no chat-only hints.

use super::{
    Reply,
    text::{Span, Text, TimeStyle},
};

/// Plain text is one line on every surface.
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

fn span(out: &mut String, span: &Span) {
    match span {
        Span::Plain(s) | Span::Bold(s) => out.push_str(&one_line(s)),
        Span::Code(s) => {
            out.push('`');
            out.push_str(&one_line(s));
            out.push('`');
        }
        Span::CodeBlock(s) => {
            for line in s.trim_end().lines() {
                out.push_str("\n    ");
                out.push_str(line);
            }
            out.push('\n');
        }
        Span::Link { text, url } if text == url => out.push_str(url),
        Span::Link { text, url } => out.push_str(&format!("{} ({url})", one_line(text))),
        Span::User { name: Some(name), .. } => out.push_str(&one_line(name)),
        Span::User { id, name: None } => out.push_str(&format!("Discord user {id}")),
        Span::Role(id) => out.push_str(&format!("Discord role {id}")),
        Span::Time(at, TimeStyle::Time) => out.push_str(&at.format("%H:%M:%S UTC").to_string()),
        Span::Time(at, _) => out.push_str(&at.format("%Y-%m-%d %H:%M UTC").to_string()),
        Span::LineBreak => out.push('\n'),
        Span::ChatOnly(_) => {}
    }
}

/// The text as a terminal shows it.
pub fn text(text: &Text) -> String {
    let mut out = String::new();
    for s in text.spans() {
        span(&mut out, s);
    }
    out
}

impl Reply {
    /// The reply as plain text for a terminal.
    pub fn to_terminal(&self) -> String {
        let mut out = String::new();
        if let Some(content) = &self.content {
            out.push_str(&text(content));
            out.push('\n');
        }
        if let Some(title) = &self.title {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("== {} ==\n", one_line(title)));
        }
        // The card's link is printed once: not again when the card's text links it already.
        if let Some(url) = &self.url {
            let linked = self
                .description
                .iter()
                .chain(self.fields.iter().map(|f| &f.value))
                .any(|t| t.links().any(|l| l == url));
            if !linked {
                out.push_str(url);
                out.push('\n');
            }
        }
        if let Some(description) = &self.description {
            out.push_str(&text(description));
            out.push('\n');
        }
        for field in &self.fields {
            out.push_str(&format!("\n{}\n", one_line(&field.name)));
            for line in text(&field.value).lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        if let Some(footer) = &self.footer {
            let footer = text(footer);
            if !footer.trim().is_empty() {
                out.push_str(&format!("\n{}\n", footer.trim_end()));
            }
        }
        if !self.appendix.is_empty() {
            out.push('\n');
            for line in &self.appendix {
                out.push_str(&format!("{}\n", text(line).trim_end()));
            }
        }
        out
    }
}
