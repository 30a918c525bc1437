-- Quotes linked to leads (/quotes/:id) and the product catalogue they draw on
-- (/admin/products). Amounts are integer minor units; rates are thousandths of a percent
-- (8.875 % is 8875). Totals are computed by app::domain::quote and stored with the quote so
-- lists and reports need not recompute them. Keep in step with ../postgres.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    sku         TEXT    NOT NULL,
    sku_key     TEXT    NOT NULL UNIQUE,
    unit_cents  INTEGER NOT NULL CHECK (unit_cents >= 0),
    currency    TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE quotes (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id),
    status       TEXT    NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'sent', 'accepted', 'rejected')),
    currency     TEXT    NOT NULL,
    discount     INTEGER NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 100000),
    tax          INTEGER NOT NULL DEFAULT 0 CHECK (tax BETWEEN 0 AND 100000),
    notes        TEXT    NOT NULL DEFAULT '',
    valid_until  INTEGER,
    total_cents  INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    decided_at   INTEGER
);
CREATE INDEX quotes_lead ON quotes (lead_id, id);

CREATE TABLE quote_lines (
    quote_id     INTEGER NOT NULL REFERENCES quotes (id),
    position     INTEGER NOT NULL,
    product_id   INTEGER REFERENCES products (id),
    description  TEXT    NOT NULL,
    quantity     INTEGER NOT NULL,
    unit_cents   INTEGER NOT NULL,
    discount     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (quote_id, position)
);

-- The seller as printed on quotes.
ALTER TABLE org_settings ADD COLUMN company_name    TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN company_address TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN company_email   TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN company_phone   TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN company_tax_id  TEXT NOT NULL DEFAULT '';
