//! Discord's limits, all in one place, and the functions that make a reply fit them.
//! Everything is counted in characters (Discord counts characters, not bytes), and
//! nothing ever splits a UTF-8 character.

use crate::commands::{Field, Reply};

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

/// `s` cut to at most `max` characters; a cut text ends with "…".
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

/// A reply made to fit one Discord embed and message: each part within its limit, long
/// fields continued in further fields (split at line ends where possible), and the whole
/// embed within 6000 characters, dropping trailing fields with a note if it must.
pub fn fit(reply: &Reply) -> Reply {
    let mut out = reply.clone();
    out.content = reply.content.as_deref().map(|c| truncate(c, CONTENT));
    out.title = reply.title.as_deref().map(|t| truncate(t, EMBED_TITLE));
    out.url = reply.url.clone().filter(|u| chars(u) <= EMBED_URL);
    out.description = reply
        .description
        .as_deref()
        .map(|d| truncate(d, EMBED_DESCRIPTION));
    out.footer = reply.footer.as_deref().map(|f| truncate(f, FOOTER));
    out.fields = reply.fields.iter().flat_map(split_field).collect();

    // The note that says something was cut must always fit, so keep room for it.
    let note = chars(NOTE_NAME) + chars(NOTE_VALUE);
    let room = EMBED_TOTAL - note;
    let title = out.title.as_deref().map_or(0, chars);
    // Title, description and footer can exceed 6000 together: shorten the footer, then the description.
    if let Some(footer) = out.footer.take() {
        let description = out.description.as_deref().map_or(0, chars);
        let left = room.saturating_sub(title + description);
        out.footer = (left > 0).then(|| truncate(&footer, left.min(FOOTER)));
    }
    if let Some(description) = out.description.take() {
        let footer = out.footer.as_deref().map_or(0, chars);
        let left = room.saturating_sub(title + footer);
        out.description = (left > 0).then(|| truncate(&description, left.min(EMBED_DESCRIPTION)));
    }
    let fixed = title + out.description.as_deref().map_or(0, chars) + out.footer.as_deref().map_or(0, chars);
    let mut budget = room.saturating_sub(fixed);
    let mut kept = Vec::new();
    for field in out.fields {
        let size = chars(&field.name) + chars(&field.value);
        if kept.len() + 1 < EMBED_FIELDS && size <= budget {
            budget -= size;
            kept.push(field);
        } else {
            kept.push(Field {
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

/// One field, or several when its value exceeds Discord's field limit.
fn split_field(field: &Field) -> Vec<Field> {
    let name = truncate(&field.name, FIELD_NAME - " (cont.)".len());
    if chars(&field.value) <= FIELD_VALUE {
        return vec![Field {
            name,
            value: field.value.clone(),
            inline: field.inline,
        }];
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in field.value.lines() {
        // A single line longer than a field is cut; it would not read well split anyway.
        let line = truncate(line, FIELD_VALUE);
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
        .map(|(i, value)| Field {
            name: if i == 0 {
                name.clone()
            } else {
                format!("{name} (cont.)")
            },
            value,
            inline: false,
        })
        .collect()
}

/// Total characters Discord counts towards the 6000-character embed limit.
pub fn embed_size(reply: &Reply) -> usize {
    reply.title.as_deref().map_or(0, chars)
        + reply.description.as_deref().map_or(0, chars)
        + reply.footer.as_deref().map_or(0, chars)
        + reply
            .fields
            .iter()
            .map(|f| chars(&f.name) + chars(&f.value))
            .sum::<usize>()
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
            content: Some(huge.clone()),
            title: Some(huge.clone()),
            description: Some(huge.clone()),
            footer: Some(huge.clone()),
            fields: (0..40)
                .map(|i| Field {
                    name: format!("{i}{huge}"),
                    value: huge.clone(),
                    inline: false,
                })
                .collect(),
            ..Reply::default()
        };
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
        assert!(embed_size(&fitted) <= EMBED_TOTAL, "{}", embed_size(&fitted));
        assert_eq!(fitted.fields.last().unwrap().name, NOTE_NAME);
    }

    #[test]
    fn a_long_field_continues_instead_of_losing_steps() {
        let steps: Vec<String> = (1..=40)
            .map(|i| format!("{i}. {}", "do the thing carefully ".repeat(2)))
            .collect();
        let reply = Reply::default().field("How to file a case", steps.join("\n"));
        let fitted = fit(&reply);
        assert!(fitted.fields.len() >= 2);
        assert_eq!(fitted.fields[1].name, "How to file a case (cont.)");
        let joined: Vec<&str> = fitted.fields.iter().flat_map(|f| f.value.lines()).collect();
        assert_eq!(joined.len(), 40, "every step is still there");
    }
}
