-- Inbound: Meta's webhooks, the consent conversation in chat (MO-flow), keywords,
-- entry points, and forwarding to the business's own systems. Times are epoch ms.

-- How the business is named to people in chat; the display number when unset.
ALTER TABLE business_numbers ADD COLUMN business_name TEXT;
-- Categories a chat opt-in asks for when no entry point is named (comma-separated
-- names; NULL = every category).
ALTER TABLE business_numbers ADD COLUMN default_categories TEXT;
-- Anonymous count of declines that came through no entry point.
ALTER TABLE business_numbers ADD COLUMN declines BIGINT NOT NULL DEFAULT 0;

ALTER TABLE contacts ADD COLUMN language TEXT;
ALTER TABLE contacts ADD COLUMN entry_point TEXT;
ALTER TABLE contacts ADD COLUMN terms_accepted_at BIGINT;
ALTER TABLE contacts ADD COLUMN terms_sent_at BIGINT;
-- What the terms last sent showed (notice and categories): accepting grants exactly that.
ALTER TABLE contacts ADD COLUMN terms_notice_id TEXT;
ALTER TABLE contacts ADD COLUMN terms_categories TEXT;
-- Meta's timestamp of the last user_preferences applied: older ones arrive late.
ALTER TABLE contacts ADD COLUMN preferences_at BIGINT;

-- Every signed POST from Meta, stored before it is acknowledged and processed
-- afterwards by a worker (leased, so several instances share the work).
CREATE TABLE webhook_payloads (
    id TEXT PRIMARY KEY,
    body_sha256 TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    claim_id TEXT,
    last_error TEXT
);
CREATE INDEX webhook_payloads_due ON webhook_payloads (state, next_attempt_at);

-- Which contacts a stored payload speaks of, so erasure and a decline can delete it.
CREATE TABLE webhook_payload_contacts (
    payload_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    PRIMARY KEY (payload_id, contact_id)
);
CREATE INDEX webhook_payload_contacts_contact ON webhook_payload_contacts (contact_id);

-- Keyed hashes of the message ids of people who declined: a redelivery or replay
-- of their messages is not taken for someone writing again. Nothing else is kept.
CREATE TABLE forgotten_messages (
    key_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Inbound messages, one row per Meta message id (the deduplication key).
CREATE TABLE inbound_messages (
    business_number_id TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    forward_body TEXT,
    replies TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (business_number_id, id)
);
CREATE INDEX inbound_messages_contact ON inbound_messages (contact_id, state);

CREATE TABLE entry_points (
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    categories TEXT NOT NULL,
    prefilled_text TEXT NOT NULL,
    language TEXT NOT NULL,
    declines BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (business_number_id, code)
);

-- The terms shown in chat, per number and language; a changed text is a new version.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    language TEXT NOT NULL,
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (business_number_id, language, version)
);

-- A number's own keyword lists; a (language, action) listed here replaces the
-- built-in words for it.
CREATE TABLE keywords (
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    language TEXT NOT NULL,
    action TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (business_number_id, language, action, word)
);

CREATE TABLE webhook_configs (
    business_number_id TEXT PRIMARY KEY REFERENCES business_numbers (id),
    url TEXT NOT NULL,
    headers TEXT NOT NULL,
    secret TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- What is owed to the business's webhook: delivered at least once, with backoff,
-- for up to 7 days; delivered rows are deleted.
CREATE TABLE forwards (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL,
    contact_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    claim_id TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX forwards_due ON forwards (state, next_attempt_at);
CREATE INDEX forwards_contact ON forwards (contact_id);
