-- The claim looks for SENDING rows whose lease ran out (a runner died) with its own query on
-- (state, lease_until); the QUEUED and DEFERRED queries use outbound_queue_due_ix. One query with an
-- OR of both conditions could use no index and scanned every row, DELIVERED history included.
CREATE INDEX outbound_queue_lease_ix ON outbound_queue (state, lease_until);
