package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/contactd/contactd"
)

func testLoadKeepsIDs(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	d := dataset()
	wantContacts(t, "Contacts(A)", contacts(t, s, customerOwner(t, s, custA)), d.Contacts[0].Contact)
	wantContacts(t, "Contacts(A1)", contacts(t, s, accountOwner(t, s, accA1)), d.Contacts[1].Contact)
	if got := contacts(t, s, accountOwner(t, s, accA2)); len(got) != 0 {
		t.Errorf("Contacts(A2) = %v, want none", ids(got))
	}

	// the ceased seed contact and its phone are gone for good
	_, err := s.ContactOwner(ctx, seedCeased)
	wantCode(t, "ContactOwner(ceased seed)", err, contactd.CST404)
	_, err = s.PhoneOwner(ctx, seedCeasedPhone)
	wantCode(t, "PhoneOwner(ceased seed phone)", err, contactd.CST404)
	wantCode(t, "RenameContact(ceased seed)", s.RenameContact(ctx, seedCeased, "x", At(t0)), contactd.CST404)
	wantCode(t, "CeaseContact(ceased seed)", s.CeaseContact(ctx, seedCeased, At(t0)), contactd.CST404)
	_, err = s.AddPhone(ctx, seedCeased, phone(1), At(t0))
	wantCode(t, "AddPhone(ceased seed)", err, contactd.CST404)
	wantCode(t, "CeasePhone(ceased seed phone)", s.CeasePhone(ctx, seedCeasedPhone, At(t0)), contactd.CST404)

	// a second dataset adds to the first
	cust := contactd.CustomerID{Type: contactd.IRD, Value: "136410132"}
	load(t, s, contactd.Dataset{
		Customers: []contactd.Customer{{ID: cust, Profile: json.RawMessage(`{"name":"Gamma"}`)}},
		Accounts:  []contactd.Account{{ID: "136410132INC001", IDType: "ACC", Type: "INC", Customer: cust, Profile: json.RawMessage(`{}`)}},
		Contacts: []contactd.SeedContact{{
			Owner: contactd.OwnerRef{AccountID: "136410132INC001"},
			Contact: contactd.Contact{ID: 500, Type: contactd.Secondary, Name: "Low IDs", Updated: seedUpdated,
				Phones: []contactd.Phone{{ID: 501, Type: "HOM", Country: "NZ", Number: "073471234"}}},
		}},
	})
	got := contacts(t, s, accountOwner(t, s, "136410132INC001"))
	if len(got) != 1 || got[0].ID != 500 || !equalIDs(phoneIDs(got[0]), []int64{501}) || !got[0].Updated.Equal(seedUpdated) {
		t.Errorf("second dataset: %v", got)
	}
	if got := contacts(t, s, customerOwner(t, s, custA)); len(got) != 1 {
		t.Errorf("Contacts(A) after a second Load = %v", ids(got))
	}
}

// idCheck checks newly issued IDs: positive, below 2^53, above every ID
// loaded, and issued once.
type idCheck struct {
	t         *testing.T
	maxLoaded int64
	used      map[int64]string
}

// newIDs is an idCheck of the IDs issued after dataset() is loaded.
func newIDs(t *testing.T) *idCheck {
	c := &idCheck{t: t, used: map[int64]string{}}
	c.loaded(seededIDs()...)
	return c
}

// loaded notes IDs a Load added.
func (c *idCheck) loaded(ids ...int64) {
	for _, id := range ids {
		c.maxLoaded = max(c.maxLoaded, id)
		c.used[id] = "seeded"
	}
}

// issued checks a new ID of the kind what.
func (c *idCheck) issued(what string, id int64) {
	c.t.Helper()
	if id <= c.maxLoaded || id > contactd.MaxID {
		c.t.Errorf("%s: ID %d not in (%d, 2^53)", what, id, c.maxLoaded)
	}
	if prev, ok := c.used[id]; ok {
		c.t.Errorf("%s: ID %d already used by %s", what, id, prev)
	}
	c.used[id] = what
}

