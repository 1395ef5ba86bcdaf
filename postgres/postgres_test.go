package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth/authtest"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var ctx = context.Background()

// openTemp opens a store on a fresh schema of the test database and
// returns it with the schema's URL.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	_, u := pgtest.Schema(t)
	s, err := Open(ctx, u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) contactd.Store {
		s, _ := openTemp(t)
		return s
	})
}

func TestStoreThreeReplicas(t *testing.T) {
	storetest.Run(t, func(t *testing.T) contactd.Store {
		s, u := openTemp(t)
		stores := []contactd.Store{s}
		for range 2 {
			o, err := Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			stores = append(stores, o)
		}
		return storetest.Replicas(stores...)
	})
}

func TestSkipsWithoutDatabase(t *testing.T) {
	t.Setenv(pgtest.EnvVar, "")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		pgtest.URL(t)
	})
	if !skipped {
		t.Error("pgtest.URL did not skip without " + pgtest.EnvVar)
	}
}

func code(err error) contactd.Code {
	var e *contactd.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var (
	cust  = contactd.CustomerID{Type: contactd.IRD, Value: "069096409"}
	acct  = "069096409INC002"
	now   = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	phone = contactd.Phone{Type: "CELL", Country: "NZ", Number: "0276479952"}
)

// The IDs of smallDataset.
const (
	liveContact int64 = 1295148032    // customer-level PRIMRY, two phones
	livePhoneA  int64 = 9004732142020 // the dataset's highest ID
	livePhoneB  int64 = 1004732142021
	ceasedID    int64 = 1111111111
)

func smallDataset() contactd.Dataset {
	return contactd.Dataset{
		Customers: []contactd.Customer{{ID: cust, Profile: json.RawMessage(`{"name":"LOOK THROUGH COMPANY LTD.","b":1,"a":2}`)}},
		Accounts:  []contactd.Account{{ID: acct, IDType: "ACC", Type: "INC", Customer: cust, Profile: json.RawMessage(`{}`)}},
		Contacts: []contactd.SeedContact{{
			Owner: contactd.OwnerRef{Customer: cust},
			Contact: contactd.Contact{ID: liveContact, Type: contactd.Primary, Name: "Louie Wagner", Updated: now,
				Phones: []contactd.Phone{
					{ID: livePhoneA, Type: "CELL", Country: "NZ", Number: "0276479952"},
					{ID: livePhoneB, Type: "BSN", Country: "NZ", Number: "044451153"},
				}},
		}, {
			Owner:   contactd.OwnerRef{Customer: cust},
			Contact: contactd.Contact{ID: ceasedID, Type: contactd.Secondary, Name: "Deleted", Updated: now},
			Ceased:  true,
		}},
	}
}

func rawStore(t *testing.T) *Store {
	t.Helper()
	s, _ := openTemp(t)
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	return s
}

func rawExec(s *Store, query string, args ...any) error {
	_, err := s.pool.Exec(ctx, query, args...)
	return err
}

func insertRawPhone(s *Store, id, contactID int64) error {
	return rawExec(s, `INSERT INTO phone (id, contact_id, phone_type, country, number) VALUES ($1, $2, 'CELL', 'NZ', '0211234567')`, id, contactID)
}

func livePhones(t *testing.T, s *Store, contactID int64) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM phone WHERE contact_id = $1 AND ceased IS NULL`, contactID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// issue takes a block of IDs from the sequence, as a write would, and
// returns its first.
func issue(t *testing.T, s *Store) int64 {
	t.Helper()
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT nextval('id_sequence')`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestProfileKeptAsStored: profiles are json, not jsonb: the API sends
// them with their keys in the order they were loaded.
func TestProfileKeptAsStored(t *testing.T) {
	s := rawStore(t)
	c, err := s.Customer(ctx, cust)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Profile) != `{"name":"LOOK THROUGH COMPANY LTD.","b":1,"a":2}` {
		t.Errorf("profile = %s", c.Profile)
	}
}

