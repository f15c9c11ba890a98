-- Submitting for review (clauses 2.4–2.6, wechat-api.md §7.1–7.6): the automated checks of a
-- submission, expediting, the review service's suspension per developer account, the fees of
-- submissions over the monthly quota, developers' invoicing details and the invoices issued.

-- When the developer asked to expedite (speedupaudit); reviewers take expedited reviews first.
ALTER TABLE reviews ADD COLUMN expedited_at INTEGER;
CREATE INDEX reviews_by_expedite ON reviews (expedited_at);

-- One row per check of a review, in the order they ran (`ordinal`); a rerun replaces them.
CREATE TABLE review_checks (
    review_id INTEGER NOT NULL REFERENCES reviews(id),
    ordinal   INTEGER NOT NULL,
    check_name TEXT NOT NULL,
    status    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (review_id, ordinal)
);

-- Developer accounts whose review service an operator suspended (86007 on submit).
CREATE TABLE review_suspensions (
    developer_id INTEGER PRIMARY KEY REFERENCES developers(id),
    reason       TEXT NOT NULL,
    suspended_by INTEGER NOT NULL REFERENCES developers(id),
    suspended_at INTEGER NOT NULL
);

-- What a developer's invoices are made out to.
CREATE TABLE invoicing_details (
    developer_id INTEGER PRIMARY KEY REFERENCES developers(id),
    title        TEXT NOT NULL,
    tax_id       TEXT NOT NULL,
    address      TEXT NOT NULL,
    email        TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Invoices staff issue (numbered by id); `details_json` keeps the invoicing details as they were at issue.
CREATE TABLE invoices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    developer_id INTEGER NOT NULL REFERENCES developers(id),
    details_json TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    issued_by    INTEGER NOT NULL REFERENCES developers(id),
    issued_at    INTEGER NOT NULL
);
CREATE INDEX invoices_by_developer ON invoices (developer_id, id);

-- A fee for a submission over the monthly quota, charged to the app creator's account
-- (the subject); `invoice_id` is set once an invoice collects it.
CREATE TABLE review_fees (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    developer_id INTEGER NOT NULL REFERENCES developers(id),
    app_id       INTEGER NOT NULL REFERENCES apps(id),
    review_id    INTEGER NOT NULL REFERENCES reviews(id),
    amount_cents INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    invoice_id   INTEGER REFERENCES invoices(id)
);
CREATE INDEX review_fees_by_developer ON review_fees (developer_id, invoice_id);
