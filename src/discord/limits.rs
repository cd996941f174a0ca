//! Discord's limits, all in one place, and the function that renders a reply to fit them.
//! Everything is counted in characters (Discord counts characters, not bytes); a cut never
//! splits a UTF-8 character, an escape, a mention or a link.

use super::render::{literal, markdown_within};
use crate::commands::{Reply, Text};

pub const CONTENT: usize = 2000;
pub const EMBED_TITLE: usize = 256;
pub const EMBED_DESCRIPTION: usize = 4096;
pub const EMBED_FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
pub const EMBED_TOTAL: usize = 6000;
pub const EMBED_URL: usize = 2048;
pub const AUTOCOMPLETE_CHOICES: usize = 25;
pub const CHOICE_NAME: usize = 100;
pub const CHOICE_VALUE: usize = 100;
pub const CUSTOM_ID: usize = 100;
pub const MODAL_TITLE: usize = 45;
pub const MODAL_INPUTS: usize = 5;
pub const TEXT_INPUT_LABEL: usize = 45;
pub const TEXT_INPUT_PLACEHOLDER: usize = 100;
pub const TEXT_INPUT_MAX: u16 = 4000;
pub const BUTTONS_PER_ROW: usize = 5;
pub const BUTTON_LABEL: usize = 80;

const ELLIPSIS: char = '…';

/// `s` cut to at most `max` characters; a cut text ends with "…". For text Discord shows
/// as typed (labels, placeholders, choices).
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push(ELLIPSIS);
    out
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// An embed field, rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FittedField {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// A reply rendered as Discord markdown, each part within its limit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fitted {
    pub content: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<FittedField>,
    pub color: Option<u32>,
    pub footer: Option<String>,
}

impl Fitted {
    pub fn has_embed(&self) -> bool {
        self.title.is_some() || self.description.is_some() || !self.fields.is_empty()
    }

    /// Total characters Discord counts towards the 6000-character embed limit.
    pub fn embed_size(&self) -> usize {
        self.title.as_deref().map_or(0, chars)
            + self.description.as_deref().map_or(0, chars)
            + self.footer.as_deref().map_or(0, chars)
            + self
                .fields
                .iter()
                .map(|f| chars(&f.name) + chars(&f.value))
                .sum::<usize>()
    }
}

fn within(text: &Text, max: usize) -> String {
    markdown_within(text.spans(), max)
}

/// A reply rendered to fit one Discord embed and message: each part within its limit, long
/// fields continued in further fields (split at line ends), and the whole embed within
/// 6000 characters, dropping trailing fields with a note if it must.
pub fn fit(reply: &Reply) -> Fitted {
    let mut out = Fitted {
        content: reply.content.as_ref().map(|c| within(c, CONTENT)),
        title: reply
            .title
            .as_deref()
            .map(|t| within(&Text::from(t), EMBED_TITLE)),
        url: reply.url.clone().filter(|u| chars(u) <= EMBED_URL),
        description: None,
        fields: reply
            .fields
            .iter()
            .filter(|f| !f.value.is_blank())
            .flat_map(|f| split_field(&f.name, &f.value, f.inline))
            .collect(),
        color: reply.color,
        footer: None,
    };
    // The note that says something was cut must always fit, so keep room for it.
    let note = chars(NOTE_NAME) + chars(NOTE_VALUE);
    let room = EMBED_TOTAL - note;
    let title = out.title.as_deref().map_or(0, chars);
    let footer = reply.footer.as_ref().map(literal);
    let description = reply.description.as_ref();
    // Title, description and footer can exceed 6000 together: the footer gives way first.
    let full_description = description.map(|d| within(d, EMBED_DESCRIPTION));
    let description_size = full_description.as_deref().map_or(0, chars);
    if let Some(footer) = footer {
        let left = room.saturating_sub(title + description_size);
        out.footer = (left > 0).then(|| truncate(&footer, left.min(FOOTER)));
    }
    if let (Some(description), Some(full)) = (description, full_description) {
        let left = room.saturating_sub(title + out.footer.as_deref().map_or(0, chars));
        // Rendered once; again, shorter, only when the footer and title leave less room.
        out.description = (left > 0).then(|| {
            if description_size <= left {
                full
            } else {
                within(description, left.min(EMBED_DESCRIPTION))
            }
        });
    }
    let fixed = title + out.description.as_deref().map_or(0, chars) + out.footer.as_deref().map_or(0, chars);
    let mut budget = room.saturating_sub(fixed);
    let mut kept = Vec::new();
    for field in std::mem::take(&mut out.fields) {
        let size = chars(&field.name) + chars(&field.value);
        if kept.len() + 1 < EMBED_FIELDS && size <= budget {
            budget -= size;
            kept.push(field);
        } else {
            kept.push(FittedField {
                name: NOTE_NAME.into(),
                value: NOTE_VALUE.into(),
                inline: false,
            });
            break;
        }
    }
    out.fields = kept;
    out
}

