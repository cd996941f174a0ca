//! What text backline accepts, from the plans file or typed by a member: one set of rules.
//!
//! Text is data: it may hold any printable character, but no control characters (they break
//! terminals and PostgreSQL refuses NUL), no line breaks where one line is shown, nothing
//! that only looks empty, and no more characters than the place that shows it can hold
//! (the limits come from Discord's: see docs/plans-format.md, "Text").

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Whether a field may span several lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// Names, titles, list items: shown on one line.
    Single,
    /// Notes, templates, resolutions: newlines and tabs allowed.
    Multi,
}

/// The rules for one kind of field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRule {
    pub lines: Lines,
    /// The most characters (Unicode scalar values) it may have.
    pub max_chars: usize,
}

/// A name someone picks from a list: fits a Discord autocomplete choice (100) and an embed
/// title (256).
pub const NAME: TextRule = TextRule {
    lines: Lines::Single,
    max_chars: 100,
};
/// An email address (RFC 5321 caps a path at 256; 200 keeps a field readable).
pub const EMAIL: TextRule = TextRule {
    lines: Lines::Single,
    max_chars: 200,
};
/// One step, one item of required information, a link: one line of an embed field.
pub const LINE: TextRule = TextRule {
    lines: Lines::Single,
    max_chars: 300,
};
/// A web address: one line of an embed field (a case link typed in Discord has the same limit).
pub const URL: TextRule = TextRule {
    lines: Lines::Single,
    max_chars: 500,
};
/// A note, a case template, a resolution: fits an embed field value (1024) with room to spare.
pub const PARAGRAPH: TextRule = TextRule {
    lines: Lines::Multi,
    max_chars: 1000,
};

/// Why a text was refused; the message says what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    /// A control character (NUL, escape, …) at this character position (from 1).
    Control {
        position: usize,
        code: u32,
    },
    /// A line break in a one-line field.
    LineBreak,
    /// Nothing but spaces or invisible characters.
    Blank,
    TooLong {
        chars: usize,
        max: usize,
    },
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Control { position, code } => write!(
                f,
                "contains a control character (U+{code:04X}) at character {position}: remove it"
            ),
            Self::LineBreak => f.write_str("must be one line: remove the line break"),
            Self::Blank => f.write_str("must not be empty (spaces and invisible characters do not count)"),
            Self::TooLong { chars, max } => {
                write!(f, "is {chars} characters; the limit is {max}")
            }
        }
    }
}

/// Characters that show nothing: whitespace, zero-width and filler characters.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

fn line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Checks `text` against `rule`; a blank text is an error (see [`optional`] for fields that
/// may be left empty).
pub fn check(text: &str, rule: TextRule) -> Result<(), TextError> {
    let mut chars = text.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        match rule.lines {
            Lines::Single if line_break(c) => return Err(TextError::LineBreak),
            Lines::Multi if c == '\n' || c == '\t' => {}
            // A Windows line ending inside a multi-line text is a newline.
            Lines::Multi if c == '\r' && chars.peek().is_some_and(|(_, next)| *next == '\n') => {}
            _ if c.is_control() => {
                return Err(TextError::Control {
                    position: i + 1,
                    code: u32::from(c),
                });
            }
            _ => {}
        }
    }
    if text.chars().all(invisible) {
        return Err(TextError::Blank);
    }
    let chars = text.chars().count();
    if chars > rule.max_chars {
        return Err(TextError::TooLong {
            chars,
            max: rule.max_chars,
        });
    }
    Ok(())
}

/// A member's input for a field that may be left empty: trimmed, `None` when blank,
/// otherwise checked. The error names the field, for an ephemeral reply.
pub fn optional(field: &str, input: &str, rule: TextRule) -> Result<Option<String>, String> {
    let text = input.trim_matches(invisible);
    if text.is_empty() {
        return Ok(None);
    }
    check(text, rule).map_err(|e| format!("The {field} {e}."))?;
    Ok(Some(text.to_owned()))
}

/// A member's input for a field that must have something in it: trimmed and checked.
pub fn required(field: &str, input: &str, rule: TextRule) -> Result<String, String> {
    optional(field, input, rule)?.ok_or_else(|| format!("The {field} {}.", TextError::Blank))
}

/// The form two names are compared in: compatibility-normalised (NFKC), lower-cased, without
/// invisible characters, inner spaces collapsed. `ＡＷＳ`, `aws` and `a\u{200B}ws` compare equal.
pub fn name_key(name: &str) -> String {
    if name.is_ascii() {
        // NFKC leaves ASCII as it is: only case and spaces to fold (the common, hot case).
        return name
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join(" ");
    }
    let folded: String = name.nfkc().collect::<String>().to_lowercase().nfkc().collect();
    let visible: String = folded
        .chars()
        .filter(|c| c.is_whitespace() || !invisible(*c))
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cell a spreadsheet will show as text, never run as a formula: a cell starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (the OWASP rule for CSV
/// injection). Everything else is unchanged.
pub fn spreadsheet_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_position() {
        assert_eq!(
            check("ab\0c", NAME),
            Err(TextError::Control { position: 3, code: 0 })
        );
        assert!(check("a\u{1B}[31m", PARAGRAPH).is_err());
        assert!(check("a\u{7F}", PARAGRAPH).is_err());
    }

    #[test]
    fn newlines_and_tabs_only_where_several_lines_are_allowed() {
        assert_eq!(check("a\nb", NAME), Err(TextError::LineBreak));
        assert_eq!(check("a\u{2028}b", NAME), Err(TextError::LineBreak));
        assert_eq!(check("a\tb", NAME).map_err(|_| ()), Err(()));
        assert_eq!(check("a\n\tb\r\nc", PARAGRAPH), Ok(()));
        assert!(check("a\rb", PARAGRAPH).is_err());
    }

    #[test]
    fn whitespace_and_zero_width_characters_are_blank() {
        assert_eq!(check(" \u{200B}\u{FEFF} \u{3000}", NAME), Err(TextError::Blank));
        assert_eq!(optional("note", " \u{200B} ", PARAGRAPH), Ok(None));
        assert!(required("name", "\u{2060}", NAME).is_err());
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert_eq!(check(&"é".repeat(100), NAME), Ok(()));
        assert_eq!(
            check(&"é".repeat(101), NAME),
            Err(TextError::TooLong { chars: 101, max: 100 })
        );
    }

    #[test]
    fn formula_cells_are_prefixed_and_others_left_alone() {
        for formula in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_cell(formula), format!("'{formula}"));
        }
        for plain in ["aws", "2026-11-25T10:00:00+00:00", "12", "", "a=b", "'quoted"] {
            assert_eq!(spreadsheet_cell(plain), plain);
        }
    }

    #[test]
    fn names_differing_by_normalisation_or_case_share_a_key() {
        assert_eq!(name_key("ＡＷＳ"), name_key("aws"));
        assert_eq!(name_key("Ｐager\u{200B}Duty"), name_key("pagerduty"));
        assert_eq!(name_key("ﬁrst  class"), name_key("First Class"));
        assert_ne!(name_key("aws"), name_key("gcp"));
    }
}
