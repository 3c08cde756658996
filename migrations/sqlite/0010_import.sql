-- Imports of existing consents from a CSV file. The upload stores each row as
-- it streams in (`uploading`); once the whole file is in, the import is
-- `queued` and a worker records its rows in batches, each batch one
-- transaction with the rows' outcomes and the counters, until it is `done`.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    -- Columns of the file that are not the import's (read past).
    ignored_columns TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    total_rows INTEGER NOT NULL DEFAULT 0,
    done_rows INTEGER NOT NULL DEFAULT 0,
    recorded INTEGER NOT NULL DEFAULT 0,
    already_granted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    -- Who uploaded it: the actor of its events and of its audit entries.
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_ip TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    claim_id TEXT,
    last_error TEXT
);
CREATE INDEX imports_due ON imports (state, next_attempt_at);

-- One row per record of the file, by its line. `outcome` is set once, in the
-- transaction that records the row, so no row is ever recorded twice. The
-- values of a recorded or already granted row are cleared then (the ledger and
-- the contact hold them now); a rejected row keeps them for its download.
CREATE TABLE import_rows (
    import_id TEXT NOT NULL REFERENCES imports (id),
    line INTEGER NOT NULL,
    phone TEXT,
    category TEXT,
    granted_at TEXT,
    source TEXT,
    notice_version TEXT,
    evidence TEXT,
    -- Found while reading the file (a wrong number of values, not UTF-8).
    problem TEXT,
    outcome TEXT,
    reason TEXT,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_outcome ON import_rows (import_id, outcome, line);
