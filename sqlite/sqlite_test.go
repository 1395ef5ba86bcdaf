package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/storetest"
)

var ctx = context.Background()

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "contactd.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) contactd.Store {
		s, _ := openTemp(t)
		t.Cleanup(func() {
			// every write ran statements prepared when the store opened
			if n := s.misses.Load(); n != 0 {
				t.Errorf("%d write statements were not in writeQueries", n)
			}
		})
		return s
	})
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

func smallDataset() contactd.Dataset {
	return contactd.Dataset{
		Customers: []contactd.Customer{{ID: cust, Profile: json.RawMessage(`{"name":"LOOK THROUGH COMPANY LTD."}`)}},
		Accounts:  []contactd.Account{{ID: acct, IDType: "ACC", Type: "INC", Customer: cust, Profile: json.RawMessage(`{}`)}},
		Contacts: []contactd.SeedContact{{
			Owner: contactd.OwnerRef{Customer: cust},
			Contact: contactd.Contact{ID: 1295148032, Type: contactd.Primary, Name: "Louie Wagner", Updated: now,
				Phones: []contactd.Phone{
					{ID: 9004732142020, Type: "CELL", Country: "NZ", Number: "0276479952"},
					{ID: 1004732142021, Type: "BSN", Country: "NZ", Number: "044451153"},
				}},
		}, {
			Owner:   contactd.OwnerRef{Customer: cust},
			Contact: contactd.Contact{ID: 1111111111, Type: contactd.Secondary, Name: "Deleted", Updated: now},
			Ceased:  true,
		}},
	}
}

func TestReopenKeepsData(t *testing.T) {
	s, path := openTemp(t)
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	o := storetest.Owner(t, s, contactd.OwnerRef{Customer: cust})
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Secondary, Name: "New", Phones: []contactd.Phone{phone}}, storetest.At(now))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	o2, err := s2.Owner(ctx, contactd.OwnerRef{Customer: cust})
	if err != nil || o2 != o {
		t.Fatalf("Owner after reopen = %+v, %v; want %+v", o2, err, o)
	}
	cs, err := s2.Contacts(ctx, o2)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ID != 1295148032 || cs[1].ID != id || len(cs[0].Phones) != 2 || cs[1].Name != "New" {
		t.Fatalf("contacts after reopen: %+v", cs)
	}
	// the sequence survives too: the next ID is above the last one issued
	id2, err := s2.AddPhone(ctx, id, phone, storetest.At(now))
	if err != nil || id2 <= cs[1].Phones[0].ID {
		t.Fatalf("AddPhone after reopen = %d, %v; want above %d", id2, err, cs[1].Phones[0].ID)
	}
	if _, err := s2.ContactOwner(ctx, 1111111111); code(err) != contactd.CST404 {
		t.Fatalf("ceased contact after reopen: %v", err)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	s, path := openTemp(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("migrations: %+v", ms)
	}
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		// migrating again on an open store changes nothing either
		if err := migrate(ctx, s.w); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
		var n, newest, userVersion int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &newest); err != nil {
			t.Fatal(err)
		}
		if err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&userVersion); err != nil {
			t.Fatal(err)
		}
		last := ms[len(ms)-1].Version
		if n != len(ms) || newest != last || userVersion != last {
			t.Errorf("schema_migrations: %d rows up to %d, user_version %d; want %d up to %d", n, newest, userVersion, len(ms), last)
		}
		if empty, err := s.Empty(ctx); err != nil || empty {
			t.Errorf("Empty after reopen = %v, %v", empty, err)
		}
		s.Close()
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (999, '999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s2, err := Open(ctx, path); err == nil {
		s2.Close()
		t.Fatal("Open accepted a database from a newer schema")
	}
}

func TestOpenRefusesMemory(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file::memory:?mode=memory"} {
		if s, err := Open(ctx, p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "contact d.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at %q", path)
	}
}

