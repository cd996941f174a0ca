//! Opening the database, and the error the operator reads when something fails: each cause
//! once, and the fix when it is a usual mistake.

use std::sync::Arc;

use crate::store::{self, DatabaseUrl, Store};

/// `store::connect`, with the usual mistakes (missing database, wrong user or password,
/// server unreachable, unwritable SQLite file) explained instead of the driver's message.
pub async fn open_store(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    open_store_with(url, store::ConnectLimits::default()).await
}

/// [`open_store`] with explicit limits on how long a request waits for the database.
pub async fn open_store_with(
    url: &DatabaseUrl,
    limits: store::ConnectLimits,
) -> anyhow::Result<Arc<dyn Store>> {
    match store::connect_with(url, limits).await {
        Ok(store) => Ok(store),
        Err(error) => match store::explain_connect_error(&error, url) {
            Some(explained) => {
                tracing::debug!(error = format!("{error:#}"), "could not open the database");
                Err(anyhow::Error::msg(explained))
            }
            None => Err(error),
        },
    }
}

/// The error and its causes, each said once: drivers often repeat their cause inside their
/// own message ("error returned from database: X: X").
pub fn describe(error: &anyhow::Error) -> String {
    let mut said: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !said.iter().any(|earlier| earlier.contains(&text)) {
            said.push(text);
        }
    }
    said.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_repeated_inside_its_parent_is_said_once() {
        let error = anyhow::Error::msg("database \"x\" does not exist")
            .context("error returned from database: database \"x\" does not exist")
            .context("opening PostgreSQL database postgres://localhost/x");
        assert_eq!(
            describe(&error),
            "opening PostgreSQL database postgres://localhost/x: error returned from database: database \"x\" does not exist"
        );
    }
}
