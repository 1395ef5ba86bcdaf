package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// roundTrips records what a connection sends to the server, one entry a
// round trip: a statement on its own, or a batch as its statements joined
// with "; ".
type roundTrips struct {
	mu   sync.Mutex
	sent []string
}

func (r *roundTrips) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, s)
}

// take returns what was sent since the last take.
func (r *roundTrips) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	sent := r.sent
	r.sent = nil
	return sent
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.add(d.SQL)
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	sqls := make([]string, len(d.Batch.QueuedQueries))
	for i, q := range d.Batch.QueuedQueries {
		sqls[i] = strings.Join(strings.Fields(q.SQL), " ")
	}
	r.add(strings.Join(sqls, "; "))
	return ctx
}

func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestWriteRoundTrips: a write without an idempotency key is three round
// trips: BEGIN with the reads and locks its decision needs, its changes,
// COMMIT. One refused on what its reads found is two: the reads, ROLLBACK.
// With a key, the key's lock and look-up come first, with the BEGIN: a
// new write is four round trips, a replay or a refused reuse two. Record
// writes are alike.
func TestWriteRoundTrips(t *testing.T) {
	seeded, u := openTemp(t)
	if err := seeded.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}

	rt := &roundTrips{}
	pc, err := poolConfig(Config{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	pc.ConnConfig.Tracer = rt
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{pool: pool, opTimeout: DefaultOpTimeout}
	defer s.Close()
	o, err := s.Owner(ctx, contactd.OwnerRef{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}

	keyed := func(fingerprint string) contactd.Change {
		ch := storetest.At(now)
		ch.Idempotency = &contactd.Idempotency{Key: "k1", Fingerprint: fingerprint, Expires: now.Add(time.Hour)}
		return ch
	}
	var contactID, phoneID, recordID int64
	address := func(key string) contactd.Record {
		return contactd.Record{Kind: contactd.KindAddress, Key: key, Fields: json.RawMessage(`{"line1":"1 Queen St"}`)}
	}
	writes := []struct {
		name    string
		write   func() error
		refused contactd.Code
		trips   int // round trips: a refusal or a replay is decided after the first
	}{
		{"create contact", func() (err error) {
			contactID, err = s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: []contactd.Phone{phone}}, storetest.At(now))
			return err
		}, "", 3},
		{"create contact of a taken type", func() error {
			_, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "y", Phones: []contactd.Phone{phone}}, storetest.At(now))
			return err
		}, contactd.CNT101, 2},
		{"rename contact", func() error { return s.RenameContact(ctx, contactID, "z", storetest.At(now)) }, "", 3},
		{"add phone", func() (err error) {
			phoneID, err = s.AddPhone(ctx, contactID, phone, storetest.At(now))
			return err
		}, "", 3},
		{"update phone", func() error {
			p := phone
			p.ID, p.Number = phoneID, "0211234567"
			return s.UpdatePhone(ctx, p, storetest.At(now))
		}, "", 3},
		{"cease phone", func() error { return s.CeasePhone(ctx, phoneID, storetest.At(now)) }, "", 3},
		{"cease the last phone", func() error {
			cs, err := s.Contacts(ctx, o)
			if err != nil {
				return err
			}
			rt.take()
			return s.CeasePhone(ctx, cs[0].Phones[0].ID, storetest.At(now))
		}, contactd.CNT103, 2},
		{"cease contact", func() error { return s.CeaseContact(ctx, contactID, storetest.At(now)) }, "", 3},
		{"create contact with a key", func() (err error) {
			contactID, err = s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Secondary, Name: "k", Phones: []contactd.Phone{phone}}, keyed("fp"))
			return err
		}, "", 4},
		{"the same create again", func() error {
			id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Secondary, Name: "k", Phones: []contactd.Phone{phone}}, keyed("fp"))
			if err == nil && id != contactID {
				t.Errorf("replayed create answered %d, want %d", id, contactID)
			}
			return err
		}, "", 2},
		{"another request under the key", func() error {
			_, err := s.AddPhone(ctx, contactID, phone, keyed("other"))
			return err
		}, contactd.EV1100, 2},
		{"put record", func() (err error) {
			recordID, err = s.PutRecord(ctx, o, address("POSTAL"), contactd.Refuse, storetest.At(now))
			return err
		}, "", 3},
		{"put record of a taken key", func() error {
			_, err := s.PutRecord(ctx, o, address("POSTAL"), contactd.Refuse, storetest.At(now))
			return err
		}, contactd.ADR101, 2},
		{"replace record", func() error {
			_, err := s.PutRecord(ctx, o, address("POSTAL"), contactd.Replace, storetest.At(now))
			return err
		}, "", 3},
		{"merge record", func() (err error) {
			recordID, err = s.PutRecord(ctx, o, address("POSTAL"), contactd.Merge, storetest.At(now))
			return err
		}, "", 3},
		{"update record", func() error {
			return s.UpdateRecord(ctx, contactd.KindAddress, recordID, "PHYS", address("PHYS").Fields, storetest.At(now))
		}, "", 3},
		{"update record to a taken key", func() error {
			if _, err := s.PutRecord(ctx, o, address("POSTAL"), contactd.Refuse, storetest.At(now)); err != nil {
				return err
			}
			rt.take()
			return s.UpdateRecord(ctx, contactd.KindAddress, recordID, "POSTAL", address("POSTAL").Fields, storetest.At(now))
		}, contactd.ADR101, 2},
		{"cease record", func() error { return s.CeaseRecord(ctx, contactd.KindAddress, recordID, storetest.At(now)) }, "", 3},
		{"put record with a key", func() (err error) {
			ch := keyed("record")
			ch.Idempotency.Key = "k2"
			recordID, err = s.PutRecord(ctx, o, address("BUS"), contactd.Refuse, ch)
			return err
		}, "", 4},
	}
	rt.take()
	for _, w := range writes {
		err := w.write()
		if code(err) != w.refused || (w.refused == "" && err != nil) {
			t.Fatalf("%s: %v, want %q", w.name, err, w.refused)
		}
		sent := rt.take()
		end := "commit"
		if w.refused != "" {
			end = "rollback"
		}
		if len(sent) != w.trips {
			t.Errorf("%s: %d round trips, want %d: %q", w.name, len(sent), w.trips, sent)
			continue
		}
		if !strings.HasPrefix(sent[0], "begin; ") {
			t.Errorf("%s: first round trip %q, want the BEGIN with the first statements", w.name, sent[0])
		}
		if got := sent[len(sent)-1]; got != end {
			t.Errorf("%s: last round trip %q, want %q", w.name, got, end)
		}
		if slices.Contains(sent[1:], "begin") {
			t.Errorf("%s: a BEGIN of its own: %q", w.name, sent)
		}
	}
}
