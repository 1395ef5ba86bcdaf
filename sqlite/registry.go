package sqlite

// The registry of parties and rights (migrations/002_registry.sql): what
// production authentication and access read (contactd.Registry), and the
// import, removal and export that `contactd admin` runs.

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/registrydb"
)

var _ contactd.Registry = (*Store)(nil)

func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

// registryTx is the registrydb.Tx of a write transaction.
type registryTx struct{ tx *sql.Tx }

func (t registryTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t registryTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) (bool, error) {
	err := t.tx.QueryRowContext(ctx, query, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Time is unix seconds.
func (registryTx) Time(t time.Time) any { return t.Unix() }

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
	return s.write(ctx, "import registry", func(ctx context.Context, w *wtx) error {
		return registrydb.Import(ctx, registryTx{w.tx}, d)
	})
}

// RemoveRegistry removes, in one transaction, every entry d names by its
// key: a logon by ID, an ownership by logon and customer, a delegation by
// logon and customer or account, a party by ID, a membership by party and
// logon, a link by party and customer, a certificate by thumbprint, a
// consent by logon and party. Other fields are ignored. Removing a logon
// or party removes every entry that names it. An entry that is not
// registered fails the whole removal with an error wrapping
// contactd.ErrNotRegistered.
func (s *Store) RemoveRegistry(ctx context.Context, d contactd.RegistryData) error {
	return s.write(ctx, "remove from registry", func(ctx context.Context, w *wtx) error {
		return registrydb.Remove(ctx, registryTx{w.tx}, d)
	})
}

// ExportRegistry returns every registry entry, each kind in key order.
func (s *Store) ExportRegistry(ctx context.Context) (contactd.RegistryData, error) {
	var d contactd.RegistryData
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return d, fmt.Errorf("sqlite: export registry: %w", err)
	}
	defer tx.Rollback()
	each := func(query string, scan func(*sql.Rows) error) error {
		if err != nil {
			return err
		}
		rows, qerr := tx.QueryContext(ctx, query)
		if qerr != nil {
			err = qerr
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err = scan(rows); err != nil {
				return err
			}
		}
		err = rows.Err()
		return err
	}
	each(`SELECT logon, name FROM reg_logon ORDER BY logon`, func(r *sql.Rows) error {
		var l contactd.Logon
		err := r.Scan(&l.ID, &l.Name)
		d.Logons = append(d.Logons, l)
		return err
	})
	each(`SELECT logon, customer_type, customer_value FROM reg_owner ORDER BY 1, 2, 3`, func(r *sql.Rows) error {
		var o contactd.Ownership
		var ct string
		err := r.Scan(&o.Logon, &ct, &o.Customer.Value)
		o.Customer.Type = contactd.CustomerIDType(ct)
		d.Ownerships = append(d.Ownerships, o)
		return err
	})
	each(`SELECT logon, customer_type, customer_value, account_id, expires FROM reg_delegation ORDER BY 1, 2, 3, 4`, func(r *sql.Rows) error {
		var dl contactd.Delegation
		var ct string
		var exp sql.NullInt64
		err := r.Scan(&dl.Logon, &ct, &dl.Customer.Value, &dl.AccountID, &exp)
		dl.Customer.Type = contactd.CustomerIDType(ct)
		dl.Expires = fromUnix(exp)
		d.Delegations = append(d.Delegations, dl)
		return err
	})
	each(`SELECT party, kind, name, customer_type, customer_value,
	(SELECT json_group_array(account_type) FROM (SELECT account_type FROM reg_agency_type t WHERE t.party = p.party ORDER BY 1))
FROM reg_party p ORDER BY party`, func(r *sql.Rows) error {
		var p contactd.Party
		var kind, ct, types string
		err := r.Scan(&p.ID, &kind, &p.Name, &ct, &p.Customer.Value, &types)
		p.Kind, p.Customer.Type = contactd.PartyKind(kind), contactd.CustomerIDType(ct)
		if err == nil {
			p.AccountTypes, err = jsonStrings(types)
		}
		d.Parties = append(d.Parties, p)
		return err
	})
	each(`SELECT party, logon FROM reg_member ORDER BY 1, 2`, func(r *sql.Rows) error {
		var m contactd.Membership
		err := r.Scan(&m.Party, &m.Logon)
		d.Memberships = append(d.Memberships, m)
		return err
	})
	each(`SELECT party, customer_type, customer_value,
	(SELECT json_group_array(account_id) FROM (SELECT account_id FROM reg_link_account a
		WHERE a.party = l.party AND a.customer_type = l.customer_type AND a.customer_value = l.customer_value ORDER BY 1))
FROM reg_link l ORDER BY 1, 2, 3`, func(r *sql.Rows) error {
		var l contactd.Link
		var ct, accounts string
		err := r.Scan(&l.Party, &ct, &l.Customer.Value, &accounts)
		l.Customer.Type = contactd.CustomerIDType(ct)
		if err == nil {
			l.Accounts, err = jsonStrings(accounts)
		}
		d.Links = append(d.Links, l)
		return err
	})
	each(`SELECT `+certificateColumns+` FROM reg_certificate ORDER BY party, thumbprint`, func(r *sql.Rows) error {
		c, err := scanCertificate(r)
		d.Certificates = append(d.Certificates, c)
		return err
	})
	each(`SELECT logon, party, expires FROM reg_consent ORDER BY 1, 2`, func(r *sql.Rows) error {
		var c contactd.Consent
		var exp sql.NullInt64
		err := r.Scan(&c.Logon, &c.Party, &exp)
		c.Expires = fromUnix(exp)
		d.Consents = append(d.Consents, c)
		return err
	})
	if err != nil {
		return contactd.RegistryData{}, fmt.Errorf("sqlite: export registry: %w", err)
	}
	return d, nil
}

