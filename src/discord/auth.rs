//! Whether Discord has accepted the bot's token: `/readyz` reports not ready until it has,
//! when a token is configured (a replica with a wrong token must not take traffic).

use std::{sync::Mutex, time::Duration};

use serenity::all::Http;

/// What Discord said of the token so far.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum AuthState {
    /// Not asked yet, or Discord could not be reached (with why).
    #[default]
    Pending,
    Unreachable(String),
    /// The gateway said READY, or the REST API answered as the bot.
    Authenticated,
    /// Discord refused the token: retrying will not help.
    Refused(String),
}

/// Shared between the part of the bot that talks to Discord and the readiness probe.
#[derive(Debug, Default)]
pub struct DiscordAuth {
    state: Mutex<AuthState>,
}

impl DiscordAuth {
    pub fn state(&self) -> AuthState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn set(&self, state: AuthState) {
        if let Ok(mut current) = self.state.lock() {
            *current = state;
        }
    }

    /// Why the bot is not ready as far as Discord goes, or `None` once authenticated.
    pub fn not_ready(&self) -> Option<String> {
        match self.state() {
            AuthState::Authenticated => None,
            AuthState::Pending => Some("discord: the token has not been accepted yet".into()),
            AuthState::Unreachable(why) => Some(format!("discord: not reachable ({why})")),
            AuthState::Refused(why) => Some(format!("discord: the token was refused ({why})")),
        }
    }

    /// For a replica without a gateway: asks the REST API who the bot is until Discord
    /// answers (retrying every few seconds while it cannot be reached), then records it.
    pub async fn check_rest(&self, http: &Http) {
        let mut wait = Duration::from_millis(500);
        loop {
            match http.get_current_user().await {
                Ok(user) => {
                    tracing::info!(user = %user.name, "Discord accepted the bot token (REST)");
                    self.set(AuthState::Authenticated);
                    return;
                }
                Err(serenity::Error::Http(e))
                    if e.status_code()
                        .is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 403) =>
                {
                    let why = super::notify::reason(&serenity::Error::Http(e));
                    tracing::error!(reason = %why, "Discord refused the bot token: check DISCORD_TOKEN");
                    self.set(AuthState::Refused(why));
                    return;
                }
                Err(error) => {
                    let why = super::notify::reason(&error);
                    tracing::warn!(reason = %why, "could not ask Discord who the bot is; retrying");
                    self.set(AuthState::Unreachable(why));
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(30));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_accepted_token_is_ready() {
        let auth = DiscordAuth::default();
        assert!(auth.not_ready().is_some_and(|r| r.contains("not been accepted")));
        auth.set(AuthState::Refused(
            "Discord answered 401 (401: Unauthorized)".into(),
        ));
        assert!(auth.not_ready().is_some_and(|r| r.contains("refused")));
        auth.set(AuthState::Authenticated);
        assert_eq!(auth.not_ready(), None);
    }
}
