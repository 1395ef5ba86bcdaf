package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// recordTests are the suite's tests of contactd.RecordStore.
var recordTests = []struct {
	name string
	fn   func(t *testing.T, s contactd.Store)
}{
	{"RecordPutAndRead", testRecordPutAndRead},
	{"RecordRefuse", testRecordRefuse},
	{"RecordReplace", testRecordReplace},
	{"RecordMerge", testRecordMerge},
	{"RecordUpdate", testRecordUpdate},
	{"RecordCease", testRecordCease},
	{"RecordIDs", testRecordIDs},
	{"RecordIdempotency", testRecordIdempotency},
	{"RecordUpdatedMovesForward", testRecordUpdatedMovesForward},
	{"RecordLoad", testRecordLoad},
	{"RecordAudit", testRecordAudit},
	{"ConcurrentRecordRefuse", testConcurrentRecordRefuse},
	{"ConcurrentRecordReplace", testConcurrentRecordReplace},
	{"ConcurrentRecordMerge", testConcurrentRecordMerge},
}

// rec is a record of the kind and key with fields of its own: n tells
// records apart. The fields keep an order and spacing of their own, which
// a store must give back as they were.
func rec(kind contactd.Kind, key string, n int) contactd.Record {
	return contactd.Record{Kind: kind, Key: key,
		Fields: json.RawMessage(fmt.Sprintf(`{"type":%q, "n":%d,"line":"%d Queen St"}`, key, n, n))}
}

func put(t *testing.T, s contactd.Store, o contactd.Owner, r contactd.Record, on contactd.OnLive, now time.Time) int64 {
	t.Helper()
	id, err := s.PutRecord(ctx, o, r, on, At(now))
	must(t, "PutRecord", err)
	if id <= 0 || id > contactd.MaxID {
		t.Fatalf("PutRecord: ID %d is not in 1..2^53-1", id)
	}
	return id
}

// records lists the owner's live records through CustomerContacts or
// AccountContacts, and checks that Record and LiveRecord give each of
// them alike.
func records(t *testing.T, s contactd.Store, o contactd.Owner) []contactd.Record {
	t.Helper()
	var rs []contactd.Record
	if o.AccountLevel() {
		a, _, err := s.AccountContacts(ctx, o.AccountID)
		must(t, "AccountContacts", err)
		rs = a.Records
	} else {
		c, _, err := s.CustomerContacts(ctx, o.Customer)
		must(t, "CustomerContacts", err)
		rs = c.Records
	}
	if rs == nil {
		t.Fatalf("the read of %+v gives Records nil, want a list", o)
	}
	for i, r := range rs {
		if i > 0 && r.ID <= rs[i-1].ID {
			t.Errorf("records not in ID order: %v", recordIDs(rs))
		}
		owner, got, err := s.Record(ctx, r.Kind, r.ID)
		must(t, "Record", err)
		if owner != o {
			t.Errorf("Record(%s, %d) owner %+v, want %+v", r.Kind, r.ID, owner, o)
		}
		wantRecord(t, "Record against the read", got, r)
		live, err := s.LiveRecord(ctx, o, r.Kind, r.Key)
		must(t, "LiveRecord", err)
		wantRecord(t, "LiveRecord against the read", live, r)
	}
	return rs
}

