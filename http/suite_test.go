package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// onEachStore runs f on a fresh sandbox on SQLite, and on PostgreSQL when
// CONTACTD_TEST_POSTGRES names a database.
func onEachStore(t *testing.T, f func(t *testing.T, s *sandboxServer)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, newSandbox(t))
	})
	t.Run("postgres", func(t *testing.T) {
		_, url := pgtest.Schema(t)
		store, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if _, err := sandbox.Seed(context.Background(), store); err != nil {
			t.Fatal(err)
		}
		f(t, serve(t, store, auth.Sandbox{}, sandbox.Access{}))
	})
}

// reopenSQLite is a sandbox on a SQLite file that a test can close and
// open again, to see that a change lasts.
func reopenSQLite(t *testing.T) (s *sandboxServer, reopen func() *sandboxServer) {
	path := filepath.Join(t.TempDir(), "sandbox.db")
	open := func(seed bool) *sandboxServer {
		store, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if seed {
			if _, err := sandbox.Seed(context.Background(), store); err != nil {
				t.Fatal(err)
			}
		}
		return serve(t, store, auth.Sandbox{}, sandbox.Access{})
	}
	s = open(true)
	return s, func() *sandboxServer {
		s.Store.Close()
		return open(false)
	}
}

// customerRead is the part of a Customer read the suite's tests look at.
type customerRead struct {
	Customer struct {
		BIC     []struct{ BICCode string }
		Address []map[string]any
		Name    []map[string]any
	}
}

