package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/storetest"
)

// The group-commit world: customer A (CST 1) with an INC and a GST account, a
// PRIMRY contact 100 of 5 phones and a SCNDRY contact 110 of 1 phone;
// customer B (CST 2) with a PRIMRY contact 200 of 2 phones.
var (
	gcA    = contactd.CustomerID{Type: contactd.CST, Value: "1"}
	gcB    = contactd.CustomerID{Type: contactd.CST, Value: "2"}
	gcAInc = "1INC"
	gcAGst = "1GST"
)

func gcDataset() contactd.Dataset {
	ph := func(ids ...int64) []contactd.Phone {
		var ps []contactd.Phone
		for _, id := range ids {
			p := phone
			p.ID = id
			ps = append(ps, p)
		}
		return ps
	}
	return contactd.Dataset{
		Customers: []contactd.Customer{{ID: gcA}, {ID: gcB}},
		Accounts:  []contactd.Account{{ID: gcAInc, IDType: "ACC", Type: "INC", Customer: gcA}, {ID: gcAGst, IDType: "ACC", Type: "GST", Customer: gcA}},
		Contacts: []contactd.SeedContact{
			{Owner: contactd.OwnerRef{Customer: gcA}, Contact: contactd.Contact{ID: 100, Type: contactd.Primary, Name: "Full", Phones: ph(101, 102, 103, 104, 105)}},
			{Owner: contactd.OwnerRef{Customer: gcA}, Contact: contactd.Contact{ID: 110, Type: contactd.Secondary, Name: "Single", Phones: ph(111)}},
			{Owner: contactd.OwnerRef{Customer: gcB}, Contact: contactd.Contact{ID: 200, Type: contactd.Primary, Name: "Two", Phones: ph(201, 202)}},
		},
	}
}

func gcStore(t *testing.T) *Store {
	t.Helper()
	s, _ := openTemp(t)
	if err := s.Load(ctx, gcDataset()); err != nil {
		t.Fatal(err)
	}
	return s
}

// holdWriter keeps the writer busy with a job until release is called, so
// that the writes made meanwhile queue up for one batch.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, rel, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.write(ctx, "hold", func(context.Context, *wtx) error {
			close(started)
			<-rel
			return nil
		})
	}()
	<-started
	return func() {
		close(rel)
		if err := <-done; err != nil {
			t.Errorf("hold: %v", err)
		}
	}
}

// waitQueued waits until n writes wait for the writer, and a little more
// for the last of them to park on the channel.
func waitQueued(t *testing.T, s *Store, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.batches.waiting.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", s.batches.waiting.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
}

func change(requestID string) contactd.Change {
	ch := storetest.At(now)
	ch.RequestID = requestID
	return ch
}

func keyed(requestID, key, fingerprint string) contactd.Change {
	ch := change(requestID)
	ch.Idempotency = &contactd.Idempotency{Key: key, Fingerprint: fingerprint, Expires: now.Add(24 * time.Hour)}
	return ch
}