func recordIDs(rs []contactd.Record) []int64 {
	out := []int64{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// showRecord renders a record for comparison: Fields byte for byte,
// Updated as an instant at whole seconds.
func showRecord(r contactd.Record) string {
	return fmt.Sprintf("{ID:%d Kind:%s Key:%q Fields:%s Updated:%s}", r.ID, r.Kind, r.Key, r.Fields,
		r.Updated.Truncate(time.Second).UTC().Format(time.RFC3339))
}

func wantRecord(t *testing.T, what string, got, want contactd.Record) {
	t.Helper()
	if g, w := showRecord(got), showRecord(want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func wantRecords(t *testing.T, what string, got []contactd.Record, want ...contactd.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got records %v, want %v", what, recordIDs(got), recordIDs(want))
		return
	}
	for i := range got {
		wantRecord(t, fmt.Sprintf("%s: record %d", what, i), got[i], want[i])
	}
}

// stored is r as a store gives it back after a put with that ID at now.
func stored(r contactd.Record, id int64, now time.Time) contactd.Record {
	r.ID, r.Updated = id, now
	return r
}

// testRecordPutAndRead: records put on a customer and on its account are
// read back, each by its owner only, with Record and LiveRecord alike;
// Customer and Account give no records.
func testRecordPutAndRead(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA, ownA1, ownA2 := customerOwner(t, s, custA), accountOwner(t, s, accA1), accountOwner(t, s, accA2)
	name := rec(contactd.KindName, "LGL", 1)
	postal := rec(contactd.KindAddress, "POSTAL", 2)
	bic := rec(contactd.KindBIC, "INT", 3)
	acctAddr := rec(contactd.KindAddress, "POSTAL", 4)
	nameID := put(t, s, ownA, name, contactd.Refuse, t0)
	postalID := put(t, s, ownA, postal, contactd.Refuse, t0)
	bicID := put(t, s, ownA, bic, contactd.Merge, t0)
	acctID := put(t, s, ownA1, acctAddr, contactd.Refuse, t0)

	wantRecords(t, "customer A", records(t, s, ownA),
		stored(name, nameID, t0), stored(postal, postalID, t0), stored(bic, bicID, t0))
	wantRecords(t, "account A1", records(t, s, ownA1), stored(acctAddr, acctID, t0))
	wantRecords(t, "account A2", records(t, s, ownA2))
	wantRecords(t, "customer B", records(t, s, customerOwner(t, s, custB)))
	// the contacts of the reads are as they were
	wantContacts(t, "contacts of A", contacts(t, s, ownA), dataset().Contacts[0].Contact)

	c, err := s.Customer(ctx, custA)
	must(t, "Customer", err)
	a, err := s.Account(ctx, accA1)
	must(t, "Account", err)
	if c.Records != nil || a.Records != nil {
		t.Errorf("Customer and Account give records %v and %v, want none", recordIDs(c.Records), recordIDs(a.Records))
	}

	_, _, err = s.Record(ctx, contactd.KindName, postalID)
	wantCode(t, "Record of another kind", err, contactd.CST404)
	_, _, err = s.Record(ctx, contactd.KindName, 424242)
	wantCode(t, "Record of an unknown ID", err, contactd.CST404)
	_, _, err = s.Record(ctx, contactd.KindName, seedLive)
	wantCode(t, "Record of a contact's ID", err, contactd.CST404)
	_, err = s.LiveRecord(ctx, ownA2, contactd.KindAddress, "POSTAL")
	wantCode(t, "LiveRecord of another account", err, contactd.CST404)
	_, err = s.LiveRecord(ctx, ownA, contactd.KindAddress, "PHYS")
	wantCode(t, "LiveRecord of another key", err, contactd.CST404)
	_, err = s.LiveRecord(ctx, ownA, contactd.KindName, "POSTAL")
	wantCode(t, "LiveRecord of another kind", err, contactd.CST404)
}

// testRecordRefuse: Refuse answers the kind's Conflict code for a second
// live record of a kind and key on one owner, and writes nothing; other
// owners, keys and kinds are free.
func testRecordRefuse(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA, ownA1 := customerOwner(t, s, custA), accountOwner(t, s, accA1)
	first := put(t, s, ownA, rec(contactd.KindAddress, "POSTAL", 1), contactd.Refuse, t0)
	nameID := put(t, s, ownA, rec(contactd.KindName, "LGL", 2), contactd.Refuse, t0)
	for _, on := range []struct {
		r    contactd.Record
		want contactd.Code
	}{{rec(contactd.KindAddress, "POSTAL", 3), contactd.ADR101}, {rec(contactd.KindName, "LGL", 4), contactd.NAM101}} {
		_, err := s.PutRecord(ctx, ownA, on.r, contactd.Refuse, At(t0))
		wantCode(t, "second live "+string(on.r.Kind), err, on.want)
	}
	put(t, s, ownA1, rec(contactd.KindAddress, "POSTAL", 5), contactd.Refuse, t0)
	put(t, s, ownA, rec(contactd.KindAddress, "PHYS", 6), contactd.Refuse, t0)
	put(t, s, ownA, rec(contactd.KindName, "POSTAL", 7), contactd.Refuse, t0)
	got := records(t, s, ownA)
	if len(got) != 4 || got[0].ID != first || got[1].ID != nameID {
		t.Errorf("customer A's records %v, want 4 from %d, %d", recordIDs(got), first, nameID)
	}
	recs, err := s.Audit(ctx, contactd.AuditQuery{Customer: custA})
	must(t, "Audit", err)
	if len(recs) != 5 {
		t.Errorf("%d audit records, want 5 (a refusal writes none)", len(recs))
	}
}

// testRecordReplace: Replace ceases the live record and adds the new one;
// the old one stays in the audit trail.
func testRecordReplace(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA1 := accountOwner(t, s, accA1)
	old := rec(contactd.KindBank, "", 1)
	oldID := put(t, s, ownA1, old, contactd.Replace, t0)
	newer := rec(contactd.KindBank, "", 2)
	newID := put(t, s, ownA1, newer, contactd.Replace, t0.Add(time.Minute))
	if newID == oldID {
		t.Fatalf("Replace kept the ID %d", oldID)
	}
	wantRecords(t, "after Replace", records(t, s, ownA1), stored(newer, newID, t0.Add(time.Minute)))
	_, _, err := s.Record(ctx, contactd.KindBank, oldID)
	wantCode(t, "Record of the replaced one", err, contactd.CST404)
	wantCode(t, "CeaseRecord of the replaced one", s.CeaseRecord(ctx, contactd.KindBank, oldID, At(t0)), contactd.CST404)

	created, err := s.Audit(ctx, contactd.AuditQuery{RecordID: oldID})
	must(t, "Audit(old)", err)
	replaced, err := s.Audit(ctx, contactd.AuditQuery{RecordID: newID})
	must(t, "Audit(new)", err)
	if len(created) != 1 || created[0].Operation != "bank.create" || len(replaced) != 1 || replaced[0].Operation != "bank.replace" {
		t.Fatalf("audit of the old record %+v, of the new %+v", created, replaced)
	}
	var before, after contactd.RecordValues
	must(t, "before", json.Unmarshal(replaced[0].Before, &before))
	must(t, "after", json.Unmarshal(replaced[0].After, &after))
	if before.ID != oldID || !sameJSON(before.Fields, old.Fields) || after.ID != newID || !sameJSON(after.Fields, newer.Fields) ||
		after.Kind != contactd.KindBank {
		t.Errorf("replace record: before %s after %s", replaced[0].Before, replaced[0].After)
	}
}

// testRecordMerge: Merge replaces the live record's fields in place,
// keeping its ID.
func testRecordMerge(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	id := put(t, s, ownA, rec(contactd.KindBIC, "INT", 1), contactd.Merge, t0)
	merged := rec(contactd.KindBIC, "INT", 2)
	if again := put(t, s, ownA, merged, contactd.Merge, t0); again != id {
		t.Fatalf("Merge answered %d, want the live record's %d", again, id)
	}
	other := put(t, s, ownA, rec(contactd.KindBIC, "DOM", 3), contactd.Merge, t0)
	got := records(t, s, ownA)
	wantRecords(t, "after Merge", got, stored(merged, id, t0.Add(time.Second)), stored(rec(contactd.KindBIC, "DOM", 3), other, t0))
	recs, err := s.Audit(ctx, contactd.AuditQuery{RecordID: id})
	must(t, "Audit", err)
	if len(recs) != 2 || recs[0].Operation != "bic.create" || recs[1].Operation != "bic.merge" {
		t.Fatalf("audit of the merged record: %+v", recs)
	}
	var before contactd.RecordValues
	must(t, "before", json.Unmarshal(recs[1].Before, &before))
	if before.ID != id || !sameJSON(before.Fields, rec(contactd.KindBIC, "INT", 1).Fields) {
		t.Errorf("merge record before %s", recs[1].Before)
	}
}

// testRecordUpdate: UpdateRecord replaces a live record's key and fields,
// refuses a key another live record of the owner has, and knows only live
// records of its kind.
func testRecordUpdate(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA, ownA1 := customerOwner(t, s, custA), accountOwner(t, s, accA1)
	postal := put(t, s, ownA, rec(contactd.KindAddress, "POSTAL", 1), contactd.Refuse, t0)
	phys := put(t, s, ownA, rec(contactd.KindAddress, "PHYS", 2), contactd.Refuse, t0)
	acct := put(t, s, ownA1, rec(contactd.KindAddress, "BUS", 3), contactd.Refuse, t0)
	name := put(t, s, ownA, rec(contactd.KindName, "BUS", 4), contactd.Refuse, t0)

	moved := rec(contactd.KindAddress, "BUS", 5)
	must(t, "UpdateRecord", s.UpdateRecord(ctx, contactd.KindAddress, postal, moved.Key, moved.Fields, At(t0.Add(time.Hour))))
	wantCode(t, "UpdateRecord to a taken key", s.UpdateRecord(ctx, contactd.KindAddress, phys, "BUS", moved.Fields, At(t0)), contactd.ADR101)
	same := rec(contactd.KindAddress, "PHYS", 6)
	must(t, "UpdateRecord keeping its key", s.UpdateRecord(ctx, contactd.KindAddress, phys, same.Key, same.Fields, At(t0.Add(time.Hour))))
	wantRecords(t, "customer A", records(t, s, ownA), stored(moved, postal, t0.Add(time.Hour)), stored(same, phys, t0.Add(time.Hour)),
		stored(rec(contactd.KindName, "BUS", 4), name, t0))
	wantRecords(t, "account A1", records(t, s, ownA1), stored(rec(contactd.KindAddress, "BUS", 3), acct, t0))

	wantCode(t, "UpdateRecord of another kind", s.UpdateRecord(ctx, contactd.KindName, postal, "X", moved.Fields, At(t0)), contactd.CST404)
	wantCode(t, "UpdateRecord of an unknown ID", s.UpdateRecord(ctx, contactd.KindAddress, 424242, "X", moved.Fields, At(t0)), contactd.CST404)
	wantCode(t, "UpdateRecord of a contact", s.UpdateRecord(ctx, contactd.KindAddress, seedLive, "X", moved.Fields, At(t0)), contactd.CST404)

	recs, err := s.Audit(ctx, contactd.AuditQuery{RecordID: postal})
	must(t, "Audit", err)
	if len(recs) != 2 || recs[1].Operation != "address.update" {
		t.Fatalf("audit of the updated record: %+v", recs)
	}
	var before, after contactd.RecordValues
	must(t, "before", json.Unmarshal(recs[1].Before, &before))
	must(t, "after", json.Unmarshal(recs[1].After, &after))
	if before.Key != "POSTAL" || after.Key != "BUS" || after.ID != postal || !sameJSON(after.Fields, moved.Fields) {
		t.Errorf("update record: before %s after %s", recs[1].Before, recs[1].After)
	}
}

// testRecordCease: a ceased record is gone for good (CST404 everywhere),
// its key is free again, and its ID is never given again.
func testRecordCease(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	id := put(t, s, ownA, rec(contactd.KindName, "LGL", 1), contactd.Refuse, t0)
	wantCode(t, "CeaseRecord of another kind", s.CeaseRecord(ctx, contactd.KindAddress, id, At(t0)), contactd.CST404)
	must(t, "CeaseRecord", s.CeaseRecord(ctx, contactd.KindName, id, At(t0)))
	wantRecords(t, "after cease", records(t, s, ownA))
	_, _, err := s.Record(ctx, contactd.KindName, id)
	wantCode(t, "Record", err, contactd.CST404)
	_, err = s.LiveRecord(ctx, ownA, contactd.KindName, "LGL")
	wantCode(t, "LiveRecord", err, contactd.CST404)
	wantCode(t, "UpdateRecord", s.UpdateRecord(ctx, contactd.KindName, id, "LGL", rec(contactd.KindName, "LGL", 2).Fields, At(t0)), contactd.CST404)
	wantCode(t, "CeaseRecord again", s.CeaseRecord(ctx, contactd.KindName, id, At(t0)), contactd.CST404)
	again := put(t, s, ownA, rec(contactd.KindName, "LGL", 3), contactd.Refuse, t0)
	if again == id {
		t.Errorf("the ceased record's ID %d was given again", id)
	}
	recs, err := s.Audit(ctx, contactd.AuditQuery{RecordID: id})
	must(t, "Audit", err)
	if len(recs) != 2 || recs[1].Operation != "name.cease" || string(recs[1].After) != "null" {
		t.Fatalf("audit of the ceased record: %+v", recs)
	}
}

// testRecordIDs: records take their IDs from the sequence of contacts and
// phones: above every loaded ID, below 2^53, never one given before to a
// contact, phone or record, live or ceased.
func testRecordIDs(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA, ownB := customerOwner(t, s, custA), customerOwner(t, s, custB)
	issued := newIDs(t).issued
	for i := range 3 {
		r := put(t, s, ownA, rec(contactd.KindAddress, "POSTAL", i), contactd.Refuse, t0)
		issued("record", r)
		c := create(t, s, ownB, contactd.Primary, "between", 2)
		issued("contact", c)
		for _, p := range phoneIDs(contact(t, s, ownB, c)) {
			issued("phone", p)
		}
		issued("replacing record", put(t, s, ownA, rec(contactd.KindBank, "", i), contactd.Replace, t0))
		must(t, "CeaseRecord", s.CeaseRecord(ctx, contactd.KindAddress, r, At(t0)))
		must(t, "CeaseContact", s.CeaseContact(ctx, c, At(t0)))
	}
}

// testRecordIdempotency: PutRecord under an Idempotency-Key writes once and
// answers the first ID again; the key with another request, or on another
// operation, is refused.
func testRecordIdempotency(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	caller := contactd.Caller{Sandbox: true, Subject: "vendor"}
	key := func(k, fp string, now time.Time) contactd.Change {
		return contactd.Change{Time: now, Caller: caller, RequestID: k,
			Idempotency: &contactd.Idempotency{Key: k, Fingerprint: fp, Expires: now.Add(24 * time.Hour)}}
	}
	ownA2 := accountOwner(t, s, accA2)
	r := rec(contactd.KindAddress, "POSTAL", 1)
	first, err := s.PutRecord(ctx, ownA2, r, contactd.Refuse, key("k1", "fp1", t0))
	must(t, "first", err)
	again, err := s.PutRecord(ctx, ownA2, r, contactd.Refuse, key("k1", "fp1", t0.Add(time.Hour)))
	must(t, "retry", err)
	if again != first {
		t.Fatalf("retry answered %d, first %d", again, first)
	}
	_, err = s.PutRecord(ctx, ownA2, r, contactd.Refuse, key("k1", "other", t0.Add(time.Hour)))
	wantCode(t, "same key, other request", err, contactd.EV1100)
	_, err = s.PutRecord(ctx, ownA2, rec(contactd.KindName, "POSTAL", 1), contactd.Refuse, key("k1", "fp1", t0.Add(time.Hour)))
	wantCode(t, "same key, other kind", err, contactd.EV1100)
	_, err = s.CreateContact(ctx, ownA2, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: phones(1)}, key("k1", "fp1", t0))
	wantCode(t, "same key, a contact", err, contactd.EV1100)
	// a Merge replayed answers the merged record, not a second merge
	bic := put(t, s, ownA2, rec(contactd.KindBIC, "INT", 1), contactd.Merge, t0)
	for range 2 {
		id, err := s.PutRecord(ctx, ownA2, rec(contactd.KindBIC, "INT", 2), contactd.Merge, key("k2", "fp2", t0))
		must(t, "merge", err)
		if id != bic {
			t.Errorf("merge answered %d, want %d", id, bic)
		}
	}
	recs, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA2})
	must(t, "audit", err)
	if len(recs) != 3 {
		t.Fatalf("%d writes audited, want 3: %+v", len(recs), recs)
	}
}

