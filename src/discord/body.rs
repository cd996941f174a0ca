//! The HTTP endpoint's verified body → the interaction it holds → the JSON response body.

use serenity::all::Interaction;

use super::Dispatcher;

impl Dispatcher {
    /// For the HTTP endpoint: a verified body in, the JSON response body out, or `None`
    /// when the body is not an interaction.
    pub async fn dispatch_body(&self, body: &[u8]) -> Option<serde_json::Value> {
        let interaction = match interaction_from_json(body) {
            Ok(interaction) => interaction,
            Err(error) => {
                tracing::warn!(%error, "signed request whose body is not an interaction");
                return None;
            }
        };
        self.respond_over_http(interaction).await
    }
}

/// The interaction a JSON body holds. serenity's `Interaction` reads the whole body into a
/// JSON tree to find its `type`, then reads the tree again into the kind it names: here the
/// type is read first (nothing else is kept) and the body once, straight into that kind.
pub fn interaction_from_json(body: &[u8]) -> serde_json::Result<Interaction> {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: u8,
    }
    let kind = serde_json::from_slice::<Kind>(body).map(|k| k.kind);
    match kind {
        Ok(1) => serde_json::from_slice(body).map(Interaction::Ping),
        Ok(2) => serde_json::from_slice(body).map(Interaction::Command),
        Ok(3) => serde_json::from_slice(body).map(Interaction::Component),
        Ok(4) => serde_json::from_slice(body).map(Interaction::Autocomplete),
        Ok(5) => serde_json::from_slice(body).map(Interaction::Modal),
        // Anything else is refused as serenity refuses it, with its reason.
        _ => serde_json::from_slice(body),
    }
}
