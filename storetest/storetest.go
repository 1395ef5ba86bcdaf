// Package storetest is the conformance suite every contactd.Store passes:
// the SQLite store now, a PostgreSQL store later. It uses nothing but the
// contactd.Store interface.
//
// A store package runs it from its own test:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) contactd.Store { ... })
//	}
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// Run runs the suite. Each subtest calls open for a fresh, empty store,
// loads a small dataset of its own, and closes the store when it ends
// (open may also register its own cleanup; Close must then tolerate a
// second call).
//
// Besides the contract in contactd.Store's comments, the suite pins down
// what it leaves open, as the SQLite store does it:
//   - CreateContact refuses fewer than 1 or more than 5 phones with CNT103;
//   - CustomerAccounts of an unknown customer key is CST404, of a customer
//     without accounts an empty list;
//   - a new contact takes one ID and its phones further ones from the same
//     sequence: no ID is ever issued twice, whatever its kind;
//   - a failed Load leaves nothing behind.
//
// Updated is compared at whole seconds, so a store may keep it finer.
func Run(t *testing.T, open func(t *testing.T) contactd.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s contactd.Store)
	}{
		{"Empty", testEmpty},
		{"Ping", testPing},
		{"CustomerAndAccount", testCustomerAndAccount},
		{"Owner", testOwner},
		{"ContactAndPhoneOwner", testContactAndPhoneOwner},
		{"CreateAndRead", testCreateAndRead},
		{"OneLiveContactPerType", testOneLiveContactPerType},
		{"CreatePhoneCount", testCreatePhoneCount},
		{"Rename", testRename},
		{"CeaseContact", testCeaseContact},
		{"AddPhoneUpToFive", testAddPhoneUpToFive},
		{"CeasePhoneDownToOne", testCeasePhoneDownToOne},
		{"UpdatePhone", testUpdatePhone},
		{"UpdatedMovesForward", testUpdatedMovesForward},
		{"LoadKeepsIDs", testLoadKeepsIDs},
		{"NewIDsAboveLoadedNeverReused", testNewIDs},
		{"LoadIsAtomic", testLoadIsAtomic},
		{"ConcurrentCreateSameOwner", testConcurrentCreateSameOwner},
		{"ConcurrentCreateManyOwners", testConcurrentCreateManyOwners},
		{"ConcurrentAddPhone", testConcurrentAddPhone},
		{"ConcurrentCeasePhone", testConcurrentCeasePhone},
		{"ConcurrentReadersSeeInvariants", testConcurrentReaders},
		{"AuditTrail", testAuditTrail},
		{"Idempotency", testIdempotency},
		{"TextInputs", testTextInputs},
		{"ClaimMode", testClaimMode},
		{"ClaimModeOfData", testClaimModeOfData},
		{"ClaimModeProduction", testClaimModeProduction},
	}
	tests = append(tests, recordTests...)
	tests = append(tests, replaceTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, openClosing(t, open)) })
	}
}