const NOTE_NAME: &str = "More";
const NOTE_VALUE: &str = "Cut to fit Discord. The full entry: `backline export --format markdown`.";
const CONTINUED: &str = " (cont.)";

/// One field, or several when its value exceeds Discord's field limit.
fn split_field(name: &str, value: &Text, inline: bool) -> Vec<FittedField> {
    let name = within(&Text::from(name), FIELD_NAME - CONTINUED.len());
    let whole = within(value, usize::MAX);
    if chars(&whole) <= FIELD_VALUE {
        return vec![FittedField {
            name,
            value: whole,
            inline,
        }];
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in value.split_lines() {
        // A single line longer than a field is cut; it would not read well split anyway.
        let line = markdown_within(line, FIELD_VALUE);
        if !current.is_empty() && chars(&current) + 1 + chars(&line) > FIELD_VALUE {
            chunks.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.trim().is_empty() {
        chunks.push(current);
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, value)| FittedField {
            name: if i == 0 {
                name.clone()
            } else {
                format!("{name}{CONTINUED}")
            },
            value,
            inline: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters_and_never_splits_one() {
        let s = "é".repeat(300);
        let cut = truncate(&s, 256);
        assert_eq!(cut.chars().count(), 256);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short", 256), "short");
    }

    #[test]
    fn an_oversized_reply_fits_every_limit() {
        let huge = "🚨 line of text that goes on\n".repeat(2000);
        let reply = Reply {
            content: Some(Text::multiline(&huge)),
            title: Some(huge.clone()),
            description: Some(Text::multiline(&huge)),
            footer: Some(Text::from(huge.as_str())),
            ..Reply::default()
        };
        let reply = (0..40).fold(reply, |r, i| {
            r.field(format!("{i}{huge}"), Text::multiline(&huge))
        });
        let fitted = fit(&reply);
        assert!(fitted.content.as_deref().unwrap().chars().count() <= CONTENT);
        assert!(fitted.title.as_deref().unwrap().chars().count() <= EMBED_TITLE);
        assert!(fitted.fields.len() <= EMBED_FIELDS);
        assert!(
            fitted
                .fields
                .iter()
                .all(|f| f.name.chars().count() <= FIELD_NAME && f.value.chars().count() <= FIELD_VALUE)
        );
        assert!(fitted.embed_size() <= EMBED_TOTAL, "{}", fitted.embed_size());
        assert_eq!(fitted.fields.last().unwrap().name, NOTE_NAME);
    }

    #[test]
    fn a_long_field_continues_instead_of_losing_steps() {
        let steps = (1..=40).map(|i| Text::from(format!("{i}. {}", "do the thing carefully ".repeat(2))));
        let reply = Reply::default().field("How to file a case", Text::lines(steps));
        let fitted = fit(&reply);
        assert!(fitted.fields.len() >= 2);
        assert_eq!(fitted.fields[1].name, "How to file a case (cont.)");
        let joined: Vec<&str> = fitted.fields.iter().flat_map(|f| f.value.lines()).collect();
        assert_eq!(joined.len(), 40, "every step is still there");
    }

    #[test]
    fn a_cut_never_splits_an_escape_or_a_mention() {
        let escapes = Text::from("*".repeat(100).as_str());
        for max in 1..60 {
            let cut = markdown_within(escapes.spans(), max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
            let body = cut.trim_end_matches('…');
            assert_eq!(body.len() % 2, 0, "whole `\\*` pairs only at {max}: {cut}");
        }
        let mention = Text::new()
            .plain("a".repeat(20))
            .user(123_456_789_012, None)
            .plain("b");
        for max in 20..40 {
            let cut = markdown_within(mention.spans(), max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
            assert!(
                !cut.contains("<@") || cut.contains("<@123456789012>"),
                "{max}: {cut}"
            );
        }
        let bold = Text::new().bold("x".repeat(50));
        let cut = markdown_within(bold.spans(), 20);
        assert!(cut.starts_with("**") && cut.ends_with("**…"), "{cut}");
    }
}
