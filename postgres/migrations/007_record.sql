-- 007_record: the records of the suite's update APIs (names, addresses,
-- BIC codes, refund bank accounts, filing periods: contactd.Record), and the audit rows
-- that record their changes; as the SQLite store's 007_record.sql.
--
--   * record_one_live_per_key: one live record per owner (the customer
--     itself, or one of its accounts), kind and key; of two concurrent
--     inserts the second waits for the first and fails with
--     unique_violation. Store.PutRecord takes a lock per owner and kind
--     first, so that Replace and Merge never meet that refusal;
--   * record IDs come from id_sequence and are entered in issued_id, like
--     contact and phone IDs: no ID is used twice by any of the three;
--   * record_frozen and the no_delete triggers: records are never
--     deleted, a ceased record never changes again, and no record changes
--     its ID, owner or kind, or moves updated back.

ALTER TABLE issued_id DROP CONSTRAINT issued_id_kind_check;
ALTER TABLE issued_id ADD CONSTRAINT issued_id_kind_check CHECK (kind IN ('contact', 'phone', 'record'));

CREATE TABLE record (
    id           bigint      PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    kind         text        NOT NULL CHECK (kind IN ('name', 'address', 'bic', 'bank', 'period')),
    customer_key bigint      NOT NULL REFERENCES customer (key),
    -- NULL for a customer-level record
    account_key  bigint,
    key          text        NOT NULL,
    -- json, not jsonb: the fields are given back as they were written
    fields       json        NOT NULL CHECK (json_typeof(fields) = 'object'),
    -- whole seconds; moves at least one second forward on every change
    updated      timestamptz NOT NULL,
    -- when ceased; NULL while live
    ceased       timestamptz,
    -- an account-level record's account belongs to its customer
    FOREIGN KEY (account_key, customer_key) REFERENCES account (key, customer_key)
);

-- One live record per owner, kind and key. The owner's columns come first
-- so that the index also serves the reads of an owner's live records.
CREATE UNIQUE INDEX record_one_live_per_key
    ON record (customer_key, COALESCE(account_key, 0), kind, key)
    WHERE ceased IS NULL;

-- The ceased records of a customer, for the audit's owner filters (as
-- contact_ceased_by_customer, migration 004).
CREATE INDEX record_ceased_by_customer ON record (customer_key) WHERE ceased IS NOT NULL;

-- A new record's ID: handed out by the sequence, and used once.
CREATE FUNCTION record_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.id > id_sequence_issued() THEN
        RAISE EXCEPTION 'record ID % is above the ID sequence (%): raise the sequence first', NEW.id, id_sequence_issued();
    END IF;
    INSERT INTO issued_id (id, kind) VALUES (NEW.id, 'record');
    RETURN NEW;
END
$$;

CREATE TRIGGER record_insert BEFORE INSERT ON record
FOR EACH ROW EXECUTE FUNCTION record_insert();

CREATE FUNCTION record_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.ceased IS NOT NULL THEN
        RAISE EXCEPTION 'record % is ceased: it never changes again', OLD.id;
    END IF;
    IF NEW.id <> OLD.id OR NEW.customer_key <> OLD.customer_key
       OR NEW.account_key IS DISTINCT FROM OLD.account_key
       OR NEW.kind <> OLD.kind OR NEW.updated < OLD.updated THEN
        RAISE EXCEPTION 'record %: ID, owner or kind changed, or updated moved back', OLD.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER record_frozen BEFORE UPDATE ON record
FOR EACH ROW EXECUTE FUNCTION record_frozen();

CREATE TRIGGER record_no_delete BEFORE DELETE ON record
FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER record_no_truncate BEFORE TRUNCATE ON record
FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();

-- The record a row of the audit trail is about (0: a contact or phone
-- operation). Partial: a contact write adds nothing to it.
ALTER TABLE audit ADD COLUMN record_id bigint NOT NULL DEFAULT 0;

CREATE INDEX audit_by_record ON audit (record_id, seq) WHERE record_id <> 0;
