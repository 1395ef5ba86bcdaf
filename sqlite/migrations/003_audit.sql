-- 003_audit: the audit trail and idempotency keys.
--
-- audit is append-only: every successful change to a contact or phone adds
-- one row in the change's own transaction, and the triggers below refuse
-- any UPDATE or DELETE, so no code path can rewrite history.
CREATE TABLE audit (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL, -- unix microseconds
    operation      TEXT    NOT NULL,
    contact_id     INTEGER NOT NULL,
    phone_id       INTEGER NOT NULL DEFAULT 0,
    customer_type  TEXT    NOT NULL,
    customer_value TEXT    NOT NULL,
    account_id     TEXT    NOT NULL DEFAULT '',
    caller         TEXT    NOT NULL CHECK (json_valid(caller)),
    request_id     TEXT    NOT NULL DEFAULT '',
    before         TEXT    CHECK (before IS NULL OR json_valid(before)),
    after          TEXT    CHECK (after IS NULL OR json_valid(after))
) STRICT;

CREATE INDEX audit_by_contact ON audit (contact_id, seq);
CREATE INDEX audit_by_customer ON audit (customer_type, customer_value, seq);
CREATE INDEX audit_by_account ON audit (account_id, seq) WHERE account_id <> '';
CREATE INDEX audit_by_time ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- An Idempotency-Key of a successful POST, kept until it expires.
CREATE TABLE idempotency (
    caller      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    operation   TEXT    NOT NULL,
    result_id   INTEGER NOT NULL,
    expires     INTEGER NOT NULL, -- unix seconds
    PRIMARY KEY (caller, key)
) STRICT;

CREATE INDEX idempotency_by_expiry ON idempotency (expires);