func readCustomer(t *testing.T, s *sandboxServer, ird string) customerRead {
	t.Helper()
	status, body := s.do("POST", "/gateway/customer/customer", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD"}`)
	if status != http.StatusOK {
		t.Fatalf("customer %s: %d %s", ird, status, body)
	}
	var c customerRead
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func readAccountAddresses(t *testing.T, s *sandboxServer, accountID string) []map[string]any {
	t.Helper()
	status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"`+accountID+`","AccountIDType":"ACC"}`)
	if status != http.StatusOK {
		t.Fatalf("account %s: %d %s", accountID, status, body)
	}
	var a struct {
		Account struct{ Address []map[string]any }
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	return a.Account.Address
}

// byID is the element of list whose idField is id, or nil.
func byID(list []map[string]any, idField string, id int64) map[string]any {
	for _, e := range list {
		if n, ok := e[idField].(float64); ok && int64(n) == id {
			return e
		}
	}
	return nil
}

func mustStatus(t *testing.T, status int, body []byte, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d: %s", status, want, body)
	}
}

// TestNameLife: a preferred name created, read back, renamed, read back,
// deleted, gone, and CST404 on a second delete; on both stores.
func TestNameLife(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const ird = "132244227" // an individual with only a legal name
		status, body := s.do("POST", "/gateway/name/name",
			`{"CustomerID":"`+ird+`","CustomerIDType":"IRD","Type":"PREFER","FirstName":"Ana","LastName":"Tane"}`)
		mustStatus(t, status, body, http.StatusOK)
		id := newID(t, body, "NameID")

		n := byID(readCustomer(t, s, ird).Customer.Name, "NameID", id)
		if n == nil || n["Type"] != "PREFER" || n["FirstName"] != "Ana" || n["Formatted"] != "Ana Tane" {
			t.Fatalf("read back %v", n)
		}
		status, body = s.do("PUT", "/gateway/name/name", fmt.Sprintf(`{"NameID":%d,"FirstName":"Aroha","LastName":"Tane","Title":"DR"}`, id))
		mustStatus(t, status, body, http.StatusOK)
		n = byID(readCustomer(t, s, ird).Customer.Name, "NameID", id)
		if n == nil || n["FirstName"] != "Aroha" || n["Title"] != "DR" || n["Formatted"] != "DR Aroha Tane" {
			t.Fatalf("after PUT, read back %v", n)
		}
		status, body = s.do("DELETE", "/gateway/name/name", fmt.Sprintf(`{"NameID":%d}`, id))
		mustStatus(t, status, body, http.StatusOK)
		if n := byID(readCustomer(t, s, ird).Customer.Name, "NameID", id); n != nil {
			t.Fatalf("deleted name still read: %v", n)
		}
		status, body = s.do("DELETE", "/gateway/name/name", fmt.Sprintf(`{"NameID":%d}`, id))
		wantError(t, status, body, http.StatusBadRequest, "CST404")
	})
}

// TestAddressLife: a customer's mailing address and an account's address
// created, read back, updated, read back, deleted, gone, CST404 after.
func TestAddressLife(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const ird = "132244227"
		status, body := s.do("POST", "/gateway/address/address", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","Type":"MAL",
			"Address":{"Street":"12 RATA STREET","City":"WELLINGTON","PostCode":"6011","Country":"NZ","Urbanisation":"TE ARO"}}`)
		mustStatus(t, status, body, http.StatusOK)
		id := newID(t, body, "AddressID")
		a := byID(readCustomer(t, s, ird).Customer.Address, "AddressID", id)
		if a == nil || a["Type"] != "MAL" || a["Street"] != "12 RATA STREET" || a["Formatted"] != "12 RATA STREET TE ARO WELLINGTON 6011" {
			t.Fatalf("read back %v", a)
		}
		status, body = s.do("PUT", "/gateway/address/address", fmt.Sprintf(`{"AddressID":%d,"NewZealand":{"DPID":827994,"Attention":"Accounts"}}`, id))
		mustStatus(t, status, body, http.StatusOK)
		a = byID(readCustomer(t, s, ird).Customer.Address, "AddressID", id)
		if a == nil || a["Type"] != "MAL" || a["Street"] != "3 HA CRESCENT" || a["Attention"] != "Accounts" {
			t.Fatalf("after PUT, read back %v", a)
		}
		if _, ok := a["DPID"]; ok {
			t.Fatalf("the read shows a DPID, which the published shape has not: %v", a)
		}
		status, body = s.do("DELETE", "/gateway/address/address", fmt.Sprintf(`{"AddressID":%d}`, id))
		mustStatus(t, status, body, http.StatusOK)
		if a := byID(readCustomer(t, s, ird).Customer.Address, "AddressID", id); a != nil {
			t.Fatalf("deleted address still read: %v", a)
		}
		status, body = s.do("DELETE", "/gateway/address/address", fmt.Sprintf(`{"AddressID":%d}`, id))
		wantError(t, status, body, http.StatusBadRequest, "CST404")

		// An account's own address, shown by the Account read only.
		const account = "132243158INC002"
		status, body = s.do("POST", "/gateway/address/address", `{"AccountID":"`+account+`","AccountIDType":"ACC","Type":"PRFLOC",
			"Address":{"Street":"1 GEORGE STREET","City":"SYDNEY","State":"AU-NSW","PostCode":"2000","Country":"AU","Urbanisation":"THE ROCKS"}}`)
		mustStatus(t, status, body, http.StatusOK)
		id = newID(t, body, "AddressID")
		if a := byID(readAccountAddresses(t, s, account), "AddressID", id); a == nil || a["Country"] != "AU" {
			t.Fatalf("account address read back %v", a)
		}
		if a := byID(readCustomer(t, s, "132243158").Customer.Address, "AddressID", id); a != nil {
			t.Fatalf("an account's address shows on its customer: %v", a)
		}
	})
}

