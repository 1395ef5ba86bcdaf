-- 009_record: the records of the suite's update APIs (names, addresses,
-- BIC codes, refund bank accounts, filing periods: contactd.Record), and the audit rows
-- that record their changes.
--
-- The invariants of contactd.RecordStore are held here, as contacts' are
-- in 001:
--   * record_one_live_per_key: one live record per owner (the customer
--     itself, or one of its accounts), kind and key;
--   * record IDs come from id_sequence, the one sequence of contacts and
--     phones, unique across all three tables and kept below it;
--   * record_no_delete and record_frozen: records are never deleted, a
--     ceased record never changes again, and no record changes its ID,
--     owner or kind, or moves updated back.

CREATE TABLE record (
    id           INTEGER PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    kind         TEXT    NOT NULL CHECK (kind IN ('name', 'address', 'bic', 'bank', 'period')),
    customer_key INTEGER NOT NULL REFERENCES customer (key),
    -- NULL for a customer-level record
    account_key  INTEGER,
    key          TEXT    NOT NULL,
    -- the published fields as a JSON object, kept as given
    fields       TEXT    NOT NULL CHECK (json_valid(fields) AND json_type(fields) = 'object'),
    -- unix seconds; moves at least one second forward on every change
    updated      INTEGER NOT NULL,
    -- unix seconds when ceased; NULL while live
    ceased       INTEGER,
    -- an account-level record's account belongs to its customer
    FOREIGN KEY (account_key, customer_key) REFERENCES account (key, customer_key)
) STRICT;

-- One live record per owner, kind and key. The owner's columns come first
-- so that the index also serves the reads of an owner's live records (the
-- Customer and Account reads) and finds their rows by owner alone.
CREATE UNIQUE INDEX record_one_live_per_key
    ON record (customer_key, IFNULL(account_key, 0), kind, key)
    WHERE ceased IS NULL;

-- The ceased records of a customer, for the audit's owner filters (as
-- contact_ceased_by_customer, migration 006).
CREATE INDEX record_ceased_by_customer ON record (customer_key) WHERE ceased IS NOT NULL;

-- IDs: unique across contacts, phones and records, and the sequence stays
-- above every ID stored.
CREATE TRIGGER record_id_unique BEFORE INSERT ON record
WHEN EXISTS (SELECT 1 FROM contact WHERE id = NEW.id) OR EXISTS (SELECT 1 FROM phone WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'ID already used by a contact or phone');
END;

CREATE TRIGGER contact_id_not_record BEFORE INSERT ON contact
WHEN EXISTS (SELECT 1 FROM record WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'ID already used by a record');
END;

CREATE TRIGGER phone_id_not_record BEFORE INSERT ON phone
WHEN EXISTS (SELECT 1 FROM record WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'ID already used by a record');
END;

CREATE TRIGGER record_id_sequence AFTER INSERT ON record
WHEN NEW.id >= (SELECT next FROM id_sequence)
BEGIN
    UPDATE id_sequence SET next = NEW.id + 1;
END;

CREATE TRIGGER record_no_delete BEFORE DELETE ON record
BEGIN
    SELECT RAISE(ABORT, 'records are never deleted');
END;

CREATE TRIGGER record_frozen BEFORE UPDATE ON record
WHEN OLD.ceased IS NOT NULL
  OR NEW.id IS NOT OLD.id
  OR NEW.customer_key IS NOT OLD.customer_key
  OR NEW.account_key IS NOT OLD.account_key
  OR NEW.kind IS NOT OLD.kind
  OR NEW.updated < OLD.updated
BEGIN
    SELECT RAISE(ABORT, 'record: ceased, or ID, owner or kind changed, or updated moved back');
END;

-- The record a row of the audit trail is about (0: a contact or phone
-- operation). Partial, like the owner searches of 006: a contact write
-- adds nothing to it.
ALTER TABLE audit ADD COLUMN record_id INTEGER NOT NULL DEFAULT 0;

CREATE INDEX audit_by_record ON audit (record_id, seq) WHERE record_id <> 0;