func nextID(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT next FROM id_sequence`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func auditByRequest(t *testing.T, s *Store) map[string]contactd.AuditRecord {
	t.Helper()
	recs, err := s.Audit(ctx, contactd.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]contactd.AuditRecord{}
	for _, r := range recs {
		if _, dup := m[r.RequestID]; dup {
			t.Errorf("request %s audited twice", r.RequestID)
		}
		m[r.RequestID] = r
	}
	return m
}

// TestGroupCommitMixedOutcomes queues writes that succeed and writes that
// fail behind a busy writer, so that they run in one transaction: each
// gets its own answer, the failed ones leave nothing behind (not even the
// IDs they took), and the audit trail holds exactly the successful ones.
func TestGroupCommitMixedOutcomes(t *testing.T) {
	s := gcStore(t)
	a := storetest.Owner(t, s, contactd.OwnerRef{Customer: gcA})
	aInc := storetest.Owner(t, s, contactd.OwnerRef{AccountID: gcAInc})
	aGst := storetest.Owner(t, s, contactd.OwnerRef{AccountID: gcAGst})
	b := storetest.Owner(t, s, contactd.OwnerRef{Customer: gcB})
	// a first write under key k1, committed before the batch
	k1ID, err := s.CreateContact(ctx, b, contactd.Contact{Type: contactd.Secondary, Name: "Keyed", Phones: []contactd.Phone{phone}}, keyed("k1-first", "k1", "fp-a"))
	if err != nil {
		t.Fatal(err)
	}
	idBefore := nextID(t, s)

	type outcome struct {
		id  int64
		err error
	}
	newPrimary := contactd.Contact{Type: contactd.Primary, Name: "Racer", Phones: []contactd.Phone{phone, phone}}
	badPhone := phone
	badPhone.Type = "FAX?" // refused by the phone table's CHECK, after the contact row and the IDs
	writes := []struct {
		name string
		fn   func() (int64, error)
	}{
		{"create-1", func() (int64, error) { return s.CreateContact(ctx, aInc, newPrimary, change("create-1")) }},
		{"create-2", func() (int64, error) { return s.CreateContact(ctx, aInc, newPrimary, change("create-2")) }},
		{"sixth-phone", func() (int64, error) { return s.AddPhone(ctx, 100, phone, change("sixth-phone")) }},
		{"last-phone", func() (int64, error) { return 0, s.CeasePhone(ctx, 111, change("last-phone")) }},
		{"rename-unknown", func() (int64, error) { return 0, s.RenameContact(ctx, 999, "Nobody", change("rename-unknown")) }},
		{"bad-phone", func() (int64, error) {
			return s.CreateContact(ctx, aGst, contactd.Contact{Type: contactd.Primary, Name: "Never", Phones: []contactd.Phone{phone, badPhone}}, change("bad-phone"))
		}},
		{"add-phone", func() (int64, error) { return s.AddPhone(ctx, 200, phone, change("add-phone")) }},
		{"update-phone", func() (int64, error) {
			p := phone
			p.ID, p.Number = 201, "0211111111"
			return 0, s.UpdatePhone(ctx, p, change("update-phone"))
		}},
		{"cease-phone", func() (int64, error) { return 0, s.CeasePhone(ctx, 202, change("cease-phone")) }},
		{"rename", func() (int64, error) { return 0, s.RenameContact(ctx, 110, "Renamed", change("rename")) }},
		{"k1-other", func() (int64, error) {
			return s.CreateContact(ctx, b, contactd.Contact{Type: contactd.Secondary, Name: "Other", Phones: []contactd.Phone{phone}}, keyed("k1-other", "k1", "fp-b"))
		}},
		{"k1-retry", func() (int64, error) {
			return s.CreateContact(ctx, b, contactd.Contact{Type: contactd.Secondary, Name: "Keyed", Phones: []contactd.Phone{phone}}, keyed("k1-retry", "k1", "fp-a"))
		}},
		{"k2-a", func() (int64, error) {
			return s.CreateContact(ctx, aInc, contactd.Contact{Type: contactd.Secondary, Name: "K2", Phones: []contactd.Phone{phone}}, keyed("k2-a", "k2", "fp"))
		}},
		{"k2-b", func() (int64, error) {
			return s.CreateContact(ctx, aInc, contactd.Contact{Type: contactd.Secondary, Name: "K2", Phones: []contactd.Phone{phone}}, keyed("k2-b", "k2", "fp"))
		}},
	}

	release := holdWriter(t, s)
	batches0, jobs0 := s.GroupCommitStats()
	got := make(map[string]outcome, len(writes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, w := range writes {
		wg.Go(func() {
			id, err := w.fn()
			mu.Lock()
			got[w.name] = outcome{id, err}
			mu.Unlock()
		})
	}
	waitQueued(t, s, int64(len(writes)+1)) // the hold is still waiting for its answer
	release()
	wg.Wait()
	batches1, jobs1 := s.GroupCommitStats()
	if batches1-batches0 != 1 || jobs1-jobs0 != int64(len(writes)) {
		t.Fatalf("the %d writes ran in %d transactions (%d jobs), want 1", len(writes), batches1-batches0, jobs1-jobs0)
	}

	// each its own answer
	wantCode := map[string]contactd.Code{
		"sixth-phone": contactd.CNT103, "last-phone": contactd.CNT103, "rename-unknown": contactd.CST404,
		"k1-other": contactd.EV1100,
	}
	for name, c := range wantCode {
		if code(got[name].err) != c {
			t.Errorf("%s: %v, want %s", name, got[name].err, c)
		}
	}
	if err := got["bad-phone"].err; err == nil || code(err) != "" || !strings.Contains(err.Error(), "CHECK") {
		t.Errorf("bad-phone: %v, want the CHECK constraint's error", err)
	}
	winner, loser := "create-1", "create-2"
	if got[winner].err != nil {
		winner, loser = loser, winner
	}
	if got[winner].err != nil || code(got[loser].err) != contactd.CNT101 {
		t.Errorf("same-owner creates: %s %v, %s %v; want one success and one CNT101", winner, got[winner].err, loser, got[loser].err)
	}
	for _, name := range []string{"add-phone", "update-phone", "cease-phone", "rename", "k1-retry", "k2-a", "k2-b"} {
		if got[name].err != nil {
			t.Errorf("%s: %v", name, got[name].err)
		}
	}
	if got["k1-retry"].id != k1ID {
		t.Errorf("k1 retried: ID %d, want the first write's %d", got["k1-retry"].id, k1ID)
	}
	if got["k2-a"].id != got["k2-b"].id || got["k2-a"].id == 0 {
		t.Errorf("k2 twice in one batch: IDs %d and %d, want one", got["k2-a"].id, got["k2-b"].id)
	}

	// the failed ones left nothing behind
	list := func(o contactd.Owner) []contactd.Contact {
		cs, err := s.Contacts(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	incIDs := []int64{}
	for _, c := range list(aInc) {
		incIDs = append(incIDs, c.ID)
	}
	want := []int64{got[winner].id, got["k2-a"].id}
	slices.Sort(want)
	if !slices.Equal(incIDs, want) {
		t.Errorf("INC account's contacts %v, want %v", incIDs, want)
	}
	if cs := list(aGst); len(cs) != 0 {
		t.Errorf("GST account's contacts %+v, want none", cs)
	}
	for _, c := range list(a) {
		switch {
		case c.ID == 100 && len(c.Phones) != 5, c.ID == 110 && (len(c.Phones) != 1 || c.Name != "Renamed"), c.ID != 100 && c.ID != 110:
			t.Errorf("customer A's contact %d: %d phones, name %q", c.ID, len(c.Phones), c.Name)
		}
	}
	for _, c := range list(b) {
		if c.ID == 200 && (len(c.Phones) != 2 || c.Phones[0].Number != "0211111111") || c.ID != 200 && c.ID != k1ID {
			t.Errorf("customer B's contact %d: %+v", c.ID, c.Phones)
		}
	}
	// IDs taken: the winner 3, add-phone 1, k2 2; bad-phone's 3 went back
	if n := nextID(t, s); n != idBefore+6 {
		t.Errorf("the ID sequence moved from %d to %d, want +6", idBefore, n)
	}

	// the audit trail: the first k1 write, and exactly the batch's successful writes
	audited := auditByRequest(t, s)
	wantAudit := []string{"k1-first", winner, "add-phone", "update-phone", "cease-phone", "rename"}
	k2 := "k2-a"
	if _, ok := audited[k2]; !ok {
		k2 = "k2-b"
	}
	wantAudit = append(wantAudit, k2)
	var names []string
	for name := range audited {
		names = append(names, name)
	}
	slices.Sort(names)
	slices.Sort(wantAudit)
	if !slices.Equal(names, wantAudit) {
		t.Errorf("audited requests %v, want %v", names, wantAudit)
	}
	if r := audited[winner]; r.Operation != contactd.OpCreateContact || r.ContactID != got[winner].id || r.AccountID != gcAInc {
		t.Errorf("the winner's audit record: %+v", r)
	}
	if n := s.misses.Load(); n != 0 {
		t.Errorf("%d write statements were not in writeQueries", n)
	}
}

// TestGroupCommitConcurrentMix: many writers at once, half of them doomed
// (CNT101 races, phones on a full contact, unknown contacts), never leave
// a failed write's trace and audit every successful one.
func TestGroupCommitConcurrentMix(t *testing.T) {
	s := gcStore(t)
	var d contactd.Dataset
	const n = 40
	for i := range n {
		d.Customers = append(d.Customers, contactd.Customer{ID: contactd.CustomerID{Type: contactd.CST, Value: fmt.Sprint(1000 + i)}})
	}
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	owners := make([]contactd.Owner, n)
	for i, c := range d.Customers {
		o := storetest.Owner(t, s, contactd.OwnerRef{Customer: c.ID})
		owners[i] = o
	}
	batches0, _ := s.GroupCommitStats()
	var mu sync.Mutex
	var commits, committed int
	s.ObserveCommits(func(writes int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("a commit of %d writes took %v", writes, d)
		}
		commits++
		committed += writes
	})
	ok := map[string]int64{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 4 * n {
		wg.Go(func() {
			<-start
			rid := fmt.Sprint("w", i)
			var id int64
			var err error
			switch i % 4 {
			case 0, 1: // two creates per owner: one wins
				id, err = s.CreateContact(ctx, owners[i/4], contactd.Contact{Type: contactd.Primary, Name: rid, Phones: []contactd.Phone{phone}}, change(rid))
				if err != nil && code(err) != contactd.CNT101 {
					t.Errorf("%s: %v", rid, err)
				}
			case 2: // contact 100 is full
				_, err = s.AddPhone(ctx, 100, phone, change(rid))
				if code(err) != contactd.CNT103 {
					t.Errorf("%s: %v, want CNT103", rid, err)
				}
			case 3:
				err = s.RenameContact(ctx, 999, rid, change(rid))
				if code(err) != contactd.CST404 {
					t.Errorf("%s: %v, want CST404", rid, err)
				}
			}
			if err == nil {
				mu.Lock()
				ok[rid] = id
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(ok) != n {
		t.Errorf("%d writes succeeded, want %d (one create per owner)", len(ok), n)
	}
	for i, o := range owners {
		cs, err := s.Contacts(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || ok[cs[0].Name] != cs[0].ID {
			t.Errorf("owner %d: contacts %+v", i, cs)
		}
	}
	audited := auditByRequest(t, s)
	if len(audited) != len(ok) {
		t.Errorf("%d audit records, want %d", len(audited), len(ok))
	}
	for rid, id := range ok {
		if r, found := audited[rid]; !found || r.ContactID != id {
			t.Errorf("%s: audit %+v, want contact %d", rid, r, id)
		}
	}
	batches1, _ := s.GroupCommitStats()
	t.Logf("%d writes in %d transactions", 4*n, batches1-batches0)
	// every successful write was observed once, in a commit of the writer's
	mu.Lock()
	if committed != len(ok) || commits < 1 || int64(commits) > batches1-batches0 {
		t.Errorf("observed %d writes in %d commits, want %d writes in at most %d", committed, commits, len(ok), batches1-batches0)
	}
	mu.Unlock()
	// the observer is called before the write returns; nil stops it
	s.ObserveCommits(nil)
	if err := s.RenameContact(ctx, 100, "Unobserved", change("unobserved")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if committed != len(ok) {
		t.Errorf("a commit was observed after ObserveCommits(nil)")
	}
}

// jobOf is a job for runBatch, answered on its own channel.
func jobOf(ctx context.Context, op string, fn func(ctx context.Context, tx *wtx) error) *job {
	return &job{ctx: ctx, op: op, fn: fn, reply: make(chan result, 1)}
}

func renameJob(id int64, name, requestID string) func(ctx context.Context, tx *wtx) error {
	return func(ctx context.Context, tx *wtx) error {
		before, err := liveContactValues(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := updateOne(ctx, tx, renameSQL, name, now.Unix(), id); err != nil {
			return err
		}
		before.Phone = nil
		after := *before
		after.Name = name
		return audit(ctx, tx, change(requestID), contactd.OpRenameContact, id, 0, before, after)
	}
}

func contactName(t *testing.T, s *Store, id int64) string {
	t.Helper()
	var name string
	if err := s.r.QueryRowContext(ctx, `SELECT name FROM contact WHERE id = ?`, id).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestGroupCommitCommitFails: when COMMIT fails, every write of the batch
// gets the error, the refused ones too, and none of them happened.
func TestGroupCommitCommitFails(t *testing.T) {
	s := gcStore(t)
	batch := []*job{
		jobOf(ctx, "rename", renameJob(100, "First", "first")),
		// refused on its own, but against a state the failed commit undoes
		jobOf(ctx, "refused", func(context.Context, *wtx) error { return contactd.Errorf(contactd.CNT101, "") }),
		// a foreign key checked only at COMMIT, which fails
		jobOf(ctx, "doom", func(ctx context.Context, tx *wtx) error {
			if _, err := tx.tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
				return err
			}
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO contact (id, customer_key, contact_type, name, updated) VALUES (900, 987654, 'SCNDRY', 'x', 1)`)
			return err
		}),
		jobOf(ctx, "rename", renameJob(200, "Last", "last")),
	}
	observed := 0
	s.ObserveCommits(func(int, time.Duration) { observed++ })
	if rest := s.runBatch(batch); len(rest) != 0 {
		t.Fatalf("%d jobs left", len(rest))
	}
	if observed != 0 {
		t.Errorf("a failed commit was observed")
	}
	for i, j := range batch {
		r := <-j.reply
		if r.err == nil || !strings.Contains(r.err.Error(), "commit") || !strings.Contains(r.err.Error(), "FOREIGN KEY") {
			t.Errorf("job %d: %v, want the commit's error", i, r.err)
		}
	}
	if contactName(t, s, 100) != "Full" || contactName(t, s, 200) != "Two" {
		t.Error("a write of the failed batch is in the database")
	}
	if n := len(auditByRequest(t, s)); n != 0 {
		t.Errorf("%d audit records, want 0", n)
	}
	// the connection is clean: the next write works
	if err := s.RenameContact(ctx, 100, "After", change("after")); err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitTransactionLost: a write whose failure ends the whole
