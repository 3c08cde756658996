-- Dispatch by lanes (sending::dispatcher): one holder per number at a time, which
-- keeps the number's rate limit in memory (rate_buckets is no longer used), and
-- claims that number's due messages in batches through their own index.
CREATE TABLE dispatch_lanes (
    business_number_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
CREATE INDEX messages_lane_due ON messages (business_number_id, dispatch_state, next_attempt_at);
CREATE INDEX messages_claim ON messages (claim_id);
DROP TABLE rate_buckets;
