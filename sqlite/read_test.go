package sqlite

import (
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
// customer and account both, so that they read no other owner's contacts.
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
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		search := "SEARCH ct USING INDEX contact_one_live_per_type (customer_key=?)"
		if q.bothKeys {
			search = "SEARCH ct USING INDEX contact_one_live_per_type (customer_key=? AND <expr>=?)"
		}
		if !strings.Contains(all, search) ||
			!strings.Contains(all, "SEARCH p USING COVERING INDEX phone_live_by_contact (contact_id=?)") ||
			strings.Contains(strings.ReplaceAll(all, "SCAN CONSTANT ROW", ""), "SCAN") {
			t.Errorf("plan of %s: %s", q.name, all)
		}
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
