//! Discord's own OpenAPI description as the judge of every body we send it.
//! Read from `BACKLINE_DISCORD_SPEC` or `../shared/discord-api-spec/openapi.json`, never copied;
//! without it (outside CI) the contract-only tests are reported ignored.

use std::sync::LazyLock;

use serde_json::Value;

const CALLBACK: &str = "/paths/~1interactions~1{interaction_id}~1{interaction_token}~1callback/post/requestBody/content/application~1json/schema";
const COMMANDS: &str =
    "/paths/~1applications~1{application_id}~1commands/put/requestBody/content/application~1json/schema";

const EDIT_ORIGINAL: &str = "/paths/~1webhooks~1{webhook_id}~1{webhook_token}~1messages~1@original/patch/requestBody/content/application~1json/schema";
/// `POST /webhooks/{application_id}/{interaction_token}`: an interaction's follow-up message.
const EXECUTE_WEBHOOK: &str =
    "/paths/~1webhooks~1{webhook_id}~1{webhook_token}/post/requestBody/content/application~1json/schema";
/// The branch of that body which creates a message (the other is an update's shape, which
/// a follow-up must not rely on).
const INCOMING_WEBHOOK: &str = "/components/schemas/IncomingWebhookRequestPartial";
/// `POST /channels/{channel_id}/messages`: a message the bot posts on its own.
const CHANNEL_MESSAGE: &str =
    "/paths/~1channels~1{channel_id}~1messages/post/requestBody/content/application~1json/schema";

const EDIT_MESSAGE: &str = "/paths/~1channels~1{channel_id}~1messages~1{message_id}/patch/requestBody/content/application~1json/schema";

struct Validators {
    callback: jsonschema::Validator,
    commands: jsonschema::Validator,
    edit_original: jsonschema::Validator,
    execute_webhook: jsonschema::Validator,
    incoming_webhook: jsonschema::Validator,
    channel_message: jsonschema::Validator,
    edit_message: jsonschema::Validator,
}

static VALIDATORS: LazyLock<Option<Validators>> = LazyLock::new(|| {
    let path = std::env::var("BACKLINE_DISCORD_SPEC").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/discord-api-spec/openapi.json"
        )
        .to_owned()
    });
    let Ok(text) = std::fs::read_to_string(&path) else {
        // build.rs found the spec (or `CI` is set), so the contract tests were compiled to
        // run: a spec missing now is a failure, not a silent pass.
        #[cfg(not(no_discord_spec))]
        panic!("Discord's OpenAPI description is missing at {path}; CI must have it");
        #[cfg(no_discord_spec)]
        return None;
    };
    let spec: Value = serde_json::from_str(&text).expect("the spec is JSON");
    let build = |pointer: &str| {
        // The request-body schema with the spec's components beside it, so its local $refs resolve.
        let mut schema = spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} not in the spec"))
            .clone();
        schema["components"] = spec["components"].clone();
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .expect("a valid schema")
    };
    Some(Validators {
        callback: build(CALLBACK),
        commands: build(COMMANDS),
        edit_original: build(EDIT_ORIGINAL),
        execute_webhook: build(EXECUTE_WEBHOOK),
        incoming_webhook: build(INCOMING_WEBHOOK),
        channel_message: build(CHANNEL_MESSAGE),
        edit_message: build(EDIT_MESSAGE),
    })
});

fn errors(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    if validator.is_valid(body) {
        return Vec::new();
    }
    validator
        .evaluate(body)
        .iter_errors()
        .map(|e| format!("{} @ {}", e.error, e.instance_location))
        .collect()
}

/// Whether the spec is here. Without it (outside CI), the tests that only check the
/// contract are reported ignored (`cfg(no_discord_spec)`, see build.rs), and the others
/// run without the contract check.
pub fn available() -> bool {
    VALIDATORS.is_some()
}

