-- Cases opened with vendors, their timelines, and every notification sent for them.
CREATE TABLE case_counters (
    guild_id    BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE cases (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id            BIGINT NOT NULL,
    number              BIGINT NOT NULL,
    vendor_slug         TEXT    NOT NULL,
    vendor_name         TEXT    NOT NULL,
    severity            TEXT    NOT NULL,
    vendor_severity     TEXT,
    summary             TEXT    NOT NULL,
    vendor_case_id      TEXT,
    link                TEXT,
    channel_id          BIGINT,
    opened_by           BIGINT NOT NULL,
    opened_at           TIMESTAMPTZ NOT NULL,
    response_due        TIMESTAMPTZ,
    status              TEXT    NOT NULL,
    escalation_level    BIGINT NOT NULL,
    vendor_responded_at TIMESTAMPTZ,
    closed_at           TIMESTAMPTZ,
    resolution          TEXT,
    -- Set once by whichever replica posts the overdue reminder; never cleared.
    reminder_claimed_at TIMESTAMPTZ,
    UNIQUE (guild_id, number)
);
CREATE INDEX cases_awaiting_response ON cases (status, reminder_claimed_at, response_due);

CREATE TABLE case_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    case_id        BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    kind           TEXT    NOT NULL,
    actor          BIGINT,
    detail         TEXT    NOT NULL,
    -- The Discord interaction that caused it: a redelivered interaction records nothing new.
    interaction_id BIGINT,
    UNIQUE (guild_id, interaction_id)
);
CREATE INDEX case_events_by_case ON case_events (case_id, id);

CREATE TABLE notifications (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    case_id        BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    event_id       BIGINT NOT NULL REFERENCES case_events (id) ON DELETE CASCADE,
    recipient_kind TEXT    NOT NULL, -- user | role
    recipient_id   BIGINT NOT NULL,
    label          TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    delivery       TEXT    NOT NULL, -- pending | sent | failed
    UNIQUE (event_id, recipient_kind, recipient_id)
);
CREATE INDEX notifications_by_case ON notifications (case_id, event_id);
