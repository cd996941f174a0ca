//! Text as semantic spans (plain, bold, code, link, mention, time, line break): what a reply
//! says, not how one surface marks it up. Each surface's renderer escapes plain text its own
//! way, so text from the plans file or from members never becomes structure.

use chrono::{DateTime, Utc};

/// How a point in time is shown. Discord shows it in the reader's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStyle {
    /// Date and time, then how long ago or until: "25 November 2026 10:00 (in 2 hours)".
    Full,
    /// Date and time.
    DateTime,
    /// Time of day only.
    Time,
    /// How long ago or until.
    Relative,
}

/// One piece of text. Plain text is always one line: a renderer shows a newline inside it
/// as a space; lines are broken only by `LineBreak`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Plain(String),
    Bold(String),
    Code(String),
    /// Several lines shown as they are, in a monospace block.
    CodeBlock(String),
    Link {
        text: String,
        url: String,
    },
    /// A Discord user, with the name the registry knows them by, if any. Showing a mention
    /// never pings anyone: only a reply's `mentions` list does.
    User {
        id: u64,
        name: Option<String>,
    },
    Role(u64),
    Time(DateTime<Utc>, TimeStyle),
    LineBreak,
    /// What only makes sense in a chat: a hint at a button or at autocomplete, a clickable
    /// mention beside the name it stands for. The terminal and documents leave it out.
    ChatOnly(Text),
}

/// A sequence of spans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(Vec<Span>);

impl Text {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn spans(&self) -> &[Span] {
        &self.0
    }

    pub fn push(&mut self, span: Span) {
        // Empty text spans add nothing; dropping them keeps "is this empty?" simple.
        let empty = match &span {
            Span::Plain(s) | Span::Bold(s) | Span::Code(s) => s.is_empty(),
            Span::ChatOnly(t) => t.0.is_empty(),
            _ => false,
        };
        if !empty {
            self.0.push(span);
        }
    }

    fn with(mut self, span: Span) -> Self {
        self.push(span);
        self
    }

    pub fn plain(self, text: impl Into<String>) -> Self {
        self.with(Span::Plain(text.into()))
    }

    pub fn bold(self, text: impl Into<String>) -> Self {
        self.with(Span::Bold(text.into()))
    }

    pub fn code(self, text: impl Into<String>) -> Self {
        self.with(Span::Code(text.into()))
    }

    pub fn code_block(self, text: impl Into<String>) -> Self {
        self.with(Span::CodeBlock(text.into()))
    }

    /// A link shown as its address.
    pub fn url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.with(Span::Link {
            text: url.clone(),
            url,
        })
    }

    pub fn user(self, id: u64, name: Option<&str>) -> Self {
        self.with(Span::User {
            id,
            name: name.map(str::to_owned),
        })
    }

    pub fn role(self, id: u64) -> Self {
        self.with(Span::Role(id))
    }

    pub fn time(self, at: DateTime<Utc>, style: TimeStyle) -> Self {
        self.with(Span::Time(at, style))
    }

    pub fn line_break(self) -> Self {
        self.with(Span::LineBreak)
    }

    /// Plain text shown only in a chat.
    pub fn chat_hint(self, text: impl Into<String>) -> Self {
        self.with(Span::ChatOnly(Text::from(text.into())))
    }

    /// Text shown only in a chat.
    pub fn chat_only(self, text: Text) -> Self {
        self.with(Span::ChatOnly(text))
    }

    /// This text followed by `other`.
    pub fn then(mut self, other: Text) -> Self {
        self.0.reserve(other.0.len());
        for span in other.0 {
            self.push(span);
        }
        self
    }

    /// Text someone wrote over several lines (a note, a history entry): one plain span a line.
    pub fn multiline(text: &str) -> Self {
        Self::lines(text.lines().map(Text::from))
    }

    /// The texts, one a line.
    pub fn lines(lines: impl IntoIterator<Item = Text>) -> Self {
        let mut out = Text::new();
        for (i, line) in lines.into_iter().enumerate() {
            if i > 0 {
                out.push(Span::LineBreak);
            }
            out = out.then(line);
        }
        out
    }

    /// The text cut into lines at its line breaks.
    pub fn split_lines(&self) -> Vec<&[Span]> {
        self.0.split(|s| *s == Span::LineBreak).collect()
    }

    /// Nothing a reader would see (only blank text and line breaks).
    pub fn is_blank(&self) -> bool {
        self.0.iter().all(|s| match s {
            Span::Plain(t) | Span::Bold(t) | Span::Code(t) | Span::CodeBlock(t) => t.trim().is_empty(),
            Span::ChatOnly(t) => t.is_blank(),
            Span::LineBreak => true,
            _ => false,
        })
    }

    /// Every URL linked from this text.
    pub fn links(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|s| match s {
            Span::Link { url, .. } => Some(url.as_str()),
            _ => None,
        })
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::new().plain(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::new().plain(text)
    }
}

impl From<Span> for Text {
    fn from(span: Span) -> Self {
        Text::new().with(span)
    }
}

impl std::fmt::Display for Text {
    /// The terminal's rendering: what a log line or a terminal shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::terminal::text(self))
    }
}
