-- 004_clustered: contact and phone as WITHOUT ROWID tables, clustered on
-- the keys reads search them by.
--
-- A customer or account read (one statement, store.go) searched a B-tree
-- for the owner's contacts (contact_one_live_per_type), another for each
-- contact's row, one for each contact's phones (phone_live_by_contact) and
-- one for each phone's row. With 1,000,000 customers nearly every one of
-- those searches reads a page that is not in the connection's page cache
-- (docs/performance.md, fifth round). Clustered, an owner's contacts are
-- one range of contact's primary key (customer_key, id), beside those of
-- the customer's other owners, and a contact's phones one range of phone's
-- (contact_id, id), ceased ones too (a contact never has many).
--
-- Lookups by ID (writes, foreign keys, the ID triggers) use the UNIQUE
-- index on id, which holds the primary key beside it. A new contact now
-- writes three B-trees (its row, the id index, contact_one_live_per_type)
-- instead of two; a new phone two, as before; a phone's cease only its
-- row, where it also left phone_live_by_contact before.
--
-- Every rule of 001 is kept: the same columns, CHECKs, foreign keys, the
-- CNT101 index and the triggers (recreated below, unchanged, since DROP
-- TABLE drops them). The new tables are built beside the old under a _new
-- name, phone_new referring to contact_new (ALTER TABLE RENAME rewrites
-- that reference), so that dropping the old ones, phone first, orphans
-- nothing while foreign keys are on.

CREATE TABLE contact_new (
    id           INTEGER NOT NULL UNIQUE CHECK (id > 0 AND id <= 9007199254740991),
    customer_key INTEGER NOT NULL REFERENCES customer (key),
    -- NULL for a customer-level contact
    account_key  INTEGER,
    contact_type TEXT    NOT NULL CHECK (contact_type IN ('PRIMRY', 'SCNDRY')),
    name         TEXT    NOT NULL,
    -- unix seconds; moves at least one second forward on every change
    updated      INTEGER NOT NULL,
    -- unix seconds when ceased; NULL while live
    ceased       INTEGER,
    -- an owner's contacts, customer-level and of its accounts, side by side
    PRIMARY KEY (customer_key, id),
    -- an account-level contact's account belongs to its customer
    FOREIGN KEY (account_key, customer_key) REFERENCES account (key, customer_key)
) STRICT, WITHOUT ROWID;

INSERT INTO contact_new (id, customer_key, account_key, contact_type, name, updated, ceased)
SELECT id, customer_key, account_key, contact_type, name, updated, ceased FROM contact ORDER BY customer_key, id;

CREATE TABLE phone_new (
    id         INTEGER NOT NULL UNIQUE CHECK (id > 0 AND id <= 9007199254740991),
    contact_id INTEGER NOT NULL REFERENCES contact_new (id),
    phone_type TEXT    NOT NULL CHECK (phone_type IN ('BSN', 'BSNFAX', 'CELL', 'HOM')),
    country    TEXT    NOT NULL,
    area_code  TEXT    NOT NULL DEFAULT '',
    number     TEXT    NOT NULL,
    extension  TEXT    NOT NULL DEFAULT '',
    ceased     INTEGER,
    -- a contact's phones side by side, ceased ones too
    PRIMARY KEY (contact_id, id)
) STRICT, WITHOUT ROWID;

INSERT INTO phone_new (id, contact_id, phone_type, country, area_code, number, extension, ceased)
SELECT id, contact_id, phone_type, country, area_code, number, extension, ceased FROM phone ORDER BY contact_id, id;

DROP TABLE phone;
DROP TABLE contact;

ALTER TABLE contact_new RENAME TO contact;
ALTER TABLE phone_new RENAME TO phone;

-- CNT101: at most one live contact per owner (the customer itself, or one of
-- its accounts) and type.
CREATE UNIQUE INDEX contact_one_live_per_type
    ON contact (customer_key, IFNULL(account_key, 0), contact_type)
    WHERE ceased IS NULL;

-- The triggers of 001, unchanged.
CREATE TRIGGER contact_id_unique BEFORE INSERT ON contact
WHEN EXISTS (SELECT 1 FROM phone WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'ID already used by a phone');
END;

CREATE TRIGGER phone_id_unique BEFORE INSERT ON phone
WHEN EXISTS (SELECT 1 FROM contact WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'ID already used by a contact');
END;

CREATE TRIGGER contact_id_sequence AFTER INSERT ON contact
WHEN NEW.id >= (SELECT next FROM id_sequence)
BEGIN
    UPDATE id_sequence SET next = NEW.id + 1;
END;

CREATE TRIGGER phone_id_sequence AFTER INSERT ON phone
WHEN NEW.id >= (SELECT next FROM id_sequence)
BEGIN
    UPDATE id_sequence SET next = NEW.id + 1;
END;

CREATE TRIGGER contact_no_delete BEFORE DELETE ON contact
BEGIN
    SELECT RAISE(ABORT, 'contacts are never deleted');
END;

CREATE TRIGGER phone_no_delete BEFORE DELETE ON phone
BEGIN
    SELECT RAISE(ABORT, 'phones are never deleted');
END;

CREATE TRIGGER contact_frozen BEFORE UPDATE ON contact
WHEN OLD.ceased IS NOT NULL
  OR NEW.id IS NOT OLD.id
  OR NEW.customer_key IS NOT OLD.customer_key
  OR NEW.account_key IS NOT OLD.account_key
  OR NEW.contact_type IS NOT OLD.contact_type
  OR NEW.updated < OLD.updated
BEGIN
    SELECT RAISE(ABORT, 'contact: ceased, or ID, owner or type changed, or updated moved back');
END;

CREATE TRIGGER phone_frozen BEFORE UPDATE ON phone
WHEN OLD.ceased IS NOT NULL
  OR NEW.id IS NOT OLD.id
  OR NEW.contact_id IS NOT OLD.contact_id
BEGIN
    SELECT RAISE(ABORT, 'phone: ceased, or ID or contact changed');
END;

CREATE TRIGGER contact_cease_phones AFTER UPDATE OF ceased ON contact
WHEN OLD.ceased IS NULL AND NEW.ceased IS NOT NULL
BEGIN
    UPDATE phone SET ceased = NEW.ceased WHERE contact_id = NEW.id AND ceased IS NULL;
END;

CREATE TRIGGER phone_live_contact BEFORE INSERT ON phone
WHEN NEW.ceased IS NULL
 AND NOT EXISTS (SELECT 1 FROM contact WHERE id = NEW.contact_id AND ceased IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'live phone on a ceased or unknown contact');
END;

CREATE TRIGGER phone_at_most_5 BEFORE INSERT ON phone
WHEN NEW.ceased IS NULL
 AND (SELECT COUNT(*) FROM phone WHERE contact_id = NEW.contact_id AND ceased IS NULL) >= 5
BEGIN
    SELECT RAISE(ABORT, 'CNT103');
END;

CREATE TRIGGER phone_at_least_1 BEFORE UPDATE OF ceased ON phone
WHEN OLD.ceased IS NULL AND NEW.ceased IS NOT NULL
 AND EXISTS (SELECT 1 FROM contact WHERE id = OLD.contact_id AND ceased IS NULL)
 AND (SELECT COUNT(*) FROM phone WHERE contact_id = OLD.contact_id AND ceased IS NULL) <= 1
BEGIN
    SELECT RAISE(ABORT, 'CNT103');
END;
