-- Case autocomplete reads the guild's cases in the order it shows them (open first, newest
-- first) and stops at 25: this index gives that order without sorting the guild's cases.
-- (The registry watch needs nothing here: SQLite's is `PRAGMA data_version`.)
CREATE INDEX cases_by_shown_order ON cases (
    guild_id,
    (CASE status WHEN 'open' THEN 0 WHEN 'vendor-responded' THEN 1 ELSE 2 END),
    number DESC
);
