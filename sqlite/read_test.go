package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/storetest"
)

// TestContactsPlan: the three queries that list contacts search the
// one-live-contact index by customer, for a customer and for an account
// owner alike, then the phones by contact in their index alone (migration
// 004), and scan no table; the one-call reads search the contact index by
// customer and account both, so that they read no other owner's contacts,
// and an account read searches no customer row (migration 005).
func TestContactsPlan(t *testing.T) {
	s := gcStore(t)
	for _, q := range []struct {
		name, sql string
		args      []any
		bothKeys  bool
	}{
		{"Contacts of a customer", contactsSQL, []any{1, 0}, false},
		{"Contacts of an account", contactsSQL, []any{1, 1}, false},
		{"CustomerContacts", customerContactsSQL, []any{"IRD", "1"}, true},
		{"AccountContacts", accountContactsSQL, []any{gcAInc}, true},
	} {
		all := queryPlan(t, s, q.sql, q.args...)
		search := "SEARCH ct USING INDEX contact_one_live_per_type (customer_key=?)"
		if q.bothKeys {
			search = "SEARCH ct USING INDEX contact_one_live_per_type (customer_key=? AND <expr>=?)"
		}
		if !strings.Contains(all, search) ||
			!strings.Contains(all, "SEARCH p USING COVERING INDEX phone_live_by_contact (contact_id=?)") ||
			strings.Contains(strings.ReplaceAll(all, "SCAN CONSTANT ROW", ""), "SCAN") ||
			q.name == "AccountContacts" && strings.Contains(all, " c ") {
			t.Errorf("plan of %s: %s", q.name, all)
		}
	}
}

// queryPlan is EXPLAIN QUERY PLAN of the statement, its lines joined.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// TestAuditPlan: with no index of its own by customer or account (migration
// 006), the audit of an owner is searched through the owner's live and
// ceased contacts and audit_by_contact, never by scanning a table.
func TestAuditPlan(t *testing.T) {
	s := gcStore(t)
	for _, q := range []contactd.AuditQuery{
		{Customer: gcA},
		{AccountID: gcAInc},
		{Customer: gcA, AfterSeq: 10, Limit: 5},
		{AccountID: gcAInc, From: time.Unix(1, 0), To: time.Unix(2, 0)},
	} {
		query, args := auditQuery(q)
		plan := queryPlan(t, s, query, args...)
		if !strings.Contains(plan, "SEARCH audit USING INDEX audit_by_contact (contact_id=?") ||
			!strings.Contains(plan, "INDEX contact_one_live_per_type (customer_key=?") ||
			!strings.Contains(plan, "INDEX contact_ceased_by_customer (customer_key=?)") ||
			strings.Contains(plan, "SCAN") {
			t.Errorf("plan of %+v: %s", q, plan)
		}
	}
}

// TestMigrationsOnAFilledDatabase: a database written at schema version 3
// migrates to the covering phone index, which holds the live phones only,
// and to accounts that hold their customer's ID; reads give what was
// written.
func TestMigrationsOnAFilledDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, db, 3); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO customer (key, id_type, id_value) VALUES (1, 'IRD', '49091850')`,
		`INSERT INTO account (key, account_id, account_type, customer_key) VALUES (5, '49091850GST001', 'GST', 1)`,
		`INSERT INTO contact (id, customer_key, contact_type, name, updated) VALUES (10, 1, 'PRIMRY', 'Aroha', 100)`,
		`INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension) VALUES
			(11, 10, 'CELL', 'NZ', '', '0211234567', ''), (12, 10, 'BSN', 'AU', '02', '98765432', '7'),
			(13, 10, 'HOM', 'NZ', '', '094445555', '')`,
		`UPDATE phone SET ceased = 200 WHERE id = 13`,
		`INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated) VALUES (20, 1, 5, 'SCNDRY', 'Tama', 100)`,
		`INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension) VALUES (21, 20, 'CELL', 'NZ', '', '0217654321', '')`,
		`UPDATE contact SET ceased = 300, updated = 300 WHERE id = 20`,
		`INSERT INTO audit (at, operation, contact_id, customer_type, customer_value, account_id, caller) VALUES
			(1, 'contact.create', 10, 'IRD', '49091850', '', '{}'), (2, 'contact.create', 20, 'IRD', '49091850', '49091850GST001', '{}'),
			(3, 'contact.cease', 20, 'IRD', '49091850', '49091850GST001', '{}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var columns, inIndex int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_index_info('phone_live_by_contact')`).Scan(&columns); err != nil || columns != 8 {
		t.Fatalf("phone_live_by_contact: %d columns, %v; want 8", columns, err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM phone INDEXED BY phone_live_by_contact
WHERE contact_id = 10 AND ceased IS NULL`).Scan(&inIndex); err != nil || inIndex != 2 {
		t.Fatalf("phones in the index: %d, %v; want 2", inIndex, err)
	}
	_, cs, err := s.CustomerContacts(ctx, contactd.CustomerID{Type: "IRD", Value: "49091850"})
	if err != nil {
		t.Fatal(err)
	}
	want := []contactd.Phone{{ID: 11, Type: "CELL", Country: "NZ", Number: "0211234567"},
		{ID: 12, Type: "BSN", Country: "AU", AreaCode: "02", Number: "98765432", Extension: "7"}}
	if len(cs) != 1 || cs[0].ID != 10 || cs[0].Name != "Aroha" || len(cs[0].Phones) != 2 ||
		cs[0].Phones[0] != want[0] || cs[0].Phones[1] != want[1] {
		t.Errorf("contacts after the migration: %+v", cs)
	}
	a, err := s.Account(ctx, "49091850GST001")
	if err != nil || a.Key != 5 || a.CustomerKey != 1 || a.Customer != (contactd.CustomerID{Type: "IRD", Value: "49091850"}) {
		t.Errorf("Account after the migration = %+v, %v", a, err)
	}
	// 006: the audit written before it is found by owner through the
	// contacts, the ceased one too
	for _, tc := range []struct {
		q    contactd.AuditQuery
		want []int64
	}{
		{contactd.AuditQuery{Customer: contactd.CustomerID{Type: "IRD", Value: "49091850"}}, []int64{10, 20, 20}},
		{contactd.AuditQuery{AccountID: "49091850GST001"}, []int64{20, 20}},
	} {
		recs, err := s.Audit(ctx, tc.q)
		var got []int64
		for _, r := range recs {
			got = append(got, r.ContactID)
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Audit(%+v) after the migration: contacts %v, %v; want %v", tc.q, got, err, tc.want)
		}
	}
	var gone int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('audit_by_customer', 'audit_by_account')`).Scan(&gone); err != nil || gone != 0 {
		t.Errorf("%d of the audit's owner indexes left, %v", gone, err)
	}
}

