-- Work queues are claimed oldest first (by time, then id). With the id in the
-- index, a claim reads the few rows it takes in index order instead of sorting
-- every pending row first, a cost that grew with the backlog. Inbound payloads
-- go in the order they were received.
DROP INDEX forwards_due;
CREATE INDEX forwards_due ON forwards (state, next_attempt_at, id);
DROP INDEX webhook_payloads_due;
CREATE INDEX webhook_payloads_due ON webhook_payloads (state, received_at, id);
DROP INDEX form_submissions_due;
CREATE INDEX form_submissions_due ON form_submissions (state, next_attempt_at, id);
DROP INDEX imports_due;
CREATE INDEX imports_due ON imports (state, next_attempt_at, id);
