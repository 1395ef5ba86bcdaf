package storetest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// testAuditTrail: every successful write appends one record, in order,
// with the caller, request ID, owner and before and after values; failed
// writes append nothing.
func testAuditTrail(t *testing.T, s contactd.Store) {
	ctx := context.Background()
	loadDefault(t, s)
	ch := func(req string) contactd.Change {
		return contactd.Change{Time: t0, Caller: contactd.Caller{Logon: "logon-7", Party: "agent-3"}, RequestID: req}
	}
	o := accountOwner(t, s, accA2)
	id, err := s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "Audited", Phones: phones(1)}, ch("r1"))
	must(t, "create", err)
	_, err = s.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "Refused", Phones: phones(1)}, ch("refused"))
	wantCode(t, "second PRIMRY", err, contactd.CNT101)
	must(t, "rename", s.RenameContact(ctx, id, "Renamed", ch("r2")))
	pid, err := s.AddPhone(ctx, id, phone(2), ch("r3"))
	must(t, "add phone", err)
	changed := phone(3)
	changed.ID = pid
	must(t, "update phone", s.UpdatePhone(ctx, changed, ch("r4")))
	must(t, "cease phone", s.CeasePhone(ctx, pid, ch("r5")))
	last := contact(t, s, o, id).Phones[0].ID
	wantCode(t, "cease last phone", s.CeasePhone(ctx, last, ch("refused")), contactd.CNT103)
	must(t, "cease contact", s.CeaseContact(ctx, id, ch("r6")))

	recs, err := s.Audit(ctx, contactd.AuditQuery{ContactID: id})
	must(t, "audit", err)
	wantOps := []string{contactd.OpCreateContact, contactd.OpRenameContact, contactd.OpAddPhone, contactd.OpUpdatePhone, contactd.OpCeasePhone, contactd.OpCeaseContact}
	if len(recs) != len(wantOps) {
		t.Fatalf("%d audit records, want %d: %+v", len(recs), len(wantOps), recs)
	}
	for i, r := range recs {
		if r.Operation != wantOps[i] || r.RequestID != "r"+string(rune('1'+i)) || r.ContactID != id ||
			r.Customer != custA || r.AccountID != accA2 || r.Caller.Logon != "logon-7" || r.Caller.Party != "agent-3" ||
			!r.Time.Equal(t0) || (i > 0 && r.Seq <= recs[i-1].Seq) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	var created contactd.ContactValues
	if err := json.Unmarshal(recs[0].After, &created); err != nil || created.Name != "Audited" || len(created.Phone) != 1 ||
		created.Phone[0].PhoneNumber != phone(1).Number || string(recs[0].Before) != "null" {
		t.Errorf("create record: before %s after %s", recs[0].Before, recs[0].After)
	}
	var before, after contactd.ContactValues
	json.Unmarshal(recs[1].Before, &before)
	json.Unmarshal(recs[1].After, &after)
	if before.Name != "Audited" || after.Name != "Renamed" {
		t.Errorf("rename record: before %s after %s", recs[1].Before, recs[1].After)
	}
	var pb, pa contactd.PhoneValues
	json.Unmarshal(recs[3].Before, &pb)
	json.Unmarshal(recs[3].After, &pa)
	if recs[3].PhoneID != pid || pb.PhoneNumber != phone(2).Number || pa.PhoneNumber != phone(3).Number {
		t.Errorf("update phone record: %+v before %s after %s", recs[3], recs[3].Before, recs[3].After)
	}
	var ceased contactd.ContactValues
	if err := json.Unmarshal(recs[5].Before, &ceased); err != nil || len(ceased.Phone) != 1 || string(recs[5].After) != "null" {
		t.Errorf("cease record: before %s after %s", recs[5].Before, recs[5].After)
	}

	// The filters. Customer A also gets a live customer-level contact, and
	// customer B one: the owner filters must tell a customer's contacts,
	// ceased or live, from its account's and from another customer's.
	_, err = s.CreateContact(ctx, customerOwner(t, s, custA), contactd.Contact{Type: contactd.Primary, Name: "Of A", Phones: phones(1)}, ch("a1"))
	must(t, "create for customer A", err)
	_, err = s.CreateContact(ctx, customerOwner(t, s, custB), contactd.Contact{Type: contactd.Primary, Name: "Of B", Phones: phones(1)}, ch("b1"))
	must(t, "create for customer B", err)
	byCustomer, err := s.Audit(ctx, contactd.AuditQuery{Customer: custA})
	must(t, "audit by customer", err)
	byAccount, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA2})
	must(t, "audit by account", err)
	ofB, err := s.Audit(ctx, contactd.AuditQuery{Customer: custB})
	must(t, "audit of another customer", err)
	otherAccount, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA1})
	must(t, "audit of another account", err)
	later, err := s.Audit(ctx, contactd.AuditQuery{From: t0.Add(time.Second)})
	must(t, "audit after the writes", err)
	limited, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: recs[1].Seq, Limit: 2})
	must(t, "audit page", err)
	if len(byCustomer) != 7 || len(byAccount) != 6 || len(ofB) != 1 || len(otherAccount) != 0 || len(later) != 0 ||
		len(limited) != 2 || limited[0].Seq != recs[2].Seq {
		t.Errorf("filters: customer %d account %d other customer %d other account %d later %d page %d",
			len(byCustomer), len(byAccount), len(ofB), len(otherAccount), len(later), len(limited))
	}
	for i, r := range byCustomer {
		if r.Customer != custA || (i < 6 && r.RequestID != recs[i].RequestID) || (i == 6 && r.RequestID != "a1") ||
			(i > 0 && r.Seq <= byCustomer[i-1].Seq) {
			t.Errorf("customer A's record %d: %+v", i, r)
		}
	}
	for _, r := range byAccount {
		if r.AccountID != accA2 || r.ContactID != id {
			t.Errorf("account record: %+v", r)
		}
	}
	if len(ofB) == 1 && (ofB[0].Customer != custB || ofB[0].RequestID != "b1") {
		t.Errorf("customer B's record: %+v", ofB[0])
	}
}

