-- Each claim of a queue row writes a fresh token; a runner records an outcome only while the row
-- still carries the token of its own claim, so a runner whose lease lapsed (and whose row another
-- runner has claimed since) cannot overwrite the newer outcome. Additive: a node of the previous
-- version ignores the column and keeps working beside one of this version.
ALTER TABLE outbound_queue ADD COLUMN claim_token VARCHAR(64);
-- The history purge looks for DELIVERED and FAILED rows finished before a cutoff, a batch at a time.
CREATE INDEX outbound_queue_finished_ix ON outbound_queue (state, finished_at);
-- Rows that finished before V2 added finished_at have none, and the purge would never find them: their
-- last attempt is the best estimate of when they finished.
UPDATE outbound_queue SET finished_at = next_attempt_at WHERE state IN ('DELIVERED', 'FAILED') AND finished_at IS NULL;
