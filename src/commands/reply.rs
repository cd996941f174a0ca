//! The reply model: what a command answers, before any transport decides how to show it.

/// Who a reply pings. Empty by default: a reply mentions nobody unless a command says so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    pub users: Vec<u64>,
    pub roles: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// A card-shaped answer: Discord shows it as an embed, the terminal as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Plain message text above the card (the only part of a message that can ping).
    pub content: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    pub color: Option<u32>,
    pub footer: Option<String>,
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub id: super::ComponentId,
    pub label: String,
}

/// A form of up to five text inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modal {
    pub id: super::ComponentId,
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
    pub fn notice(text: impl Into<String>) -> Self {
        Self {
            content: Some(text.into()),
            ephemeral: true,
            ..Self::default()
        }
    }

    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.fields.push(Field {
                name: name.into(),
                value,
                inline: false,
            });
        }
        self
    }

    /// The reply as plain text for a terminal (Discord's `**bold**` markers removed).
    pub fn to_terminal(&self) -> String {
        let mut out = String::new();
        let plain = |s: &str| s.replace("**", "");
        if let Some(content) = &self.content {
            out.push_str(&plain(content));
            out.push('\n');
        }
        if let Some(title) = &self.title {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("== {} ==\n", plain(title)));
        }
        if let Some(url) = &self.url {
            out.push_str(url);
            out.push('\n');
        }
        if let Some(description) = &self.description {
            out.push_str(&plain(description));
            out.push('\n');
        }
        for field in &self.fields {
            out.push_str(&format!("\n{}\n", plain(&field.name)));
            for line in field.value.lines() {
                out.push_str(&format!("  {}\n", plain(line)));
            }
        }
        if let Some(footer) = &self.footer {
            out.push_str(&format!("\n{}\n", plain(footer)));
        }
        out
    }
}