// testRecordUpdatedMovesForward: every change of a record moves its
// Updated at least one second forward, to the change's time when that is
// later.
func testRecordUpdatedMovesForward(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	now := t0.Add(250 * time.Millisecond)
	id := put(t, s, ownB, rec(contactd.KindBIC, "INT", 0), contactd.Merge, now)
	updated := func() time.Time {
		t.Helper()
		_, r, err := s.Record(ctx, contactd.KindBIC, id)
		must(t, "Record", err)
		return r.Updated
	}
	prev := updated()
	if !prev.Equal(t0) {
		t.Errorf("Updated after put = %v, want %v", prev, t0)
	}
	step := func(what string, now time.Time, change func(now time.Time) error) {
		t.Helper()
		must(t, what, change(now))
		got := updated()
		if got.Sub(prev) < time.Second {
			t.Errorf("%s at %v: Updated %v, not a second past %v", what, now, got, prev)
		}
		if later := now.Truncate(time.Second); later.After(prev) && !got.Equal(later) {
			t.Errorf("%s at %v: Updated %v, want %v", what, now, got, later)
		}
		prev = got
	}
	for i, at := range []time.Time{now, now, now.Add(-time.Hour), now.Add(time.Hour)} {
		step("Merge", at, func(now time.Time) error {
			_, err := s.PutRecord(ctx, ownB, rec(contactd.KindBIC, "INT", i), contactd.Merge, At(now))
			return err
		})
		step("UpdateRecord", at, func(now time.Time) error {
			r := rec(contactd.KindBIC, "INT", 10+i)
			return s.UpdateRecord(ctx, contactd.KindBIC, id, r.Key, r.Fields, At(now))
		})
	}
}

