//! Delivering a deferred answer: the edit of the original response (or, when its
//! visibility differs from the deferral's, a follow-up that replaces it), retried while
//! Discord has not yet taken the deferral.

use std::time::Duration;

use serde_json::Value;
use serenity::all::{CreateInteractionResponse, Http};

use super::{notify, render};
use crate::commands::Reply;

/// Discord's message flag for "only the person who asked sees it".
const EPHEMERAL: u64 = 1 << 6;

/// An edit can reach Discord before it has taken the HTTP endpoint's deferral; it then
/// answers 404. How many times to try, and how long to wait after the first try.
const EDIT_ATTEMPTS: u32 = 4;
const FIRST_RETRY_AFTER: Duration = Duration::from_millis(250);

/// The message a response carries, as the webhook takes it. A form cannot follow a
/// deferral: it becomes a notice saying what to do instead.
fn message_data(response: &CreateInteractionResponse) -> Option<Value> {
    let late_form;
    let response = match response {
        CreateInteractionResponse::Modal(_) => {
            late_form = render::response(&Reply::notice(
                "The form could not open in time (backline's database is slow). Use `/case open` instead.",
            ));
            &late_form
        }
        other => other,
    };
    match serde_json::to_value(response) {
        Ok(mut value) => Some(value["data"].take()),
        Err(error) => {
            tracing::error!(%error, "could not serialise a deferred answer");
            None
        }
    }
}

/// Delivers a deferred answer; why not when Discord did not take it. The edit keeps the deferral's
/// visibility, so an answer of the other visibility replaces it with a follow-up message.
pub(super) async fn deliver(
    http: &Http,
    token: &str,
    response: &CreateInteractionResponse,
    deferred_private: bool,
) -> Result<(), String> {
    let Some(mut data) = message_data(response) else {
        return Err("the answer could not be built".to_owned());
    };
    let private = data["flags"].as_u64().is_some_and(|f| f & EPHEMERAL != 0);
    let result = if private == deferred_private {
        if let Some(fields) = data.as_object_mut() {
            fields.remove("flags");
        }
        with_retry(|| http.edit_original_interaction_response(token, &data, Vec::new()))
            .await
            .map(drop)
    } else {
        let posted = http
            .create_followup_message(token, &data, Vec::new())
            .await
            .map(drop);
        if posted.is_ok()
            && let Err(error) = http.delete_original_interaction_response(token).await
        {
            tracing::warn!(%error, "could not remove a deferral replaced by a follow-up");
        }
        posted
    };
    result.map_err(|error| {
        tracing::error!(%error, "could not deliver a deferred answer");
        notify::reason(&error)
    })
}

/// A webhook call retried while Discord answers 404: it can reach Discord before Discord
/// has taken the interaction's first response.
pub(super) async fn with_retry<T, F>(mut call: impl FnMut() -> F) -> serenity::Result<T>
where
    F: std::future::Future<Output = serenity::Result<T>>,
{
    let mut wait = FIRST_RETRY_AFTER;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(serenity::Error::Http(error))
                if attempt < EDIT_ATTEMPTS && error.status_code().is_some_and(|s| s.as_u16() == 404) =>
            {
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}
