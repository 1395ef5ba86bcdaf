-- 001_init: customers, accounts, contacts, phones and the ID sequence.
--
-- The invariants of contactd.Store are held here, not only in Go:
--   * contact_one_live_per_type: one live contact per owner and type (CNT101);
--   * the phone_* triggers: 1 to 5 live phones per live contact (CNT103);
--   * the *_frozen and *_no_delete triggers: rows are never deleted, a ceased
--     row never changes again, and IDs and owners never change;
--   * id_sequence: the one sequence for contact and phone IDs, kept above
--     every ID in either table, so that no ID is ever issued twice.
-- Tables are STRICT so that a value of the wrong type is refused rather than
-- stored.

CREATE TABLE customer (
    key      INTEGER PRIMARY KEY CHECK (key > 0),
    id_type  TEXT    NOT NULL CHECK (id_type IN ('IRD', 'CST')),
    id_value TEXT    NOT NULL CHECK (id_value <> ''),
    profile  TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(profile)),
    UNIQUE (id_type, id_value)
) STRICT;

CREATE TABLE account (
    key          INTEGER PRIMARY KEY CHECK (key > 0),
    account_id   TEXT    NOT NULL UNIQUE CHECK (account_id <> ''),
    id_type      TEXT    NOT NULL DEFAULT 'ACC',
    account_type TEXT    NOT NULL,
    customer_key INTEGER NOT NULL REFERENCES customer (key),
    profile      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(profile)),
    -- the target of contact's (account_key, customer_key) foreign key
    UNIQUE (key, customer_key)
) STRICT;

CREATE INDEX account_by_customer ON account (customer_key, key);

-- The one sequence for contact and phone IDs: a single row holding the next
-- ID to issue. One sequence keeps IDs unique across both kinds (a ContactID is
-- never a PhoneID), and it is a single number to move above a seeded dataset.
-- It is read and bumped inside the writing transaction, so an ID is only
-- consumed by a write that commits, and it only ever moves up.
CREATE TABLE id_sequence (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    next INTEGER NOT NULL CHECK (next > 0 AND next <= 9007199254740992)
) STRICT;

INSERT INTO id_sequence (one, next) VALUES (1, 1);

CREATE TRIGGER id_sequence_forward BEFORE UPDATE ON id_sequence
WHEN NEW.next < OLD.next OR NEW.one IS NOT OLD.one
BEGIN
    SELECT RAISE(ABORT, 'id_sequence only moves forward');
END;

CREATE TRIGGER id_sequence_no_delete BEFORE DELETE ON id_sequence
BEGIN
    SELECT RAISE(ABORT, 'id_sequence is never deleted');
END;

CREATE TABLE contact (
    id           INTEGER PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    customer_key INTEGER NOT NULL REFERENCES customer (key),
    -- NULL for a customer-level contact
    account_key  INTEGER,
    contact_type TEXT    NOT NULL CHECK (contact_type IN ('PRIMRY', 'SCNDRY')),
    name         TEXT    NOT NULL,
    -- unix seconds; moves at least one second forward on every change
    updated      INTEGER NOT NULL,
    -- unix seconds when ceased; NULL while live
    ceased       INTEGER,
    -- an account-level contact's account belongs to its customer
    FOREIGN KEY (account_key, customer_key) REFERENCES account (key, customer_key)
) STRICT;

-- CNT101: at most one live contact per owner (the customer itself, or one of
-- its accounts) and type. It also serves Contacts(owner).
CREATE UNIQUE INDEX contact_one_live_per_type
    ON contact (customer_key, IFNULL(account_key, 0), contact_type)
    WHERE ceased IS NULL;

CREATE TABLE phone (
    id         INTEGER PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    contact_id INTEGER NOT NULL REFERENCES contact (id),
    phone_type TEXT    NOT NULL CHECK (phone_type IN ('BSN', 'BSNFAX', 'CELL', 'HOM')),
    country    TEXT    NOT NULL,
    area_code  TEXT    NOT NULL DEFAULT '',
    number     TEXT    NOT NULL,
    extension  TEXT    NOT NULL DEFAULT '',
    ceased     INTEGER
) STRICT;

CREATE INDEX phone_live_by_contact ON phone (contact_id, id) WHERE ceased IS NULL;

-- IDs: unique across contacts and phones, and the sequence stays above every
-- ID stored (Load inserts given IDs; the sequence follows them up).
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

-- Rows are never deleted: ceasing sets ceased.
CREATE TRIGGER contact_no_delete BEFORE DELETE ON contact
BEGIN
    SELECT RAISE(ABORT, 'contacts are never deleted');
END;

CREATE TRIGGER phone_no_delete BEFORE DELETE ON phone
BEGIN
    SELECT RAISE(ABORT, 'phones are never deleted');
END;

-- A ceased contact is frozen (it can never be made live again), and no
-- contact changes its ID, owner or type.
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

-- Likewise a ceased phone, and no phone changes its ID or contact.
CREATE TRIGGER phone_frozen BEFORE UPDATE ON phone
WHEN OLD.ceased IS NOT NULL
  OR NEW.id IS NOT OLD.id
  OR NEW.contact_id IS NOT OLD.contact_id
BEGIN
    SELECT RAISE(ABORT, 'phone: ceased, or ID or contact changed');
END;

-- Ceasing a contact ceases its live phones with it (contact first, then its
-- phones, so the last-phone rule below does not apply to them).
CREATE TRIGGER contact_cease_phones AFTER UPDATE OF ceased ON contact
WHEN OLD.ceased IS NULL AND NEW.ceased IS NOT NULL
BEGIN
    UPDATE phone SET ceased = NEW.ceased WHERE contact_id = NEW.id AND ceased IS NULL;
END;

-- CNT103: a live phone only on a live contact, and at most 5 of them.
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

-- CNT103: the last live phone of a live contact cannot be ceased.
CREATE TRIGGER phone_at_least_1 BEFORE UPDATE OF ceased ON phone
WHEN OLD.ceased IS NULL AND NEW.ceased IS NOT NULL
 AND EXISTS (SELECT 1 FROM contact WHERE id = OLD.contact_id AND ceased IS NULL)
 AND (SELECT COUNT(*) FROM phone WHERE contact_id = OLD.contact_id AND ceased IS NULL) <= 1
BEGIN
    SELECT RAISE(ABORT, 'CNT103');
END;