// TestAddressRules: the owner's level, the LOC every customer keeps, the
// country rules and the DPID ranges, each in the envelope, none changing
// anything.
func TestAddressRules(t *testing.T) {
	s := newSandbox(t)
	for _, tc := range []struct {
		name, method, body string
		status             int
		code               string
	}{
		{"account type on a customer", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"PRFLOC","NewZealand":{"DPID":1000}}`, 400, "EV1100"},
		{"customer type on an account", "POST", `{"AccountID":"132243158INC002","AccountIDType":"ACC","Type":"MAL","NewZealand":{"DPID":1000}}`, 400, "EV1100"},
		{"both Address and NewZealand", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":1000},"Address":{"Street":"1 A ST","City":"X","Country":"NZ"}}`, 400, "EV1100"},
		{"neither", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL"}`, 400, "EV1100"},
		{"a second LOC", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"LOC","NewZealand":{"DPID":1000}}`, 400, "ADR101"},
		{"DPID 82794", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":82794}}`, 400, "ADR103"},
		{"DPID 12345", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":12345}}`, 400, "ADR103"},
		{"DPID below 55", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":54}}`, 400, "ADR103"},
		{"DPID above 7449050", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":7449051}}`, 400, "ADR103"},
		{"Australia without Urbanisation", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","Address":{"Street":"1 GEORGE ST","City":"SYDNEY","State":"AU-NSW","PostCode":"2000","Country":"AU"}}`, 400, "ADR102"},
		{"USA without State", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","Address":{"Street":"1 MAIN ST","City":"KANSAS","PostCode":"90210","Country":"US"}}`, 400, "ADR102"},
		{"APT in New Zealand", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","Address":{"Street":"1 RATA ST","City":"WELLINGTON","Country":"NZ","Unit":"2","UnitType":"APT"}}`, 400, "ADR102"},
		{"no Street", "POST", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","Address":{"City":"WELLINGTON","Country":"NZ"}}`, 400, "EV1100"},
		{"unknown customer", "POST", `{"CustomerID":"111111111","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":1000}}`, 400, "CST404"},
		{"EV1022 customer", "POST", `{"CustomerID":"132253579","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":1000}}`, 403, "EV1022"},
		{"KSS account", "POST", `{"AccountID":"132243158KSS004","AccountIDType":"ACC","Type":"PRFMAL","NewZealand":{"DPID":1000}}`, 400, "ACT100"},
		{"delete a LOC", "DELETE", `{"AddressID":5342356299}`, 400, "ADR100"},
		{"delete another LOC", "DELETE", `{"AddressID":5341463520}`, 400, "ADR100"},
		{"EV1022 address", "DELETE", `{"AddressID":1004732460550}`, 403, "EV1022"},
		{"EV1022 address update", "PUT", `{"AddressID":1004785546432,"NewZealand":{"DPID":1000}}`, 403, "EV1022"},
		{"update with a bad DPID", "PUT", `{"AddressID":5342356299,"NewZealand":{"DPID":12345}}`, 400, "ADR103"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := readCustomer(t, s, "132244227")
			status, body := s.do(tc.method, "/gateway/address/address", tc.body)
			wantError(t, status, body, tc.status, tc.code)
			if after := readCustomer(t, s, "132244227"); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a refused request changed the customer: %v, was %v", after, before)
			}
		})
	}
}

// TestBICLife: a code added, read back, added again with another commence
// date (still one), ceased, gone, BIC101 after.
func TestBICLife(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const ird = "139369673"
		codes := func() []string {
			var list []string
			for _, b := range readCustomer(t, s, ird).Customer.BIC {
				list = append(list, b.BICCode)
			}
			return list
		}
		if got := fmt.Sprint(codes()); got != "[A041930]" {
			t.Fatalf("persona codes %s, want [A041930]", got)
		}
		status, body := s.do("POST", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"A019960","Commence":"2021-08-31"}`)
		mustStatus(t, status, body, http.StatusOK)
		status, body = s.do("POST", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"A019960"}`)
		mustStatus(t, status, body, http.StatusOK)
		if got := fmt.Sprint(codes()); got != "[A041930 A019960]" {
			t.Fatalf("codes %s, want [A041930 A019960]", got)
		}
		status, body = s.do("DELETE", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"A019960","Cease":"2021-09-30"}`)
		mustStatus(t, status, body, http.StatusOK)
		if got := fmt.Sprint(codes()); got != "[A041930]" {
			t.Fatalf("codes %s after the delete, want [A041930]", got)
		}
		status, body = s.do("DELETE", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"A019960"}`)
		wantError(t, status, body, http.StatusBadRequest, "BIC101")
		status, body = s.do("POST", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"A019960","Commence":"9999-12-31"}`)
		wantError(t, status, body, http.StatusBadRequest, "BIC102")
		status, body = s.do("DELETE", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"A041930","Cease":"9999-12-31"}`)
		wantError(t, status, body, http.StatusBadRequest, "BIC103")
		status, body = s.do("POST", "/gateway/bic/bic", `{"CustomerID":"139616936","CustomerIDType":"IRD","BICCode":"A019960"}`)
		wantError(t, status, body, http.StatusForbidden, "EV1022")
		if got := fmt.Sprint(codes()); got != "[A041930]" {
			t.Fatalf("codes %s after refused requests, want [A041930]", got)
		}
	})
}