// TestTriggers hits the database with raw SQL, past the Go checks: the
// schema alone holds the invariants.
func TestTriggers(t *testing.T) {
	t.Run("SixthPhone", func(t *testing.T) {
		s := rawStore(t)
		for range 3 {
			if err := insertRawPhone(s, issue(t, s), liveContact); err != nil {
				t.Fatal(err)
			}
		}
		err := insertRawPhone(s, issue(t, s), liveContact)
		if c, ok := ruleCode(err); !ok || c != contactd.CNT103 {
			t.Errorf("raw sixth phone: %v", err)
		}
		if n := livePhones(t, s, liveContact); n != 5 {
			t.Errorf("%d live phones", n)
		}
		// a ceased phone may be inserted (Load does), it does not count
		if err := rawExec(s, `INSERT INTO phone (id, contact_id, phone_type, country, number, ceased) VALUES ($1, $2, 'CELL', 'NZ', '0211234567', now())`,
			issue(t, s), liveContact); err != nil {
			t.Errorf("ceased sixth phone: %v", err)
		}
		// a live phone on a ceased contact is refused
		if err := insertRawPhone(s, issue(t, s), ceasedID); err == nil {
			t.Error("a live phone on a ceased contact was accepted")
		}
	})
	t.Run("SixPhonesInOneStatement", func(t *testing.T) {
		s := rawStore(t)
		c := create(t, s, contactd.Secondary, 1)
		first := issue(t, s)
		err := rawExec(s, `INSERT INTO phone (id, contact_id, phone_type, country, number)
SELECT $1::bigint + n, $2, 'CELL', 'NZ', '0211234567' FROM generate_series(0, 4) AS n`, first, c)
		if cd, ok := ruleCode(err); !ok || cd != contactd.CNT103 {
			t.Errorf("five more phones in one statement: %v", err)
		}
		if n := livePhones(t, s, c); n != 1 {
			t.Errorf("%d live phones after a refused statement", n)
		}
	})
	t.Run("LastPhone", func(t *testing.T) {
		s := rawStore(t)
		if err := rawExec(s, `UPDATE phone SET ceased = now() WHERE id = $1`, livePhoneA); err != nil {
			t.Fatal(err)
		}
		err := rawExec(s, `UPDATE phone SET ceased = now() WHERE id = $1`, livePhoneB)
		if c, ok := ruleCode(err); !ok || c != contactd.CNT103 {
			t.Errorf("raw cease of the last phone: %v", err)
		}
		// both at once is refused too
		s2 := rawStore(t)
		err = rawExec(s2, `UPDATE phone SET ceased = now() WHERE contact_id = $1`, liveContact)
		if c, ok := ruleCode(err); !ok || c != contactd.CNT103 {
			t.Errorf("raw cease of all phones: %v", err)
		}
		if n := livePhones(t, s2, liveContact); n != 2 {
			t.Errorf("%d live phones after a refused statement", n)
		}
		// ceasing the contact ceases its phones with it
		if err := rawExec(s, `UPDATE contact SET ceased = now() WHERE id = $1`, liveContact); err != nil {
			t.Fatal(err)
		}
		if n := livePhones(t, s, liveContact); n != 0 {
			t.Errorf("%d live phones on a ceased contact", n)
		}
	})
	t.Run("OneLivePerType", func(t *testing.T) {
		s := rawStore(t)
		o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
		if err != nil {
			t.Fatal(err)
		}
		err = rawExec(s, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated) VALUES ($1, $2, NULL, 'PRIMRY', 'x', now())`,
			issue(t, s), o.CustomerKey)
		if c, ok := ruleCode(err); !ok || c != contactd.CNT101 {
			t.Errorf("raw second PRIMRY: %v", err)
		}
		// on the account it is another owner
		if err := rawExec(s, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated) VALUES ($1, $2, $3, 'PRIMRY', 'x', now())`,
			issue(t, s), o.CustomerKey, o.AccountKey); err != nil {
			t.Errorf("account PRIMRY: %v", err)
		}
		// an account of another customer is refused
		if err := rawExec(s, `INSERT INTO customer (id_type, id_value) VALUES ('CST', '2')`); err != nil {
			t.Fatal(err)
		}
		if err := rawExec(s, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated)
SELECT $1, key, $2, 'SCNDRY', 'x', now() FROM customer WHERE id_value = '2'`, issue(t, s), o.AccountKey); err == nil {
			t.Error("a contact on another customer's account was accepted")
		}
	})
	t.Run("CeasedStaysCeased", func(t *testing.T) {
		s := rawStore(t)
		for _, q := range []string{
			`UPDATE contact SET ceased = NULL WHERE id = 1111111111`,
			`UPDATE contact SET name = 'back' WHERE id = 1111111111`,
			`DELETE FROM contact WHERE id = 1111111111`,
			`DELETE FROM phone WHERE id = 9004732142020`,
			`TRUNCATE phone`,
			`TRUNCATE contact CASCADE`,
			`UPDATE phone SET contact_id = 1111111111 WHERE id = 9004732142020`,
			`UPDATE contact SET contact_type = 'SCNDRY' WHERE id = 1295148032`,
			`UPDATE contact SET updated = 'epoch' WHERE id = 1295148032`,
			`UPDATE contact SET id = 5 WHERE id = 1295148032`,
			`DELETE FROM issued_id`,
			`UPDATE issued_id SET id = id + 1`,
			// IDs: used by the other kind, above the sequence, above 2^53, bad type
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) SELECT 9004732142020, key, 'SCNDRY', 'clash', now() FROM customer`,
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) SELECT 9004732142100, key, 'SCNDRY', 'ahead', now() FROM customer`,
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) SELECT 9007199254740992, key, 'SCNDRY', 'too big', now() FROM customer`,
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) SELECT 60, key, 'OTHER', 'bad type', now() FROM customer`,
			`INSERT INTO phone (id, contact_id, phone_type, country, number) VALUES (1295148032, 1295148032, 'CELL', 'NZ', '0211234567')`,
			`INSERT INTO phone (id, contact_id, phone_type, country, number) VALUES (1004732142021, 1295148032, 'CELL', 'NZ', '0211234567')`,
		} {
			if err := rawExec(s, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if err := rawExec(s, `UPDATE phone SET ceased = now() WHERE id = 9004732142020`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE phone SET ceased = NULL WHERE id = 9004732142020`,
			`UPDATE phone SET number = '0211111111' WHERE id = 9004732142020`,
		} {
			if err := rawExec(s, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if n := livePhones(t, s, liveContact); n != 1 {
			t.Errorf("%d live phones", n)
		}
	})
	t.Run("AuditAppendOnly", func(t *testing.T) {
		s := rawStore(t)
		if err := s.RenameContact(ctx, liveContact, "Renamed", storetest.At(now)); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE audit SET operation = 'x'`,
			`DELETE FROM audit`,
			`TRUNCATE audit`,
		} {
			if err := rawExec(s, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		recs, err := s.Audit(ctx, contactd.AuditQuery{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("audit: %v, %v", recs, err)
		}
	})
	t.Run("SequenceMovedBack", func(t *testing.T) {
		// Someone resets the sequence by hand: issued_id refuses every ID
		// used before, so the writes fail rather than reuse an ID.
		s := rawStore(t)
		o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: []contactd.Phone{phone}}, storetest.At(now))
		if err != nil {
			t.Fatal(err)
		}
		if err := rawExec(s, `SELECT setval('id_sequence', $1, false)`, id); err != nil {
			t.Fatal(err)
		}
		_, err = s.AddPhone(ctx, liveContact, phone, storetest.At(now))
		if err == nil || code(err) != "" || !strings.Contains(err.Error(), "issued_id") {
			t.Fatalf("AddPhone with a reused ID: %v, want a refusal by issued_id", err)
		}
	})
	t.Run("OwnerKeysFrozen", func(t *testing.T) {
		// the audit trail is found through contacts' owners (migration
		// 004): a customer keeps its key and ID, an account its key, ID
		// and customer
		s := rawStore(t)
		for _, q := range []string{
			`UPDATE customer SET id_value = '49091851'`,
			`UPDATE customer SET key = key + 1000`,
			`UPDATE account SET account_id = 'RENAMED'`,
			`UPDATE account SET key = key + 1000`,
		} {
			if err := rawExec(s, q); err == nil || !strings.Contains(err.Error(), "changed") {
				t.Errorf("%s: %v", q, err)
			}
		}
		if err := rawExec(s, `UPDATE customer SET profile = '{"x":1}'`); err != nil {
			t.Errorf("a customer's profile: %v", err)
		}
		if err := rawExec(s, `UPDATE account SET profile = '{"x":1}'`); err != nil {
			t.Errorf("an account's profile: %v", err)
		}
	})
}

// TestTriggersHoldUnderConcurrency races raw inserts and ceases, past the
// Go checks, from separate connections: the triggers' row lock on the
// contact keeps the count right.
func TestTriggersHoldUnderConcurrency(t *testing.T) {
	s := rawStore(t)
	c := create(t, s, contactd.Secondary, 1)
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	ids := make([]int64, 12)
	for i := range ids {
		ids[i] = issue(t, s)
	}
	for _, id := range ids {
		wg.Go(func() {
			err := insertRawPhone(s, id, c)
			switch cd, _ := ruleCode(err); {
			case err == nil:
				ok.Add(1)
			case cd == contactd.CNT103:
				refused.Add(1)
			default:
				t.Errorf("raw insert: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 4 || refused.Load() != 8 || livePhones(t, s, c) != 5 {
		t.Errorf("12 raw inserts: %d accepted, %d refused, %d live phones; want 4, 8, 5", ok.Load(), refused.Load(), livePhones(t, s, c))
	}
	// and down: five raw ceases at once leave one
	ok.Store(0)
	refused.Store(0)
	rows, err := s.pool.Query(ctx, `SELECT id FROM phone WHERE contact_id = $1 AND ceased IS NULL`, c)
	if err != nil {
		t.Fatal(err)
	}
	live, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range live {
		wg.Go(func() {
			err := rawExec(s, `UPDATE phone SET ceased = now() WHERE id = $1`, id)
			switch cd, _ := ruleCode(err); {
			case err == nil:
				ok.Add(1)
			case cd == contactd.CNT103:
				refused.Add(1)
			default:
				t.Errorf("raw cease: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 4 || refused.Load() != 1 || livePhones(t, s, c) != 1 {
		t.Errorf("5 raw ceases: %d accepted, %d refused, %d live phones; want 4, 1, 1", ok.Load(), refused.Load(), livePhones(t, s, c))
	}
}

func create(t *testing.T, s *Store, typ contactd.ContactType, phones int) int64 {
	t.Helper()
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]contactd.Phone, phones)
	for i := range ps {
		ps[i] = phone
	}
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: typ, Name: "x", Phones: ps}, storetest.At(now))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestIDBlocks: a contact and its phones take consecutive IDs of one
// block; the next write starts the next block.
func TestIDBlocks(t *testing.T) {
	s := rawStore(t)
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x",
		Phones: []contactd.Phone{phone, phone, phone, phone, phone}}, storetest.At(now))
	if err != nil {
		t.Fatal(err)
	}
	if id != livePhoneA+1 {
		t.Errorf("first contact after the load: %d, want %d", id, livePhoneA+1)
	}
	cs, err := s.Contacts(ctx, o)
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	for i, p := range cs[0].Phones {
		if p.ID != id+1+int64(i) {
			t.Errorf("phone %d: ID %d, want %d", i, p.ID, id+1+int64(i))
		}
	}
	pid, err := s.AddPhone(ctx, liveContact, phone, storetest.At(now))
	if err != nil || pid != id+idBlock {
		t.Errorf("AddPhone = %d, %v; want %d", pid, err, id+idBlock)
	}
}

// TestSequenceExhausted: no ID at or above 2^53 is ever issued.
func TestSequenceExhausted(t *testing.T) {
	s := rawStore(t)
	last := int64(contactd.MaxID - idBlock + 1) // the last block's first ID
	if err := rawExec(s, `SELECT setval('id_sequence', $1, false)`, last); err != nil {
		t.Fatal(err)
	}
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x",
		Phones: []contactd.Phone{phone, phone, phone, phone, phone}}, storetest.At(now))
	if err != nil || id != last {
		t.Fatalf("CreateContact = %d, %v; want the last block", id, err)
	}
	cs, err := s.Contacts(ctx, o)
	if err != nil || cs[0].Phones[4].ID != contactd.MaxID {
		t.Fatalf("last phone: %+v, %v; want ID 2^53-1", cs, err)
	}
	_, err = s.AddPhone(ctx, liveContact, phone, storetest.At(now))
	if err == nil || code(err) != "" {
		t.Fatalf("AddPhone past 2^53: %v, want an unexpected error", err)
	}
}

// TestLoadRaisesSequenceAcrossReplicas: a Load on one replica moves the
// sequence that every replica draws from.
func TestLoadRaisesSequenceAcrossReplicas(t *testing.T) {
	s, u := openTemp(t)
	other, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	o, err := other.Owner(ctx, contactd.OwnerRef{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	id, err := other.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: []contactd.Phone{phone}}, storetest.At(now))
	if err != nil || id <= livePhoneA {
		t.Fatalf("CreateContact on the other replica = %d, %v; want above %d", id, err, livePhoneA)
	}
	// a Load with lower IDs leaves the sequence where it is
	c2 := contactd.CustomerID{Type: contactd.CST, Value: "5"}
	if err := other.Load(ctx, contactd.Dataset{
		Customers: []contactd.Customer{{ID: c2}},
		Contacts: []contactd.SeedContact{{Owner: contactd.OwnerRef{Customer: c2},
			Contact: contactd.Contact{ID: 10, Type: contactd.Primary, Name: "low", Phones: []contactd.Phone{{ID: 11, Type: "HOM", Country: "NZ", Number: "073471234"}}}}},
	}); err != nil {
		t.Fatal(err)
	}
	pid, err := s.AddPhone(ctx, id, phone, storetest.At(now))
	if err != nil || pid <= id {
		t.Fatalf("AddPhone = %d, %v; want above %d", pid, err, id)
	}
	// keys given and keys chosen do not collide
	if err := s.Load(ctx, contactd.Dataset{Customers: []contactd.Customer{
		{Key: 100, ID: contactd.CustomerID{Type: contactd.CST, Value: "6"}},
		{ID: contactd.CustomerID{Type: contactd.CST, Value: "7"}},
	}}); err != nil {
		t.Fatal(err)
	}
	c7, err := s.Customer(ctx, contactd.CustomerID{Type: contactd.CST, Value: "7"})
	if err != nil || c7.Key <= 100 {
		t.Fatalf("a chosen key after a given key 100: %+v, %v", c7, err)
	}
}

// TestSeedRace: replicas starting together on an empty database each ask
// Empty and, told it is empty, Load the sandbox personas (sandbox.Seed, as
// serve runs it): exactly one of them loads, and the others are told the
// database is not empty.
func TestSeedRace(t *testing.T) {
	d := sandbox.Dataset()
	for round := range 3 {
		_, u := pgtest.Schema(t)
		const n = 4
		stores := make([]*Store, n)
		for i := range stores {
			s, err := Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			stores[i] = s
		}
		var wg sync.WaitGroup
		var loads atomic.Int32
		for _, s := range stores {
			wg.Go(func() {
				loaded, err := sandbox.Seed(ctx, s)
				if err != nil {
					t.Errorf("Seed: %v", err)
				}
				if loaded {
					loads.Add(1)
				}
			})
		}
		wg.Wait()
		var customers, contacts int
		stores[0].pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM contact)`).Scan(&customers, &contacts)
		if loads.Load() != 1 || customers != len(d.Customers) || contacts != len(d.Contacts) {
			t.Errorf("round %d: %d of %d concurrent seeds loaded; %d customers and %d contacts, want 1 load, %d and %d",
				round, loads.Load(), n, customers, contacts, len(d.Customers), len(d.Contacts))
		}
		// no claim is left behind: the seed lock is free
		var free bool
		stores[1].pool.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('contactd.seed'), hashtext(current_schema()))`).Scan(&free)
		if !free {
			t.Errorf("round %d: the seed lock is still held", round)
		}
	}
}

// TestEmptyClaim: an Empty that answers true holds the claim until the
// Load that follows, even a failing one; Close drops it too.
func TestEmptyClaim(t *testing.T) {
	s, u := openTemp(t)
	other, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lockFree := func() bool {
		conn := pgtest.Connect(t, u)
		var free bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('contactd.seed'), hashtext(current_schema()))`).Scan(&free); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
		return free
	}
	if empty, err := s.Empty(ctx); !empty || err != nil {
		t.Fatalf("Empty = %v, %v", empty, err)
	}
	if empty, err := s.Empty(ctx); !empty || err != nil {
		t.Fatalf("Empty again = %v, %v", empty, err)
	}
	if lockFree() {
		t.Error("no claim after Empty answered true")
	}
	// another process's Empty waits for the claim
	answered := make(chan bool, 1)
	go func() {
		empty, err := other.Empty(ctx)
		if err != nil {
			t.Error(err)
		}
		answered <- empty
	}()
	select {
	case <-answered:
		t.Fatal("another Store's Empty answered while the claim was held")
	case <-time.After(300 * time.Millisecond):
	}
	bad := smallDataset()
	bad.Contacts[0].Contact.Phones = nil // a live contact without phones
	if err := s.Load(ctx, bad); err == nil {
		t.Fatal("a bad Load succeeded")
	}
	// the failed Load released the claim: the other Store took it, and it
	// is still empty
	if empty := <-answered; !empty {
		t.Error("the other Store's Empty = false after a failed Load")
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if !lockFree() {
		t.Error("Close left the claim held")
	}
	if empty, err := s.Empty(ctx); !empty || err != nil {
		t.Fatalf("Empty = %v, %v", empty, err)
	}
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	if !lockFree() {
		t.Error("a Load left the claim held")
	}
	if empty, err := s.Empty(ctx); empty || err != nil {
		t.Errorf("Empty after Load = %v, %v", empty, err)
	}
}

