-- The click whose interaction response may carry the next step, saved with the answer: a
-- restart that finds the step still owed asks Discord for that response's message before
-- posting the step again.
ALTER TABLE sessions ADD COLUMN responding_interaction BIGINT;