// jsonStrings reads a json_group_array of strings; empty is nil.
func jsonStrings(s string) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// certificateColumns are what scanCertificate reads.
const certificateColumns = `thumbprint, party, der, subject, not_before, not_after, issuer`

func scanCertificate(sc scanner) (contactd.Certificate, error) {
	var c contactd.Certificate
	var nb, na int64
	if err := sc.Scan(&c.Thumbprint, &c.Party, &c.DER, &c.Subject, &nb, &na, &c.Issuer); err != nil {
		return contactd.Certificate{}, err
	}
	c.NotBefore, c.NotAfter = time.Unix(nb, 0).UTC(), time.Unix(na, 0).UTC()
	return c, nil
}

// Certificate returns the certificate registered with the thumbprint,
// SHA-256 or SHA-1.
func (s *Store) Certificate(ctx context.Context, thumbprint string) (contactd.Certificate, error) {
	query := `SELECT ` + certificateColumns + ` FROM reg_certificate WHERE thumbprint = ?`
	if len(thumbprint) == 2*sha1.Size {
		query = `SELECT ` + certificateColumns + ` FROM reg_certificate WHERE sha1 = ?`
	}
	c, err := scanCertificate(s.queryRow(ctx, query, thumbprint))
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Certificate{}, contactd.ErrNotRegistered
	}
	if err != nil {
		return contactd.Certificate{}, fmt.Errorf("sqlite: certificate: %w", err)
	}
	return c, nil
}

// Grants loads, in one read transaction, the entries that can decide the
// caller's access to owner: for a logon (OAuth, or a machine JWT's
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
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return g, fmt.Errorf("sqlite: grants: %w", err)
	}
	defer tx.Rollback()
	if err := grants(ctx, s, tx, c, o, &g); err != nil {
		return contactd.Grants{}, fmt.Errorf("sqlite: grants: %w", err)
	}
	return g, nil
}

func grants(ctx context.Context, s *Store, tx *sql.Tx, c contactd.Caller, o contactd.Owner, g *contactd.Grants) error {
	query := func(q string, args ...any) (*sql.Rows, error) {
		st, err := s.rs.get(ctx, q)
		if err != nil {
			return nil, err
		}
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	ct, cv := string(o.Customer.Type), o.Customer.Value
	rowsOf := func(q string, scan func(*sql.Rows) error, args ...any) error {
		rows, err := query(q, args...)
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

	var parties []string
	if c.Logon != "" {
		if err := rowsOf(`SELECT 1 FROM reg_owner WHERE logon = ? AND customer_type = ? AND customer_value = ?`, func(*sql.Rows) error {
			g.Customers = append(g.Customers, o.Customer)
			return nil
		}, c.Logon, ct, cv); err != nil {
			return err
		}
		if err := rowsOf(`SELECT customer_type, customer_value, account_id, expires FROM reg_delegation
WHERE logon = ?1 AND ((customer_type = ?2 AND customer_value = ?3) OR (account_id <> '' AND account_id = ?4))`, func(r *sql.Rows) error {
			var d contactd.Delegation
			var dct string
			var exp sql.NullInt64
			err := r.Scan(&dct, &d.Customer.Value, &d.AccountID, &exp)
			d.Logon, d.Customer.Type, d.Expires = c.Logon, contactd.CustomerIDType(dct), fromUnix(exp)
			g.Delegations = append(g.Delegations, d)
			return err
		}, c.Logon, ct, cv, o.AccountID); err != nil {
			return err
		}
		if err := rowsOf(`SELECT party FROM reg_member WHERE logon = ?`, func(r *sql.Rows) error {
			var p string
			err := r.Scan(&p)
			parties = append(parties, p)
			return err
		}, c.Logon); err != nil {
			return err
		}
		if c.Thumbprint != "" && c.Party != "" {
			if err := rowsOf(`SELECT expires FROM reg_consent WHERE logon = ? AND party = ?`, func(r *sql.Rows) error {
				var exp sql.NullInt64
				err := r.Scan(&exp)
				g.Consents = append(g.Consents, contactd.Consent{Logon: c.Logon, Party: c.Party, Expires: fromUnix(exp)})
				return err
			}, c.Logon, c.Party); err != nil {
				return err
			}
		}
	} else {
		parties = []string{c.Party}
	}

	for _, p := range parties {
		if err := rowsOf(`SELECT kind, customer_type, customer_value FROM reg_party WHERE party = ?`, func(r *sql.Rows) error {
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
		if err := rowsOf(`SELECT (SELECT json_group_array(account_id) FROM reg_link_account a
	WHERE a.party = l.party AND a.customer_type = l.customer_type AND a.customer_value = l.customer_value)
FROM reg_link l JOIN reg_party p ON p.party = l.party AND p.kind = 'intermediary'
WHERE l.party = +? AND l.customer_type = +? AND l.customer_value = +?`, func(r *sql.Rows) error {
			var accounts string
			if err := r.Scan(&accounts); err != nil {
				return err
			}
			list, err := jsonStrings(accounts)
			g.Links = append(g.Links, contactd.Link{Party: p, Customer: o.Customer, Accounts: list})
			return err
		}, p, ct, cv); err != nil {
			return err
		}
		if o.AccountLevel() {
			if err := rowsOf(`SELECT t.account_type FROM reg_agency_type t JOIN reg_party p ON p.party = t.party AND p.kind = 'agency'
WHERE t.party = +? AND t.account_type = +?`, func(r *sql.Rows) error {
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
