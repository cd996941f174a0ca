-- The registry: one row per vendor per guild. The vendor itself is kept as its TOML
-- table (`document`), exactly what the plans file says; the other columns are copies
-- used to look vendors up and list them without parsing every document.
CREATE TABLE vendors (
    guild_id    BIGINT      NOT NULL,
    slug        TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    criticality TEXT        NOT NULL,
    aliases     TEXT        NOT NULL, -- JSON array of strings
    document    TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, slug)
);
