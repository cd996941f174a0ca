//! `backline guild`: show or change one guild's settings.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::{
    domain::{GuildId, ResponseTime},
    store::DatabaseUrl,
};

/// What was asked to change (absent: leave as is; a channel or role of 0: none).
pub struct Changes {
    pub sensitive_contacts: Option<bool>,
    pub notice_channel: Option<u64>,
    pub manager_role: Option<u64>,
    pub digest_every: Option<String>,
    pub dm_owners: Option<bool>,
    pub status_alerts: Option<crate::domain::StatusAlerts>,
    pub status_role: Option<u64>,
}

pub async fn settings(
    database_url: &DatabaseUrl,
    guild: GuildId,
    changes: Changes,
) -> anyhow::Result<ExitCode> {
    let digest_every = match changes
        .digest_every
        .as_deref()
        .map(ResponseTime::parse)
        .transpose()
    {
        Ok(every) => every,
        Err(message) => {
            eprintln!("--digest-every: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let store = super::startup::open_store(database_url).await?;
    let mut settings = store
        .guild_settings(guild)
        .await
        .context("reading guild settings")?;
    let before = settings.clone();
    settings.sensitive_contacts = changes.sensitive_contacts.unwrap_or(settings.sensitive_contacts);
    settings.notice_channel = changes
        .notice_channel
        .map_or(settings.notice_channel, |c| (c != 0).then_some(c));
    settings.manager_role = changes
        .manager_role
        .map_or(settings.manager_role, |r| (r != 0).then_some(r));
    settings.digest_every = digest_every.unwrap_or(settings.digest_every);
    settings.dm_owners = changes.dm_owners.unwrap_or(settings.dm_owners);
    settings.status_alerts = changes.status_alerts.unwrap_or(settings.status_alerts);
    settings.status_role = changes
        .status_role
        .map_or(settings.status_role, |r| (r != 0).then_some(r));
    if settings != before {
        store
            .set_guild_settings(guild, &settings)
            .await
            .context("saving guild settings")?;
    }
    store.close().await;
    let show = |v: Option<u64>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
    println!(
        "guild {guild}: sensitive_contacts = {}, notice_channel = {}, manager_role = {}, digest_every = {}, dm_owners = {}, status_alerts = {}, status_role = {}",
        settings.sensitive_contacts,
        show(settings.notice_channel),
        show(settings.manager_role),
        settings.digest_every,
        settings.dm_owners,
        settings.status_alerts,
        show(settings.status_role)
    );
    Ok(ExitCode::SUCCESS)
}
