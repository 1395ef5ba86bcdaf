// Package registrydb is the registry import and removal flow both SQL
// stores run, over a small interface each store implements.
package registrydb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// Tx is what the flow needs of a store's write transaction. Queries are
// written with ? placeholders; a store whose driver wants $1, $2, ...
// rewrites them with DollarPlaceholders.
type Tx interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	// QueryRow scans the first row into dest; found is false when there
	// is none.
	QueryRow(ctx context.Context, query string, args []any, dest ...any) (found bool, err error)
	// Time is the value a time column stores for t.
	Time(t time.Time) any
}

// DollarPlaceholders rewrites the ? placeholders of query as $1, $2, ...
// The flow's queries hold no ? other than placeholders.
func DollarPlaceholders(query string) string {
	parts := strings.Split(query, "?")
	var b strings.Builder
	b.WriteString(parts[0])
	for i, p := range parts[1:] {
		b.WriteString("$" + strconv.Itoa(i+1) + p)
	}
	return b.String()
}

func notRegistered(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), contactd.ErrNotRegistered)
}

// Import adds every entry of d, which the caller has validated, in tx: see
// the stores' ImportRegistry. It returns at the first error: after a
// database failure PostgreSQL refuses every later statement of the
// transaction, and SQLite may have rolled it back.
func Import(ctx context.Context, tx Tx, d contactd.RegistryData) error {
	exec := func(query string, args ...any) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}
	timeOrNull := func(t time.Time) any {
		if t.IsZero() {
			return nil // never expires
		}
		return tx.Time(t)
	}
	needLogon := func(what, logon string) error {
		var one int
		found, err := tx.QueryRow(ctx, `SELECT 1 FROM reg_logon WHERE logon = ?`, []any{logon}, &one)
		if err == nil && !found {
			err = notRegistered("%s: logon %q", what, logon)
		}
		return err
	}
	partyKind := func(what, party string) (contactd.PartyKind, error) {
		var kind string
		found, err := tx.QueryRow(ctx, `SELECT kind FROM reg_party WHERE party = ?`, []any{party}, &kind)
		if err == nil && !found {
			return "", notRegistered("%s: party %q", what, party)
		}
		return contactd.PartyKind(kind), err
	}
	needLogonAndParty := func(what, logon, party string) error {
		if err := needLogon(what, logon); err != nil {
			return err
		}
		_, err := partyKind(what, party)
		return err
	}

	for _, l := range d.Logons {
		if err := exec(`INSERT INTO reg_logon (logon, name) VALUES (?, ?)
ON CONFLICT (logon) DO UPDATE SET name = excluded.name`, l.ID, l.Name); err != nil {
			return fmt.Errorf("logon %q: %w", l.ID, err)
		}
	}
	for _, p := range d.Parties {
		what := fmt.Sprintf("party %q", p.ID)
		kind, err := partyKind(what, p.ID)
		switch {
		case err == nil && kind != p.Kind:
			return fmt.Errorf("%s is registered as %s; a party's kind never changes (remove it first)", what, kind)
		case err != nil && !errors.Is(err, contactd.ErrNotRegistered):
			return err
		}
		if err := exec(`INSERT INTO reg_party (party, kind, name, customer_type, customer_value) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (party) DO UPDATE SET name = excluded.name, customer_type = excluded.customer_type, customer_value = excluded.customer_value`,
			p.ID, string(p.Kind), p.Name, string(p.Customer.Type), p.Customer.Value); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := exec(`DELETE FROM reg_agency_type WHERE party = ?`, p.ID); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, t := range p.AccountTypes {
			if err := exec(`INSERT INTO reg_agency_type (party, account_type) VALUES (?, ?) ON CONFLICT DO NOTHING`, p.ID, t); err != nil {
				return fmt.Errorf("%s: account type %s: %w", what, t, err)
			}
		}
	}
	for _, o := range d.Ownerships {
		what := fmt.Sprintf("owner %s of %s", o.Logon, contactd.CustomerRef(o.Customer))
		if err := needLogon(what, o.Logon); err != nil {
			return err
		}
		if err := exec(`INSERT INTO reg_owner (logon, customer_type, customer_value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			o.Logon, string(o.Customer.Type), o.Customer.Value); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	for _, dl := range d.Delegations {
		what := fmt.Sprintf("delegation of %s", dl.Logon)
		if err := needLogon(what, dl.Logon); err != nil {
			return err
		}
		if err := exec(`INSERT INTO reg_delegation (logon, customer_type, customer_value, account_id, expires) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (logon, customer_type, customer_value, account_id) DO UPDATE SET expires = excluded.expires`,
			dl.Logon, string(dl.Customer.Type), dl.Customer.Value, dl.AccountID, timeOrNull(dl.Expires)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	for _, m := range d.Memberships {
		what := fmt.Sprintf("member %s of %s", m.Logon, m.Party)
		if err := needLogonAndParty(what, m.Logon, m.Party); err != nil {
			return err
		}
		if err := exec(`INSERT INTO reg_member (party, logon) VALUES (?, ?) ON CONFLICT DO NOTHING`, m.Party, m.Logon); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	for _, l := range d.Links {
		what := fmt.Sprintf("link of %s to %s", l.Party, contactd.CustomerRef(l.Customer))
		kind, err := partyKind(what, l.Party)
		if err != nil {
			return err
		}
		if kind != contactd.PartyIntermediary {
			return fmt.Errorf("%s: the party is %s; only intermediaries are linked to clients", what, kind)
		}
		ct, cv := string(l.Customer.Type), l.Customer.Value
		if err := exec(`INSERT INTO reg_link (party, customer_type, customer_value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, l.Party, ct, cv); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := exec(`DELETE FROM reg_link_account WHERE party = ? AND customer_type = ? AND customer_value = ?`, l.Party, ct, cv); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, a := range l.Accounts {
			if err := exec(`INSERT INTO reg_link_account (party, customer_type, customer_value, account_id) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING`, l.Party, ct, cv, a); err != nil {
				return fmt.Errorf("%s: account %s: %w", what, a, err)
			}
		}
	}
	for _, c := range d.Certificates {
		what := fmt.Sprintf("certificate %s", c.Thumbprint)
		if _, err := partyKind(what, c.Party); err != nil {
			return err
		}
		var party string
		found, err := tx.QueryRow(ctx, `SELECT party FROM reg_certificate WHERE thumbprint = ?`, []any{c.Thumbprint}, &party)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", what, err)
		case found && party != c.Party:
			return fmt.Errorf("%s is registered to party %q; remove it before registering it to %q", what, party, c.Party)
		case found:
			// Registering it again replaces the agreed issuer.
			if err := exec(`UPDATE reg_certificate SET issuer = ? WHERE thumbprint = ?`, c.Issuer, c.Thumbprint); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			continue
		}
		if err := exec(`INSERT INTO reg_certificate (thumbprint, sha1, party, der, subject, not_before, not_after, issuer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Thumbprint, contactd.ThumbprintSHA1(c.DER), c.Party, c.DER, c.Subject, tx.Time(c.NotBefore), tx.Time(c.NotAfter), c.Issuer); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	for _, c := range d.Consents {
		what := fmt.Sprintf("consent of %s to %s", c.Logon, c.Party)
		if err := needLogonAndParty(what, c.Logon, c.Party); err != nil {
			return err
		}
		if err := exec(`INSERT INTO reg_consent (logon, party, expires) VALUES (?, ?, ?)
ON CONFLICT (logon, party) DO UPDATE SET expires = excluded.expires`, c.Logon, c.Party, timeOrNull(c.Expires)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// Remove removes, in tx, every entry d names by its key: see the stores'
// RemoveRegistry. Each entry that is not registered adds an error wrapping
// contactd.ErrNotRegistered; they are joined. A database failure ends the
// removal and is returned alone, as in Import.
func Remove(ctx context.Context, tx Tx, d contactd.RegistryData) error {
	type deletion struct {
		what, query string
		args        []any
	}
	var dels []deletion
	del := func(what, query string, args ...any) { dels = append(dels, deletion{what, query, args}) }
	// Dependents before the logon or party they name: its cascade would
	// remove them first, and they would read as not registered.
	for _, c := range d.Consents {
		del(fmt.Sprintf("consent of %s to %s", c.Logon, c.Party), `DELETE FROM reg_consent WHERE logon = ? AND party = ?`, c.Logon, c.Party)
	}
	for _, c := range d.Certificates {
		del("certificate "+c.Thumbprint, `DELETE FROM reg_certificate WHERE thumbprint = ? OR sha1 = ?`, c.Thumbprint, c.Thumbprint)
	}
	for _, l := range d.Links {
		del(fmt.Sprintf("link of %s to %s", l.Party, contactd.CustomerRef(l.Customer)),
			`DELETE FROM reg_link WHERE party = ? AND customer_type = ? AND customer_value = ?`, l.Party, string(l.Customer.Type), l.Customer.Value)
	}
	for _, m := range d.Memberships {
		del(fmt.Sprintf("member %s of %s", m.Logon, m.Party), `DELETE FROM reg_member WHERE party = ? AND logon = ?`, m.Party, m.Logon)
	}
	for _, dl := range d.Delegations {
		del(fmt.Sprintf("delegation of %s to %s%s", dl.Logon, contactd.CustomerRef(dl.Customer), dl.AccountID),
			`DELETE FROM reg_delegation WHERE logon = ? AND customer_type = ? AND customer_value = ? AND account_id = ?`,
			dl.Logon, string(dl.Customer.Type), dl.Customer.Value, dl.AccountID)
	}
	for _, o := range d.Ownerships {
		del(fmt.Sprintf("owner %s of %s", o.Logon, contactd.CustomerRef(o.Customer)),
			`DELETE FROM reg_owner WHERE logon = ? AND customer_type = ? AND customer_value = ?`, o.Logon, string(o.Customer.Type), o.Customer.Value)
	}
	for _, p := range d.Parties {
		del(fmt.Sprintf("party %q", p.ID), `DELETE FROM reg_party WHERE party = ?`, p.ID)
	}
	for _, l := range d.Logons {
		del(fmt.Sprintf("logon %q", l.ID), `DELETE FROM reg_logon WHERE logon = ?`, l.ID)
	}

	var errs []error
	for _, dl := range dels {
		n, err := tx.Exec(ctx, dl.query, dl.args...)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", dl.what, err)
		case n == 0:
			errs = append(errs, notRegistered("%s", dl.what))
		}
	}
	return errors.Join(errs...)
}

// FillSHA1 fills in the SHA-1 thumbprint of every certificate registered
// before the sha1 column existed: neither SQLite nor a plain PostgreSQL
// can hash in SQL, so the migration that adds the column leaves it NULL.
// The stores run it, in a write transaction, right after migrating.
func FillSHA1(ctx context.Context, tx Tx) error {
	for {
		var thumbprint string
		var der []byte
		found, err := tx.QueryRow(ctx, `SELECT thumbprint, der FROM reg_certificate WHERE sha1 IS NULL LIMIT 1`, nil, &thumbprint, &der)
		if err != nil || !found {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE reg_certificate SET sha1 = ? WHERE thumbprint = ?`, contactd.ThumbprintSHA1(der), thumbprint)
		if err != nil {
			return fmt.Errorf("certificate %s: sha1: %w", thumbprint, err)
		}
		if n != 1 {
			return fmt.Errorf("certificate %s: sha1: %d rows updated", thumbprint, n)
		}
	}
}