// testNewIDs checks that every ID issued is positive, below 2^53, above
// every loaded ID (live or ceased, contact or phone), and never issued twice.
func testNewIDs(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	ownB := customerOwner(t, s, custB)
	ownA2 := accountOwner(t, s, accA2)

	ids := newIDs(t)
	issued := ids.issued
	cycle := func(o contactd.Owner, typ contactd.ContactType) {
		id := create(t, s, o, typ, "new", 3)
		issued("contact", id)
		for _, p := range phoneIDs(contact(t, s, o, id)) {
			issued("phone", p)
		}
		pid, err := s.AddPhone(ctx, id, phone(4), At(t0))
		must(t, "AddPhone", err)
		issued("added phone", pid)
		must(t, "CeasePhone", s.CeasePhone(ctx, pid, At(t0)))
		must(t, "CeaseContact", s.CeaseContact(ctx, id, At(t0)))
	}
	for range 3 {
		cycle(ownA, contactd.Primary)
		cycle(ownB, contactd.Secondary)
		cycle(ownA2, contactd.Primary)
	}

	// a later dataset with higher IDs, the highest on a phone, moves the
	// sequence above it
	high := int64(9_000_000_000_000_000)
	cust := contactd.CustomerID{Type: contactd.CST, Value: "42"}
	load(t, s, contactd.Dataset{
		Customers: []contactd.Customer{{ID: cust, Profile: json.RawMessage(`{}`)}},
		Contacts: []contactd.SeedContact{{
			Owner: contactd.OwnerRef{Customer: cust},
			Contact: contactd.Contact{ID: high, Type: contactd.Primary, Name: "High", Updated: seedUpdated,
				Phones: []contactd.Phone{{ID: high + 7, Type: "HOM", Country: "NZ", Number: "073471234"}}},
		}},
	})
	ids.loaded(high, high+7)
	cycle(ownB, contactd.Primary)
	o := customerOwner(t, s, cust)
	id := create(t, s, o, contactd.Secondary, "after high", 5)
	issued("contact", id)
	for _, p := range phoneIDs(contact(t, s, o, id)) {
		issued("phone", p)
	}
}

func testLoadIsAtomic(t *testing.T, s contactd.Store) {
	bad := []struct {
		name string
		edit func(d *contactd.Dataset)
	}{
		{"two live SCNDRY for one customer", func(d *contactd.Dataset) {
			d.Contacts = append(d.Contacts, contactd.SeedContact{
				Owner:   contactd.OwnerRef{Customer: custA},
				Contact: contactd.Contact{ID: 77, Type: contactd.Secondary, Name: "dup", Updated: seedUpdated, Phones: []contactd.Phone{{ID: 78, Type: "HOM", Country: "NZ", Number: "073471234"}}},
			})
		}},
		{"a live contact with 6 phones", func(d *contactd.Dataset) {
			ps := phones(6)
			for i := range ps {
				ps[i].ID = int64(80 + i)
			}
			d.Contacts = append(d.Contacts, contactd.SeedContact{
				Owner:   contactd.OwnerRef{Customer: custB},
				Contact: contactd.Contact{ID: 79, Type: contactd.Primary, Name: "six", Updated: seedUpdated, Phones: ps},
			})
		}},
		{"a contact of an unknown account", func(d *contactd.Dataset) {
			d.Contacts = append(d.Contacts, contactd.SeedContact{
				Owner:   contactd.OwnerRef{AccountID: "999999999INC001"},
				Contact: contactd.Contact{ID: 90, Type: contactd.Primary, Name: "orphan", Updated: seedUpdated, Phones: []contactd.Phone{{ID: 91, Type: "HOM", Country: "NZ", Number: "073471234"}}},
			})
		}},
	}
	for _, b := range bad {
		d := dataset()
		b.edit(&d)
		if err := s.Load(ctx, d); err == nil {
			t.Errorf("Load with %s succeeded", b.name)
			return
		}
		empty, err := s.Empty(ctx)
		must(t, "Empty", err)
		if !empty {
			t.Fatalf("Load with %s failed but left data behind", b.name)
		}
	}
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	id := create(t, s, ownB, contactd.Primary, "after failed loads", 1)
	if id <= seedCeasedPhone {
		t.Errorf("new ID %d not above the loaded IDs", id)
	}
}

// manyCustomers is a dataset of n customers with no contacts.
func manyCustomers(n int) (contactd.Dataset, []contactd.CustomerID) {
	var d contactd.Dataset
	var cs []contactd.CustomerID
	for i := range n {
		id := contactd.CustomerID{Type: contactd.CST, Value: fmt.Sprint(9000000 + i)}
		cs = append(cs, id)
		d.Customers = append(d.Customers, contactd.Customer{ID: id, Profile: json.RawMessage(`{}`)})
	}
	return d, cs
}
