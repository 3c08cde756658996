-- Compliance views: indexes for ledger search and the blocked-sends report,
-- figures the dashboard reads without counting the ledger on each request, each
-- run of the integrity check, and the quality Meta reports for each number.
-- Times are epoch ms; a day is epoch ms / 86 400 000 (UTC).

-- Ledger search walks one of these newest first (keyset on seq), filtering the
-- rest; a phone number goes through contacts' wa_id, then the existing
-- ledger_events_subject index; a day is found by time, then read as a range of
-- seq (the ledger's clock never runs backwards: see ledger_head.created_at).
CREATE INDEX ledger_events_number ON ledger_events (business_number_id, seq);
CREATE INDEX ledger_events_category ON ledger_events (category, seq);
CREATE INDEX ledger_events_action ON ledger_events (action, seq);
CREATE INDEX ledger_events_source ON ledger_events (source, seq);
CREATE INDEX ledger_events_time ON ledger_events (created_at, seq);
CREATE INDEX contacts_wa_id ON contacts (wa_id);

-- The blocked-sends report: per number newest first, per person by keyed hash.
CREATE INDEX blocked_sends_number ON blocked_sends (business_number_id, id);
CREATE INDEX blocked_sends_recipient ON blocked_sends (recipient_hash, id);
CREATE INDEX blocked_sends_reason ON blocked_sends (reason, id);

-- The time of the last event: the next is never earlier.
ALTER TABLE ledger_head ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE ledger_head SET created_at = COALESCE((SELECT MAX(created_at) FROM ledger_events), 0);

-- People per number, category and current state, kept in step with the ledger by
-- each append (state 'none' is not counted).
CREATE TABLE consent_tallies (
    business_number_id TEXT NOT NULL,
    category TEXT NOT NULL,
    state TEXT NOT NULL,
    people INTEGER NOT NULL,
    PRIMARY KEY (business_number_id, category, state)
);

-- Ledger events per UTC day, kept by each append.
CREATE TABLE ledger_days (
    day INTEGER NOT NULL,
    business_number_id TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    events INTEGER NOT NULL,
    PRIMARY KEY (day, business_number_id, category, action)
);

-- Refused sends per UTC day: anonymous counts, which outlive an erasure of the
-- person (their rows in blocked_sends do not).
CREATE TABLE blocked_days (
    day INTEGER NOT NULL,
    business_number_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (day, business_number_id, reason)
);

-- Each run of the integrity check and what it found.
CREATE TABLE ledger_verifications (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    events_checked INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    broken_seq INTEGER,
    broken_event_id TEXT,
    problem TEXT
);

-- What Meta's phone_number_quality_update last said of the number: its event
-- (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, …), messaging limit, and when.
ALTER TABLE business_numbers ADD COLUMN quality_event TEXT;
ALTER TABLE business_numbers ADD COLUMN quality_limit TEXT;
ALTER TABLE business_numbers ADD COLUMN quality_at INTEGER;

-- The figures for what the ledger already holds. A person's state in a category
-- is decided by their last grant or withdrawal there, unless an erasure came
-- after it; a grant that awaited confirmation is granted or expired by whichever
-- of confirmation and expiry came first after it (as consent::derive_states folds).
INSERT INTO consent_tallies (business_number_id, category, state, people)
SELECT business_number_id, category, state, COUNT(*) FROM (
    SELECT d.business_number_id, d.category,
        CASE
            WHEN d.action IN ('withdrawn', 'declined') THEN 'withdrawn'
            WHEN d.confirmation_template IS NULL THEN 'granted'
            ELSE COALESCE((
                SELECT CASE f.action WHEN 'confirmed' THEN 'granted' ELSE 'expired' END
                FROM ledger_events f
                WHERE f.subject_id = d.subject_id AND f.category = d.category AND f.seq > d.seq
                  AND f.action IN ('confirmed', 'expired')
                ORDER BY f.seq LIMIT 1), 'pending')
        END AS state
    FROM ledger_events d
    WHERE d.action IN ('granted', 'withdrawn', 'declined') AND d.category <> '*'
      AND d.seq = (SELECT MAX(m.seq) FROM ledger_events m
                   WHERE m.subject_id = d.subject_id AND m.category = d.category
                     AND m.action IN ('granted', 'withdrawn', 'declined'))
      AND NOT EXISTS (SELECT 1 FROM ledger_events x
                      WHERE x.subject_id = d.subject_id AND x.action = 'erased' AND x.seq > d.seq)
) current_states
GROUP BY business_number_id, category, state;

INSERT INTO ledger_days (day, business_number_id, category, action, events)
SELECT created_at / 86400000, business_number_id, category, action, COUNT(*)
FROM ledger_events GROUP BY created_at / 86400000, business_number_id, category, action;

INSERT INTO blocked_days (day, business_number_id, reason, attempts)
SELECT created_at / 86400000, business_number_id, reason, COUNT(*)
FROM blocked_sends GROUP BY created_at / 86400000, business_number_id, reason;
