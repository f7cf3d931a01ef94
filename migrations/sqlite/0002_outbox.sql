-- The outbox: what the person has been shown, so a restart can carry out whatever a crash
-- left owed. The step message's step and serial (the session's step_serial when it was
-- posted) sit beside its id; effects_done has bit 1 for "the ending's message is posted" and
-- bit 2 for "the thread is archived". Rows from before this migration had every effect done.
ALTER TABLE sessions ADD COLUMN step_message_step TEXT;
ALTER TABLE sessions ADD COLUMN step_message_serial BIGINT;
ALTER TABLE sessions ADD COLUMN effects_done BIGINT NOT NULL DEFAULT 3;
-- Whether anything is owed, kept by whoever writes the row, so the sweep finds them quickly.
ALTER TABLE sessions ADD COLUMN owes BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sessions_owing ON sessions (thread_id) WHERE owes;
