-- Open and finished walkthroughs, one row each; the session itself is JSON.
CREATE TABLE sessions (
    thread_id       BIGINT  PRIMARY KEY,
    guild_id        BIGINT  NOT NULL,
    owner_id        BIGINT  NOT NULL,
    locale          TEXT    NOT NULL,
    step_message_id BIGINT,
    is_open         BOOLEAN NOT NULL,
    version         BIGINT  NOT NULL,
    -- When the next idle warning or close falls due (ms since the epoch); NULL when none.
    idle_due_at     BIGINT,
    session         TEXT    NOT NULL
);
-- At most one open walkthrough per person per guild, enforced here, not in memory.
CREATE UNIQUE INDEX one_open_walkthrough ON sessions (guild_id, owner_id) WHERE is_open;
CREATE INDEX sessions_idle_due ON sessions (idle_due_at) WHERE idle_due_at IS NOT NULL;

-- Append-only history for the drop-off report.
CREATE TABLE events (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT  NOT NULL,
    guild_id  BIGINT  NOT NULL,
    thread_id BIGINT  NOT NULL,
    owner_id  BIGINT  NOT NULL,
    kind      TEXT    NOT NULL,
    step      TEXT
);
CREATE INDEX events_at ON events (at);
