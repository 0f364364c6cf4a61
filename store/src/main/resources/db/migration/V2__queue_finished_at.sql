-- When a queue row reached DELIVERED or FAILED: QueueStore.purge removes finished rows older than a cutoff.
ALTER TABLE outbound_queue ADD COLUMN finished_at TIMESTAMP WITH TIME ZONE;