// testIdempotency: a repeated key answers the first write's ID without a
// second write; another request under the same key is refused; another
// caller's identical key is its own; an expired key is forgotten.
func testIdempotency(t *testing.T, s contactd.Store) {
	ctx := context.Background()
	loadDefault(t, s)
	caller := contactd.Caller{Sandbox: true, Subject: "vendor"}
	key := func(k, fp string, c contactd.Caller, now time.Time) contactd.Change {
		return contactd.Change{Time: now, Caller: c, RequestID: k,
			Idempotency: &contactd.Idempotency{Key: k, Fingerprint: fp, Expires: now.Add(24 * time.Hour)}}
	}
	o := accountOwner(t, s, accA2)
	c := contactd.Contact{Type: contactd.Secondary, Name: "Once", Phones: phones(1)}
	first, err := s.CreateContact(ctx, o, c, key("k1", "fp1", caller, t0))
	must(t, "first", err)
	again, err := s.CreateContact(ctx, o, c, key("k1", "fp1", caller, t0.Add(time.Hour)))
	must(t, "retry", err)
	if again != first {
		t.Fatalf("retry answered %d, first %d", again, first)
	}
	_, err = s.CreateContact(ctx, o, c, key("k1", "other", caller, t0.Add(time.Hour)))
	wantCode(t, "same key, other request", err, contactd.EV1100)
	_, err = s.AddPhone(ctx, first, phone(2), key("k1", "fp1", caller, t0.Add(time.Hour)))
	wantCode(t, "same key, other operation", err, contactd.EV1100)
	other := contactd.Caller{Sandbox: true, Subject: "another vendor"}
	_, err = s.CreateContact(ctx, o, c, key("k1", "fp1", other, t0))
	wantCode(t, "another caller's key is its own", err, contactd.CNT101)
	recs, err := s.Audit(ctx, contactd.AuditQuery{AccountID: accA2})
	must(t, "audit", err)
	if len(recs) != 1 {
		t.Fatalf("%d writes audited, want 1", len(recs))
	}

	// Concurrent duplicates never both write.
	var wg sync.WaitGroup
	ids := make([]int64, 10)
	errs := make([]error, 10)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = s.AddPhone(ctx, first, phone(3), key("k2", "fp2", caller, t0))
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("duplicate %d: id %d err %v, want %d", i, ids[i], errs[i], ids[0])
		}
	}
	if n := len(contact(t, s, o, first).Phones); n != 2 {
		t.Fatalf("contact has %d phones after 10 duplicates, want 2", n)
	}

	// After expiry the key is forgotten: the retry writes again.
	pid, err := s.AddPhone(ctx, first, phone(3), key("k2", "fp2", caller, t0.Add(25*time.Hour)))
	must(t, "after expiry", err)
	if pid == ids[0] {
		t.Fatal("expired key still answered the first write")
	}

	// Replay finds the first answers, also once the contact is ceased,
	// and refuses a key used for another request.
	ob := accountOwner(t, s, accB1)
	created, err := s.CreateContact(ctx, ob, c, key("k4", "fp4", caller, t0.Add(25*time.Hour)))
	must(t, "create with k4", err)
	must(t, "CeaseContact", s.CeaseContact(ctx, first, At(t0.Add(26*time.Hour))))
	must(t, "CeaseContact", s.CeaseContact(ctx, created, At(t0.Add(26*time.Hour))))
	later := t0.Add(27 * time.Hour)
	for _, tc := range []struct {
		ch     contactd.Change
		op     string
		id     int64
		found  bool
		refuse bool
	}{
		{key("k4", "fp4", caller, later), contactd.OpCreateContact, created, true, false},
		{key("k2", "fp2", caller, later), contactd.OpAddPhone, pid, true, false},
		{key("k2", "fp1", caller, later), contactd.OpAddPhone, 0, false, true},
		{key("k2", "fp2", caller, later), contactd.OpCreateContact, 0, false, true},
		{key("k2", "fp2", other, later), contactd.OpAddPhone, 0, false, false},
		{key("k3", "fp2", caller, later), contactd.OpAddPhone, 0, false, false},
		{key("k1", "fp1", caller, later), contactd.OpCreateContact, 0, false, false},           // expired
		{key("k2", "fp2", caller, t0.Add(50*time.Hour)), contactd.OpAddPhone, 0, false, false}, // expired
		{At(later), contactd.OpAddPhone, 0, false, false},                                      // no key
	} {
		id, found, err := s.Replay(ctx, tc.ch, tc.op)
		if tc.refuse {
			wantCode(t, "Replay(key of another request)", err, contactd.EV1100)
			continue
		}
		if err != nil || found != tc.found || id != tc.id {
			t.Errorf("Replay(%+v, %s) = %d, %v, %v; want %d, %v", tc.ch.Idempotency, tc.op, id, found, err, tc.id, tc.found)
		}
	}
}
