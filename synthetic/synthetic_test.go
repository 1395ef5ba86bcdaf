package synthetic

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
	"github.com/contactd/contactd/transfer"
)

func TestIRDNumbersValidUniqueAndNotPersonas(t *testing.T) {
	const n = 50_000
	g, err := New(n, 1)
	if err != nil {
		t.Fatal(err)
	}
	personas := personaNumbers()
	if len(personas) < 5 {
		t.Fatalf("only %d persona numbers found", len(personas))
	}
	seen := make(map[string]bool, n)
	for i := range n {
		ird := g.IRD(i)
		if !contactd.ValidIRD(ird) {
			t.Fatalf("customer %d: IRD %s not valid", i, ird)
		}
		if _, err := contactd.ParseCustomerID(contactd.IRD, ird); err != nil {
			t.Fatalf("customer %d: IRD %s: %v", i, ird, err)
		}
		if seen[ird] {
			t.Fatalf("customer %d: IRD %s repeated", i, ird)
		}
		seen[ird] = true
	}
	for p := range personas {
		if seen[irdString(p)] {
			t.Fatalf("persona number %09d generated", p)
		}
	}
}

func TestCheckDigitAgreesWithValidIRD(t *testing.T) {
	for base := uint64(baseLo); base < baseLo+200_000; base++ {
		c, ok := checkDigit(base)
		valid := 0
		for d := uint64(0); d < 10; d++ {
			if contactd.ValidIRD(irdString(uint32(base*10 + d))) {
				valid++
				if !ok || d != c {
					t.Fatalf("base %d: ValidIRD accepts %d, checkDigit says %d %v", base, d, c, ok)
				}
			}
		}
		if ok && valid != 1 {
			t.Fatalf("base %d: checkDigit %d but ValidIRD accepts %d digits", base, c, valid)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := Dataset(50, 7), Dataset(50, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different data")
	}
	if c := Dataset(50, 8); reflect.DeepEqual(a.Customers[0].ID, c.Customers[0].ID) {
		t.Fatal("different seeds, same first customer")
	}
	// A customer regenerated alone is the one in the dataset.
	g, _ := New(50, 7)
	if c := g.Customer(17); !reflect.DeepEqual(c.Primary, a.Contacts[34].Contact) || !reflect.DeepEqual(c.Secondary, a.Contacts[35].Contact) {
		t.Fatalf("Customer(17) differs from the dataset's")
	}
	// A prefix of a larger set is the smaller set.
	if big := Dataset(80, 7); !reflect.DeepEqual(big.Customers[:50], a.Customers) {
		t.Fatal("Dataset(50) is not a prefix of Dataset(80)")
	}
}

func TestShape(t *testing.T) {
	d := Dataset(500, 1)
	if len(d.Customers) != 500 || len(d.Accounts) != 1000 || len(d.Contacts) != 1000 {
		t.Fatalf("%d customers, %d accounts, %d contacts", len(d.Customers), len(d.Accounts), len(d.Contacts))
	}
	ids := map[int64]bool{}
	for _, c := range d.Customers {
		if !json.Valid(c.Profile) || len(c.Profile) > 600 {
			t.Fatalf("customer %s profile (%d bytes): %s", c.ID.Value, len(c.Profile), c.Profile)
		}
	}
	for _, a := range d.Accounts {
		if !json.Valid(a.Profile) || len(a.Profile) > 400 || len(a.ID) > 15 || sandbox.AccountType(a.ID) != a.Type {
			t.Fatalf("account %s (%s): %s", a.ID, a.Type, a.Profile)
		}
	}
	for _, sc := range d.Contacts {
		c := sc.Contact
		if n := len(c.Phones); n < 1 || n > 2 || c.ID < IDBase || ids[c.ID] || c.Name == "" {
			t.Fatalf("contact %+v", c)
		}
		ids[c.ID] = true
		if (c.Type == contactd.Primary) != (sc.Owner.AccountID == "") {
			t.Fatalf("contact %d: %s on %+v", c.ID, c.Type, sc.Owner)
		}
		for _, p := range c.Phones {
			if err := contactd.ValidatePhone(p); err != nil || ids[p.ID] {
				t.Fatalf("contact %d phone %+v: %v", c.ID, p, err)
			}
			ids[p.ID] = true
		}
	}
}

// TestLoadsBesideSandbox loads the personas and synthetic customers, in
// batches, into one SQLite store.
func TestLoadsBesideSandbox(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := sandbox.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	g, err := New(1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	if err := g.Load(ctx, s, 300, func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(progress, []int{300, 600, 900, 1000}) {
		t.Fatalf("progress %v", progress)
	}
	c := g.Customer(999)
	cust, err := s.Customer(ctx, contactd.CustomerID{Type: contactd.IRD, Value: c.IRD})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Contacts(ctx, contactd.Owner{CustomerKey: cust.Key, Customer: cust.ID})
	if err != nil || len(got) != 1 || got[0].ID != c.Primary.ID || len(got[0].Phones) != len(c.Primary.Phones) {
		t.Fatalf("customer 999 contacts %+v, %v; want %+v", got, err, c.Primary)
	}
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: c.INC})
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.Contacts(ctx, o)
	if err != nil || len(got) != 1 || got[0].ID != c.Secondary.ID {
		t.Fatalf("INC contacts %+v, %v", got, err)
	}
	// New IDs are issued above every synthetic one.
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "New", Phones: []contactd.Phone{c.Primary.Phones[0]}}, contactd.Change{Time: c.Primary.Updated})
	if err != nil || id <= ContactIDs(999)+5 {
		t.Fatalf("new contact %d, %v", id, err)
	}
}

