package contactd_test

import (
	"context"
	"testing"

	"github.com/contactd/contactd"
)

// accountStore answers AccountContacts for one INC account and counts the
// lookups; the rest of contactd.Store is not used (a call panics).
type accountStore struct {
	contactd.Store
	acc      contactd.Account
	accounts int
}

func (s *accountStore) AccountContacts(_ context.Context, id string) (contactd.Account, []contactd.Contact, error) {
	s.accounts++
	if id != s.acc.ID {
		return contactd.Account{}, nil, contactd.Errorf(contactd.CST404, "")
	}
	return s.acc, []contactd.Contact{{ID: 1}}, nil
}

type allowOwner struct{ seen contactd.Owner }

func (a *allowOwner) Authorize(_ context.Context, _ contactd.Caller, o contactd.Owner) error {
	a.seen = o
	return nil
}

// TestServiceAccountOneLookup: an account read makes one store call, and
// authorizes the owner the account gives.
func TestServiceAccountOneLookup(t *testing.T) {
	cust := contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	acc := contactd.Account{Key: 10, ID: "049091850INC001", IDType: "ACC", Type: "INC", Customer: cust, CustomerKey: 7}
	want := contactd.Owner{CustomerKey: 7, Customer: cust, AccountKey: 10, AccountID: acc.ID, AccountType: "INC", AccountIDType: "ACC"}
	st := &accountStore{acc: acc}
	access := &allowOwner{}
	svc := &contactd.Service{Store: st, Access: access}
	got, contacts, err := svc.Account(context.Background(), contactd.Caller{Sandbox: true}, acc.ID, "ACC")
	if err != nil || got.ID != acc.ID || len(contacts) != 1 {
		t.Fatalf("%+v %v %v", got, contacts, err)
	}
	if access.seen != want {
		t.Errorf("authorized %+v, want %+v", access.seen, want)
	}
	if st.accounts != 1 {
		t.Errorf("%d Account lookups, want 1", st.accounts)
	}
	if _, _, err := svc.Account(context.Background(), contactd.Caller{Sandbox: true}, "049091850INC999", "ACC"); contactd.ErrorCode(err) != contactd.CST404 {
		t.Errorf("unknown account: %v", err)
	}
	for _, idType := range []string{"CMPF", "KSF"} {
		if _, _, err := svc.Account(context.Background(), contactd.Caller{Sandbox: true}, acc.ID, idType); contactd.ErrorCode(err) != contactd.CST404 {
			t.Errorf("an ACC account named as %s: %v, want CST404", idType, err)
		}
	}
}
