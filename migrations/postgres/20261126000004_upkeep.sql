-- Keeping the registry true: verifications, members who left, change history, digests.
CREATE TABLE vendor_verifications (
    guild_id    BIGINT NOT NULL,
    slug        TEXT    NOT NULL,
    verified_by BIGINT NOT NULL,
    verified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, slug)
);

CREATE TABLE departed_members (
    guild_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    left_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE vendor_history (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id BIGINT NOT NULL,
    slug     TEXT    NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    actor    BIGINT,          -- the Discord user, when a person did it from Discord
    source   TEXT    NOT NULL, -- import | discord | gateway | cli
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL  -- one "field: before → after" per line
);
CREATE INDEX vendor_history_by_vendor ON vendor_history (guild_id, slug, id);

-- One row per guild and digest period: whoever inserts it posts the digest.
CREATE TABLE digests (
    guild_id     BIGINT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    posted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, period_start)
);

ALTER TABLE guild_settings ADD COLUMN notice_channel_id BIGINT;
ALTER TABLE guild_settings ADD COLUMN manager_role_id BIGINT;
ALTER TABLE guild_settings ADD COLUMN digest_every_minutes BIGINT NOT NULL DEFAULT 10080;
ALTER TABLE guild_settings ADD COLUMN dm_owners BOOLEAN NOT NULL DEFAULT FALSE;
