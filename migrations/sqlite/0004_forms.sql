-- Opt-in forms (MT-flow) and what they need: their notice versions (kept with the
-- chat notices), category titles and descriptions per language, submissions
-- waiting to be processed, pending double opt-ins with their expiry, throttling
-- counters, and the per-number contact card setting. Times are epoch ms.

-- A form's notice and title per language; a changed notice is a new version.
ALTER TABLE notices ADD COLUMN form_id TEXT;
ALTER TABLE notices ADD COLUMN title TEXT;

CREATE TABLE forms (
    id TEXT PRIMARY KEY,
    business_number_id TEXT NOT NULL REFERENCES business_numbers (id),
    slug TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    categories TEXT NOT NULL,
    double_opt_in INTEGER NOT NULL,
    welcome_template TEXT NOT NULL,
    welcome_language TEXT NOT NULL,
    frame_ancestors TEXT NOT NULL,
    notice_version INTEGER NOT NULL,
    views INTEGER NOT NULL DEFAULT 0,
    submissions INTEGER NOT NULL DEFAULT 0,
    confirmations INTEGER NOT NULL DEFAULT 0,
    expiries INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE category_texts (
    category TEXT NOT NULL REFERENCES categories (name),
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (category, language)
);
INSERT INTO category_texts (category, language, title, description) VALUES
    ('order_updates', 'en', 'Order updates', 'Confirmations, shipping and delivery of what you ordered.'),
    ('order_updates', 'es', 'Actualizaciones de pedidos', 'Confirmaciones, envío y entrega de lo que pediste.'),
    ('order_updates', 'pt', 'Atualizações de pedidos', 'Confirmações, envio e entrega do que você pediu.'),
    ('offers', 'en', 'Offers and promotions', 'Discounts, sales and special offers.'),
    ('offers', 'es', 'Ofertas y promociones', 'Descuentos, rebajas y ofertas especiales.'),
    ('offers', 'pt', 'Ofertas e promoções', 'Descontos, liquidações e ofertas especiais.'),
    ('product_news', 'en', 'Product news', 'New products and what is new in ours.'),
    ('product_news', 'es', 'Novedades de productos', 'Productos nuevos y novedades de los nuestros.'),
    ('product_news', 'pt', 'Novidades de produtos', 'Produtos novos e novidades dos nossos.');

-- What a person sent through a form, until a worker has recorded it and sent the
-- welcome: the answer to the form never depends on who the person is.
CREATE TABLE form_submissions (
    id TEXT PRIMARY KEY,
    form_id TEXT NOT NULL REFERENCES forms (id),
    phone TEXT NOT NULL,
    categories TEXT NOT NULL,
    language TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    claim_id TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX form_submissions_due ON form_submissions (state, next_attempt_at);

-- Double opt-ins awaiting their confirmation, kept in step with the ledger.
CREATE TABLE pending_opt_ins (
    contact_id TEXT NOT NULL,
    category TEXT NOT NULL,
    business_number_id TEXT NOT NULL,
    source_ref TEXT,
    since INTEGER NOT NULL,
    PRIMARY KEY (contact_id, category)
);
CREATE INDEX pending_opt_ins_since ON pending_opt_ins (since);

-- Fixed-window counters for throttling (keys are keyed hashes, never an address).
CREATE TABLE throttle_hits (
    key_hash TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (key_hash, window_start)
);

ALTER TABLE business_numbers ADD COLUMN contact_card INTEGER NOT NULL DEFAULT 0;
