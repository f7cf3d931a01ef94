-- What erased walkthroughs add to `stats`, per day (00:00 UTC of the day each ended, in ms
-- since the epoch): the erasure adds a walkthrough's counts here and deletes its rows, so
-- the database grows by day, not by walkthrough. `what` says which count a row is, and
-- which of the other columns it uses (unused ones are '' or 0, so the key is never NULL):
-- `outcome` (locale, version, outcome), `reached`, `fixed_here`, `handed_off_here`,
-- `left_here` (step), `fix_time` (value: seconds, bucketed), `rating` (value: stars,
-- outcome, step: where it was fixed, or '').
CREATE TABLE stats_days (
    day     BIGINT NOT NULL,
    what    TEXT   NOT NULL,
    locale  TEXT   NOT NULL DEFAULT '',
    version TEXT   NOT NULL DEFAULT '',
    step    TEXT   NOT NULL DEFAULT '',
    outcome TEXT   NOT NULL DEFAULT '',
    value   BIGINT NOT NULL DEFAULT 0,
    count   BIGINT NOT NULL,
    PRIMARY KEY (day, what, locale, version, step, outcome, value)
);
-- Walkthroughs erased before this migration kept their rows under a negative id; the purge
-- now picks every ended walkthrough past the retention, so it rolls those up and deletes
-- them too, and its index covers them.
DROP INDEX sessions_to_erase;
CREATE INDEX sessions_to_erase ON sessions (ended_at) WHERE ended_at IS NOT NULL;
