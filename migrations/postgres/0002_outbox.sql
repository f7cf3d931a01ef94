-- The outbox: what the person has been shown, so a restart can carry out whatever a crash
-- left owed. The step message's step and serial (the session's step_serial when it was
-- posted) sit beside its id; effects_done has bit 1 for "the ending's message is posted" and
-- bit 2 for "the thread is archived". Rows from before this migration had every effect done.
ALTER TABLE sessions ADD COLUMN step_message_step TEXT;
ALTER TABLE sessions ADD COLUMN step_message_serial BIGINT;
ALTER TABLE sessions ADD COLUMN effects_done BIGINT NOT NULL DEFAULT 3;
-- The idle warning posted last, by the quiet spell it was for (its last_activity).
ALTER TABLE sessions ADD COLUMN warned_for BIGINT;
-- Whether anything is owed, kept by whoever writes the row, so the sweep finds them quickly,
-- and when the sweep may try again after a failure (ms since the epoch; 0 = at once).
ALTER TABLE sessions ADD COLUMN owes BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_owing ON sessions (retry_at) WHERE owes;
-- A walkthrough at a step whose message was never posted (the old code forgot it when the
-- post failed) owes that step.
UPDATE sessions SET owes = TRUE WHERE is_open AND step_message_id IS NULL;
-- A walkthrough warned before this migration has had its warning posted.
UPDATE sessions SET warned_for = (session::json->>'last_activity')::bigint WHERE is_open;
