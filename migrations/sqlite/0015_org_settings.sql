-- Organisation-wide settings an admin keeps on /admin/settings (one row): the commission rate
-- behind My day's estimate, in basis points (500 = 5 %; NULL: no estimate shown).
CREATE TABLE org_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    commission_bp  INTEGER CHECK (commission_bp BETWEEN 0 AND 5000),
    updated_by     INTEGER REFERENCES users (id),
    updated_at     INTEGER
);
INSERT INTO org_settings (id) VALUES (1);