// TestSuiteChangesLast: a name, an address and a BIC code changed over
// HTTP are there after the store is closed and opened again.
func TestSuiteChangesLast(t *testing.T) {
	s, reopen := reopenSQLite(t)
	const ird = "132244227"
	status, body := s.do("POST", "/gateway/name/name", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","Type":"DBACST","Unformatted":"TANE TRADING"}`)
	mustStatus(t, status, body, http.StatusOK)
	nameID := newID(t, body, "NameID")
	status, body = s.do("POST", "/gateway/address/address", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":4242}}`)
	mustStatus(t, status, body, http.StatusOK)
	addressID := newID(t, body, "AddressID")
	status, body = s.do("POST", "/gateway/bic/bic", `{"CustomerID":"`+ird+`","CustomerIDType":"IRD","BICCode":"M696100"}`)
	mustStatus(t, status, body, http.StatusOK)
	before := readCustomer(t, s, ird)

	s = reopen()
	after := readCustomer(t, s, ird)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("after a restart %v, before %v", after, before)
	}
	if byID(after.Customer.Name, "NameID", nameID) == nil || byID(after.Customer.Address, "AddressID", addressID) == nil ||
		len(after.Customer.BIC) != 1 {
		t.Fatalf("a change is lost across a restart: %v", after)
	}
}

// TestSuiteRaces: 30 parallel creates of one name type, one address type
// and one BIC code on one customer: one name and one address are created
// and the rest refused with NAM101 and ADR101; every BIC POST succeeds
// (a second one moves the commence date) and one code is live. On both
// stores, under -race.
func TestSuiteRaces(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const ird = "132245721"
		for _, tc := range []struct {
			path, body string
			wantOK     int
			refusal    string
		}{
			{"/gateway/name/name", `{"CustomerID":"` + ird + `","CustomerIDType":"IRD","Type":"PREFER","FirstName":"Ana"}`, 1, "NAM101"},
			{"/gateway/address/address", `{"CustomerID":"` + ird + `","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":4242}}`, 1, "ADR101"},
			{"/gateway/bic/bic", `{"CustomerID":"` + ird + `","CustomerIDType":"IRD","BICCode":"A019960"}`, 30, ""},
		} {
			const n = 30
			var wg sync.WaitGroup
			codes := make(chan string, n)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, body := s.do("POST", tc.path, tc.body)
					if status == http.StatusOK {
						codes <- "200"
						return
					}
					var env struct{ Errors []struct{ Code string } }
					json.Unmarshal(body, &env)
					if len(env.Errors) == 1 {
						codes <- env.Errors[0].Code
					} else {
						codes <- fmt.Sprintf("%d %s", status, body)
					}
				}()
			}
			wg.Wait()
			close(codes)
			count := map[string]int{}
			for c := range codes {
				count[c]++
			}
			want := map[string]int{"200": tc.wantOK}
			if tc.refusal != "" {
				want[tc.refusal] = n - tc.wantOK
			}
			if fmt.Sprint(count) != fmt.Sprint(want) {
				t.Errorf("%s: answers %v, want %v", tc.path, count, want)
			}
		}
		c := readCustomer(t, s, ird).Customer
		var prefer, mal int
		for _, n := range c.Name {
			if n["Type"] == "PREFER" {
				prefer++
			}
		}
		for _, a := range c.Address {
			if a["Type"] == "MAL" {
				mal++
			}
		}
		if prefer != 1 || mal != 1 || len(c.BIC) != 1 {
			t.Fatalf("live PREFER names %d, MAL addresses %d, BIC codes %d; want one each", prefer, mal, len(c.BIC))
		}
	})
}

