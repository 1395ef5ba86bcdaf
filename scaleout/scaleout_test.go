package scaleout

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

const api = "/gateway"

func nzPhone(i int) map[string]string {
	return map[string]string{"PhoneType": "CELL", "Country": "NZ", "PhoneNumber": fmt.Sprintf("027%07d", i)}
}

// parallel sends n requests at once, request i to replica i mod len(rs),
// and returns the answers in order.
func parallel(rs []*replica, n int, send func(i int, r *replica) answer) []answer {
	out := make([]answer, n)
	startGate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-startGate
			out[i] = send(i, rs[i%len(rs)])
		})
	}
	close(startGate)
	wg.Wait()
	return out
}

// tally counts answers by status and code ("200" for success).
func tally(as []answer) map[string]int {
	m := map[string]int{}
	for _, a := range as {
		switch {
		case a.err != nil:
			m["no answer"]++
		case a.status == http.StatusOK:
			m["200"]++
		default:
			m[fmt.Sprintf("%d %s", a.status, a.code)]++
		}
	}
	return m
}

// TestScaleOut runs three replicas on one fresh schema, started together
// on an empty database, and sends each conflicting write to all three at
// once. Afterwards it checks the database directly: no invariant broken,
// every 200 matches a row, every refusal a real conflict.
func TestScaleOut(t *testing.T) {
	schema, db := pgtest.Schema(t)
	tok := token(t)
	ctx := context.Background()

	// Three replicas start together on the empty schema: they take turns
	// migrating, and exactly one loads the sandbox personas.
	started := time.Now()
	rs := make([]*replica, 3)
	var wg sync.WaitGroup
	for i := range rs {
		wg.Go(func() { rs[i] = start(t, fmt.Sprintf("replica%d", i+1), db) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	loaded := 0
	for _, r := range rs {
		if r.personasLoaded() {
			loaded++
		}
	}
	t.Logf("3 replicas of schema %s listening after %v", schema, time.Since(started).Round(time.Millisecond))
	if loaded != 1 {
		t.Errorf("%d replicas loaded the sandbox personas, want exactly 1", loaded)
	}
	conn := pgtest.Connect(t, db)

	// 1. PRIMRY contacts for one owner, 30 at once: exactly one 200.
	owner := map[string]string{"AccountID": "139369673INC003", "AccountIDType": "ACC"}
	creates := parallel(rs, 30, func(i int, r *replica) answer {
		body := map[string]any{"Contact": map[string]any{"ContactType": "PRIMRY", "Name": fmt.Sprintf("Racer %d", i),
			"Phone": []any{nzPhone(i)}}}
		for k, v := range owner {
			body[k] = v
		}
		return call(ctx, "POST", r.base+api+"/contact/contact", tok, body)
	})
	if got := tally(creates); got["200"] != 1 || got["400 CNT101"] != 29 || len(got) != 2 {
		t.Errorf("30 PRIMRY creates for one account: %v, want one 200 and 29 CNT101", got)
	}
	var winner int64
	for _, a := range creates {
		if a.status == http.StatusOK {
			winner = a.id(t, "ContactID")
		}
	}
	var livePrimary []int64
	rows, _ := conn.Query(ctx, `SELECT ct.id FROM contact ct JOIN account a ON a.key = ct.account_key
WHERE a.account_id = $1 AND ct.contact_type = 'PRIMRY' AND ct.ceased IS NULL`, owner["AccountID"])
	livePrimary, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(livePrimary) != 1 || livePrimary[0] != winner {
		t.Errorf("live PRIMRY contacts of the account: %v (%v), want [%d]: each CNT101 met the winner's contact", livePrimary, err, winner)
	}

	// 2. Phones on one contact with 2, 30 at once: it ends with exactly 5,
	// and 3 (5 - 2) adds succeed.
	a := call(ctx, "POST", rs[0].base+api+"/contact/contact", tok, map[string]any{
		"CustomerID": "139369673", "CustomerIDType": "IRD",
		"Contact": map[string]any{"ContactType": "SCNDRY", "Name": "Two phones", "Phone": []any{nzPhone(1), nzPhone(2)}}})
	if a.status != http.StatusOK {
		t.Fatalf("create the contact: %s", a)
	}
	full := a.id(t, "ContactID")
	const initial = 2
	adds := parallel(rs, 30, func(i int, r *replica) answer {
		return call(ctx, "POST", r.base+api+"/contact/phone", tok, map[string]any{"ContactID": full, "Phone": nzPhone(100 + i)})
	})
	added := map[int64]bool{}
	for _, a := range adds {
		if a.status == http.StatusOK {
			added[a.id(t, "PhoneID")] = true
		}
	}
	if got := tally(adds); got["200"] != 5-initial || got["400 CNT103"] != 30-(5-initial) || len(got) != 2 {
		t.Errorf("30 phone adds to a contact with %d: %v, want %d 200 and the rest CNT103", initial, got, 5-initial)
	}
	rows, _ = conn.Query(ctx, `SELECT id FROM phone WHERE contact_id = $1 AND ceased IS NULL ORDER BY id`, full)
	live, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(live) != 5 {
		t.Errorf("live phones: %v (%v), want 5: each CNT103 met a full contact", live, err)
	}
	for id := range added {
		if !slices.Contains(live, id) {
			t.Errorf("phone %d was answered 200 but is not a live phone of contact %d", id, full)
		}
	}

	// 3. Deleting a contact while phones are added to it: one DELETE per
	// replica, and 24 adds, all at once.
	a = call(ctx, "POST", rs[1].base+api+"/contact/contact", tok, map[string]any{
		"AccountID": "512100301INC003", "AccountIDType": "ACC",
		"Contact": map[string]any{"ContactType": "SCNDRY", "Name": "Going", "Phone": []any{nzPhone(1)}}})
	if a.status != http.StatusOK {
		t.Fatalf("create the contact: %s", a)
	}
	going := a.id(t, "ContactID")
	const deletes = 3
	mixed := parallel(rs, 27, func(i int, r *replica) answer {
		// spread the adds around the deletes
		if i < deletes {
			time.Sleep(3 * time.Millisecond)
			return call(ctx, "DELETE", r.base+api+"/contact/contact", tok, map[string]any{"ContactID": going})
		}
		time.Sleep(time.Duration(i%6) * time.Millisecond)
		return call(ctx, "POST", r.base+api+"/contact/phone", tok, map[string]any{"ContactID": going, "Phone": nzPhone(200 + i)})
	})
	del, addsOut := tally(mixed[:deletes]), tally(mixed[deletes:])
	t.Logf("delete race: deletes %v, adds %v", del, addsOut)
	if del["200"] != 1 || del["400 CST404"] != deletes-1 {
		t.Errorf("3 concurrent DELETEs: %v, want one 200 and CST404 for the rest", del)
	}
	for k := range addsOut {
		if k != "200" && k != "400 CST404" && k != "400 CNT103" {
			t.Errorf("phone adds racing a delete: %v", addsOut)
		}
	}
	var addedBeforeDelete []int64
	for _, a := range mixed[deletes:] {
		if a.status == http.StatusOK {
			addedBeforeDelete = append(addedBeforeDelete, a.id(t, "PhoneID"))
		}
	}
	if n := len(addedBeforeDelete); n > 4 || (addsOut["400 CNT103"] > 0 && n != 4) {
		t.Errorf("%d adds succeeded and %d were CNT103: a CNT103 needs a full contact (1 + 4)", n, addsOut["400 CNT103"])
	}
	// every add that succeeded committed before the cease, every CST404
	// after it: the audit trail is in commit order
	var ceaseSeq int64
	if err := conn.QueryRow(ctx, `SELECT seq FROM audit WHERE operation = 'contact.cease' AND contact_id = $1`, going).Scan(&ceaseSeq); err != nil {
		t.Fatalf("the cease's audit record: %v", err)
	}
	for _, pid := range addedBeforeDelete {
		var seq int64
		var ceased bool
		err := conn.QueryRow(ctx, `SELECT a.seq, p.ceased IS NOT NULL FROM audit a JOIN phone p ON p.id = a.phone_id
WHERE a.operation = 'phone.add' AND a.phone_id = $1 AND p.contact_id = $2`, pid, going).Scan(&seq, &ceased)
		if err != nil || seq > ceaseSeq || !ceased {
			t.Errorf("phone %d (200): audit seq %d, cease %d, ceased %v, %v", pid, seq, ceaseSeq, ceased, err)
		}
	}
	var liveAfter int
	conn.QueryRow(ctx, `SELECT count(*) FROM phone WHERE contact_id = $1 AND ceased IS NULL`, going).Scan(&liveAfter)
	if liveAfter != 0 {
		t.Errorf("%d live phones on the deleted contact", liveAfter)
	}
	if a := call(ctx, "DELETE", rs[2].base+api+"/contact/contact", tok, map[string]any{"ContactID": going}); a.code != "CST404" {
		t.Errorf("DELETE of the deleted contact: %s", a)
	}

	// Every write answered 200 has its row and its one audit record;
	// refusals wrote nothing.
	successes := 0
	for _, as := range [][]answer{creates, adds, mixed} {
		for _, a := range as {
			if a.status == http.StatusOK {
				successes++
			}
		}
	}
	var audits int
	conn.QueryRow(ctx, `SELECT count(*) FROM audit`).Scan(&audits)
	if want := successes + 2; audits != want { // + the two set-up creates
		t.Errorf("%d audit records, want %d (one per 200)", audits, want)
	}

	checkInvariants(t, conn)
}

// checkInvariants queries the database directly for any broken invariant.
func checkInvariants(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	for name, q := range map[string]string{
		"two live contacts of one type for an owner": `SELECT count(*) FROM (SELECT 1 FROM contact WHERE ceased IS NULL
GROUP BY customer_key, COALESCE(account_key, 0), contact_type HAVING count(*) > 1) x`,
		"a live contact without 1 to 5 live phones": `SELECT count(*) FROM contact ct WHERE ct.ceased IS NULL
AND (SELECT count(*) FROM phone p WHERE p.contact_id = ct.id AND p.ceased IS NULL) NOT BETWEEN 1 AND 5`,
		"a live phone on a ceased contact": `SELECT count(*) FROM phone p JOIN contact ct ON ct.id = p.contact_id
WHERE p.ceased IS NULL AND ct.ceased IS NOT NULL`,
		"an ID used by a contact and a phone": `SELECT count(*) FROM (SELECT id FROM contact INTERSECT SELECT id FROM phone) x`,
		"an ID outside 1..2^53-1": `SELECT count(*) FROM (SELECT id FROM contact UNION ALL SELECT id FROM phone) x
WHERE id < 1 OR id > 9007199254740991`,
		"an ID not in issued_id": `SELECT count(*) FROM (SELECT id FROM contact UNION ALL SELECT id FROM phone) x
WHERE NOT EXISTS (SELECT 1 FROM issued_id i WHERE i.id = x.id)`,
		"a contact write without its audit record": `SELECT count(*) FROM contact ct
WHERE ct.id > 9005454545845 AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.contact_id = ct.id AND a.operation = 'contact.create')`,
		"a phone added without its audit record": `SELECT count(*) FROM phone p JOIN contact ct ON ct.id = p.contact_id
WHERE p.id > 9005454545845 AND p.id <> ct.id AND p.id > ct.id + 5
  AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.phone_id = p.id AND a.operation = 'phone.add')`,
	} {
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Errorf("%s: %v", name, err)
		} else if n != 0 {
			t.Errorf("%s: %d", name, n)
		}
	}
}