// testRecordLoad: Load keeps records' IDs, owners, fields and Updated,
// stores ceased ones ceased, gives an ID to a record without one, and
// raises the sequence above every record ID it loads.
func testRecordLoad(t *testing.T, s contactd.Store) {
	d := dataset()
	const (
		nameID   int64 = 2000
		acctID   int64 = 2001
		ceasedID int64 = 9104732142020 // above every other ID of the dataset
	)
	name := contactd.Record{ID: nameID, Kind: contactd.KindName, Key: "LGL", Fields: json.RawMessage(`{"name":"LOOK THROUGH"}`), Updated: seedUpdated}
	acct := contactd.Record{ID: acctID, Kind: contactd.KindAddress, Key: "POSTAL", Fields: json.RawMessage(`{"line1":"1 Queen St"}`), Updated: seedUpdated}
	ceased := contactd.Record{ID: ceasedID, Kind: contactd.KindName, Key: "TRD", Fields: json.RawMessage(`{}`), Updated: seedUpdated}
	noID := contactd.Record{Kind: contactd.KindBIC, Key: "INT", Fields: json.RawMessage(`{"commence":"2020-01-01"}`), Updated: seedUpdated}
	d.Records = []contactd.SeedRecord{
		{Owner: contactd.OwnerRef{Customer: custA}, Record: name},
		{Owner: contactd.OwnerRef{AccountID: accA1}, Record: acct},
		{Owner: contactd.OwnerRef{Customer: custA}, Record: ceased, Ceased: true},
		{Owner: contactd.OwnerRef{Customer: custB}, Record: noID},
	}
	load(t, s, d)
	ownA, ownA1, ownB := customerOwner(t, s, custA), accountOwner(t, s, accA1), customerOwner(t, s, custB)
	wantRecords(t, "customer A", records(t, s, ownA), name)
	wantRecords(t, "account A1", records(t, s, ownA1), acct)
	gotB := records(t, s, ownB)
	if len(gotB) != 1 || gotB[0].ID <= 0 || gotB[0].ID > contactd.MaxID {
		t.Fatalf("customer B's records %v, want the one loaded without an ID", recordIDs(gotB))
	}
	noID.ID = gotB[0].ID
	wantRecords(t, "customer B", gotB, noID)
	_, _, err := s.Record(ctx, contactd.KindName, ceasedID)
	wantCode(t, "Record of the ceased seed", err, contactd.CST404)
	wantCode(t, "CeaseRecord of the ceased seed", s.CeaseRecord(ctx, contactd.KindName, ceasedID, At(t0)), contactd.CST404)
	// the ceased seed's key is free, and new IDs are above it
	if id := put(t, s, ownA, rec(contactd.KindName, "TRD", 1), contactd.Refuse, t0); id <= ceasedID {
		t.Errorf("a new record's ID %d is not above the loaded %d", id, ceasedID)
	}
	if id := create(t, s, ownB, contactd.Primary, "after", 1); id <= ceasedID {
		t.Errorf("a new contact's ID %d is not above the loaded record's %d", id, ceasedID)
	}
	// a record may not take a contact's ID, nor hold a second live key
	err = s.Load(ctx, contactd.Dataset{Records: []contactd.SeedRecord{
		{Owner: contactd.OwnerRef{Customer: custB}, Record: contactd.Record{ID: seedLive, Kind: contactd.KindName, Key: "X", Fields: json.RawMessage(`{}`)}}}})
	if err == nil {
		t.Errorf("Load of a record with a contact's ID succeeded")
	}
	err = s.Load(ctx, contactd.Dataset{Records: []contactd.SeedRecord{
		{Owner: contactd.OwnerRef{Customer: custA}, Record: contactd.Record{ID: 3000, Kind: contactd.KindName, Key: "LGL", Fields: json.RawMessage(`{}`)}}}})
	if err == nil {
		t.Errorf("Load of a second live name LGL succeeded")
	}
	wantRecords(t, "customer A after refused loads", records(t, s, ownA)[:1], name)
}

