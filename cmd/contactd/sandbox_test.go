package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd/postgres/pgtest"
)

// sandboxDBs runs fn once on a new SQLite file and once on a new
// PostgreSQL schema (skipped without CONTACTD_TEST_POSTGRES).
func sandboxDBs(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "sandbox.db")) })
	t.Run("postgres", func(t *testing.T) {
		_, db := pgtest.Schema(t)
		fn(t, db)
	})
}

// startSandbox runs `contactd serve --sandbox` with an admin listener on
// db and returns the API's and the admin listener's base URLs.
func startSandbox(t *testing.T, db string, args ...string) (api, admin string, stop func() error) {
	t.Helper()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	stop, _ = startServe(t, map[string]string{"CONTACTD_SANDBOX": "true", "CONTACTD_ADMIN_ADDR": adminAddr},
		append([]string{"--addr", addr, "--db", db}, args...)...)
	api = "http://" + addr
	waitReady(t, api)
	return api, "http://" + adminAddr, stop
}

func resetSandbox(t *testing.T, admin string) {
	t.Helper()
	status, body := call(t, "POST", admin+"/sandbox/reset", "", "")
	if status != 200 || !strings.Contains(body, `"reset":true`) {
		t.Fatalf("POST /sandbox/reset: %d %s", status, body)
	}
}

// updatedNow matches an Updated value, to tell those of this test's
// writes (now) from the personas' (2020, 2021).
var updatedNow = regexp.MustCompile(`"Updated":"([0-9T:-]+)"`)

// anID matches an ID of 13 or more digits; those above the personas' are
// issued by the run (highestPersonaID is in api/SANDBOX.md).
var anID = regexp.MustCompile(`\b[0-9]{13,16}\b`)

const highestPersonaID = 9005454545845

