-- Vendor status pages: one row per status document (shared by every guild that watches it),
-- the changes seen on it, the alerts posted for it and the case notes made from it.
CREATE TABLE status_sources (
    url           TEXT PRIMARY KEY,       -- the document fetched (e.g. …/api/v2/summary.json)
    kind          TEXT NOT NULL,          -- statuspage | slack | betterstack | feed
    etag          TEXT,
    last_modified TEXT,
    snapshot      TEXT,                   -- JSON of the last document read (kept while failing)
    checked_at    TIMESTAMPTZ,            -- the last answer (a document or "not modified")
    failing_since TIMESTAMPTZ,            -- the first failure since the last answer
    last_error    TEXT,
    failures      BIGINT NOT NULL DEFAULT 0,
    next_poll_at  TIMESTAMPTZ NOT NULL,
    lease_owner   TEXT,                   -- the replica polling it now
    lease_until   TIMESTAMPTZ
);
CREATE INDEX status_sources_due ON status_sources (next_poll_at);

CREATE TABLE status_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url     TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    kind    TEXT NOT NULL,                -- component | incident-opened | incident-updated | …
    change  TEXT NOT NULL                 -- JSON of the change
);
CREATE INDEX status_events_by_url ON status_events (url, id);

-- One alert per guild, vendor and incident (subject): whoever inserts it posts it; the
-- state last posted is compared-and-set by whoever edits it.
CREATE TABLE status_alerts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    vendor_slug  TEXT NOT NULL,
    subject      TEXT NOT NULL,           -- the incident's id, or "components"
    channel_id   BIGINT NOT NULL,
    message_id   BIGINT,
    posted_state TEXT NOT NULL,
    opened_at    TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX status_alerts_open ON status_alerts (guild_id, vendor_slug, subject) WHERE resolved_at IS NULL;

-- Status changes noted on a case's timeline, each once.
CREATE TABLE case_status_notes (
    guild_id    BIGINT NOT NULL,
    case_number BIGINT NOT NULL,
    note_key    TEXT NOT NULL,            -- "opened", or "event:<status event id>"
    PRIMARY KEY (guild_id, case_number, note_key)
);

ALTER TABLE guild_settings ADD COLUMN status_alerts TEXT NOT NULL DEFAULT 'high';
ALTER TABLE guild_settings ADD COLUMN status_role_id BIGINT;
