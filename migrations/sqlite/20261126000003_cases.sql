-- Cases opened with vendors, their timelines, and every notification sent for them.
CREATE TABLE case_counters (
    guild_id    INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);

CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id            INTEGER NOT NULL,
    number              INTEGER NOT NULL,
    vendor_slug         TEXT    NOT NULL,
    vendor_name         TEXT    NOT NULL,
    severity            TEXT    NOT NULL,
    vendor_severity     TEXT,
    summary             TEXT    NOT NULL,
    vendor_case_id      TEXT,
    link                TEXT,
    channel_id          INTEGER,
    opened_by           INTEGER NOT NULL,
    opened_at           TEXT    NOT NULL,
    response_due        TEXT,
    status              TEXT    NOT NULL,
    escalation_level    INTEGER NOT NULL,
    vendor_responded_at TEXT,
    closed_at           TEXT,
    resolution          TEXT,
    -- Set once by whichever replica posts the overdue reminder; never cleared.
    reminder_claimed_at TEXT,
    UNIQUE (guild_id, number)
);
CREATE INDEX cases_awaiting_response ON cases (status, reminder_claimed_at, response_due);

CREATE TABLE case_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    case_id        INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at             TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    actor          INTEGER,
    detail         TEXT    NOT NULL,
    -- The Discord interaction that caused it: a redelivered interaction records nothing new.
    interaction_id INTEGER,
    UNIQUE (guild_id, interaction_id)
);
CREATE INDEX case_events_by_case ON case_events (case_id, id);

CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    case_id        INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    event_id       INTEGER NOT NULL REFERENCES case_events (id) ON DELETE CASCADE,
    recipient_kind TEXT    NOT NULL, -- user | role
    recipient_id   INTEGER NOT NULL,
    label          TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    at             TEXT    NOT NULL,
    delivery       TEXT    NOT NULL, -- pending | sent | failed
    UNIQUE (event_id, recipient_kind, recipient_id)
);
CREATE INDEX notifications_by_case ON notifications (case_id, event_id);
