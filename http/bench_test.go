package http_test

// End-to-end handler benchmarks: the whole handler (authentication, body
// read, schema validation, rules, SQLite store with synchronous=FULL, JSON
// answer) on a real database of 1,000 synthetic customers, called through
// httptest without a network. Run with:
//
//	go test -run '^$' -bench . -benchmem ./http/

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/journal"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
	"github.com/contactd/contactd/synthetic"
)

const benchCustomers = 1000

type benchEnv struct {
	h     http.Handler
	gen   *synthetic.Generator
	token string
}

func newBenchEnv(b *testing.B) *benchEnv { return newBenchEnvJournal(b, nil) }

// newBenchEnvJournal is newBenchEnv keeping every request in j (nil: no
// journal, as in production).
func newBenchEnvJournal(b *testing.B, j *journal.Journal) *benchEnv {
	b.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	gen, err := synthetic.New(benchCustomers, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Load(ctx, store, 0, nil); err != nil {
		b.Fatal(err)
	}
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	h := contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Journal: j,
	})
	return &benchEnv{h: h, gen: gen, token: "Bearer " + token}
}

func (e *benchEnv) do(b *testing.B, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", e.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s %s: %d %s", method, path, body, rec.Code, rec.Body)
	}
	return rec
}

func BenchmarkCustomerRead(b *testing.B) { benchmarkCustomerRead(b, newBenchEnv(b)) }

// BenchmarkCustomerReadJournal is BenchmarkCustomerRead with the sandbox's
// request journal on (its default size): the difference is the journal's
// cost on the fastest request there is.
func BenchmarkCustomerReadJournal(b *testing.B) {
	benchmarkCustomerRead(b, newBenchEnvJournal(b, journal.New(journal.DefaultSize)))
}

func benchmarkCustomerRead(b *testing.B, e *benchEnv) {
	bodies := make([]string, benchCustomers)
	for i := range bodies {
		bodies[i] = `{"CustomerID":"` + e.gen.IRD(i) + `","CustomerIDType":"IRD"}`
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.do(b, "POST", "/gateway/customer/customer", bodies[i%benchCustomers])
		i++
	}
}

func BenchmarkAccountRead(b *testing.B) { benchmarkAccountRead(b, newBenchEnv(b)) }

// BenchmarkAccountReadJournal is BenchmarkAccountRead with the journal on.
func BenchmarkAccountReadJournal(b *testing.B) {
	benchmarkAccountRead(b, newBenchEnvJournal(b, journal.New(journal.DefaultSize)))
}

func benchmarkAccountRead(b *testing.B, e *benchEnv) {
	bodies := make([]string, benchCustomers)
	for i := range bodies {
		bodies[i] = `{"AccountID":"` + e.gen.IRD(i) + `INC001","AccountIDType":"ACC"}`
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.do(b, "POST", "/gateway/account/account", bodies[i%benchCustomers])
		i++
	}
}

// BenchmarkContactPOST creates an account-level SCNDRY contact with one
// phone on each customer's GST account in turn; when every customer has
// one, the timer stops while they are deleted again. Each iteration is one
// durable (fsynced) write.
func BenchmarkContactPOST(b *testing.B) {
	e := newBenchEnv(b)
	bodies := make([]string, benchCustomers)
	for i := range bodies {
		bodies[i] = `{"AccountID":"` + e.gen.IRD(i) + `GST001","AccountIDType":"ACC","Contact":{"ContactType":"SCNDRY","Name":"Bench Contact",` +
			`"Phone":[{"PhoneType":"CELL","Country":"NZ","AreaCode":"","PhoneNumber":"0211234567","Extension":""}]}}`
	}
	created := make([]string, 0, benchCustomers)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := e.do(b, "POST", "/gateway/contact/contact", bodies[i])
		id := strings.TrimSuffix(strings.TrimPrefix(rec.Body.String(), `{"ContactID":`), "}")
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			b.Fatalf("answer %s", rec.Body)
		}
		created = append(created, id)
		if i++; i == benchCustomers {
			b.StopTimer()
			for _, id := range created {
				e.do(b, "DELETE", "/gateway/contact/contact", `{"ContactID":`+id+`}`)
			}
			created, i = created[:0], 0
			b.StartTimer()
		}
	}
}