// TestMigrateConcurrently: replicas opening a new schema at once take
// turns on the migrations; each is applied once.
func TestMigrateConcurrently(t *testing.T) {
	schema, u := pgtest.Schema(t)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			s, err := Open(ctx, u)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Go(func() {
		if _, err := Migrate(ctx, Config{URL: u}); err != nil {
			t.Errorf("Migrate: %v", err)
		}
	})
	wg.Wait()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn := pgtest.Connect(t, u)
	var n, distinct int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations: %d rows, %d versions, want %d", n, distinct, len(ms))
	}
	applied, err := Migrate(ctx, Config{URL: u})
	if err != nil || len(applied) != 0 {
		t.Errorf("Migrate again: %v, %v", applied, err)
	}
	// the functions are pinned to the schema
	var cfg []string
	want := "search_path=" + pgx.Identifier{schema}.Sanitize()
	if err := conn.QueryRow(ctx, `SELECT proconfig FROM pg_proc WHERE proname = 'phone_insert' AND pronamespace = $1::regnamespace`,
		schema).Scan(&cfg); err != nil || len(cfg) != 1 || cfg[0] != want {
		t.Errorf("phone_insert's config: %v, %v", cfg, err)
	}
}

func TestMigrations(t *testing.T) {
	t.Run("NewerSchemaRefused", func(t *testing.T) {
		s, u := openTemp(t)
		if err := rawExec(s, `INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')`); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, u); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("Open on a newer schema: %v", err)
		}
		if _, err := OpenConfig(ctx, Config{URL: u, NoMigrate: true}); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("Open (no migrate) on a newer schema: %v", err)
		}
	})
	t.Run("NoMigrateNeedsMigrated", func(t *testing.T) {
		_, u := pgtest.Schema(t)
		if _, err := OpenConfig(ctx, Config{URL: u, NoMigrate: true}); err == nil || !strings.Contains(err.Error(), "contactd migrate") {
			t.Errorf("Open (no migrate) on an empty schema: %v", err)
		}
		if _, err := Migrate(ctx, Config{URL: u}); err != nil {
			t.Fatal(err)
		}
		s, err := OpenConfig(ctx, Config{URL: u, NoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
	t.Run("MissingSchema", func(t *testing.T) {
		u := pgtest.WithSearchPath(t, pgtest.URL(t), "contactd_test_no_such_schema")
		if _, err := Open(ctx, u); err == nil || !strings.Contains(err.Error(), "create it first") {
			t.Errorf("Open with a missing schema: %v", err)
		}
	})
	t.Run("SchemaOption", func(t *testing.T) {
		schema, _ := pgtest.Schema(t)
		s, err := OpenConfig(ctx, Config{URL: pgtest.URL(t), Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Schema() != schema {
			t.Errorf("Schema() = %q, want %q", s.Schema(), schema)
		}
	})
	t.Run("NotAURL", func(t *testing.T) {
		for _, db := range []string{"contactd.db", "", "mysql://x"} {
			if _, err := Open(ctx, db); err == nil {
				t.Errorf("Open(%q) succeeded", db)
			}
		}
		if !IsURL("postgres://h/db") || !IsURL("PostgreSQL://h/db") || IsURL("contactd.db") {
			t.Error("IsURL")
		}
	})
}

// TestAuditSeqIsCommitOrder: while writers on several replicas commit
// concurrently, a reader that pages with AfterSeq from the last seq it saw
// never misses a record.
func TestAuditSeqIsCommitOrder(t *testing.T) {
	s, u := openTemp(t)
	d := contactd.Dataset{}
	const writers = 8
	for i := range writers {
		d.Customers = append(d.Customers, contactd.Customer{ID: contactd.CustomerID{Type: contactd.CST, Value: fmt.Sprint(100 + i)}})
	}
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := range writers {
		st := s
		if i%2 == 1 {
			st = other
		}
		wg.Go(func() {
			o, err := st.Owner(ctx, contactd.OwnerRef{Customer: d.Customers[i].ID})
			if err != nil {
				t.Error(err)
				return
			}
			id, err := st.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: []contactd.Phone{phone}}, storetest.At(now))
			if err != nil {
				t.Error(err)
				return
			}
			for n := 0; !done.Load() && n < 300; n++ {
				if err := st.RenameContact(ctx, id, fmt.Sprint(n), storetest.At(now)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	seen := map[int64]bool{}
	var last int64
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		recs, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: last})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			seen[r.Seq] = true
			last = r.Seq
		}
	}
	done.Store(true)
	wg.Wait()
	recs, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: last})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		seen[r.Seq] = true
	}
	all, err := s.Audit(ctx, contactd.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	missed := 0
	for _, r := range all {
		if !seen[r.Seq] {
			missed++
		}
	}
	t.Logf("%d audit records written by %d writers on 2 replicas", len(all), writers)
	if missed > 0 || len(all) < writers {
		t.Errorf("the tailing reader missed %d of %d records", missed, len(all))
	}
}

// TestLoadBulk loads 100k customers, each with an account and a contact
// with a phone, in one transaction (10k under -short or -race).
func TestLoadBulk(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 10_000
	}
	s, _ := openTemp(t)
	d := contactd.Dataset{
		Customers: make([]contactd.Customer, n),
		Accounts:  make([]contactd.Account, n),
		Contacts:  make([]contactd.SeedContact, n),
	}
	for i := range n {
		id := contactd.CustomerID{Type: contactd.IRD, Value: fmt.Sprintf("%09d", 10_000_000+i)}
		a := id.Value + "INC001"
		d.Customers[i] = contactd.Customer{ID: id, Profile: json.RawMessage(`{"name":"Synthetic"}`)}
		d.Accounts[i] = contactd.Account{ID: a, Type: "INC", Customer: id}
		d.Contacts[i] = contactd.SeedContact{Owner: contactd.OwnerRef{AccountID: a},
			Contact: contactd.Contact{ID: int64(1_000_000 + 2*i), Type: contactd.Primary, Name: "Contact", Updated: now,
				Phones: []contactd.Phone{{ID: int64(1_000_001 + 2*i), Type: "CELL", Country: "NZ", Number: "0211234567"}}}}
	}
	start := time.Now()
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d customers, accounts, contacts and phones in %v", n, time.Since(start))
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: d.Accounts[n-1].ID})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.Contacts(ctx, o)
	if err != nil || len(cs) != 1 || cs[0].ID != d.Contacts[n-1].Contact.ID {
		t.Fatalf("last contact: %+v, %v", cs, err)
	}
}

