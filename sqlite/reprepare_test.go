//go:build cgo

package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth/authtest"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// SQLite's authorizer action codes of the statements that are compiled
// every time they run: mattn/go-sqlite3 runs BEGIN and COMMIT as text.
const (
	authTransaction = 22 // SQLITE_TRANSACTION
	authSavepoint   = 32 // SQLITE_SAVEPOINT
)

// watchDrivers numbers the drivers TestStatementsCompileOnce registers.
var watchDrivers atomic.Int64

// compileWatch counts what SQLite's authorizer is asked while it watches:
// the authorizer runs when a statement is compiled, not when it runs.
type compileWatch struct {
	mu       sync.Mutex
	watching bool
	asked    map[string]int
}

func (w *compileWatch) authorize(action int, a, b, _ string) int {
	if action == authTransaction || action == authSavepoint {
		return sqlite3.SQLITE_OK
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watching {
		w.asked[fmt.Sprintf("action %d on %s.%s", action, a, b)]++
	}
	return sqlite3.SQLITE_OK
}

// TestStatementsCompileOnce: once every statement of the request path has
// run (the store's reads and writes, and the registry that production
// access reads), running them again with other values compiles none of them again.
// mattn/go-sqlite3 clears a statement's bindings after each run, and since
// SQLite 3.54 that expires any statement whose plan depends on a bound
// value (a "col = ?" that the planner weighs); each run then parses and
// plans it again, which cost the writes a quarter of their throughput
// (docs/performance.md, ninth round). The statements bind such values as
// "+?", which the planner does not look into.
func TestStatementsCompileOnce(t *testing.T) {
	w := &compileWatch{asked: map[string]int{}}
	// a name of its own on each run: database/sql keeps drivers for good
	name := fmt.Sprintf("contactd-sqlite3-compile-watch-%d", watchDrivers.Add(1))
	sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		c.RegisterAuthorizer(w.authorize)
		return connectHook(c)
	}})
	s, err := open(ctx, filepath.Join(t.TempDir(), "watch.db"), name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var ds contactd.Dataset
	for i := range 4 {
		id := contactd.CustomerID{Type: contactd.CST, Value: fmt.Sprint(100 + i)}
		ds.Customers = append(ds.Customers, contactd.Customer{ID: id, Profile: json.RawMessage(`{}`)})
		ds.Accounts = append(ds.Accounts, contactd.Account{ID: fmt.Sprintf("%sGST00%d", id.Value, i), IDType: "ACC", Type: "GST",
			Customer: id, Profile: json.RawMessage(`{}`)})
	}
	if err := s.Load(ctx, ds); err != nil {
		t.Fatal(err)
	}
	// The registry that production access reads on every request.
	pem := authtest.SelfSigned(t, "acme", 1).PEM
	cert, err := contactd.ParseCertificatePEM("acme", pem)
	if err != nil {
		t.Fatal(err)
	}
	reg := contactd.RegistryData{
		Logons: []contactd.Logon{{ID: "ana"}, {ID: "tim"}},
		Parties: []contactd.Party{{ID: "acme", Kind: contactd.PartyIntermediary},
			{ID: "msd", Kind: contactd.PartyAgency, AccountTypes: []string{"GST"}}},
		Memberships:  []contactd.Membership{{Party: "acme", Logon: "tim"}},
		Certificates: []contactd.Certificate{cert},
		Consents:     []contactd.Consent{{Logon: "ana", Party: "acme"}},
	}
	for i, c := range ds.Customers {
		reg.Ownerships = append(reg.Ownerships, contactd.Ownership{Logon: "ana", Customer: c.ID})
		reg.Delegations = append(reg.Delegations, contactd.Delegation{Logon: "tim", AccountID: ds.Accounts[i].ID})
		reg.Links = append(reg.Links, contactd.Link{Party: "acme", Customer: c.ID, Accounts: []string{ds.Accounts[i].ID}})
	}
	if err := s.ImportRegistry(ctx, reg); err != nil {
		t.Fatal(err)
	}
	callers := []contactd.Caller{{Logon: "ana"}, {Logon: "tim"}, {Logon: "ana", Thumbprint: cert.Thumbprint, Party: "acme"},
		{Thumbprint: cert.Thumbprint, Party: "acme"}, {Party: "msd"}}
	round := func(i int) {
		t.Helper()
		ch := contactd.Change{Time: now.Add(time.Duration(i) * time.Minute), Caller: contactd.Caller{Subject: "watch"}, RequestID: fmt.Sprint(i)}
		for _, ref := range []contactd.OwnerRef{{Customer: ds.Customers[i].ID}, {AccountID: ds.Accounts[i].ID}} {
			owner, err := s.Owner(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			ch.Idempotency = &contactd.Idempotency{Key: fmt.Sprint("key", i, ref.AccountID), Fingerprint: "f", Expires: ch.Time.Add(time.Hour)}
			c := contactd.Contact{Type: contactd.Primary, Name: fmt.Sprint("Name ", i), Phones: []contactd.Phone{phone}}
			id, err := s.CreateContact(ctx, owner, c, ch)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := s.CreateContact(ctx, owner, c, ch); err != nil || again != id {
				t.Fatalf("replayed create: %d, %v; want %d", again, err, id)
			}
			if _, err := s.CreateContact(ctx, owner, c, contactd.Change{Time: ch.Time, Caller: ch.Caller}); code(err) != contactd.CNT101 {
				t.Fatalf("second primary: %v", err)
			}
			ch.Idempotency = nil
			pid, err := s.AddPhone(ctx, id, phone, ch)
			if err != nil {
				t.Fatal(err)
			}
			changed := phone
			changed.ID, changed.Number = pid, "0211234567"
			steps := []error{
				s.UpdatePhone(ctx, changed, ch),
				s.RenameContact(ctx, id, fmt.Sprint("Renamed ", i), ch),
			}
			_, err = s.ContactOwner(ctx, id)
			steps = append(steps, err)
			_, err = s.PhoneOwner(ctx, pid)
			steps = append(steps, err)
			_, err = s.Contacts(ctx, owner)
			steps = append(steps, err)
			_, _, err = s.CustomerContacts(ctx, ds.Customers[i].ID)
			steps = append(steps, err)
			_, _, err = s.AccountContacts(ctx, ds.Accounts[i].ID)
			steps = append(steps, err, s.CeasePhone(ctx, pid, ch), s.CeaseContact(ctx, id, ch))
			for _, c := range callers {
				_, err := s.Grants(ctx, c, owner)
				steps = append(steps, err)
			}
			_, err = s.Certificate(ctx, cert.Thumbprint)
			steps = append(steps, err)
			_, err = s.Customer(ctx, ds.Customers[i].ID)
			steps = append(steps, err)
			_, err = s.Account(ctx, ds.Accounts[i].ID)
			steps = append(steps, err)
			_, err = s.CustomerAccounts(ctx, owner.CustomerKey)
			steps = append(steps, err)
			steps = append(steps, recordRound(s, owner, ch)...)
			for n, err := range steps {
				if err != nil {
					t.Fatalf("round %d, %v, step %d: %v", i, ref, n, err)
				}
			}
		}
	}
	round(0)
	w.mu.Lock()
	w.watching = true
	w.mu.Unlock()
	for i := 1; i < len(ds.Customers); i++ {
		round(i)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.asked) > 0 {
		var asked []string
		for k, n := range w.asked {
			asked = append(asked, fmt.Sprintf("%s (%d)", k, n))
		}
		sort.Strings(asked)
		t.Errorf("statements compiled again after their first run; the authorizer was asked: %v", asked)
	}
}

// recordRound runs every record operation on the owner, with and without
// an Idempotency-Key, and returns their errors.
func recordRound(s *Store, owner contactd.Owner, ch contactd.Change) []error {
	fields := json.RawMessage(`{"line1":"1 Queen St"}`)
	put := func(kind contactd.Kind, key string, on contactd.OnLive, ch contactd.Change) (int64, error) {
		return s.PutRecord(ctx, owner, contactd.Record{Kind: kind, Key: key, Fields: fields}, on, ch)
	}
	keyed := ch
	keyed.Idempotency = &contactd.Idempotency{Key: fmt.Sprint("record", ch.RequestID, owner.AccountID), Fingerprint: "f",
		Expires: ch.Time.Add(time.Hour)}
	var steps []error
	addr, err := put(contactd.KindAddress, "POSTAL", contactd.Refuse, keyed)
	steps = append(steps, err)
	_, err = put(contactd.KindAddress, "POSTAL", contactd.Refuse, keyed) // replayed
	steps = append(steps, err)
	if _, err := put(contactd.KindAddress, "POSTAL", contactd.Refuse, ch); code(err) != contactd.ADR101 {
		steps = append(steps, fmt.Errorf("second POSTAL: %v", err))
	}
	_, err = put(contactd.KindBank, "", contactd.Replace, ch)
	steps = append(steps, err)
	_, err = put(contactd.KindBank, "", contactd.Replace, ch)
	steps = append(steps, err)
	_, err = put(contactd.KindBIC, "INT", contactd.Merge, ch)
	steps = append(steps, err)
	_, err = put(contactd.KindBIC, "INT", contactd.Merge, ch)
	steps = append(steps, err)
	_, _, err = s.Record(ctx, contactd.KindAddress, addr)
	steps = append(steps, err)
	_, err = s.LiveRecord(ctx, owner, contactd.KindAddress, "POSTAL")
	steps = append(steps, err)
	steps = append(steps, s.UpdateRecord(ctx, contactd.KindAddress, addr, "PHYS", fields, ch))
	_, err = put(contactd.KindAddress, "POSTAL", contactd.Refuse, ch)
	steps = append(steps, err)
	if err := s.UpdateRecord(ctx, contactd.KindAddress, addr, "POSTAL", fields, ch); code(err) != contactd.ADR101 {
		steps = append(steps, fmt.Errorf("update to a taken key: %v", err))
	}
	return append(steps, s.CeaseRecord(ctx, contactd.KindAddress, addr, ch))
}
