-- Per-guild settings, set with `backline guild`.
CREATE TABLE guild_settings (
    guild_id           INTEGER PRIMARY KEY,
    sensitive_contacts BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at         TEXT    NOT NULL
);
