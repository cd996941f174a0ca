-- One row that /readyz overwrites: a committed write, so a disk full for the write-ahead log
-- shows as "writes failing".
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL
);
