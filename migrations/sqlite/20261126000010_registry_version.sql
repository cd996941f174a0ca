-- A counter per guild, bumped in the same transaction as any write to its vendors or its
-- settings, so a replica's in-memory copy of them can tell with one cheap read that it is
-- stale.
-- A guild with no row has version 0.
CREATE TABLE registry_versions (
    guild_id INTEGER PRIMARY KEY,
    version  INTEGER NOT NULL
);
