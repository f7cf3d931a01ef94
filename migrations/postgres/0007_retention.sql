-- When each walkthrough ended (ms since the epoch; NULL while open), so the retention purge
-- finds the ended walkthroughs it is due to erase with an indexed query. Erased ones have a
-- negative thread id (no Discord id is negative), which the partial index leaves out.
ALTER TABLE sessions ADD COLUMN ended_at BIGINT;
-- Walkthroughs that ended before this migration: their last event, else their last move.
UPDATE sessions SET ended_at = ended.at
    FROM (SELECT thread_id, MAX(at) AS at FROM events GROUP BY thread_id) AS ended
    WHERE NOT sessions.is_open AND ended.thread_id = sessions.thread_id;
UPDATE sessions SET ended_at = CAST(session::json->>'last_activity' AS BIGINT)
    WHERE NOT is_open AND ended_at IS NULL;
CREATE INDEX sessions_to_erase ON sessions (ended_at) WHERE thread_id > 0;
-- Erasing a walkthrough, or one person's, finds their rows without a scan.
CREATE INDEX sessions_owner ON sessions (owner_id);
CREATE INDEX events_thread ON events (thread_id);
CREATE INDEX cases_claimed_by ON cases (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX cases_closed_by ON cases (closed_by) WHERE closed_by IS NOT NULL;