// testRecordAudit: record writes append audit rows with RecordID, the
// owner's columns and no ContactID, and the owner filters find them.
func testRecordAudit(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ch := func(req string) contactd.Change {
		return contactd.Change{Time: t0, Caller: contactd.Caller{Logon: "logon-7", Party: "agent-3"}, RequestID: req}
	}
	ownA, ownA1, ownB := customerOwner(t, s, custA), accountOwner(t, s, accA1), customerOwner(t, s, custB)
	custRec, err := s.PutRecord(ctx, ownA, rec(contactd.KindName, "LGL", 1), contactd.Refuse, ch("c1"))
	must(t, "put on customer A", err)
	acctRec, err := s.PutRecord(ctx, ownA1, rec(contactd.KindAddress, "POSTAL", 2), contactd.Refuse, ch("a1"))
	must(t, "put on account A1", err)
	must(t, "cease on account A1", s.CeaseRecord(ctx, contactd.KindAddress, acctRec, ch("a2")))
	_, err = s.PutRecord(ctx, ownB, rec(contactd.KindName, "LGL", 3), contactd.Refuse, ch("b1"))
	must(t, "put on customer B", err)
	contactID := create(t, s, ownA, contactd.Primary, "contact of A", 1)

	byCustomer, err := s.Audit(ctx, contactd.AuditQuery{Customer: custA})
	must(t, "audit by customer", err)
	byAccount, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA1})
	must(t, "audit by account", err)
	byRecord, err := s.Audit(ctx, contactd.AuditQuery{RecordID: custRec})
	must(t, "audit by record", err)
	otherAccount, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA2})
	must(t, "audit of another account", err)
	var reqs []string
	for _, r := range byCustomer {
		reqs = append(reqs, r.RequestID)
	}
	if strings.Join(reqs, " ") != "c1 a1 a2 storetest" {
		t.Errorf("customer A's audit: %v, want c1 a1 a2 storetest", reqs)
	}
	if len(byAccount) != 2 || len(otherAccount) != 0 || len(byRecord) != 1 {
		t.Fatalf("audit: account A1 %d, account A2 %d, record %d", len(byAccount), len(otherAccount), len(byRecord))
	}
	r := byRecord[0]
	if r.Operation != "name.create" || r.RecordID != custRec || r.ContactID != 0 || r.PhoneID != 0 || r.Customer != custA ||
		r.AccountID != "" || r.Caller.Logon != "logon-7" || !r.Time.Equal(t0) || string(r.Before) != "null" {
		t.Errorf("record's audit row: %+v", r)
	}
	for _, r := range byAccount {
		if r.RecordID != acctRec || r.AccountID != accA1 || r.Customer != custA {
			t.Errorf("account A1's audit row: %+v", r)
		}
	}
	if byCustomer[3].ContactID != contactID || byCustomer[3].RecordID != 0 {
		t.Errorf("the contact's audit row: %+v", byCustomer[3])
	}
	var after contactd.RecordValues
	must(t, "after", json.Unmarshal(r.After, &after))
	if after.ID != custRec || after.Kind != contactd.KindName || after.Key != "LGL" || !sameJSON(after.Fields, rec(contactd.KindName, "LGL", 1).Fields) {
		t.Errorf("record's audit after: %s", r.After)
	}
}

