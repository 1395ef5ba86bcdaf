package postgres

// The registry of parties and rights (migrations/002_registry.sql): what
// production authentication and access read (contactd.Registry), and the
// import, removal and export that `contactd admin` runs. It behaves as the
// SQLite store's registry does.

import (
	"context"
	"crypto/sha1"
	"errors"
	"slices"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/registrydb"
	"github.com/jackc/pgx/v5"
)

var _ contactd.Registry = (*Store)(nil)

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// lockRegistrySQL queues registry imports and removals, across replicas:
// each reads what it checks and writes in one turn.
const lockRegistrySQL = `SELECT pg_advisory_xact_lock(hashtext('contactd.registry'), hashtext(current_schema()))`

// ImportRegistry adds every entry of d in one transaction, after
// validating them all: an entry whose key is registered already is
// replaced (a logon's or party's name, a delegation's or consent's expiry,
// an agency's account types, a link's accounts). A party's kind never
// changes, and a certificate stays with the party it was registered to.
// Every logon and party an entry names must be registered, in d or before.
func (s *Store) ImportRegistry(ctx context.Context, d contactd.RegistryData) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return s.write(ctx, "import registry", inTx(func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockRegistrySQL); err != nil {
			return err
		}
		return registrydb.Import(ctx, registryTx{tx}, d)
	}))
}

// registryTx is the registrydb.Tx of a write transaction.
type registryTx struct{ tx pgx.Tx }

func (t registryTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, registrydb.DollarPlaceholders(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t registryTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) (bool, error) {
	err := t.tx.QueryRow(ctx, registrydb.DollarPlaceholders(query), args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Time is t to the second, as the SQLite store keeps it.
func (registryTx) Time(t time.Time) any { return unix(t) }

// RemoveRegistry removes, in one transaction, every entry d names by its
// key: a logon by ID, an ownership by logon and customer, a delegation by
// logon and customer or account, a party by ID, a membership by party and
// logon, a link by party and customer, a certificate by thumbprint, a
// consent by logon and party. Other fields are ignored. Removing a logon
// or party removes every entry that names it. An entry that is not
// registered fails the whole removal with an error wrapping
// contactd.ErrNotRegistered.
func (s *Store) RemoveRegistry(ctx context.Context, d contactd.RegistryData) error {
	return s.write(ctx, "remove from registry", inTx(func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockRegistrySQL); err != nil {
			return err
		}
		return registrydb.Remove(ctx, registryTx{tx}, d)
	}))
}

// readTx runs fn in a read-only REPEATABLE READ transaction: one snapshot
// for every query.
func (s *Store) readTx(ctx context.Context, op string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.read(ctx, op, func(ctx context.Context) error {
		return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
			func(tx pgx.Tx) error { return fn(ctx, tx) })
	})
}

// each runs a query in tx and calls scan for each row.
func each(ctx context.Context, tx pgx.Tx, query string, scan func(pgx.Rows) error, args ...any) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nilIfEmpty is list, or nil when it is empty.
func nilIfEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}

