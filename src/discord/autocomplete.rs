//! Vendor autocomplete over the HTTP endpoint in the steady state: the few fields it needs
//! read from the body, the guild's index ranked, the choices written straight into the
//! response's JSON. Anything else (and autocomplete that would have to wait for the
//! database) goes the general way, through serenity's `Interaction` and the deadline.

use std::{borrow::Cow, fmt};

use serde::{
    Deserialize, Serialize, Serializer,
    ser::{SerializeSeq, SerializeStruct},
};

use super::{Dispatcher, limits, observe};
use crate::{
    commands::{VendorChoice, VendorChoices},
    domain::GuildId,
    metrics::Outcome,
};

/// Discord's interaction type for an autocomplete keystroke.
const AUTOCOMPLETE: u8 = 4;
/// Discord's response type carrying autocomplete choices.
const AUTOCOMPLETE_RESULT: u8 = 8;
/// Option types that hold other options.
const SUB_COMMAND: u8 = 1;
const SUB_COMMAND_GROUP: u8 = 2;

/// What autocomplete needs of an interaction. Fields an interaction must have are required
/// here too, so a body missing them is left to serenity to refuse.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, rename = "application_id")]
    _application: Cow<'a, str>,
    #[serde(borrow, rename = "token")]
    _token: Cow<'a, str>,
    #[serde(borrow, default)]
    guild_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: CommandData<'a>,
}

#[derive(Deserialize)]
struct CommandData<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    options: Vec<CommandOption<'a>>,
}

/// An option as typed so far. Only string values are read here: an interaction with any
/// other value goes the general way.
#[derive(Deserialize)]
struct CommandOption<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(rename = "type")]
    kind: u8,
    #[serde(borrow, default)]
    value: Option<Cow<'a, str>>,
    #[serde(default)]
    focused: bool,
    #[serde(borrow, default)]
    options: Vec<CommandOption<'a>>,
}

impl CommandOption<'_> {
    fn holds_options(&self) -> bool {
        matches!(self.kind, SUB_COMMAND | SUB_COMMAND_GROUP)
    }

    /// The option being typed in, within the subcommand if there is one (as serenity's
    /// `CommandData::autocomplete` finds it).
    fn focused(options: &[Self]) -> Option<&Self> {
        for option in options {
            if option.holds_options() {
                return Self::focused(&option.options);
            }
            if option.focused {
                return Some(option);
            }
        }
        None
    }
}

impl Dispatcher {
    /// The HTTP endpoint's response body to a vendor autocomplete that needs no waiting,
    /// answered as `dispatch_body` would answer it; `None` for anything else.
    pub fn quick_answer(&self, body: &[u8]) -> Option<Vec<u8>> {
        let started = std::time::Instant::now();
        let envelope: Envelope = serde_json::from_slice(body).ok()?;
        if envelope.kind != AUTOCOMPLETE {
            return None;
        }
        let focused = CommandOption::focused(&envelope.data.options);
        // As the general way: a case number is looked up in the store, anything else is a vendor.
        if focused.is_some_and(|o| o.name == "case") {
            return None;
        }
        let typed = focused.and_then(|o| o.value.as_deref()).unwrap_or_default();
        let typed = match typed.char_indices().nth(limits::CHOICE_VALUE) {
            Some((end, _)) => &typed[..end],
            None => typed,
        };
        let guild = match &envelope.guild_id {
            Some(id) => Some(GuildId::new(id.parse().ok()?).ok()?),
            None => None,
        };
        let choices = self
            .core()
            .vendor_choices_now(guild, typed, limits::AUTOCOMPLETE_CHOICES)?;
        let response = serde_json::to_vec(&Response(&choices))
            .map_err(|error| tracing::error!(%error, "could not serialise autocomplete choices"))
            .ok()?;
        let data = &envelope.data;
        let sub = data.options.first().filter(|o| o.holds_options());
        let command = observe::command_and_sub(&data.name, sub.map(|o| &*o.name));
        let took = started.elapsed();
        let outcome = Outcome::Answered;
        self.core()
            .metrics()
            .interaction("autocomplete", &command, outcome, took);
        let span = tracing::info_span!(
            "interaction",
            id = %envelope.id,
            kind = "autocomplete",
            guild = guild.map(|g| g.get()),
            command,
            outcome = outcome.as_str(),
        );
        span.in_scope(|| tracing::info!(took_ms = took.as_millis() as u64, "interaction handled"));
        Some(response)
    }
}

/// `{"type":8,"data":{"choices":[{"name":…,"value":…},…]}}`, as serenity writes it once
/// nulls are dropped.
struct Response<'a>(&'a VendorChoices);

impl Serialize for Response<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut response = serializer.serialize_struct("Response", 2)?;
        response.serialize_field("type", &AUTOCOMPLETE_RESULT)?;
        response.serialize_field("data", &Data(self.0))?;
        response.end()
    }
}

struct Data<'a>(&'a VendorChoices);

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut data = serializer.serialize_struct("Data", 1)?;
        data.serialize_field("choices", &Choices(self.0))?;
        data.end()
    }
}

struct Choices<'a>(&'a VendorChoices);

impl Serialize for Choices<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut choices = serializer.serialize_seq(None)?;
        for choice in self.0.iter() {
            choices.serialize_element(&Choice(choice))?;
        }
        choices.end()
    }
}

struct Choice<'a>(VendorChoice<'a>);

impl Serialize for Choice<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut choice = serializer.serialize_struct("Choice", 2)?;
        choice.serialize_field("name", &Fitted(&self.0, limits::CHOICE_NAME))?;
        choice.serialize_field("value", &Fitted(&self.0.value(), limits::CHOICE_VALUE))?;
        choice.end()
    }
}

/// A text cut to at most `.1` characters as `limits::truncate` cuts it, written as it is
/// formatted: no string is built unless it has to be cut.
struct Fitted<'a, T>(&'a T, usize);

impl<T: fmt::Display> Serialize for Fitted<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self(text, max) = *self;
        let mut count = CharCount(0);
        if fmt::write(&mut count, format_args!("{text}")).is_ok() && count.0 <= max {
            serializer.collect_str(text)
        } else {
            serializer.serialize_str(&limits::truncate(&text.to_string(), max))
        }
    }
}

/// Counts the characters written to it.
struct CharCount(usize);

impl fmt::Write for CharCount {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.chars().count();
        Ok(())
    }
}
