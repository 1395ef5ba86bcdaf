package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/storetest"
)

// openAtVersion creates a database file with the migrations up to and
// including version only, as an older contactd left it.
func openAtVersion(t *testing.T, version int) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL,
	applied INTEGER NOT NULL
) STRICT`); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version <= version {
			if err := applyMigration(ctx, db, m); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
		}
	}
	return db, path
}

// dumpRows gives every row of a query as one string per row.
func dumpRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%v", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrationClusteredKeepsData: 004_clustered rebuilds contact and
// phone on a database that holds data; every row, the ID sequence and the
// triggers come through, foreign keys still hold, and the rules still
// refuse what they refused.
func TestMigrationClusteredKeepsData(t *testing.T) {
	db, path := openAtVersion(t, 3)
	for _, q := range []string{
		`INSERT INTO customer (key, id_type, id_value, profile) VALUES (1, 'IRD', '049091850', '{}'), (2, 'CST', '7', '{}')`,
		`INSERT INTO account (key, account_id, account_type, customer_key) VALUES (1, 'A1', 'INC', 1), (2, 'A2', 'GST', 2)`,
		// a live customer contact with a live and a ceased phone, a ceased
		// contact with its ceased phone, an account contact, contacts of
		// the second customer; IDs out of owner order
		`INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated, ceased) VALUES
			(40, 1, NULL, 'PRIMRY', 'Live', 100, NULL),
			(10, 1, NULL, 'PRIMRY', 'Gone', 90, 95),
			(30, 1, 1, 'SCNDRY', 'On A1', 80, NULL),
			(20, 2, NULL, 'SCNDRY', 'Other', 70, NULL),
			(50, 2, 2, 'PRIMRY', 'On A2', 60, NULL)`,
		`INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension, ceased) VALUES
			(11, 10, 'CELL', 'NZ', '', '0211111111', '', 95),
			(41, 40, 'BSN', 'NZ', '04', '4451153', '12', NULL),
			(42, 40, 'HOM', 'NZ', '09', '3000000', '', 99),
			(43, 40, 'CELL', 'AU', '', '0412345678', '', NULL),
			(31, 30, 'BSNFAX', 'NZ', '03', '3333333', '', NULL),
			(21, 20, 'CELL', 'NZ', '', '0220000000', '', NULL),
			(51, 50, 'CELL', 'NZ', '', '0270000000', '', NULL)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const (
		contacts = `SELECT id, customer_key, account_key, contact_type, name, updated, ceased FROM contact ORDER BY id`
		phones   = `SELECT id, contact_id, phone_type, country, area_code, number, extension, ceased FROM phone ORDER BY id`
		sequence = `SELECT next FROM id_sequence`
		triggers = `SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name IN ('contact', 'phone') ORDER BY name`
	)
	wantContacts, wantPhones := dumpRows(t, db, contacts), dumpRows(t, db, phones)
	wantSequence, wantTriggers := dumpRows(t, db, sequence), dumpRows(t, db, triggers)
	if len(wantContacts) != 5 || len(wantPhones) != 7 || len(wantTriggers) != 12 {
		t.Fatalf("before: %d contacts, %d phones, %d triggers", len(wantContacts), len(wantPhones), len(wantTriggers))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"contacts", contacts, wantContacts},
		{"phones", phones, wantPhones},
		{"id_sequence", sequence, wantSequence},
		{"triggers", triggers, wantTriggers},
		{"foreign_key_check", `PRAGMA foreign_key_check`, nil},
	} {
		if got := dumpRows(t, s.r, c.query); !slices.Equal(got, c.want) {
			t.Errorf("%s after 004:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
	for _, table := range []string{"contact", "phone"} {
		var ddl string
		if err := s.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = ?`, table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(ddl, "WITHOUT ROWID") || strings.Contains(ddl, "_new") {
			t.Errorf("%s after 004: %s", table, ddl)
		}
	}

	// reads see the owners' live contacts and phones, in ID order
	o := storetest.Owner(t, s, contactd.OwnerRef{Customer: contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}})
	cs, err := s.Contacts(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != 40 || len(cs[0].Phones) != 2 || cs[0].Phones[0].ID != 41 || cs[0].Phones[1].ID != 43 {
		t.Errorf("customer's contacts after 004: %+v", cs)
	}
	// and the rules hold: one live PRIMRY per owner, an ID is used once,
	// a ceased contact takes no phone
	if _, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "Second", Phones: []contactd.Phone{phone}}, storetest.At(now)); code(err) != contactd.CNT101 {
		t.Errorf("second PRIMRY after 004: %v", err)
	}
	for q, want := range map[string]string{
		`INSERT INTO contact (id, customer_key, contact_type, name, updated) VALUES (41, 1, 'SCNDRY', 'clash', 0)`:    "ID already used by a phone",
		`INSERT INTO phone (id, contact_id, phone_type, country, number) VALUES (60, 10, 'CELL', 'NZ', '0211234567')`: "live phone on a ceased or unknown contact",
		`DELETE FROM phone WHERE id = 21`: "phones are never deleted",
	} {
		if err := rawExec(s, q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s after 004: %v, want %q", q, err, want)
		}
	}
}
