-- The current consent per (person, category), kept by the ledger with every
-- event (consent::states), so that reads and the gate never fold the events.
-- It replaces pending_opt_ins: a pending double opt-in is a row in state
-- 'pending'. Filled from the ledger at start-up (settings 'consent_states').
CREATE TABLE consent_states (
    subject_id TEXT NOT NULL,
    category TEXT NOT NULL,
    business_number_id TEXT NOT NULL,
    state TEXT NOT NULL,
    since INTEGER NOT NULL,
    pending_template TEXT,
    source TEXT,
    source_ref TEXT,
    PRIMARY KEY (subject_id, category)
);
CREATE INDEX consent_states_pending ON consent_states (state, since);
DROP TABLE pending_opt_ins;
CREATE INDEX ledger_events_subject_seq ON ledger_events (subject_id, seq);
