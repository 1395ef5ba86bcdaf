-- 001_init: customers, accounts, contacts, phones and the ID sequence.
--
-- The same invariants as the SQLite store's 001_init.sql, held by
-- PostgreSQL itself so that they hold across any number of contactd
-- replicas writing at once:
--   * contact_one_live_per_type: one live contact per owner and type
--     (CNT101); a concurrent second insert waits for the first and then
--     fails with unique_violation;
--   * phone_insert/phone_update: 1 to 5 live phones per live contact
--     (CNT103, constraint name phone_count). They lock the contact row
--     (SELECT ... FOR UPDATE) before counting, so two transactions adding
--     or ceasing phones of one contact are serialised on that row and the
--     second counts what the first committed;
--   * the *_frozen and *_no_delete triggers: rows are never deleted, a
--     ceased row never changes again, and IDs and owners never change;
--   * id_sequence: the one sequence for contact and phone IDs, and
--     issued_id, which holds every contact and phone ID once, so that no
--     ID is ever used twice, by either kind, whatever moves the sequence.
--
-- Every function pins search_path to the schema it was created in, so the
-- triggers find their tables whatever search_path a session runs with.

-- Customer and account keys are internal: they never leave the process.
CREATE SEQUENCE customer_key_seq AS bigint;

CREATE TABLE customer (
    key      bigint PRIMARY KEY DEFAULT nextval('customer_key_seq') CHECK (key > 0),
    id_type  text   NOT NULL CHECK (id_type IN ('IRD', 'CST')),
    id_value text   NOT NULL CHECK (id_value <> ''),
    -- json, not jsonb: the profile is sent as it was stored, key order kept
    profile  json   NOT NULL DEFAULT '{}',
    UNIQUE (id_type, id_value)
);

ALTER SEQUENCE customer_key_seq OWNED BY customer.key;

CREATE SEQUENCE account_key_seq AS bigint;

CREATE TABLE account (
    key          bigint PRIMARY KEY DEFAULT nextval('account_key_seq') CHECK (key > 0),
    account_id   text   NOT NULL UNIQUE CHECK (account_id <> ''),
    id_type      text   NOT NULL DEFAULT 'ACC',
    account_type text   NOT NULL,
    customer_key bigint NOT NULL REFERENCES customer (key),
    profile      json   NOT NULL DEFAULT '{}',
    -- the target of contact's (account_key, customer_key) foreign key
    UNIQUE (key, customer_key)
);

ALTER SEQUENCE account_key_seq OWNED BY account.key;

CREATE INDEX account_by_customer ON account (customer_key, key);

-- The one sequence for contact and phone IDs (docs/postgres.md). Each
-- nextval hands out a block of 6 IDs, value to value+5: a new contact
-- takes the first and its (at most 5) phones the next ones, so a contact
-- and its phones get consecutive IDs with one atomic nextval and no lock;
-- an added phone takes the first of a block and leaves the rest unused.
-- MAXVALUE keeps the last block below 2^53. A sequence is not
-- transactional: a write that rolls back leaves a gap, and IDs are never
-- reused.
CREATE SEQUENCE id_sequence AS bigint
    INCREMENT BY 6 MINVALUE 1 MAXVALUE 9007199254740986 START WITH 1 NO CYCLE;

-- The highest ID the sequence has handed out (0 before the first).
CREATE FUNCTION id_sequence_issued() RETURNS bigint
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT CASE WHEN is_called THEN last_value + 5 ELSE last_value - 1 END FROM id_sequence
$$;

-- Every contact and phone ID, once: the primary key refuses an ID used
-- before by either kind, even if the sequence were moved back by hand.
CREATE TABLE issued_id (
    id   bigint PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    kind text   NOT NULL CHECK (kind IN ('contact', 'phone'))
);

CREATE TABLE contact (
    id           bigint      PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    customer_key bigint      NOT NULL REFERENCES customer (key),
    -- NULL for a customer-level contact
    account_key  bigint,
    contact_type text        NOT NULL CHECK (contact_type IN ('PRIMRY', 'SCNDRY')),
    name         text        NOT NULL,
    -- whole seconds; moves at least one second forward on every change
    updated      timestamptz NOT NULL,
    -- when ceased; NULL while live
    ceased       timestamptz,
    -- an account-level contact's account belongs to its customer
    FOREIGN KEY (account_key, customer_key) REFERENCES account (key, customer_key)
);

-- CNT101: at most one live contact per owner (the customer itself, or one of
-- its accounts) and type. It also serves Contacts(owner).
CREATE UNIQUE INDEX contact_one_live_per_type
    ON contact (customer_key, COALESCE(account_key, 0), contact_type)
    WHERE ceased IS NULL;

CREATE TABLE phone (
    id         bigint      PRIMARY KEY CHECK (id > 0 AND id <= 9007199254740991),
    contact_id bigint      NOT NULL REFERENCES contact (id),
    phone_type text        NOT NULL CHECK (phone_type IN ('BSN', 'BSNFAX', 'CELL', 'HOM')),
    country    text        NOT NULL,
    area_code  text        NOT NULL DEFAULT '',
    number     text        NOT NULL,
    extension  text        NOT NULL DEFAULT '',
    ceased     timestamptz
);