// transaction keeps its own error, the writes before it fail (their work
// is gone), and the writes after it run in a new transaction.
func TestGroupCommitTransactionLost(t *testing.T) {
	s := gcStore(t)
	batch := []*job{
		jobOf(ctx, "rename", renameJob(100, "First", "first")),
		jobOf(ctx, "wreck", func(ctx context.Context, tx *wtx) error {
			if _, err := tx.tx.ExecContext(ctx, `ROLLBACK`); err != nil {
				return err
			}
			return errors.New("wrecked")
		}),
		jobOf(ctx, "rename", renameJob(200, "Last", "last")),
	}
	rest := s.runBatch(batch)
	if len(rest) != 1 || rest[0] != batch[2] {
		t.Fatalf("jobs left: %d, want the last one", len(rest))
	}
	if r := <-batch[0].reply; r.err == nil || !strings.Contains(r.err.Error(), "rolled back with its group") {
		t.Errorf("the write before: %v", r.err)
	}
	if r := <-batch[1].reply; r.err == nil || !strings.Contains(r.err.Error(), "wrecked") {
		t.Errorf("the wrecking write: %v, want its own error", r.err)
	}
	if rest = s.runBatch(rest); len(rest) != 0 {
		t.Fatalf("%d jobs left", len(rest))
	}
	if r := <-batch[2].reply; r.err != nil {
		t.Errorf("the write after: %v", r.err)
	}
	if contactName(t, s, 100) != "Full" || contactName(t, s, 200) != "Last" {
		t.Errorf("names %q and %q, want Full and Last", contactName(t, s, 100), contactName(t, s, 200))
	}
	audited := auditByRequest(t, s)
	if _, ok := audited["last"]; !ok || len(audited) != 1 {
		t.Errorf("audited %v, want only last", audited)
	}
}