/// Panics unless `body` is an interaction callback Discord accepts.
pub fn assert_valid_callback(body: &Value) {
    let Some(v) = VALIDATORS.as_ref() else { return };
    let errors = errors(&v.callback, body);
    assert!(
        errors.is_empty(),
        "not a valid interaction response:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Panics unless `body` is an edit of an interaction's original response Discord accepts.
pub fn assert_valid_edit(body: &Value) {
    let Some(v) = VALIDATORS.as_ref() else { return };
    let errors = errors(&v.edit_original, body);
    assert!(
        errors.is_empty(),
        "not a valid edit of the original response:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Panics unless `body` is a follow-up message (webhook execute) Discord accepts: valid for
/// the request body of `POST /webhooks/{application_id}/{interaction_token}` and for its
/// message-creating branch, `IncomingWebhookRequestPartial`.
pub fn assert_valid_follow_up(body: &Value) {
    let Some(v) = VALIDATORS.as_ref() else { return };
    let mut errors = errors(&v.execute_webhook, body);
    errors.extend(self::errors(&v.incoming_webhook, body));
    assert!(
        errors.is_empty(),
        "not a valid follow-up message:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Whether `body` is a follow-up Discord accepts (to show the validator has teeth).
pub fn is_valid_follow_up(body: &Value) -> Option<bool> {
    VALIDATORS
        .as_ref()
        .map(|v| v.execute_webhook.is_valid(body) && v.incoming_webhook.is_valid(body))
}

/// Panics unless `body` is a channel message (`POST /channels/{id}/messages`) Discord accepts.
pub fn assert_valid_channel_message(body: &Value) {
    let Some(v) = VALIDATORS.as_ref() else { return };
    let errors = errors(&v.channel_message, body);
    assert!(
        errors.is_empty(),
        "not a valid channel message:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Panics unless `body` is an edit of a message the bot posted (`PATCH /channels/{id}/messages/{id}`).
pub fn assert_valid_message_edit(body: &Value) {
    let Some(v) = VALIDATORS.as_ref() else { return };
    let errors = errors(&v.edit_message, body);
    assert!(
        errors.is_empty(),
        "not a valid message edit:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Whether the spec rejects `body` as a callback (to show the validator has teeth).
pub fn is_valid_callback(body: &Value) -> Option<bool> {
    VALIDATORS.as_ref().map(|v| v.callback.is_valid(body))
}

/// Panics unless `body` is a command-registration body Discord accepts, including the two
/// rules the spec does not state: names match ^[-_a-z0-9]{1,32}$, descriptions are 1–100 chars.
pub fn assert_valid_registration(body: &Value) {
    let commands = body.as_array().expect("an array of commands");
    for command in commands {
        check_name_and_description(command);
        for option in command["options"].as_array().into_iter().flatten() {
            check_name_and_description(option);
        }
    }
    let Some(v) = VALIDATORS.as_ref() else { return };
    // Discord takes `default_member_permissions` as a string of digits (serenity sends it so);
    // the spec types it as an integer. Normalise that one field, nothing else.
    let mut normalised = body.clone();
    for command in normalised.as_array_mut().into_iter().flatten() {
        if let Some(Value::String(digits)) = command.get("default_member_permissions").cloned() {
            command["default_member_permissions"] = serde_json::json!(digits.parse::<u64>().expect("digits"));
        }
    }
    let errors = errors(&v.commands, &normalised);
    assert!(
        errors.is_empty(),
        "not a valid registration body:\n{}",
        errors.join("\n")
    );
}

fn check_name_and_description(item: &Value) {
    let name = item["name"].as_str().expect("a name");
    assert!(
        (1..=32).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
        "name {name:?} does not match ^[-_a-z0-9]{{1,32}}$"
    );
    let description = item["description"].as_str().expect("a description");
    assert!(
        (1..=100).contains(&description.chars().count()),
        "description of {name} is not 1–100 characters"
    );
}
