package contactd_test

import (
	"context"
	"testing"

	"github.com/contactd/contactd"
)

// accountStore answers Account, Owner and Contacts for one INC account and
// counts the lookups; the rest of contactd.Store is not used.
type accountStore struct {
	contactd.Store
	acc              contactd.Account
	accounts, owners int
	contactsOf       contactd.Owner
}

func (s *accountStore) Account(_ context.Context, id string) (contactd.Account, error) {
	s.accounts++
	if id != s.acc.ID {
		return contactd.Account{}, contactd.Errorf(contactd.CST404, "")
	}
	return s.acc, nil
}

func (s *accountStore) Owner(_ context.Context, ref contactd.OwnerRef) (contactd.Owner, error) {
	s.owners++
	if ref.AccountID != s.acc.ID {
		return contactd.Owner{}, contactd.Errorf(contactd.CST404, "")
	}
	return s.acc.Owner(7), nil
}

func (s *accountStore) Contacts(_ context.Context, o contactd.Owner) ([]contactd.Contact, error) {
	s.contactsOf = o
	return []contactd.Contact{{ID: 1}}, nil
}

type allowOwner struct{ seen contactd.Owner }

func (a *allowOwner) Authorize(_ context.Context, _ contactd.Caller, o contactd.Owner) error {
	a.seen = o
	return nil
}

// TestServiceAccountOneLookup: an account read resolves the account once,
// and authorizes and lists the contacts of the owner it gives; a store
// that leaves CustomerKey zero costs an Owner lookup instead.
func TestServiceAccountOneLookup(t *testing.T) {
	cust := contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	acc := contactd.Account{Key: 10, ID: "049091850INC001", IDType: "ACC", Type: "INC", Customer: cust}
	want := contactd.Owner{CustomerKey: 7, Customer: cust, AccountKey: 10, AccountID: acc.ID, AccountType: "INC"}
	for _, customerKey := range []int64{7, 0} {
		a := acc
		a.CustomerKey = customerKey
		st := &accountStore{acc: a}
		access := &allowOwner{}
		svc := &contactd.Service{Store: st, Access: access}
		got, contacts, err := svc.Account(context.Background(), contactd.Caller{Sandbox: true}, acc.ID, "ACC")
		if err != nil || got.ID != acc.ID || len(contacts) != 1 {
			t.Fatalf("CustomerKey %d: %+v %v %v", customerKey, got, contacts, err)
		}
		if access.seen != want || st.contactsOf != want {
			t.Errorf("CustomerKey %d: authorized %+v, listed %+v, want %+v", customerKey, access.seen, st.contactsOf, want)
		}
		wantOwners := 0
		if customerKey == 0 {
			wantOwners = 1
		}
		if st.accounts != 1 || st.owners != wantOwners {
			t.Errorf("CustomerKey %d: %d Account and %d Owner lookups, want 1 and %d", customerKey, st.accounts, st.owners, wantOwners)
		}
		if _, _, err := svc.Account(context.Background(), contactd.Caller{Sandbox: true}, "049091850INC999", "ACC"); contactd.ErrorCode(err) != contactd.CST404 {
			t.Errorf("unknown account: %v", err)
		}
	}
}
