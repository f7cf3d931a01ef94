-- The person's last message in the thread that the bot has taken (as an answer, or asked
-- again): saved with the turn it led to, so a message read again after a restart (catch-up)
-- or delivered twice is taken once. NULL until they type.
ALTER TABLE sessions ADD COLUMN heard_message_id BIGINT;