// TestGroupCommitContext: a write whose context ends before its turn is
// skipped with the context's error; one whose context ends while it runs
// runs to its end; a panic reaches its own caller only.
func TestGroupCommitContext(t *testing.T) {
	s := gcStore(t)
	cctx, cancel := context.WithCancel(ctx)
	var ranWithDone atomic.Bool
	batch := []*job{
		jobOf(ctx, "cancel the next", func(context.Context, *wtx) error { cancel(); return nil }),
		jobOf(cctx, "skipped", renameJob(100, "Never", "skipped")),
		jobOf(ctx, "panic", func(context.Context, *wtx) error { panic("boom") }),
		jobOf(ctx, "rename", renameJob(200, "Kept", "kept")),
	}
	s.runBatch(batch)
	if r := <-batch[1].reply; !errors.Is(r.err, context.Canceled) {
		t.Errorf("skipped job: %v, want context.Canceled", r.err)
	}
	if r := <-batch[2].reply; !r.panics || r.panicV != "boom" {
		t.Errorf("panicking job: %+v", r)
	}
	for _, i := range []int{0, 3} {
		if r := <-batch[i].reply; r.err != nil || r.panics {
			t.Errorf("job %d: %+v", i, r)
		}
	}
	if contactName(t, s, 100) != "Full" || contactName(t, s, 200) != "Kept" {
		t.Error("the skipped write ran, or the last did not")
	}

	// a context that ends in the middle of a write does not stop it; its
	// caller may stop waiting for it (a write's deadline)
	cctx2, cancel2 := context.WithCancel(ctx)
	err := s.write(cctx2, "rename", func(ctx context.Context, tx *wtx) error {
		cancel2()
		ranWithDone.Store(ctx.Err() == nil)
		return renameJob(110, "Finished", "finished")(ctx, tx)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("write whose context ended while it ran: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); contactName(t, s, 110) != "Finished"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the write whose context ended while it ran did not finish")
		}
	}
	if !ranWithDone.Load() {
		t.Error("the write's own context was cancelled while it ran")
	}
	// a write whose context is done before it is queued
	if err := s.RenameContact(cctx2, 110, "Late", change("late")); !errors.Is(err, context.Canceled) {
		t.Errorf("write with a done context: %v", err)
	}

	// through write: the panic is raised in its caller
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("recovered %v, want boom", v)
			}
		}()
		s.write(ctx, "panic", func(context.Context, *wtx) error { panic("boom") })
	}()
	if err := s.RenameContact(ctx, 110, "Still", change("still")); err != nil {
		t.Errorf("write after a panic: %v", err)
	}
}