func TestPragmas(t *testing.T) {
	s, path := openTemp(t)
	for _, pool := range []struct {
		name string
		read bool
	}{{"write", false}, {"read", true}} {
		db := s.w
		if pool.read {
			db = s.r
		}
		// several connections at once, so that the pool opens more than one
		n := 1
		if pool.read {
			n = 4
		}
		conns := make([]*sql.Conn, 0, n)
		for range n {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			var mode string
			var sync, fk, busy, queryOnly, temp, checkpoint, cache int
			for q, dst := range map[string]any{
				"PRAGMA journal_mode": &mode, "PRAGMA synchronous": &sync, "PRAGMA foreign_keys": &fk,
				"PRAGMA busy_timeout": &busy, "PRAGMA query_only": &queryOnly, "PRAGMA temp_store": &temp,
				"PRAGMA wal_autocheckpoint": &checkpoint, "PRAGMA cache_size": &cache,
			} {
				if err := c.QueryRowContext(ctx, q).Scan(dst); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if mode != "wal" || sync != 2 || fk != 1 || busy != int(busyTimeout.Milliseconds()) || (queryOnly == 1) != pool.read ||
				temp != 2 || checkpoint != walAutocheckpoint || cache != -pageCacheKiB {
				t.Errorf("%s pool conn %d: journal_mode %s synchronous %d foreign_keys %d busy_timeout %d query_only %d temp_store %d wal_autocheckpoint %d cache_size %d",
					pool.name, i, mode, sync, fk, busy, queryOnly, temp, checkpoint, cache)
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
	// the write pool begins IMMEDIATE: a transaction holds the write lock
	// from its start, so a write from another connection times out at once
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	oc, err := other.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer oc.Close()
	if _, err := oc.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	_, err = oc.ExecContext(ctx, `INSERT INTO customer (id_type, id_value) VALUES ('CST', '1')`)
	if code, _ := errorCode(err); code&0xff != sqliteBusy {
		t.Errorf("a write beside an open write transaction: %v, want SQLITE_BUSY", err)
	}
}

func rawStore(t *testing.T) (*Store, int64) {
	t.Helper()
	s, _ := openTemp(t)
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	return s, 1295148032
}

func rawExec(s *Store, query string, args ...any) error {
	_, err := s.w.ExecContext(ctx, query, args...)
	return err
}

func insertRawPhone(s *Store, id, contactID int64) error {
	return rawExec(s, `INSERT INTO phone (id, contact_id, phone_type, country, number) VALUES (?, ?, 'CELL', 'NZ', '0211234567')`, id, contactID)
}

func livePhones(t *testing.T, s *Store, contactID int64) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM phone WHERE contact_id = ? AND ceased IS NULL`, contactID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTriggers hits the database with raw SQL, past the Go checks: the
// schema alone holds the invariants.
func TestTriggers(t *testing.T) {
	t.Run("SixthPhone", func(t *testing.T) {
		s, c := rawStore(t)
		for i := range 3 {
			if err := insertRawPhone(s, 10+int64(i), c); err != nil {
				t.Fatal(err)
			}
		}
		err := insertRawPhone(s, 20, c)
		if code, ok := ruleCode(err); !ok || code != contactd.CNT103 {
			t.Errorf("raw sixth phone: %v", err)
		}
		if n := livePhones(t, s, c); n != 5 {
			t.Errorf("%d live phones", n)
		}
		// a ceased phone may be inserted (Load does), it does not count
		if err := rawExec(s, `INSERT INTO phone (id, contact_id, phone_type, country, number, ceased) VALUES (21, ?, 'CELL', 'NZ', '0211234567', 1)`, c); err != nil {
			t.Errorf("ceased sixth phone: %v", err)
		}
	})
	t.Run("LastPhone", func(t *testing.T) {
		s, c := rawStore(t)
		if err := rawExec(s, `UPDATE phone SET ceased = 1 WHERE id = 9004732142020`); err != nil {
			t.Fatal(err)
		}
		err := rawExec(s, `UPDATE phone SET ceased = 1 WHERE id = 1004732142021`)
		if code, ok := ruleCode(err); !ok || code != contactd.CNT103 {
			t.Errorf("raw cease of the last phone: %v", err)
		}
		// both at once is refused too
		s2, c2 := rawStore(t)
		err = rawExec(s2, `UPDATE phone SET ceased = 1 WHERE contact_id = ?`, c2)
		if code, ok := ruleCode(err); !ok || code != contactd.CNT103 {
			t.Errorf("raw cease of all phones: %v", err)
		}
		if n := livePhones(t, s2, c2); n != 2 {
			t.Errorf("%d live phones after a refused statement", n)
		}
		// ceasing the contact ceases its phones with it
		if err := rawExec(s, `UPDATE contact SET ceased = 2 WHERE id = ?`, c); err != nil {
			t.Fatal(err)
		}
		if n := livePhones(t, s, c); n != 0 {
			t.Errorf("%d live phones on a ceased contact", n)
		}
	})
	t.Run("OneLivePerType", func(t *testing.T) {
		s, _ := rawStore(t)
		err := rawExec(s, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated) VALUES (50, 1, NULL, 'PRIMRY', 'x', 0)`)
		if code, ok := ruleCode(err); !ok || code != contactd.CNT101 {
			t.Errorf("raw second PRIMRY: %v", err)
		}
		// on the account it is another owner
		if err := rawExec(s, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated) VALUES (50, 1, 1, 'PRIMRY', 'x', 0)`); err != nil {
			t.Errorf("account PRIMRY: %v", err)
		}
		// an account of another customer is refused
		if err := rawExec(s, `INSERT INTO customer (key, id_type, id_value) VALUES (2, 'CST', '2')`); err != nil {
			t.Fatal(err)
		}
		if err := rawExec(s, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated) VALUES (51, 2, 1, 'SCNDRY', 'x', 0)`); err == nil {
			t.Error("a contact on another customer's account was accepted")
		}
	})
	t.Run("CeasedStaysCeased", func(t *testing.T) {
		s, c := rawStore(t)
		for _, q := range []string{
			`UPDATE contact SET ceased = NULL WHERE id = 1111111111`,
			`UPDATE contact SET name = 'back' WHERE id = 1111111111`,
			`DELETE FROM contact WHERE id = 1111111111`,
			`DELETE FROM phone WHERE id = 9004732142020`,
			`UPDATE phone SET contact_id = 1111111111 WHERE id = 9004732142020`,
			`UPDATE contact SET contact_type = 'SCNDRY' WHERE id = 1295148032`,
			`UPDATE contact SET updated = 0 WHERE id = 1295148032`,
			`UPDATE id_sequence SET next = 1`,
			`DELETE FROM id_sequence`,
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) VALUES (9004732142020, 1, 'SCNDRY', 'clash', 0)`,
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) VALUES (9007199254740992, 1, 'SCNDRY', 'too big', 0)`,
			`INSERT INTO contact (id, customer_key, contact_type, name, updated) VALUES (60, 1, 'OTHER', 'bad type', 0)`,
		} {
			if err := rawExec(s, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if err := rawExec(s, `UPDATE phone SET ceased = 1 WHERE id = 9004732142020`); err != nil {
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
		if n := livePhones(t, s, c); n != 1 {
			t.Errorf("%d live phones", n)
		}
	})
	t.Run("AccountCustomerID", func(t *testing.T) {
		// an account's copy of its customer's ID (migration 005) is that
		// ID, and neither it nor the customer's ever changes
		s, _ := rawStore(t)
		if err := rawExec(s, `INSERT INTO customer (key, id_type, id_value) VALUES (77, 'IRD', '49091850')`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO account (account_id, account_type, customer_key, customer_id_type, customer_id_value) VALUES ('X1', 'INC', 77, 'IRD', '069096409')`,
			`INSERT INTO account (account_id, account_type, customer_key, customer_id_type, customer_id_value) VALUES ('X2', 'INC', 77, 'CST', '49091850')`,
			`INSERT INTO account (account_id, account_type, customer_key) VALUES ('X3', 'INC', 77)`,
			`UPDATE account SET customer_id_value = '49091850' WHERE account_id = '` + acct + `'`,
			`UPDATE account SET customer_key = 77, customer_id_value = '49091850' WHERE account_id = '` + acct + `'`,
			`UPDATE customer SET id_value = '49091851' WHERE key = 77`,
		} {
			if err := rawExec(s, q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if err := rawExec(s, `INSERT INTO account (account_id, account_type, customer_key, customer_id_type, customer_id_value) VALUES ('X4', 'INC', 77, 'IRD', '49091850')`); err != nil {
			t.Errorf("an account with its customer's ID: %v", err)
		}
		if err := rawExec(s, `UPDATE customer SET profile = '{"name":"x"}' WHERE key = 77`); err != nil {
			t.Errorf("a customer's profile: %v", err)
		}
	})
	t.Run("OwnerKeysFrozen", func(t *testing.T) {
		// the audit trail is found through contacts' owners (migration
		// 006): an account keeps its ID and key, a customer its key
		s, _ := rawStore(t)
		for _, q := range []string{
			`UPDATE account SET account_id = 'RENAMED' WHERE account_id = '` + acct + `'`,
			`UPDATE account SET key = key + 1000 WHERE account_id = '` + acct + `'`,
			`UPDATE customer SET key = key + 1000`,
		} {
			if err := rawExec(s, q); err == nil || !strings.Contains(err.Error(), "changed") {
				t.Errorf("%s: %v", q, err)
			}
		}
		if err := rawExec(s, `UPDATE account SET profile = '{"x":1}' WHERE account_id = '`+acct+`'`); err != nil {
			t.Errorf("an account's profile: %v", err)
		}
	})
	t.Run("SequenceFollowsInserts", func(t *testing.T) {
		s, c := rawStore(t)
		if err := insertRawPhone(s, 8_000_000_000_000_000, c); err != nil {
			t.Fatal(err)
		}
		var next int64
		if err := s.r.QueryRowContext(ctx, `SELECT next FROM id_sequence`).Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next != 8_000_000_000_000_001 {
			t.Errorf("next = %d", next)
		}
	})
}

// TestSequenceExhausted: no ID at or above 2^53 is ever issued.
func TestSequenceExhausted(t *testing.T) {
	s, c := rawStore(t)
	if err := rawExec(s, `UPDATE id_sequence SET next = ?`, int64(contactd.MaxID)); err != nil {
		t.Fatal(err)
	}
	id, err := s.AddPhone(ctx, c, phone, storetest.At(now))
	if err != nil || id != contactd.MaxID {
		t.Fatalf("AddPhone = %d, %v; want the last ID", id, err)
	}
	o := storetest.Owner(t, s, contactd.OwnerRef{AccountID: acct})
	_, err = s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: []contactd.Phone{phone}}, storetest.At(now))
	if err == nil || code(err) != "" {
		t.Fatalf("CreateContact past 2^53: %v, want an unexpected error", err)
	}
}

// TestConcurrentWritersNeverBusy: many writers on one store, and two
// stores on one file, never see "database is locked".
func TestConcurrentWritersNeverBusy(t *testing.T) {
	s, path := openTemp(t)
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var d contactd.Dataset
	const n = 60
	for i := range n {
		id := contactd.CustomerID{Type: contactd.CST, Value: fmt.Sprint(100 + i)}
		d.Customers = append(d.Customers, contactd.Customer{ID: id})
	}
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			st := s
			if i%2 == 1 {
				st = s2
			}
			o, err := st.Owner(ctx, contactd.OwnerRef{Customer: d.Customers[i].ID})
			if err == nil {
				_, err = st.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: []contactd.Phone{phone, phone}}, storetest.At(now))
			}
			errs <- err
		}()
	}
	close(start)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestLoadBulk loads 100k customers, each with an account and a contact
// with a phone, in one transaction (fewer under -short).
func TestLoadBulk(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 10_000
	}
	s, _ := openTemp(t)
	d := bulkDataset(n)
	start := time.Now()
	if err := s.Load(ctx, d); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("loaded %d customers, accounts, contacts and phones in %v", n, took)
	if !raceEnabled && took > 30*time.Second*time.Duration(n)/100_000 {
		t.Errorf("Load of %d took %v", n, took)
	}
	o := storetest.Owner(t, s, contactd.OwnerRef{AccountID: d.Accounts[n-1].ID})
	cs, err := s.Contacts(ctx, o)
	if err != nil || len(cs) != 1 || cs[0].ID != d.Contacts[n-1].Contact.ID {
		t.Fatalf("last contact: %+v, %v", cs, err)
	}
}

func bulkDataset(n int) contactd.Dataset {
	d := contactd.Dataset{
		Customers: make([]contactd.Customer, n),
		Accounts:  make([]contactd.Account, n),
		Contacts:  make([]contactd.SeedContact, n),
	}
	profile := json.RawMessage(`{"name":"Synthetic","entity":"INDIVIDUAL"}`)
	for i := range n {
		id := contactd.CustomerID{Type: contactd.IRD, Value: fmt.Sprintf("%09d", 10_000_000+i)}
		acc := fmt.Sprintf("%sINC001", id.Value)
		d.Customers[i] = contactd.Customer{ID: id, Profile: profile}
		d.Accounts[i] = contactd.Account{ID: acc, IDType: "ACC", Type: "INC", Customer: id, Profile: json.RawMessage(`{}`)}
		d.Contacts[i] = contactd.SeedContact{
			Owner: contactd.OwnerRef{AccountID: acc},
			Contact: contactd.Contact{ID: int64(1_000_000 + 2*i), Type: contactd.Primary, Name: "Contact", Updated: now,
				Phones: []contactd.Phone{{ID: int64(1_000_001 + 2*i), Type: "CELL", Country: "NZ", Number: "0211234567"}}},
		}
	}
	return d
}

// createBench is the store of BenchmarkCreateContact and
// BenchmarkCreateContactConcurrent: b.N customers without contacts, whose
// owners it returns, and the contact each gets.
func createBench(b *testing.B) (*Store, []contactd.Owner, contactd.Contact) {
	b.Helper()
	s, _ := openTemp(b)
	d := bulkDataset(b.N)
	d.Contacts = nil
	if err := s.Load(ctx, d); err != nil {
		b.Fatal(err)
	}
	owners := make([]contactd.Owner, b.N)
	for i := range owners {
		owners[i] = storetest.Owner(b, s, contactd.OwnerRef{Customer: d.Customers[i].ID})
	}
	return s, owners, contactd.Contact{Type: contactd.Primary, Name: "Bench", Phones: []contactd.Phone{phone, phone}}
}

func BenchmarkCreateContact(b *testing.B) {
	s, owners, c := createBench(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.CreateContact(ctx, owners[i], c, storetest.At(now)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContacts(b *testing.B) {
	s, _ := openTemp(b)
	if err := s.Load(ctx, bulkDataset(10_000)); err != nil {
		b.Fatal(err)
	}
	o := storetest.Owner(b, s, contactd.OwnerRef{AccountID: "010005000INC001"})
	// the account holds a PRIMRY with one phone; give it a SCNDRY with 5
	if _, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Secondary, Name: "Five",
		Phones: []contactd.Phone{phone, phone, phone, phone, phone}}, storetest.At(
		now)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if cs, err := s.Contacts(ctx, o); err != nil || len(cs) != 2 {
				b.Fatal(cs, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if cs, err := s.Contacts(ctx, o); err != nil || len(cs) != 2 {
					b.Error(cs, err)
					return
				}
			}
		})
	})
}

// BenchmarkAccountContacts is the Account read's one call, on an account
// of 10,000 with one contact: the cost that the records' subquery adds to
// a read of an account without records.
func BenchmarkAccountContacts(b *testing.B) {
	s, _ := openTemp(b)
	if err := s.Load(ctx, bulkDataset(10_000)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, cs, err := s.AccountContacts(ctx, "010005000INC001"); err != nil || len(cs) != 1 {
			b.Fatal(cs, err)
		}
	}
}

func TestStoreTwoHandlesOneFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) contactd.Store {
		s, path := openTemp(t)
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return storetest.Replicas(s, s2)
	})
}