// walkThrough is README's "A contact's life, with curl", step by step over
// HTTP, and returns each step's status and answer, with the IDs it was
// given and the times of its own writes written as placeholders.
func walkThrough(t *testing.T, api, token string, start time.Time) []string {
	t.Helper()
	H := "Bearer " + token
	gw := api + "/gateway"
	var answers []string
	issued := map[string]string{} // an ID the run was given -> {id1}, {id2}, ...
	normalize := func(answer string) string {
		answer = anID.ReplaceAllStringFunc(answer, func(id string) string {
			if n, _ := strconv.ParseInt(id, 10, 64); n <= highestPersonaID {
				return id
			}
			if _, ok := issued[id]; !ok {
				issued[id] = "{id" + strconv.Itoa(len(issued)+1) + "}"
			}
			return issued[id]
		})
		return updatedNow.ReplaceAllStringFunc(answer, func(m string) string {
			at, err := time.ParseInLocation("2006-01-02T15:04:05", updatedNow.FindStringSubmatch(m)[1], nzTime(t))
			if err == nil && !at.Before(start.Truncate(time.Second)) {
				return `"Updated":"{now}"`
			}
			return m
		})
	}
	var contactID string
	step := func(method, path, body string) string {
		status, answer := call(t, method, gw+path, H, body)
		answers = append(answers, strconv.Itoa(status)+" "+normalize(answer))
		return answer
	}
	// 1. Create a secondary contact for customer 069096409.
	a := step("POST", "/contact/contact", `{
  "CustomerID": "069096409", "CustomerIDType": "IRD",
  "Contact": {"ContactType": "SCNDRY", "Name": "Ana Tane",
    "Phone": [{"PhoneType": "CELL", "Country": "NZ", "PhoneNumber": "0211234567"}]}}`)
	var created struct{ ContactID int64 }
	if err := json.Unmarshal([]byte(a), &created); err != nil || created.ContactID == 0 {
		t.Fatalf("step 1 answered %s", a)
	}
	contactID = strconv.FormatInt(created.ContactID, 10)
	// 2. Read it back through the customer API.
	step("POST", "/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	// 3. Add a phone (Australia needs its 2-digit area code).
	a = step("POST", "/contact/phone", `{"ContactID": `+contactID+`,
  "Phone": {"PhoneType": "BSN", "Country": "AU", "AreaCode": "02", "PhoneNumber": "92345678"}}`)
	var added struct{ PhoneID int64 }
	if err := json.Unmarshal([]byte(a), &added); err != nil || added.PhoneID == 0 {
		t.Fatalf("step 3 answered %s", a)
	}
	// 4. Rename it.
	step("PUT", "/contact/contact", `{"ContactID": `+contactID+`, "Contact": {"Name": "Ana Tane-Smith"}}`)
	// The customer read again shows both changes.
	step("POST", "/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	// 5. Delete it: the contact and its phones are ceased for good.
	step("DELETE", "/contact/contact", `{"ContactID": `+contactID+`}`)
	// 6. It is gone.
	step("DELETE", "/contact/contact", `{"ContactID": `+contactID+`}`)
	return answers
}

func nzTime(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestWalkThroughTwiceWithAReset: README's walk-through, run twice with
// POST /sandbox/reset between, gives the same answers (the second run's
// IDs are new ones: IDs are never issued twice), and the first step that
// a second run without the reset would fail on (CNT101) passes.
func TestWalkThroughTwiceWithAReset(t *testing.T) {
	sandboxDBs(t, func(t *testing.T, db string) {
		api, admin, _ := startSandbox(t, db)
		token := sandboxToken(t)
		start := time.Now()
		first := walkThrough(t, api, token, start)
		if !strings.Contains(first[len(first)-1], "CST404") {
			t.Fatalf("the last step answered %s, want CST404", first[len(first)-1])
		}
		// A live SCNDRY contact on the customer: without the reset, the
		// second run's step 1 would be CNT101.
		status, body := call(t, "POST", api+"/gateway/contact/contact", "Bearer "+token,
			`{"CustomerID":"069096409","CustomerIDType":"IRD","Contact":{"ContactType":"SCNDRY","Name":"Busy","Phone":[{"PhoneType":"CELL","Country":"NZ","PhoneNumber":"0211234567"}]}}`)
		if status != 200 {
			t.Fatalf("busy contact: %d %s", status, body)
		}
		resetSandbox(t, admin)
		second := walkThrough(t, api, token, start)
		if !reflect.DeepEqual(first, second) {
			for i := range min(len(first), len(second)) {
				if first[i] != second[i] {
					t.Errorf("step answer %d differs:\nfirst:  %.400s\nsecond: %.400s", i, first[i], second[i])
				}
			}
			t.Fatalf("the walk-through after a reset answered differently (%d vs %d answers)", len(first), len(second))
		}
	})
}

// TestResetUnderConcurrentReads: readers of the personas go on during
// resets (and writes between them); none gets a 5xx, or anything but 200.
func TestResetUnderConcurrentReads(t *testing.T) {
	sandboxDBs(t, func(t *testing.T, db string) {
		api, admin, _ := startSandbox(t, db)
		token := "Bearer " + sandboxToken(t)
		reads := []struct{ path, body string }{
			{"/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
			{"/gateway/account/account", `{"AccountID":"069096409INC002","AccountIDType":"ACC"}`},
			{"/gateway/account/list", `{"CustomerID":"132243158","CustomerIDType":"IRD"}`},
		}
		var done atomic.Bool
		var n atomic.Int64
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 30 * time.Second}
		for i := range 4 {
			wg.Go(func() {
				for k := 0; !done.Load(); k++ {
					r := reads[(i+k)%len(reads)]
					req, _ := http.NewRequest("POST", api+r.path, strings.NewReader(r.body))
					req.Header.Set("Authorization", token)
					resp, err := client.Do(req)
					if err != nil {
						t.Errorf("%s: %v", r.path, err)
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Errorf("%s during a reset: %d %s", r.path, resp.StatusCode, b)
						return
					}
					n.Add(1)
				}
			})
		}
		for range 8 {
			status, body := call(t, "POST", api+"/gateway/contact/contact", token,
				`{"AccountID":"069096409INC002","AccountIDType":"ACC","Contact":{"ContactType":"PRIMRY","Name":"Between resets","Phone":[{"PhoneType":"CELL","Country":"NZ","PhoneNumber":"0211234567"}]}}`)
			if status != 200 {
				t.Errorf("write between resets: %d %s", status, body)
			}
			resetSandbox(t, admin)
		}
		done.Store(true)
		wg.Wait()
		if n.Load() == 0 {
			t.Fatal("no read ran")
		}
		t.Logf("%d reads during 8 resets", n.Load())
	})
}

// TestServeResetAtStart: `serve --sandbox --reset` puts a used sandbox
// database back to its personas, and --reset without --sandbox is refused.
func TestServeResetAtStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "used.db")
	api, _, stop := startSandbox(t, db)
	token := "Bearer " + sandboxToken(t)
	rename := `{"ContactID":1295148032,"Contact":{"Name":"Renamed Before Reset"}}`
	if status, body := call(t, "PUT", api+"/gateway/contact/contact", token, rename); status != 200 {
		t.Fatalf("rename: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	api, _, _ = startSandbox(t, db, "--reset")
	status, body := call(t, "POST", api+"/gateway/customer/customer", token, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	if status != 200 || strings.Contains(body, "Renamed Before Reset") || !strings.Contains(body, "Louie Wagner") {
		t.Fatalf("after serve --reset: %d %.300s", status, body)
	}
	err := run(t.Context(), []string{"serve", "--reset", "--db", db}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--sandbox") {
		t.Errorf("--reset without --sandbox: %v", err)
	}
}
