package storetest

import (
	"context"
	"path"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// ResetStore is a store a sandbox can put back to a dataset.
type ResetStore interface {
	contactd.Store
	// Reset empties every data table and loads d, in one transaction,
	// keeping the schema and never issuing an ID again.
	Reset(ctx context.Context, d contactd.Dataset) error
}

// RunReset runs the suite of Reset. Each subtest calls open for a fresh,
// empty store.
func RunReset(t *testing.T, open func(t *testing.T) ResetStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ResetStore)
	}{
		{"PutsBackTheDataset", testResetPutsBack},
		{"UnderConcurrentReads", testResetUnderReads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, openClosing(t, open)) })
	}
}

// CheckTables fails the test for each table of a store's schema that is
// not named in exactly one of data (the tables Reset empties) and kept
// (those it leaves; a pattern of path.Match, such as "reg_*"), so that
// a new table cannot be left out of a reset by mistake. where names the
// file that holds the two lists.
func CheckTables(t *testing.T, tables, data, kept []string, where string) {
	t.Helper()
	if len(tables) < len(data) {
		t.Errorf("found %d tables in the schema, fewer than the %d data tables", len(tables), len(data))
	}
	for _, name := range tables {
		isKept := slices.ContainsFunc(kept, func(p string) bool { ok, _ := path.Match(p, name); return ok })
		if slices.Contains(data, name) == isKept {
			t.Errorf("table %s: name it in exactly one of dataTables (reset empties it) and keptTables (%s)", name, where)
		}
	}
}

// snapshot is what the API can read of the dataset's owners.
type snapshot map[string][]contactd.Contact

func read(t *testing.T, s contactd.Store) snapshot {
	t.Helper()
	snap := snapshot{}
	for _, id := range []contactd.CustomerID{custA, custB} {
		_, cs, err := s.CustomerContacts(ctx, id)
		must(t, "CustomerContacts", err)
		snap[string(id.Type)+id.Value] = cs
	}
	for _, id := range []string{accA1, accA2, accB1} {
		_, cs, err := s.AccountContacts(ctx, id)
		must(t, "AccountContacts", err)
		snap[id] = cs
	}
	return snap
}

// testResetPutsBack: after writes of every kind, a reset gives back what a
// fresh load gave, with an empty audit trail and no idempotency key, and
// the next new ID is above every ID issued before.
func testResetPutsBack(t *testing.T, s ResetStore) {
	loadDefault(t, s)
	fresh := read(t, s)

	ownB := customerOwner(t, s, custB)
	caller := contactd.Caller{Sandbox: true, Subject: "vendor"}
	keyed := contactd.Change{Time: t0, Caller: caller, RequestID: "r1",
		Idempotency: &contactd.Idempotency{Key: "k1", Fingerprint: "fp1", Expires: t0.Add(24 * time.Hour)}}
	created, err := s.CreateContact(ctx, ownB, contactd.Contact{Type: contactd.Primary, Name: "Before reset", Phones: phones(2)}, keyed)
	must(t, "CreateContact", err)
	must(t, "RenameContact", s.RenameContact(ctx, seedLive, "Renamed", At(t0)))
	must(t, "CeaseContact", s.CeaseContact(ctx, seedAccount, At(t0)))
	if reflect.DeepEqual(read(t, s), fresh) {
		t.Fatal("the writes changed nothing")
	}

	must(t, "Reset", s.Reset(ctx, dataset()))
	if got := read(t, s); !reflect.DeepEqual(got, fresh) {
		t.Errorf("after Reset:\n%+v\nwant as loaded:\n%+v", got, fresh)
	}
	if _, err := s.ContactOwner(ctx, created); code(err) != contactd.CST404 {
		t.Errorf("the contact created before the reset: %v, want CST404", err)
	}
	recs, err := s.Audit(ctx, contactd.AuditQuery{})
	must(t, "Audit", err)
	if len(recs) != 0 {
		t.Errorf("audit trail after Reset: %d records, want none", len(recs))
	}

	// The key is forgotten: the same key and request write again, and the
	// ID is new, above the one issued before the reset.
	again, err := s.CreateContact(ctx, customerOwner(t, s, custB), contactd.Contact{Type: contactd.Primary, Name: "After reset", Phones: phones(2)}, keyed)
	must(t, "CreateContact after Reset", err)
	if again <= created {
		t.Errorf("ID after reset %d, not above %d issued before it", again, created)
	}
	recs, err = s.Audit(ctx, contactd.AuditQuery{})
	must(t, "Audit", err)
	if len(recs) != 1 || recs[0].ContactID != again {
		t.Errorf("audit trail after one write: %+v", recs)
	}

	// The invariants hold again: the triggers are back.
	_, err = s.CreateContact(ctx, customerOwner(t, s, custB), contactd.Contact{Type: contactd.Primary, Name: "Twice", Phones: phones(1)}, At(t0))
	wantCode(t, "second PRIMRY after reset", err, contactd.CNT101)
	must(t, "Reset again", s.Reset(ctx, dataset()))
	if got := read(t, s); !reflect.DeepEqual(got, fresh) {
		t.Errorf("after a second Reset:\n%+v\nwant as loaded:\n%+v", got, fresh)
	}
}

// testResetUnderReads: readers running through resets each see either
// the dataset as loaded or as changed, never an error or a mix.
func testResetUnderReads(t *testing.T, s ResetStore) {
	loadDefault(t, s)
	fresh := read(t, s)
	change := func() {
		ownB := customerOwner(t, s, custB)
		_, err := s.CreateContact(ctx, ownB, contactd.Contact{Type: contactd.Primary, Name: "Changed", Phones: phones(2)}, At(t0))
		must(t, "CreateContact", err)
		must(t, "CeaseContact", s.CeaseContact(ctx, seedAccount, At(t0)))
	}
	change()
	changed := read(t, s)
	changedIDs := func(snap snapshot) bool {
		return len(snap[string(custB.Type)+custB.Value]) == 1 && len(snap[accA1]) == 0
	}

	var done atomic.Bool
	var readers sync.WaitGroup
	var seenFresh, seenChanged atomic.Int64
	for range 4 {
		readers.Go(func() {
			for !done.Load() {
				_, b, err := s.CustomerContacts(ctx, custB)
				if err != nil {
					t.Errorf("CustomerContacts during reset: %v", err)
					return
				}
				_, a, err := s.AccountContacts(ctx, accA1)
				if err != nil {
					t.Errorf("AccountContacts during reset: %v", err)
					return
				}
				switch {
				case len(b) == 0 && len(a) == 1:
					seenFresh.Add(1)
				case len(b) == 1 && len(a) == 0:
					seenChanged.Add(1)
				case len(b) == 0 && len(a) == 0, len(b) == 1 && len(a) == 1:
					// the two reads straddled a reset or a write: each is whole
				default:
					t.Errorf("a reader saw customer B's contacts %v and account A1's %v", b, a)
					return
				}
			}
		})
	}
	for range 5 {
		must(t, "Reset", s.Reset(ctx, dataset()))
		change()
	}
	done.Store(true)
	readers.Wait()
	if !changedIDs(changed) || changedIDs(fresh) {
		t.Fatalf("the change is not what the readers look for: %v / %v", changed, fresh)
	}
	t.Logf("reads seeing the dataset as loaded: %d, as changed: %d", seenFresh.Load(), seenChanged.Load())
}
