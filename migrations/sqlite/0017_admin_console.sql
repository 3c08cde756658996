-- The administration pages: when each API key was last used (kept to the
-- minute, see api_keys::authenticate), one-time invitations for new staff (the
-- hash of the token only), and the outcome of each attempt to deliver a forward,
-- which the forwards table cannot show (a delivered row is deleted). No body and
-- nothing about a person is kept with an attempt.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;

CREATE TABLE staff_invites (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE forward_attempts (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL,
    forward_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX forward_attempts_recent ON forward_attempts (business_number_id, at);

-- The console lists a number's newest waiting and failed forwards.
CREATE INDEX forwards_number ON forwards (business_number_id, created_at);
