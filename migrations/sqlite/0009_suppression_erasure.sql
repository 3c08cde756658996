-- Which erasure put a suppression entry there (the ledger event's id, which names
-- only the contact's random id), so the erased person's page can show the entry.
-- NULL for entries made before this column existed.
ALTER TABLE suppressions ADD COLUMN ledger_event_id TEXT;
CREATE INDEX suppressions_ledger_event ON suppressions (ledger_event_id);
