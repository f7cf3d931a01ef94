-- Every version of every script a walkthrough was started on, by the hash of its text, so a
-- walkthrough finishes on the version it started with after the file is edited, across
-- restarts and in every process sharing the database.
CREATE TABLE script_versions (
    hash       TEXT PRIMARY KEY,
    locale     TEXT NOT NULL,
    source     TEXT NOT NULL,
    first_seen BIGINT NOT NULL
);
-- The version each walkthrough runs (rows from before keep the script on disk: NULL).
ALTER TABLE sessions ADD COLUMN script_hash TEXT;
-- And each event's, for `stats` per version.
ALTER TABLE events ADD COLUMN script_hash TEXT;