// TestSuiteEV1022Persona: the EV1022 persona, named by its IRD number
// (whose check digit fails), is refused with EV1022 by every update API
// in the sandbox, as IRD's test plans expect.
func TestSuiteEV1022Persona(t *testing.T) {
	s := newSandbox(t)
	for _, tc := range []struct{ path, body string }{
		{"/gateway/name/name", `{"CustomerID":"102210221","CustomerIDType":"IRD","Type":"DBACST","Unformatted":"X"}`},
		{"/gateway/address/address", `{"CustomerID":"102210221","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":4242}}`},
		{"/gateway/bic/bic", `{"CustomerID":"102210221","CustomerIDType":"IRD","BICCode":"A019960"}`},
	} {
		status, body := s.do("POST", tc.path, tc.body)
		wantError(t, status, body, http.StatusForbidden, "EV1022")
	}
	status, body := s.do("POST", "/gateway/name/name", `{"CustomerID":"123456789","CustomerIDType":"IRD","Type":"DBACST","Unformatted":"X"}`)
	wantError(t, status, body, http.StatusBadRequest, "EV2234")
}

// TestSuiteIdempotentPOSTs: a name, an address and a BIC code POSTed twice
// with one Idempotency-Key are created once and answer the first answer;
// the key with another body is EV1100 naming Idempotency-Key.
func TestSuiteIdempotentPOSTs(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		for _, tc := range []struct{ path, body, other, idField string }{
			{"/gateway/name/name", `{"CustomerID":"132245721","CustomerIDType":"IRD","Type":"DBACST","Unformatted":"ONE"}`,
				`{"CustomerID":"132245721","CustomerIDType":"IRD","Type":"DBACST","Unformatted":"TWO"}`, "NameID"},
			{"/gateway/address/address", `{"CustomerID":"132245721","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":4242}}`,
				`{"CustomerID":"132245721","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":4243}}`, "AddressID"},
			{"/gateway/bic/bic", `{"CustomerID":"132245721","CustomerIDType":"IRD","BICCode":"A019960"}`,
				`{"CustomerID":"132245721","CustomerIDType":"IRD","BICCode":"M696100"}`, ""},
		} {
			h := http.Header{"Authorization": {"Bearer " + s.Token}, "Idempotency-Key": {"key-" + tc.path}}
			first, firstBody := s.doHeaders("POST", tc.path, h, tc.body)
			again, againBody := s.doHeaders("POST", tc.path, h, tc.body)
			if first.StatusCode != 200 || again.StatusCode != 200 || string(firstBody) != string(againBody) {
				t.Fatalf("%s: %d %s, then %d %s", tc.path, first.StatusCode, firstBody, again.StatusCode, againBody)
			}
			other, otherBody := s.doHeaders("POST", tc.path, h, tc.other)
			if e := wantError(t, other.StatusCode, otherBody, http.StatusBadRequest, "EV1100"); !strings.HasSuffix(e.Message, "Idempotency-Key") {
				t.Fatalf("%s: the key with another body: %s", tc.path, otherBody)
			}
		}
		recs, err := s.Store.Audit(context.Background(), contactd.AuditQuery{Customer: contactd.CustomerID{Type: contactd.IRD, Value: "132245721"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 {
			t.Fatalf("%d audit records, want 3 (one write per key): %+v", len(recs), recs)
		}
	})
}