// TestAccountCustomerKey: Account and CustomerAccounts give the key of the
// account's customer, the one Owner gives.
func TestAccountCustomerKey(t *testing.T) {
	s := gcStore(t)
	o := storetest.Owner(t, s, contactd.OwnerRef{AccountID: gcAInc})
	a, err := s.Account(ctx, gcAInc)
	if err != nil {
		t.Fatal(err)
	}
	if a.CustomerKey == 0 || a.Owner() != o {
		t.Errorf("Account: %+v gives owner %+v, Owner gives %+v", a, a.Owner(), o)
	}
	list, err := s.CustomerAccounts(ctx, o.CustomerKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range list {
		if acc.CustomerKey != o.CustomerKey {
			t.Errorf("CustomerAccounts: %+v", acc)
		}
	}
}

// TestContactsJSONRoundTrip: names and phone fields that JSON must escape
// come back from the contacts JSON as they were written, in ID order
// whatever order the phones were added in.
func TestContactsJSONRoundTrip(t *testing.T) {
	s := gcStore(t)
	o := storetest.Owner(t, s, contactd.OwnerRef{AccountID: gcAGst})
	name := "Ana \"Tane\" \\ Māori ✓ \t\x01 </script>"
	p := contactd.Phone{Type: "BSN", Country: "AU", AreaCode: "02", Number: "98765432", Extension: "1\"2"}
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: name, Phones: []contactd.Phone{p, phone}},
		contactd.Change{Time: time.Unix(1_700_000_000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	_, cs, err := s.AccountContacts(ctx, gcAGst)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != id || cs[0].Name != name || cs[0].Type != contactd.Primary ||
		!cs[0].Updated.Equal(time.Unix(1_700_000_000, 0)) || len(cs[0].Phones) != 2 {
		t.Fatalf("AccountContacts = %+v", cs)
	}
	got := cs[0].Phones[0]
	p.ID = got.ID
	if got != p || cs[0].Phones[1].ID <= got.ID {
		t.Errorf("phones = %+v, want %+v first", cs[0].Phones, p)
	}
	if _, err := decodeContacts([]byte(`[[1,"PRIMRY","x",1]]`)); err == nil {
		t.Error("a row of 4 fields decoded")
	}
	if _, err := decodeContacts([]byte(`[["1","PRIMRY","x",1,2,"BSN","NZ","","1",""]]`)); err == nil {
		t.Error("a string ID decoded")
	}
	// rows in any order group into contacts and phones in ID order; a
	// contact without a phone keeps none
	cs, err = decodeContacts([]byte(`[[9,"SCNDRY","b",2,12,"HOM","NZ","","2",""],[5,"PRIMRY","a",1,null,null,null,null,null,null],` +
		`[9,"SCNDRY","b",2,10,"CELL","NZ","","1",""]]`))
	if err != nil || len(cs) != 2 || cs[0].ID != 5 || len(cs[0].Phones) != 0 || cs[1].ID != 9 || len(cs[1].Phones) != 2 ||
		cs[1].Phones[0].ID != 10 || cs[1].Phones[1].ID != 12 || cs[1].Phones[1].Type != "HOM" {
		t.Errorf("grouping: %+v, %v", cs, err)
	}
}