CREATE INDEX phone_live_by_contact ON phone (contact_id, id) WHERE ceased IS NULL;
CREATE INDEX phone_by_contact ON phone (contact_id);

-- A new contact's ID: handed out by the sequence (Load raises the sequence
-- above a dataset's IDs before inserting them), and used once.
CREATE FUNCTION contact_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.id > id_sequence_issued() THEN
        RAISE EXCEPTION 'contact ID % is above the ID sequence (%): raise the sequence first', NEW.id, id_sequence_issued();
    END IF;
    INSERT INTO issued_id (id, kind) VALUES (NEW.id, 'contact');
    RETURN NEW;
END
$$;

CREATE TRIGGER contact_insert BEFORE INSERT ON contact
FOR EACH ROW EXECUTE FUNCTION contact_insert();

-- A ceased contact is frozen (it can never be made live again), and no
-- contact changes its ID, owner or type, or moves updated back.
CREATE FUNCTION contact_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.ceased IS NOT NULL THEN
        RAISE EXCEPTION 'contact % is ceased: it never changes again', OLD.id;
    END IF;
    IF NEW.id <> OLD.id OR NEW.customer_key <> OLD.customer_key
       OR NEW.account_key IS DISTINCT FROM OLD.account_key
       OR NEW.contact_type <> OLD.contact_type OR NEW.updated < OLD.updated THEN
        RAISE EXCEPTION 'contact %: ID, owner or type changed, or updated moved back', OLD.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER contact_frozen BEFORE UPDATE ON contact
FOR EACH ROW EXECUTE FUNCTION contact_frozen();

-- Ceasing a contact ceases its live phones with it (the contact first, so
-- the last-phone rule below does not apply to them).
CREATE FUNCTION contact_cease_phones() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE phone SET ceased = NEW.ceased WHERE contact_id = NEW.id AND ceased IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER contact_cease_phones AFTER UPDATE OF ceased ON contact
FOR EACH ROW WHEN (OLD.ceased IS NULL AND NEW.ceased IS NOT NULL)
EXECUTE FUNCTION contact_cease_phones();

-- CNT103 on insert: a live phone only on a live contact, at most 5 of
-- them. The contact row is locked first; the count then runs on a fresh
-- snapshot (READ COMMITTED) and sees every phone committed by the
-- transaction that held the lock before.
CREATE FUNCTION phone_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.id > id_sequence_issued() THEN
        RAISE EXCEPTION 'phone ID % is above the ID sequence (%): raise the sequence first', NEW.id, id_sequence_issued();
    END IF;
    INSERT INTO issued_id (id, kind) VALUES (NEW.id, 'phone');
    IF NEW.ceased IS NULL THEN
        PERFORM 1 FROM contact WHERE id = NEW.contact_id AND ceased IS NULL FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'live phone % on a ceased or unknown contact %', NEW.id, NEW.contact_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF (SELECT count(*) FROM phone WHERE contact_id = NEW.contact_id AND ceased IS NULL) >= 5 THEN
            RAISE EXCEPTION 'CNT103: contact % already has 5 live phones', NEW.contact_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'phone_count';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER phone_insert BEFORE INSERT ON phone
FOR EACH ROW EXECUTE FUNCTION phone_insert();

-- A ceased phone is frozen, no phone changes its ID or contact, and
-- (CNT103) the last live phone of a live contact cannot be ceased.
CREATE FUNCTION phone_update() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.ceased IS NOT NULL THEN
        RAISE EXCEPTION 'phone % is ceased: it never changes again', OLD.id;
    END IF;
    IF NEW.id <> OLD.id OR NEW.contact_id <> OLD.contact_id THEN
        RAISE EXCEPTION 'phone %: ID or contact changed', OLD.id;
    END IF;
    IF NEW.ceased IS NOT NULL THEN
        PERFORM 1 FROM contact WHERE id = OLD.contact_id AND ceased IS NULL FOR UPDATE;
        IF FOUND AND (SELECT count(*) FROM phone WHERE contact_id = OLD.contact_id AND ceased IS NULL) <= 1 THEN
            RAISE EXCEPTION 'CNT103: phone % is the last live phone of contact %', OLD.id, OLD.contact_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'phone_count';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER phone_update BEFORE UPDATE ON phone
FOR EACH ROW EXECUTE FUNCTION phone_update();

-- Rows are never deleted (ceasing sets ceased), nor truncated away; an
-- issued ID is never changed either.
CREATE FUNCTION refuse_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    RAISE EXCEPTION '%: % refused: rows are never deleted or rewritten', TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER contact_no_delete BEFORE DELETE ON contact
FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER contact_no_truncate BEFORE TRUNCATE ON contact
FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER phone_no_delete BEFORE DELETE ON phone
FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER phone_no_truncate BEFORE TRUNCATE ON phone
FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER issued_id_no_delete BEFORE UPDATE OR DELETE ON issued_id
FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER issued_id_no_truncate BEFORE TRUNCATE ON issued_id
FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
