-- Per-guild settings, set with `backline guild`.
CREATE TABLE guild_settings (
    guild_id           BIGINT      PRIMARY KEY,
    sensitive_contacts BOOLEAN     NOT NULL DEFAULT FALSE,
    updated_at         TIMESTAMPTZ NOT NULL
);
