-- The support team's side of a walkthrough: its case once handed off (the staff card, who
-- claimed it and who closed it) and the person's rating, one row per walkthrough that has
-- either. Columns are filled by single conditional statements, so the first claim or rating
-- wins in every process sharing the database.
CREATE TABLE cases (
    thread_id       BIGINT PRIMARY KEY,
    opened_at       BIGINT,
    card_channel_id BIGINT,
    card_message_id BIGINT,
    claimed_by      BIGINT,
    claimed_name    TEXT,
    claimed_at      BIGINT,
    -- The thread has been told who claimed the case ("<name> is looking at this now").
    claim_announced BOOLEAN NOT NULL DEFAULT FALSE,
    closed_by       BIGINT,
    closed_name     TEXT,
    closed_at       BIGINT,
    rating          BIGINT,
    rating_comment  TEXT,
    rated_at        BIGINT
);
CREATE INDEX cases_rated_at ON cases (rated_at) WHERE rating IS NOT NULL;
-- Claims the thread has not heard of yet (a crash between the claim and its message).
CREATE INDEX cases_claim_unannounced ON cases (thread_id) WHERE claimed_by IS NOT NULL AND NOT claim_announced;
-- Every walkthrough's transcript, line by line as it happened.
CREATE TABLE transcript_lines (
    id        BIGSERIAL PRIMARY KEY,
    thread_id BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    kind      TEXT   NOT NULL,
    author    TEXT,
    text      TEXT   NOT NULL
);
CREATE INDEX transcript_lines_thread ON transcript_lines (thread_id, id);
-- Bits 4 (staff card posted), 8 (transcript attached) and 16 (the close by staff posted) of
-- effects_done: walkthroughs that ended before this migration owe none of them.
UPDATE sessions SET effects_done = effects_done | 28 WHERE NOT is_open;
