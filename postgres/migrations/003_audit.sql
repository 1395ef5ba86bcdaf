-- 003_audit: the audit trail and idempotency keys (as the SQLite store's
-- 003_audit.sql).
--
-- audit is append-only: every successful change to a contact or phone adds
-- one row in the change's own transaction, and the triggers below refuse
-- any UPDATE, DELETE or TRUNCATE, so no code path can rewrite history.
--
-- seq is given by audit_insert, which first takes the audit advisory lock
-- in SHARE mode, held until the writing transaction ends; writers share it
-- and never wait for one another. A reader (Store.Audit) takes the same
-- lock EXCLUSIVE before it reads: that waits until every writer that has
-- taken a seq has committed or rolled back, and holds new ones off for the
-- read. So a reader never sees a seq while a lower one may still commit,
-- and one paging with seq > n skips nothing, across every replica.
CREATE SEQUENCE audit_seq AS bigint;

CREATE TABLE audit (
    seq            bigint      PRIMARY KEY,
    at             timestamptz NOT NULL,
    operation      text        NOT NULL,
    contact_id     bigint      NOT NULL,
    phone_id       bigint      NOT NULL DEFAULT 0,
    customer_type  text        NOT NULL,
    customer_value text        NOT NULL,
    account_id     text        NOT NULL DEFAULT '',
    caller         json        NOT NULL,
    request_id     text        NOT NULL DEFAULT '',
    before         json,
    after          json
);

ALTER SEQUENCE audit_seq OWNED BY audit.seq;

CREATE INDEX audit_by_contact ON audit (contact_id, seq);
CREATE INDEX audit_by_customer ON audit (customer_type, customer_value, seq);
CREATE INDEX audit_by_account ON audit (account_id, seq) WHERE account_id <> '';
CREATE INDEX audit_by_time ON audit (at);

CREATE FUNCTION audit_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('contactd.audit'), hashtext(current_schema()));
    NEW.seq := nextval('audit_seq');
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_insert BEFORE INSERT ON audit
FOR EACH ROW EXECUTE FUNCTION audit_insert();

CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();

-- An Idempotency-Key of a successful POST, kept until it expires.
CREATE TABLE idempotency (
    caller      text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    operation   text        NOT NULL,
    result_id   bigint      NOT NULL,
    expires     timestamptz NOT NULL,
    PRIMARY KEY (caller, key)
);

CREATE INDEX idempotency_by_expiry ON idempotency (expires);