// TestGroupCommitCancelQueued: a write whose context ends while it waits
// behind a busy writer returns at once and never runs; the writes queued
// beside it still do.
func TestGroupCommitCancelQueued(t *testing.T) {
	s := gcStore(t)
	release, cancel, cancelled, kept := queueBehindHeldWriter(t, s)
	cancel()
	select {
	case err := <-cancelled:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled queued write: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a cancelled write waited for the busy writer")
		release()
		<-cancelled
		<-kept
		return
	}
	release()
	if err := <-kept; err != nil {
		t.Errorf("write queued beside it: %v", err)
	}
	if contactName(t, s, 100) != "Full" || contactName(t, s, 200) != "Kept" {
		t.Error("the cancelled write ran, or the other did not")
	}
	if _, ok := auditByRequest(t, s)["never"]; ok {
		t.Error("the cancelled write is in the audit trail")
	}
}

// queueBehindHeldWriter holds the writer busy and queues two renames
// behind it: contact 100's, which cancel stops, then contact 200's. Their
// errors come on cancelled and kept; release lets the writer go on.
func queueBehindHeldWriter(t *testing.T, s *Store) (release func(), cancel context.CancelFunc, cancelled, kept chan error) {
	t.Helper()
	release = holdWriter(t, s)
	cctx, cancel := context.WithCancel(ctx)
	cancelled, kept = make(chan error, 1), make(chan error, 1)
	go func() { cancelled <- s.RenameContact(cctx, 100, "Never", change("never")) }()
	waitQueued(t, s, 2)
	go func() { kept <- s.RenameContact(ctx, 200, "Kept", change("kept")) }()
	waitQueued(t, s, 3)
	return release, cancel, cancelled, kept
}