// openClosing opens a store for a subtest and closes it when the subtest
// ends.
func openClosing[S contactd.Store](t *testing.T, open func(t *testing.T) S) S {
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// The dataset every subtest loads.
var (
	custA = contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	custB = contactd.CustomerID{Type: contactd.CST, Value: "1512150403"}

	accA1 = "049091850INC002" // INC of custA
	accA2 = "049091850GST004" // GST of custA
	accB1 = "512150403INC003" // INC of custB, its ID of type KSF

	// seeded contact and phone IDs
	seedLive        int64 = 1295148032 // customer A, SCNDRY, phones seedPhone1, seedPhone2
	seedPhone1      int64 = 1004732142021
	seedPhone2      int64 = 1004732142022
	seedAccount     int64 = 1578864256 // account A1, PRIMRY, phone seedAccountPhone
	seedAccountPh   int64 = 1004734460042
	seedCeased      int64 = 1111111111    // customer A, PRIMRY, ceased
	seedCeasedPhone int64 = 9004732142020 // the highest ID in the dataset

	seedUpdated = time.Date(2021, 9, 14, 10, 30, 0, 0, time.UTC)

	// t0 is the "now" of the writes in the tests.
	t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
)

func dataset() contactd.Dataset {
	return contactd.Dataset{
		Customers: []contactd.Customer{
			{ID: custA, Profile: json.RawMessage(`{"name":"LOOK THROUGH COMPANY LTD.","entity":"COMPNY"}`)},
			{ID: custB, Profile: json.RawMessage(`{"name":"Beta"}`)},
		},
		Accounts: []contactd.Account{
			{ID: accA1, IDType: "ACC", Type: "INC", Customer: custA, Profile: json.RawMessage(`{"status":"active"}`)},
			{ID: accA2, IDType: "ACC", Type: "GST", Customer: custA, Profile: json.RawMessage(`{}`)},
			{ID: accB1, IDType: contactd.AccountIDTypeKSF, Type: "INC", Customer: custB, Profile: json.RawMessage(`{}`)},
		},
		Contacts: []contactd.SeedContact{
			{
				Owner: contactd.OwnerRef{Customer: custA},
				Contact: contactd.Contact{ID: seedLive, Type: contactd.Secondary, Name: "Louie Wagner", Updated: seedUpdated,
					Phones: []contactd.Phone{
						{ID: seedPhone1, Type: "CELL", Country: "NZ", Number: "0276479952"},
						{ID: seedPhone2, Type: "BSN", Country: "NZ", Number: "044451153", Extension: "04"},
					}},
			},
			{
				Owner: contactd.OwnerRef{AccountID: accA1},
				Contact: contactd.Contact{ID: seedAccount, Type: contactd.Primary, Name: "Peter Parker", Updated: seedUpdated,
					Phones: []contactd.Phone{{ID: seedAccountPh, Type: "BSN", Country: "AU", AreaCode: "02", Number: "98765432"}}},
			},
			{
				Owner: contactd.OwnerRef{Customer: custA},
				Contact: contactd.Contact{ID: seedCeased, Type: contactd.Primary, Name: "Gone", Updated: seedUpdated,
					Phones: []contactd.Phone{{ID: seedCeasedPhone, Type: "HOM", Country: "NZ", Number: "073471234"}}},
				Ceased: true,
			},
		},
	}
}

// seededIDs are every contact and phone ID of dataset(), live or ceased.
func seededIDs() []int64 {
	return []int64{seedLive, seedPhone1, seedPhone2, seedAccount, seedAccountPh, seedCeased, seedCeasedPhone}
}

func load(t *testing.T, s contactd.Store, d contactd.Dataset) {
	t.Helper()
	if err := s.Load(context.Background(), d); err != nil {
		t.Fatalf("Load: %v", err)
	}
}

func loadDefault(t *testing.T, s contactd.Store) { load(t, s, dataset()) }

// code is the code of err if it is a *contactd.Error, "" for nil, and a
// description of err for any other error.
func code(err error) contactd.Code {
	if err == nil {
		return ""
	}
	var e *contactd.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return contactd.Code("not a *contactd.Error: " + err.Error())
}

func wantCode(t *testing.T, what string, err error, want contactd.Code) {
	t.Helper()
	if got := code(err); got != want {
		if want == "" {
			t.Errorf("%s: unexpected error %v", what, err)
		} else {
			t.Errorf("%s: got %q (%v), want %s", what, got, err, want)
		}
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Owner resolves ref in s, and fails the test or benchmark if it cannot.
func Owner(tb testing.TB, s contactd.Store, ref contactd.OwnerRef) contactd.Owner {
	tb.Helper()
	o, err := s.Owner(context.Background(), ref)
	if err != nil {
		tb.Fatalf("Owner(%+v): %v", ref, err)
	}
	return o
}

func customerOwner(t *testing.T, s contactd.Store, id contactd.CustomerID) contactd.Owner {
	t.Helper()
	return Owner(t, s, contactd.OwnerRef{Customer: id})
}

func accountOwner(t *testing.T, s contactd.Store, id string) contactd.Owner {
	t.Helper()
	return Owner(t, s, contactd.OwnerRef{AccountID: id})
}

// phone returns a valid NZ mobile number, different for each i.
func phone(i int) contactd.Phone {
	return contactd.Phone{Type: "CELL", Country: "NZ", Number: fmt.Sprintf("027%07d", i)}
}

func phones(n int) []contactd.Phone {
	ps := make([]contactd.Phone, n)
	for i := range ps {
		ps[i] = phone(i + 1)
	}
	return ps
}

func create(t *testing.T, s contactd.Store, o contactd.Owner, typ contactd.ContactType, name string, nPhones int) int64 {
	t.Helper()
	id, err := s.CreateContact(context.Background(), o, contactd.Contact{Type: typ, Name: name, Phones: phones(nPhones)}, At(t0))
	must(t, "CreateContact", err)
	if id <= 0 || id > contactd.MaxID {
		t.Fatalf("CreateContact: ID %d is not in 1..2^53-1", id)
	}
	return id
}

// contacts lists the owner's live contacts with Contacts. Every call also
// reads the owner with CustomerContacts or AccountContacts and checks
// that they give the same owner and the same contacts, so that every check
// of the suite covers the read API's one-call reads as well.
func contacts(t *testing.T, s contactd.Store, o contactd.Owner) []contactd.Contact {
	t.Helper()
	cs, err := s.Contacts(context.Background(), o)
	must(t, "Contacts", err)
	var again []contactd.Contact
	if o.AccountLevel() {
		a, got, err := s.AccountContacts(context.Background(), o.AccountID)
		must(t, "AccountContacts", err)
		if a.Owner() != o {
			t.Errorf("AccountContacts(%s) gives owner %+v, want %+v", o.AccountID, a.Owner(), o)
		}
		again = got
	} else {
		c, got, err := s.CustomerContacts(context.Background(), o.Customer)
		must(t, "CustomerContacts", err)
		if c.Key != o.CustomerKey || c.ID != o.Customer {
			t.Errorf("CustomerContacts(%v) gives %+v, want key %d", o.Customer, c, o.CustomerKey)
		}
		again = got
	}
	wantContacts(t, "the one-call read against Contacts", again, cs...)
	return cs
}

// contact returns the owner's live contact with the ID; it fails the test
// if there is none.
func contact(t *testing.T, s contactd.Store, o contactd.Owner, id int64) contactd.Contact {
	t.Helper()
	for _, c := range contacts(t, s, o) {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("contact %d is not among the live contacts of %+v", id, o)
	return contactd.Contact{}
}

func ids(cs []contactd.Contact) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func phoneIDs(c contactd.Contact) []int64 {
	out := []int64{}
	for _, p := range c.Phones {
		out = append(out, p.ID)
	}
	return out
}

// show renders a contact for comparison: Updated as an instant in UTC.
func show(c contactd.Contact) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ID:%d Type:%s Name:%q Updated:%s Phones:[", c.ID, c.Type, c.Name, c.Updated.UTC().Format(time.RFC3339Nano))
	for i, p := range c.Phones {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%+v", p)
	}
	b.WriteString("]}")
	return b.String()
}

func wantContacts(t *testing.T, what string, got []contactd.Contact, want ...contactd.Contact) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d contacts %v, want %d %v", what, len(got), ids(got), len(want), ids(want))
		return
	}
	for i := range got {
		if g, w := show(got[i]), show(want[i]); g != w {
			t.Errorf("%s: contact %d:\n got %s\nwant %s", what, i, g, w)
		}
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// run starts n goroutines at once, each calling fn with its index, and
// waits for them all.
func run(n int, fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// testCaller makes every write of the suite.
var testCaller = contactd.Caller{Sandbox: true, Subject: "storetest"}

// At is a change the suite's caller makes at t, for stores' own tests too.
func At(t time.Time) contactd.Change {
	return contactd.Change{Time: t, Caller: testCaller, RequestID: "storetest"}
}
