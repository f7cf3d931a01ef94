-- The locale of the script the support team reads a walkthrough's hand-off summary in (the
-- server's language, where a script exists for it). Rows from before it use the default.
ALTER TABLE sessions ADD COLUMN staff_locale TEXT;
-- The locale of the script each event's walkthrough runs, for `stats` per language.
ALTER TABLE events ADD COLUMN locale TEXT;