// testConcurrentRecordRefuse: 30 callers put the same kind and key on one
// owner at once with Refuse; exactly one wins.
func testConcurrentRecordRefuse(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	for _, tc := range []struct {
		o    contactd.Owner
		kind contactd.Kind
	}{{customerOwner(t, s, custB), contactd.KindName}, {accountOwner(t, s, accA2), contactd.KindAddress}} {
		var out tally
		var winner atomic.Int64
		run(30, func(i int) {
			id, err := s.PutRecord(ctx, tc.o, rec(tc.kind, "POSTAL", i), contactd.Refuse, At(t0))
			out.add(err)
			if err == nil {
				winner.Store(id)
			}
		})
		out.want(t, "30 concurrent "+string(tc.kind)+" puts", map[contactd.Code]int{"": 1, tc.kind.Conflict(): 29})
		if got := records(t, s, tc.o); len(got) != 1 || got[0].ID != winner.Load() {
			t.Errorf("records after the race = %v, want [%d]", recordIDs(got), winner.Load())
		}
	}
}

// testConcurrentRecordReplace: 20 callers replace one owner's bank account
// at once; all succeed, one record is left live, and each put is audited.
func testConcurrentRecordReplace(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	o := accountOwner(t, s, accA2)
	var out tally
	var mu sync.Mutex
	given := map[int64]bool{}
	run(20, func(i int) {
		id, err := s.PutRecord(ctx, o, rec(contactd.KindBank, "", i), contactd.Replace, At(t0))
		out.add(err)
		mu.Lock()
		defer mu.Unlock()
		if err == nil && given[id] {
			t.Errorf("ID %d given twice", id)
		}
		given[id] = true
	})
	out.want(t, "20 concurrent Replace puts", map[contactd.Code]int{"": 20})
	got := records(t, s, o)
	if len(got) != 1 || !given[got[0].ID] {
		t.Fatalf("records after the race = %v, want one of those given", recordIDs(got))
	}
	recs, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA2})
	must(t, "Audit", err)
	ops := map[string]int{}
	for _, r := range recs {
		ops[r.Operation]++
	}
	if len(recs) != 20 || ops["bank.create"] != 1 || ops["bank.replace"] != 19 {
		t.Errorf("%d audit records %v, want 20: 1 bank.create and 19 bank.replace", len(recs), ops)
	}
}

// testConcurrentRecordMerge: 30 callers merge into one owner's BIC code at
// once; all succeed with one ID and one record is live.
func testConcurrentRecordMerge(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	o := customerOwner(t, s, custB)
	var out tally
	var mu sync.Mutex
	given := map[int64]bool{}
	run(30, func(i int) {
		id, err := s.PutRecord(ctx, o, rec(contactd.KindBIC, "INT", i), contactd.Merge, At(t0))
		out.add(err)
		mu.Lock()
		given[id] = true
		mu.Unlock()
	})
	out.want(t, "30 concurrent Merge puts", map[contactd.Code]int{"": 30})
	got := records(t, s, o)
	if len(got) != 1 || len(given) != 1 || !given[got[0].ID] {
		t.Errorf("records after the race = %v, IDs given %v: want one", recordIDs(got), given)
	}
}
