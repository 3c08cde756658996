-- The messaging limit as counts kept while messages are queued
-- (sending::messaging_limit), instead of counting the day's messages per send.
ALTER TABLE contacts ADD COLUMN limit_counted_at BIGINT;
CREATE TABLE recipient_counts (
    business_number_id TEXT NOT NULL,
    bucket_start BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (business_number_id, bucket_start)
);
-- From the messages of the last 24 hours: each person counted from their first
-- business-initiated message in them.
UPDATE contacts SET limit_counted_at = (
    SELECT MIN(m.created_at) FROM messages m
    WHERE m.contact_id = contacts.id AND m.business_initiated = 1
      AND m.created_at > CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT) - 86400000
);
INSERT INTO recipient_counts (business_number_id, bucket_start, n)
SELECT business_number_id, limit_counted_at - (limit_counted_at % 600000), COUNT(*)
FROM contacts WHERE limit_counted_at IS NOT NULL
GROUP BY business_number_id, limit_counted_at - (limit_counted_at % 600000);