func BenchmarkDataset(b *testing.B) {
	g, err := New(10_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		g.Dataset(0, 1000)
	}
}

// TestCustomersImport: synthetic customers are valid as the published
// answers define them, so that an export of a seeded database imports.
func TestCustomersImport(t *testing.T) {
	g, err := New(500, 3)
	if err != nil {
		t.Fatal(err)
	}
	d := g.Dataset(0, g.Len())
	byCustomer := map[contactd.CustomerID]*contactd.CustomerRecord{}
	var order []contactd.CustomerID
	for _, c := range d.Customers {
		byCustomer[c.ID] = &contactd.CustomerRecord{Customer: c}
		order = append(order, c.ID)
	}
	holder := map[string]contactd.CustomerID{}
	for _, a := range d.Accounts {
		r := byCustomer[a.Customer]
		r.Accounts = append(r.Accounts, contactd.AccountRecord{Account: a})
		holder[a.ID] = a.Customer
	}
	for _, sc := range d.Contacts {
		r := byCustomer[sc.Owner.Customer]
		if sc.Owner.AccountID != "" {
			r = byCustomer[holder[sc.Owner.AccountID]]
		}
		if sc.Owner.AccountID == "" {
			r.Contacts = append(r.Contacts, sc.Contact)
			continue
		}
		for i := range r.Accounts {
			if r.Accounts[i].Account.ID == sc.Owner.AccountID {
				r.Accounts[i].Contacts = append(r.Accounts[i].Contacts, sc.Contact)
			}
		}
	}
	for _, sr := range d.Records {
		r := byCustomer[sr.Owner.Customer]
		if sr.Owner.AccountID != "" {
			r = byCustomer[holder[sr.Owner.AccountID]]
			for i := range r.Accounts {
				if r.Accounts[i].Account.ID == sr.Owner.AccountID {
					r.Accounts[i].Account.Records = append(r.Accounts[i].Account.Records, sr.Record)
				}
			}
			continue
		}
		r.Customer.Records = append(r.Customer.Records, sr.Record)
	}
	for _, id := range order {
		line, err := transfer.Append(nil, *byCustomer[id])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := transfer.Parse(line[:len(line)-1], transfer.ParseOptions{}); err != nil {
			t.Fatalf("%v:\n%s", err, line)
		}
	}
}