// TestGroupCommitClose: a write still queued when the store closes fails,
// the batch running then finishes, and writes after Close fail.
func TestGroupCommitClose(t *testing.T) {
	s := gcStore(t)
	release := holdWriter(t, s)
	queued := make(chan error, 1)
	go func() { queued <- s.RenameContact(ctx, 100, "Queued", change("queued")) }()
	waitQueued(t, s, 2)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	if err := <-queued; !errors.Is(err, errClosed) {
		t.Errorf("write queued at Close: %v", err)
	}
	release()
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.RenameContact(ctx, 100, "After", change("after")); !errors.Is(err, errClosed) {
		t.Errorf("write after Close: %v", err)
	}
}

// BenchmarkCreateContactConcurrent: 32 writers at once, as the load test
// runs them; group commit shares a transaction and its fsync between them.
func BenchmarkCreateContactConcurrent(b *testing.B) {
	s, owners, c := createBench(b)
	next := make(chan contactd.Owner, b.N)
	for _, o := range owners {
		next <- o
	}
	close(next)
	batches0, writes0 := s.GroupCommitStats()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for o := range next {
				if _, err := s.CreateContact(ctx, o, c, storetest.At(now)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	batches1, writes1 := s.GroupCommitStats()
	if batches1 > batches0 {
		b.ReportMetric(float64(writes1-writes0)/float64(batches1-batches0), "writes/commit")
	}
}

// TestObserveWriteWaits: each write that runs is observed once, as its
// statements begin, with the time since it was queued, which includes the
// writes run ahead of it; a write whose context ended while it was queued
// is not observed, and nil stops observing.
func TestObserveWriteWaits(t *testing.T) {
	s := gcStore(t)
	var mu sync.Mutex
	var waits []time.Duration
	s.ObserveWriteWaits(func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
	})
	observed := func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(waits)
	}
	release, cancel, cancelled, kept := queueBehindHeldWriter(t, s)
	since := time.Now() // the kept write is queued by now
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled queued write: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	held := time.Since(since)
	release()
	if err := <-kept; err != nil {
		t.Fatalf("write queued behind the busy writer: %v", err)
	}
	got := observed()
	if len(got) != 2 {
		t.Fatalf("%d writes observed (%v), want 2: the one holding the writer and the one kept", len(got), got)
	}
	if got[1] < held {
		t.Errorf("the write queued behind a busy writer waited %v, want at least the %v it was held", got[1], held)
	}
	s.ObserveWriteWaits(nil)
	if err := s.RenameContact(ctx, 200, "Unobserved", change("unobserved")); err != nil {
		t.Fatal(err)
	}
	if n := len(observed()); n != 2 {
		t.Errorf("%d writes observed after ObserveWriteWaits(nil)", n)
	}
}