// TestUnreachable: a database that refuses connections, or one that
// accepts them and never answers, fails every call within the operation
// timeout instead of hanging.
func TestUnreachable(t *testing.T) {
	base := pgtest.URL(t)
	// a port nothing listens on
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().String()
	l.Close()
	// a port that accepts and then says nothing
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	for _, tc := range []struct{ name, addr string }{{"refused", refused}, {"silent", silent.Addr().String()}} {
		t.Run(tc.name, func(t *testing.T) {
			u := strings.Replace(base, "127.0.0.1:5432", tc.addr, 1)
			if u == base {
				t.Skip("the test database is not at 127.0.0.1:5432")
			}
			start := time.Now()
			_, err := Open(ctx, u)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			t.Logf("Open failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
			if time.Since(start) > 2*defaultConnectTimeout+time.Second {
				t.Errorf("Open took %v", time.Since(start))
			}
		})
	}
}

// TestRecovers: with every connection of the store's pool terminated from
// outside, again and again, calls fail quickly with an error (never hang),
// and the store works again by itself once the terminations stop.
func TestRecovers(t *testing.T) {
	schema, u := pgtest.Schema(t)
	// the store's connections are told apart by their application_name
	s, err := Open(ctx, u+"&application_name="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	admin := pgtest.Connect(t, u)
	kill := func() int {
		var n int
		admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = $1 AND pid <> pg_backend_pid()`, schema).Scan(&n)
		return n
	}
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	// Warm the pool, then cut it.
	for range 4 {
		if _, err := s.Contacts(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	stopped := make(chan struct{}) // the killer no longer uses admin
	var killed atomic.Int64
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			killed.Add(int64(kill()))
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var failed, slowest time.Duration
	var failures, successes int
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		start := time.Now()
		_, err := s.Contacts(ctx, o)
		took := time.Since(start)
		slowest = max(slowest, took)
		if err != nil {
			failures++
			failed = took
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code != "57P01" {
				t.Errorf("unexpected error: %v", err)
			}
		} else {
			successes++
		}
	}
	close(stop)
	<-stopped
	t.Logf("while cutting (%d backends terminated): %d failures (last after %v), %d successes, slowest call %v",
		killed.Load(), failures, failed, successes, slowest)
	if slowest > DefaultOpTimeout+time.Second {
		t.Errorf("a call took %v while the database was cut", slowest)
	}
	// service again, at once
	start := time.Now()
	for {
		_, err := s.Contacts(ctx, o)
		if err == nil {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no recovery after %v: %v", time.Since(start), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("recovered after %v", time.Since(start))
	if _, err := s.AddPhone(ctx, liveContact, phone, storetest.At(now)); err != nil {
		t.Fatalf("a write after recovery: %v", err)
	}
}

// BenchmarkPhoneWrites adds a phone to a live contact and ceases it again,
// one write at a time: the latency of a write, most of it round trips to
// the server (docs/performance.md, PostgreSQL).
func BenchmarkPhoneWrites(b *testing.B) {
	s, _ := openTemp(b)
	if err := s.Load(ctx, smallDataset()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		id, err := s.AddPhone(ctx, liveContact, phone, storetest.At(now))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.CeasePhone(ctx, id, storetest.At(now)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCertificateSHA1Filled: a certificate whose SHA-1 thumbprint is not
// recorded (as after migration 005 on a registry filled before it) is
// found by it once the store opens again (FillSHA1).
func TestCertificateSHA1Filled(t *testing.T) {
	s, u := openTemp(t)
	c := authtest.SelfSigned(t, "registered before 005", 1)
	cert, err := contactd.ParseCertificatePEM("acme", c.PEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportRegistry(ctx, contactd.RegistryData{
		Parties:      []contactd.Party{{ID: "acme", Kind: contactd.PartyIntermediary}},
		Certificates: []contactd.Certificate{cert},
	}); err != nil {
		t.Fatal(err)
	}
	if err := rawExec(s, `UPDATE reg_certificate SET sha1 = NULL`); err != nil {
		t.Fatal(err)
	}
	sha1 := contactd.ThumbprintSHA1(c.Cert.Raw)
	if _, err := s.Certificate(ctx, sha1); !errors.Is(err, contactd.ErrNotRegistered) {
		t.Fatalf("before: %v", err)
	}
	again, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, err := again.Certificate(ctx, sha1); err != nil || got.Thumbprint != cert.Thumbprint {
		t.Fatalf("by SHA-1 after opening again: %+v, %v", got, err)
	}
}
