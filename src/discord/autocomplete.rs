//! Vendor autocomplete over the HTTP endpoint in the steady state: the few fields it needs
//! read from the body, the guild's index ranked, the choices written straight into the
//! response's JSON. Anything else (and autocomplete that would have to wait for the
//! database) goes the general way, through serenity's `Interaction` and the deadline.

use std::borrow::Cow;

use serde::{
    Deserialize, Serialize, Serializer,
    ser::{SerializeSeq, SerializeStruct},
};

use super::{Dispatcher, limits, observe};
use crate::{commands::VendorChoices, domain::GuildId, metrics::Outcome};

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
        let mut label = String::with_capacity(2 * limits::CHOICE_NAME);
        for choice in self.0.iter() {
            label.clear();
            label.extend(choice.label_parts());
            choices.serialize_element(&Choice {
                name: fitted(&label, limits::CHOICE_NAME),
                value: fitted(choice.value(), limits::CHOICE_VALUE),
            })?;
        }
        choices.end()
    }
}

#[derive(Serialize)]
struct Choice<'a> {
    name: Cow<'a, str>,
    value: Cow<'a, str>,
}

/// `text` cut to at most `max` characters as `limits::truncate` cuts it; copied only when cut.
fn fitted(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(limits::truncate(text, max))
    }
}
