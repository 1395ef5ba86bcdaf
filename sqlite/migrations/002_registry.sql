-- 002_registry: the registry of parties and rights that production access
-- is decided on (contactd.Decide; docs/identity.md).
--
-- Customers and accounts are named by their identifiers (IRD numbers in
-- their 9-digit form), not by foreign keys to customer and account: the
-- registry may be set up before the data it grants is loaded, and an entry
-- for a customer that is not held simply grants nothing.
--
-- Removing a logon or a party removes every entry that names it (ON DELETE
-- CASCADE). Tables are STRICT; reg_ prefixes every name.

CREATE TABLE reg_logon (
    logon TEXT PRIMARY KEY CHECK (length(logon) BETWEEN 1 AND 256),
    name  TEXT NOT NULL DEFAULT ''
) STRICT;

-- The customers each logon owns.
CREATE TABLE reg_owner (
    logon          TEXT NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    customer_type  TEXT NOT NULL CHECK (customer_type IN ('IRD', 'CST')),
    customer_value TEXT NOT NULL CHECK (customer_value <> ''),
    PRIMARY KEY (logon, customer_type, customer_value)
) STRICT;

-- A logon's delegation to a whole customer (account_id '') or to one
-- account (customer '' and ''), until expires (unix seconds; NULL: never).
CREATE TABLE reg_delegation (
    logon          TEXT NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    customer_type  TEXT NOT NULL DEFAULT '' CHECK (customer_type IN ('', 'IRD', 'CST')),
    customer_value TEXT NOT NULL DEFAULT '',
    account_id     TEXT NOT NULL DEFAULT '',
    expires        INTEGER,
    CHECK ((customer_type = '') = (customer_value = '')),
    CHECK ((customer_value = '') <> (account_id = '')),
    PRIMARY KEY (logon, customer_type, customer_value, account_id)
) STRICT;

CREATE TABLE reg_party (
    party          TEXT PRIMARY KEY CHECK (length(party) BETWEEN 1 AND 256),
    kind           TEXT NOT NULL CHECK (kind IN ('customer', 'intermediary', 'agency', 'provider')),
    name           TEXT NOT NULL DEFAULT '',
    -- the customer a party of kind customer is
    customer_type  TEXT NOT NULL DEFAULT '' CHECK (customer_type IN ('', 'IRD', 'CST')),
    customer_value TEXT NOT NULL DEFAULT '',
    CHECK ((customer_type = '') = (customer_value = '')),
    CHECK ((kind = 'customer') = (customer_value <> ''))
) STRICT;

-- A party's kind never changes: its links or agreement would change meaning.
CREATE TRIGGER reg_party_kind_fixed BEFORE UPDATE OF kind ON reg_party
WHEN NEW.kind IS NOT OLD.kind
BEGIN
    SELECT RAISE(ABORT, 'a party''s kind never changes');
END;

-- The account types an agency's agreement covers.
CREATE TABLE reg_agency_type (
    party        TEXT NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    account_type TEXT NOT NULL CHECK (account_type <> ''),
    PRIMARY KEY (party, account_type)
) STRICT;

CREATE TRIGGER reg_agency_type_of_agency BEFORE INSERT ON reg_agency_type
WHEN (SELECT kind FROM reg_party WHERE party = NEW.party) IS NOT 'agency'
BEGIN
    SELECT RAISE(ABORT, 'account types belong to agencies only');
END;

-- The logons that act for a party (an agent's staff).
CREATE TABLE reg_member (
    party TEXT NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    logon TEXT NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    PRIMARY KEY (party, logon)
) STRICT;

CREATE INDEX reg_member_by_logon ON reg_member (logon, party);

-- An intermediary's link to a client customer: customer-wide without
-- reg_link_account rows, else limited to those accounts.
CREATE TABLE reg_link (
    party          TEXT NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    customer_type  TEXT NOT NULL CHECK (customer_type IN ('IRD', 'CST')),
    customer_value TEXT NOT NULL CHECK (customer_value <> ''),
    PRIMARY KEY (party, customer_type, customer_value)
) STRICT;

CREATE TRIGGER reg_link_of_intermediary BEFORE INSERT ON reg_link
WHEN (SELECT kind FROM reg_party WHERE party = NEW.party) IS NOT 'intermediary'
BEGIN
    SELECT RAISE(ABORT, 'links belong to intermediaries only');
END;

CREATE TABLE reg_link_account (
    party          TEXT NOT NULL,
    customer_type  TEXT NOT NULL,
    customer_value TEXT NOT NULL,
    account_id     TEXT NOT NULL CHECK (account_id <> ''),
    PRIMARY KEY (party, customer_type, customer_value, account_id),
    FOREIGN KEY (party, customer_type, customer_value)
        REFERENCES reg_link (party, customer_type, customer_value) ON DELETE CASCADE
) STRICT;

-- Signing certificates, by thumbprint (SHA-256 of der, upper-case hex),
-- registered to the party they act for. Times are unix seconds.
CREATE TABLE reg_certificate (
    thumbprint TEXT PRIMARY KEY CHECK (length(thumbprint) = 64 AND thumbprint NOT GLOB '*[^0-9A-F]*'),
    party      TEXT NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    der        BLOB NOT NULL CHECK (length(der) > 0),
    subject    TEXT NOT NULL DEFAULT '',
    not_before INTEGER NOT NULL,
    not_after  INTEGER NOT NULL
) STRICT;

CREATE INDEX reg_certificate_by_party ON reg_certificate (party);

-- A logon's consent to a party acting for it (a machine JWT's startLogon),
-- until expires (unix seconds; NULL: never).
CREATE TABLE reg_consent (
    logon   TEXT NOT NULL REFERENCES reg_logon (logon) ON DELETE CASCADE,
    party   TEXT NOT NULL REFERENCES reg_party (party) ON DELETE CASCADE,
    expires INTEGER,
    PRIMARY KEY (logon, party)
) STRICT;

CREATE INDEX reg_consent_by_party ON reg_consent (party);
