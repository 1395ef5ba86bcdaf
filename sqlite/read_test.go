package sqlite

import (
	"strings"
	"testing"

	"github.com/contactd/contactd"
)

// TestContactsPlan: the Contacts query searches the one-live-contact index
// by customer, for a customer and for an account owner alike, and scans
// no table.
func TestContactsPlan(t *testing.T) {
	s := gcStore(t)
	for _, args := range [][2]int64{{1, 0}, {1, 1}} {
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+contactsSQL, args[0], args[1])
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
		if !strings.Contains(all, "SEARCH ct USING INDEX contact_one_live_per_type (customer_key=?)") ||
			!strings.Contains(all, "SEARCH p USING INDEX phone_live_by_contact (contact_id=?)") || strings.Contains(all, "SCAN") {
			t.Errorf("plan for %v: %s", args, all)
		}
	}
}

// TestAccountCustomerKey: Account and CustomerAccounts give the key of the
// account's customer, the one Owner gives.
func TestAccountCustomerKey(t *testing.T) {
	s := gcStore(t)
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: gcAInc})
	if err != nil {
		t.Fatal(err)
	}
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
