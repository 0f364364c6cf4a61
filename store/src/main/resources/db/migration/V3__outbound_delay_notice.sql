-- The queue runner sends one delay notice per recipient (relay.delay-warning); this remembers that it did,
-- across runners and restarts.
ALTER TABLE outbound_queue ADD COLUMN delay_notice_sent BOOLEAN DEFAULT FALSE NOT NULL;
