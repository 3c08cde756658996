-- Foundation: business numbers, keys, categories, templates, contacts, the consent
-- ledger, the outbox and everything the sending core records. Times are epoch ms.

CREATE TABLE business_numbers (
    id TEXT PRIMARY KEY,
    phone_number_id TEXT NOT NULL UNIQUE,
    display_number TEXT NOT NULL,
    provider TEXT NOT NULL,
    api_base_url TEXT,
    api_version TEXT NOT NULL,
    access_token TEXT,
    api_key_header TEXT,
    app_secret TEXT,
    verify_token TEXT,
    rate_per_second DOUBLE PRECISION NOT NULL,
    rate_burst DOUBLE PRECISION NOT NULL,
    messaging_limit BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    name TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE categories (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    meta_category TEXT NOT NULL,
    consent_category TEXT REFERENCES categories (name),
    created_at BIGINT NOT NULL,
    UNIQUE (business_number_id, name, language)
);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    wa_id TEXT,
    user_id TEXT,
    profile_name TEXT,
    last_inbound_at BIGINT,
    marketing_stopped_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (business_number_id, wa_id),
    UNIQUE (business_number_id, user_id)
);

CREATE TABLE suppressions (
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    key_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (business_number_id, key_hash)
);

-- One row: the head of the hash chain. Appends lock it, so concurrent writers on
-- several instances still produce one linear history.
CREATE TABLE ledger_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE ledger_events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    business_number_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT,
    notice_version TEXT,
    notice_sha256 TEXT,
    language TEXT,
    actor TEXT,
    confirmation_template TEXT,
    evidence_sha256 TEXT
);
CREATE INDEX ledger_events_subject ON ledger_events (subject_id, category, seq);

-- Personal evidence (IP, user agent, inbound message id) lives outside the chain; the
-- chain holds only its SHA-256, so erasure deletes this row and verification holds.
CREATE TABLE ledger_evidence (
    event_id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX ledger_evidence_subject ON ledger_evidence (subject_id);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    contact_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    template_name TEXT,
    category TEXT,
    business_initiated BIGINT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    dispatch_state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    claim_id TEXT,
    provider_message_id TEXT,
    error_code BIGINT,
    error_title TEXT,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX messages_due ON messages (dispatch_state, next_attempt_at);
CREATE INDEX messages_contact ON messages (contact_id);
CREATE INDEX messages_tier ON messages (business_number_id, business_initiated, created_at);
CREATE UNIQUE INDEX messages_provider_id ON messages (provider_message_id);

CREATE TABLE message_statuses (
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at BIGINT NOT NULL,
    error_code BIGINT,
    error_title TEXT,
    PRIMARY KEY (message_id, status)
);

CREATE TABLE idempotency_keys (
    business_number_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (business_number_id, key)
);

CREATE TABLE blocked_sends (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    recipient_hash TEXT,
    recipient_masked TEXT,
    what TEXT NOT NULL,
    reason TEXT NOT NULL,
    code BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX blocked_sends_time ON blocked_sends (created_at);

CREATE TABLE contact_checks (
    business_number_id TEXT NOT NULL,
    input TEXT NOT NULL,
    wa_id TEXT,
    status TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    PRIMARY KEY (business_number_id, input)
);

CREATE TABLE rate_buckets (
    business_number_id TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);

INSERT INTO categories (name, kind, title, created_at) VALUES
    ('order_updates', 'utility', 'Order updates', 0),
    ('offers', 'marketing', 'Offers and promotions', 0),
    ('product_news', 'marketing', 'Product news', 0);

-- The embedded sandbox number, so a fresh install works with no Meta account.
INSERT INTO business_numbers (id, phone_number_id, display_number, provider, api_base_url, api_version,
    access_token, api_key_header, app_secret, verify_token, rate_per_second, rate_burst, messaging_limit, created_at)
VALUES ('00000000-0000-7000-8000-000000000001', '100000000000001', '+12025550100', 'sandbox', NULL, 'v23.0',
    NULL, NULL, 'sandbox-app-secret', 'sandbox-verify-token', 80, 80, 250, 0);

-- Instance-wide settings that must survive restarts (e.g. a generated secret key
-- when ASSENT_SECRET_KEY is not set).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