// ExportRegistry returns every registry entry, each kind in key order.
func (s *Store) ExportRegistry(ctx context.Context) (contactd.RegistryData, error) {
	var d contactd.RegistryData
	err := s.readTx(ctx, "export registry", func(ctx context.Context, tx pgx.Tx) error {
		d = contactd.RegistryData{}
		// byte order, as SQLite sorts text
		queries := []struct {
			q    string
			scan func(pgx.Rows) error
		}{
			{`SELECT logon, name FROM reg_logon ORDER BY logon COLLATE "C"`, func(r pgx.Rows) error {
				var l contactd.Logon
				err := r.Scan(&l.ID, &l.Name)
				d.Logons = append(d.Logons, l)
				return err
			}},
			{`SELECT logon, customer_type, customer_value FROM reg_owner
ORDER BY logon COLLATE "C", customer_type COLLATE "C", customer_value COLLATE "C"`, func(r pgx.Rows) error {
				var o contactd.Ownership
				var ct string
				err := r.Scan(&o.Logon, &ct, &o.Customer.Value)
				o.Customer.Type = contactd.CustomerIDType(ct)
				d.Ownerships = append(d.Ownerships, o)
				return err
			}},
			{`SELECT logon, customer_type, customer_value, account_id, expires FROM reg_delegation
ORDER BY logon COLLATE "C", customer_type COLLATE "C", customer_value COLLATE "C", account_id COLLATE "C"`, func(r pgx.Rows) error {
				var dl contactd.Delegation
				var ct string
				var exp *time.Time
				err := r.Scan(&dl.Logon, &ct, &dl.Customer.Value, &dl.AccountID, &exp)
				dl.Customer.Type = contactd.CustomerIDType(ct)
				dl.Expires = fromNull(exp)
				d.Delegations = append(d.Delegations, dl)
				return err
			}},
			{`SELECT party, kind, name, customer_type, customer_value,
	array(SELECT account_type FROM reg_agency_type t WHERE t.party = p.party ORDER BY account_type COLLATE "C")
FROM reg_party p ORDER BY party COLLATE "C"`, func(r pgx.Rows) error {
				var p contactd.Party
				var kind, ct string
				var types []string
				err := r.Scan(&p.ID, &kind, &p.Name, &ct, &p.Customer.Value, &types)
				p.Kind, p.Customer.Type, p.AccountTypes = contactd.PartyKind(kind), contactd.CustomerIDType(ct), nilIfEmpty(types)
				d.Parties = append(d.Parties, p)
				return err
			}},
			{`SELECT party, logon FROM reg_member ORDER BY party COLLATE "C", logon COLLATE "C"`, func(r pgx.Rows) error {
				var m contactd.Membership
				err := r.Scan(&m.Party, &m.Logon)
				d.Memberships = append(d.Memberships, m)
				return err
			}},
			{`SELECT party, customer_type, customer_value,
	array(SELECT account_id FROM reg_link_account a
		WHERE a.party = l.party AND a.customer_type = l.customer_type AND a.customer_value = l.customer_value ORDER BY account_id COLLATE "C")
FROM reg_link l ORDER BY party COLLATE "C", customer_type COLLATE "C", customer_value COLLATE "C"`, func(r pgx.Rows) error {
				var l contactd.Link
				var ct string
				var accounts []string
				err := r.Scan(&l.Party, &ct, &l.Customer.Value, &accounts)
				l.Customer.Type, l.Accounts = contactd.CustomerIDType(ct), nilIfEmpty(accounts)
				d.Links = append(d.Links, l)
				return err
			}},
			{`SELECT ` + certificateColumns + ` FROM reg_certificate
ORDER BY party COLLATE "C", thumbprint COLLATE "C"`, func(r pgx.Rows) error {
				c, err := scanCertificate(r)
				d.Certificates = append(d.Certificates, c)
				return err
			}},
			{`SELECT logon, party, expires FROM reg_consent ORDER BY logon COLLATE "C", party COLLATE "C"`, func(r pgx.Rows) error {
				var c contactd.Consent
				var exp *time.Time
				err := r.Scan(&c.Logon, &c.Party, &exp)
				c.Expires = fromNull(exp)
				d.Consents = append(d.Consents, c)
				return err
			}},
		}
		for _, q := range queries {
			if err := each(ctx, tx, q.q, q.scan); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return contactd.RegistryData{}, err
	}
	return d, nil
}

// certificateColumns are what scanCertificate reads.
const certificateColumns = `thumbprint, party, der, subject, not_before, not_after, issuer`

func scanCertificate(row pgx.Row) (contactd.Certificate, error) {
	var c contactd.Certificate
	if err := row.Scan(&c.Thumbprint, &c.Party, &c.DER, &c.Subject, &c.NotBefore, &c.NotAfter, &c.Issuer); err != nil {
		return contactd.Certificate{}, err
	}
	c.NotBefore, c.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	return c, nil
}

// Certificate returns the certificate registered with the thumbprint,
// SHA-256 or SHA-1.
func (s *Store) Certificate(ctx context.Context, thumbprint string) (contactd.Certificate, error) {
	query := `SELECT ` + certificateColumns + ` FROM reg_certificate WHERE thumbprint = $1`
	if len(thumbprint) == 2*sha1.Size {
		query = `SELECT ` + certificateColumns + ` FROM reg_certificate WHERE sha1 = $1`
	}
	var c contactd.Certificate
	err := s.read(ctx, "certificate", func(ctx context.Context) error {
		var err error
		c, err = scanCertificate(s.pool.QueryRow(ctx, query, thumbprint))
		if errors.Is(err, pgx.ErrNoRows) {
			return contactd.ErrNotRegistered
		}
		return err
	})
	if errors.Is(err, contactd.ErrNotRegistered) {
		return contactd.Certificate{}, contactd.ErrNotRegistered
	}
	if err != nil {
		return contactd.Certificate{}, err
	}
	return c, nil
}

// Grants loads, in one read-only transaction, the entries that can decide
// the caller's access to owner: for a logon (OAuth, or a machine JWT's
// startLogon) its ownership of and delegations to the owner's customer or
// account, the rights of the parties it is a member of, and for a
// startLogon its consent to the certificate's party; for a machine JWT
// without startLogon the rights of the certificate's party. Entries about
// other customers, accounts and account types are left out.
func (s *Store) Grants(ctx context.Context, c contactd.Caller, o contactd.Owner) (contactd.Grants, error) {
	var g contactd.Grants
	if c.Sandbox || (c.Logon == "" && c.Party == "") {
		return g, nil
	}
	err := s.readTx(ctx, "grants", func(ctx context.Context, tx pgx.Tx) error {
		g = contactd.Grants{}
		return grants(ctx, tx, c, o, &g)
	})
	if err != nil {
		return contactd.Grants{}, err
	}
	return g, nil
}

func grants(ctx context.Context, tx pgx.Tx, c contactd.Caller, o contactd.Owner, g *contactd.Grants) error {
	ct, cv := string(o.Customer.Type), o.Customer.Value
	var parties []string
	if c.Logon != "" {
		if err := each(ctx, tx, `SELECT 1 FROM reg_owner WHERE logon = $1 AND customer_type = $2 AND customer_value = $3`, func(pgx.Rows) error {
			g.Customers = append(g.Customers, o.Customer)
			return nil
		}, c.Logon, ct, cv); err != nil {
			return err
		}
		if err := each(ctx, tx, `SELECT customer_type, customer_value, account_id, expires FROM reg_delegation
WHERE logon = $1 AND ((customer_type = $2 AND customer_value = $3) OR (account_id <> '' AND account_id = $4))
ORDER BY customer_type COLLATE "C", customer_value COLLATE "C", account_id COLLATE "C"`, func(r pgx.Rows) error {
			var d contactd.Delegation
			var dct string
			var exp *time.Time
			err := r.Scan(&dct, &d.Customer.Value, &d.AccountID, &exp)
			d.Logon, d.Customer.Type, d.Expires = c.Logon, contactd.CustomerIDType(dct), fromNull(exp)
			g.Delegations = append(g.Delegations, d)
			return err
		}, c.Logon, ct, cv, o.AccountID); err != nil {
			return err
		}
		if err := each(ctx, tx, `SELECT party FROM reg_member WHERE logon = $1 ORDER BY party COLLATE "C"`, func(r pgx.Rows) error {
			var p string
			err := r.Scan(&p)
			parties = append(parties, p)
			return err
		}, c.Logon); err != nil {
			return err
		}
		if c.Thumbprint != "" && c.Party != "" {
			if err := each(ctx, tx, `SELECT expires FROM reg_consent WHERE logon = $1 AND party = $2`, func(r pgx.Rows) error {
				var exp *time.Time
				err := r.Scan(&exp)
				g.Consents = append(g.Consents, contactd.Consent{Logon: c.Logon, Party: c.Party, Expires: fromNull(exp)})
				return err
			}, c.Logon, c.Party); err != nil {
				return err
			}
		}
	} else {
		parties = []string{c.Party}
	}

	for _, p := range parties {
		if err := each(ctx, tx, `SELECT kind, customer_type, customer_value FROM reg_party WHERE party = $1`, func(r pgx.Rows) error {
			var kind, pct, pcv string
			if err := r.Scan(&kind, &pct, &pcv); err != nil {
				return err
			}
			if contactd.PartyKind(kind) == contactd.PartyCustomer && pct == ct && pcv == cv {
				g.Customers = append(g.Customers, o.Customer)
			}
			return nil
		}, p); err != nil {
			return err
		}
		if err := each(ctx, tx, `SELECT array(SELECT account_id FROM reg_link_account a
	WHERE a.party = l.party AND a.customer_type = l.customer_type AND a.customer_value = l.customer_value ORDER BY account_id COLLATE "C")
FROM reg_link l JOIN reg_party p ON p.party = l.party AND p.kind = 'intermediary'
WHERE l.party = $1 AND l.customer_type = $2 AND l.customer_value = $3`, func(r pgx.Rows) error {
			var accounts []string
			err := r.Scan(&accounts)
			g.Links = append(g.Links, contactd.Link{Party: p, Customer: o.Customer, Accounts: nilIfEmpty(accounts)})
			return err
		}, p, ct, cv); err != nil {
			return err
		}
		if o.AccountLevel() {
			if err := each(ctx, tx, `SELECT t.account_type FROM reg_agency_type t JOIN reg_party p ON p.party = t.party AND p.kind = 'agency'
WHERE t.party = $1 AND t.account_type = $2`, func(r pgx.Rows) error {
				var t string
				err := r.Scan(&t)
				if !slices.Contains(g.AccountTypes, t) {
					g.AccountTypes = append(g.AccountTypes, t)
				}
				return err
			}, p, o.AccountType); err != nil {
				return err
			}
		}
	}
	return nil
}
