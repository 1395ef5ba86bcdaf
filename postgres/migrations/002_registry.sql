-- 002_registry: the registry of parties and rights that production access
-- is decided on (contactd.Decide; docs/identity.md), as the SQLite store's
-- 002_registry.sql.
--
-- Customers and accounts are named by their identifiers (IRD numbers in
-- their 9-digit form), not by foreign keys to customer and account: the
-- registry may be set up before the data it grants is loaded, and an entry
-- for a customer that is not held simply grants nothing.
--
-- Removing a logon or a party removes every entry that names it (ON DELETE
-- CASCADE). reg_ prefixes every name.

CREATE TABLE reg_logon (
    logon text PRIMARY KEY CHECK (length(logon) BETWEEN 1 AND 256),
    name  text NOT NULL DEFAULT ''
);

-- The customers each logon owns.
CREATE TABLE reg_owner (
    logon          text NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    customer_type  text NOT NULL CHECK (customer_type IN ('IRD', 'CST')),
    customer_value text NOT NULL CHECK (customer_value <> ''),
    PRIMARY KEY (logon, customer_type, customer_value)
);

-- A logon's delegation to a whole customer (account_id '') or to one
-- account (customer '' and ''), until expires (NULL: never).
CREATE TABLE reg_delegation (
    logon          text NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    customer_type  text NOT NULL DEFAULT '' CHECK (customer_type IN ('', 'IRD', 'CST')),
    customer_value text NOT NULL DEFAULT '',
    account_id     text NOT NULL DEFAULT '',
    expires        timestamptz,
    CHECK ((customer_type = '') = (customer_value = '')),
    CHECK ((customer_value = '') <> (account_id = '')),
    PRIMARY KEY (logon, customer_type, customer_value, account_id)
);

CREATE INDEX reg_delegation_by_account ON reg_delegation (account_id) WHERE account_id <> '';

CREATE TABLE reg_party (
    party          text PRIMARY KEY CHECK (length(party) BETWEEN 1 AND 256),
    kind           text NOT NULL CHECK (kind IN ('customer', 'intermediary', 'agency', 'provider')),
    name           text NOT NULL DEFAULT '',
    -- the customer a party of kind customer is
    customer_type  text NOT NULL DEFAULT '' CHECK (customer_type IN ('', 'IRD', 'CST')),
    customer_value text NOT NULL DEFAULT '',
    CHECK ((customer_type = '') = (customer_value = '')),
    CHECK ((kind = 'customer') = (customer_value <> ''))
);

-- A party's kind never changes: its links or agreement would change meaning.
CREATE FUNCTION reg_party_kind_fixed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.kind IS DISTINCT FROM OLD.kind THEN
        RAISE EXCEPTION 'a party''s kind never changes';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER reg_party_kind_fixed BEFORE UPDATE OF kind ON reg_party
FOR EACH ROW EXECUTE FUNCTION reg_party_kind_fixed();

-- The account types an agency's agreement covers.
CREATE TABLE reg_agency_type (
    party        text NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    account_type text NOT NULL CHECK (account_type <> ''),
    PRIMARY KEY (party, account_type)
);

-- reg_party_is(kind): a row's party must be of that kind.
CREATE FUNCTION reg_party_is() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF (SELECT kind FROM reg_party WHERE party = NEW.party) IS DISTINCT FROM TG_ARGV[0] THEN
        RAISE EXCEPTION '%: % rows belong to % parties only', NEW.party, TG_TABLE_NAME, TG_ARGV[0];
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER reg_agency_type_of_agency BEFORE INSERT ON reg_agency_type
FOR EACH ROW EXECUTE FUNCTION reg_party_is('agency');

-- The logons that act for a party (an agent's staff).
CREATE TABLE reg_member (
    party text NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    logon text NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    PRIMARY KEY (party, logon)
);

CREATE INDEX reg_member_by_logon ON reg_member (logon, party);

-- An intermediary's link to a client customer: customer-wide without
-- reg_link_account rows, else limited to those accounts.
CREATE TABLE reg_link (
    party          text NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    customer_type  text NOT NULL CHECK (customer_type IN ('IRD', 'CST')),
    customer_value text NOT NULL CHECK (customer_value <> ''),
    PRIMARY KEY (party, customer_type, customer_value)
);

CREATE TRIGGER reg_link_of_intermediary BEFORE INSERT ON reg_link
FOR EACH ROW EXECUTE FUNCTION reg_party_is('intermediary');

CREATE TABLE reg_link_account (
    party          text NOT NULL,
    customer_type  text NOT NULL,
    customer_value text NOT NULL,
    account_id     text NOT NULL CHECK (account_id <> ''),
    PRIMARY KEY (party, customer_type, customer_value, account_id),
    FOREIGN KEY (party, customer_type, customer_value)
        REFERENCES reg_link (party, customer_type, customer_value) ON DELETE CASCADE
);

-- Signing certificates, by thumbprint (SHA-256 of der, upper-case hex),
-- registered to the party they act for.
CREATE TABLE reg_certificate (
    thumbprint text        PRIMARY KEY CHECK (thumbprint ~ '^[0-9A-F]{64}$'),
    party      text        NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    der        bytea       NOT NULL CHECK (length(der) > 0),
    subject    text        NOT NULL DEFAULT '',
    not_before timestamptz NOT NULL,
    not_after  timestamptz NOT NULL
);

CREATE INDEX reg_certificate_by_party ON reg_certificate (party);

-- A logon's consent to a party acting for it (a machine JWT's startLogon),
-- until expires (NULL: never).
CREATE TABLE reg_consent (
    logon   text NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    party   text NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    expires timestamptz,
    PRIMARY KEY (logon, party)
);

CREATE INDEX reg_consent_by_party ON reg_consent (party);
