package storetest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/contactd/contactd"
)

// tally counts the outcomes of concurrent calls by code ("" for success);
// any other error is a failure of the test.
type tally struct {
	mu sync.Mutex
	n  map[contactd.Code]int
}

func (c *tally) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[contactd.Code]int{}
	}
	c.n[code(err)]++
}

func (c *tally) want(t *testing.T, what string, want map[contactd.Code]int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := len(c.n) == len(want)
	for k, v := range want {
		if c.n[k] != v {
			ok = false
		}
	}
	if !ok {
		t.Errorf("%s: outcomes %v, want %v (\"\" is success)", what, c.n, want)
	}
}

// testConcurrentCreateSameOwner: 50 callers create a PRIMRY for one owner
// at once; exactly one wins.
func testConcurrentCreateSameOwner(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	for _, o := range []contactd.Owner{customerOwner(t, s, custB), accountOwner(t, s, accA2)} {
		var out tally
		var winner atomic.Int64
		run(50, func(i int) {
			id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "racer", Phones: phones(1 + i%5)}, At(t0))
			out.add(err)
			if err == nil {
				winner.Store(id)
			}
		})
		out.want(t, "50 concurrent PRIMRY creates", map[contactd.Code]int{"": 1, contactd.CNT101: 49})
		got := contacts(t, s, o)
		if len(got) != 1 || got[0].ID != winner.Load() || got[0].Type != contactd.Primary {
			t.Errorf("Contacts after the race = %v, want [%d]", ids(got), winner.Load())
		}
	}
}

// testConcurrentCreateManyOwners: 50 callers create a contact each for
// their own customer at once; all succeed with distinct IDs.
func testConcurrentCreateManyOwners(t *testing.T, s contactd.Store) {
	d, custs := manyCustomers(50)
	load(t, s, d)
	owners := make([]contactd.Owner, len(custs))
	for i, c := range custs {
		owners[i] = customerOwner(t, s, c)
	}
	var out tally
	contactIDs := make([]int64, len(owners))
	run(len(owners), func(i int) {
		id, err := s.CreateContact(ctx, owners[i], contactd.Contact{Type: contactd.Primary, Name: "own", Phones: phones(3)}, At(t0))
		out.add(err)
		contactIDs[i] = id
	})
	out.want(t, "50 concurrent creates for 50 owners", map[contactd.Code]int{"": 50})
	seen := map[int64]bool{}
	for i, o := range owners {
		got := contacts(t, s, o)
		if len(got) != 1 || got[0].ID != contactIDs[i] {
			t.Errorf("owner %d: contacts %v, want [%d]", i, ids(got), contactIDs[i])
			continue
		}
		for _, id := range append([]int64{got[0].ID}, phoneIDs(got[0])...) {
			if seen[id] {
				t.Errorf("ID %d issued twice", id)
			}
			seen[id] = true
		}
	}
}

// testConcurrentAddPhone: 20 callers add a phone to a contact with one at
// once; exactly four fit.
func testConcurrentAddPhone(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	id := create(t, s, ownB, contactd.Primary, "one phone", 1)
	var out tally
	var mu sync.Mutex
	added := map[int64]bool{}
	run(20, func(i int) {
		pid, err := s.AddPhone(ctx, id, phone(100+i), At(t0))
		out.add(err)
		if err == nil {
			mu.Lock()
			if added[pid] {
				t.Errorf("phone ID %d issued twice", pid)
			}
			added[pid] = true
			mu.Unlock()
		}
	})
	out.want(t, "20 concurrent AddPhone", map[contactd.Code]int{"": 4, contactd.CNT103: 16})
	c := contact(t, s, ownB, id)
	if len(c.Phones) != contactd.MaxPhones {
		t.Fatalf("live phones after the race: %v, want 5", phoneIDs(c))
	}
	for _, p := range c.Phones[1:] {
		if !added[p.ID] {
			t.Errorf("live phone %d was not reported added", p.ID)
		}
	}
}

// testConcurrentCeasePhone: 5 callers each cease one of a contact's 5
// phones at once; exactly four succeed and one phone is left.
func testConcurrentCeasePhone(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	id := create(t, s, ownB, contactd.Secondary, "five phones", 5)
	ps := phoneIDs(contact(t, s, ownB, id))
	var out tally
	refused := make([]bool, len(ps))
	run(len(ps), func(i int) {
		err := s.CeasePhone(ctx, ps[i], At(t0))
		out.add(err)
		refused[i] = err != nil
	})
	out.want(t, "5 concurrent CeasePhone", map[contactd.Code]int{"": 4, contactd.CNT103: 1})
	c := contact(t, s, ownB, id)
	if len(c.Phones) != 1 {
		t.Fatalf("live phones after the race: %v, want 1", phoneIDs(c))
	}
	for i, p := range ps {
		if refused[i] && c.Phones[0].ID != p {
			t.Errorf("phone %d was refused but %d is the one left", p, c.Phones[0].ID)
		}
	}
}

// testConcurrentReaders: while writers add and cease phones, readers never
// see a live contact with fewer than 1 or more than 5 phones.
func testConcurrentReaders(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	id := create(t, s, ownB, contactd.Primary, "busy", 3)
	first := phoneIDs(contact(t, s, ownB, id))[0]

	var done atomic.Bool
	var readers, writers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for !done.Load() {
				cs, err := s.Contacts(ctx, ownB)
				if err != nil {
					t.Errorf("Contacts: %v", err)
					return
				}
				if len(cs) != 1 || len(cs[0].Phones) < contactd.MinPhones || len(cs[0].Phones) > contactd.MaxPhones {
					t.Errorf("a reader saw %d contacts, phones %v", len(cs), cs)
					return
				}
				if _, err := s.PhoneOwner(ctx, first); err != nil {
					t.Errorf("PhoneOwner: %v", err)
					return
				}
			}
		})
	}
	var out tally
	for w := range 4 {
		writers.Go(func() {
			for i := range 15 {
				pid, err := s.AddPhone(ctx, id, phone(1000*w+i), At(t0))
				out.add(err)
				if err == nil {
					out.add(s.CeasePhone(ctx, pid, At(t0)))
				}
			}
		})
	}
	writers.Wait()
	done.Store(true)
	readers.Wait()
	out.mu.Lock()
	for k := range out.n {
		if k != "" && k != contactd.CNT103 {
			t.Errorf("writers got %q", k)
		}
	}
	out.mu.Unlock()
	if got := contact(t, s, ownB, id); len(got.Phones) != 3 {
		t.Errorf("phones at the end: %v, want the 3 first", phoneIDs(got))
	}
}
