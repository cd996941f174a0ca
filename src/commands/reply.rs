//! The reply model: what a command answers, before any surface decides how to show it.
//! Its text is semantic spans (see `text`); each surface renders them its own way.

use super::{ComponentId, text::Text};

/// Who a reply pings. Empty by default: a reply mentions nobody unless a command says so.
/// Showing a mention in the text never pings by itself; only this list does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    pub users: Vec<u64>,
    pub roles: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Plain text.
    pub name: String,
    pub value: Text,
    pub inline: bool,
}

/// A card-shaped answer: Discord shows it as an embed, the terminal as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Message text above the card (the only part of a message that can ping).
    pub content: Option<Text>,
    /// Plain text.
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: Option<Text>,
    pub fields: Vec<Field>,
    pub color: Option<u32>,
    pub footer: Option<Text>,
    /// Shown only to the person who asked.
    pub ephemeral: bool,
    pub mentions: Mentions,
    /// Buttons under the card, in one row.
    pub buttons: Vec<Button>,
    /// Answer with this form instead of a message.
    pub modal: Option<Modal>,
    /// The case event whose notifications this message delivers: the transport records
    /// whether it was sent.
    pub delivers: Option<Delivers>,
    /// Lines too many for the card (e.g. everyone a case notified), shown after it: on
    /// Discord as as many further messages as they need, each within the limits and
    /// pinging nobody (a mention in them is shown, never pinged).
    pub appendix: Vec<Text>,
    /// Answer a button by replacing the message it is on (the next page of a list) rather
    /// than with a new message.
    pub replaces: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub id: ComponentId,
    pub label: String,
}

/// A form of up to five text inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modal {
    pub id: ComponentId,
    pub title: String,
    pub inputs: Vec<TextInput>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextInput {
    pub custom_id: String,
    pub label: String,
    pub placeholder: Option<String>,
    pub required: bool,
    pub max_length: u16,
    /// A multi-line box rather than a single line.
    pub paragraph: bool,
}

/// Identifies the notifications a message carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivers {
    pub guild: crate::domain::GuildId,
    pub event_id: i64,
}

impl Reply {
    /// A short message only the caller sees (errors, hints).
    pub fn notice(text: impl Into<Text>) -> Self {
        Self {
            content: Some(text.into()),
            ephemeral: true,
            ..Self::default()
        }
    }

    /// Adds a field, unless its value is blank.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Text>) -> Self {
        let value = value.into();
        if !value.is_blank() {
            self.fields.push(Field {
                name: name.into(),
                value,
                inline: false,
            });
        }
        self
    }

    /// The field named `name`, if the reply has it.
    pub fn field_value(&self, name: &str) -> Option<&Text> {
        self.fields.iter().find(|f| f.name == name).map(|f| &f.value)
    }
}
