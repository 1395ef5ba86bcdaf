package http_test

// End-to-end handler benchmarks: the whole handler (authentication, body
// read, schema validation, rules, SQLite store with synchronous=FULL, JSON
// answer) on a real database of 1,000 synthetic customers, called through
// httptest without a network. Run with:
//
//	go test -run '^$' -bench . -benchmem ./http/

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

func newBenchEnv(b *testing.B) *benchEnv { return newBenchEnvJournal(b, nil, nil) }

// newBenchEnvJournal is newBenchEnv keeping every request in j (nil: no
// journal, as in production), logging to log (nil: slog's default).
func newBenchEnvJournal(b *testing.B, j *journal.Journal, log *slog.Logger) *benchEnv {
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
		Logger:  log,
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

// BenchmarkJournal is the request path without ("off", as in production)
// and with ("on", a sandbox's, at its default size) the request journal:
// a customer read, the fastest request that reaches the store, and a
// phone POST refused with CNT102, whose error body the journal copies.
// The access log goes to io.Discard, so that neither pays for a terminal.
// Run with -count: each count runs off and on back to back.
//
//	go test -run '^$' -bench Journal -benchmem -count 8 ./http/
func BenchmarkJournal(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, on := range []bool{false, true} {
		name := "off"
		var j *journal.Journal
		if on {
			name, j = "on", journal.New(journal.DefaultSize)
		}
		b.Run("read/"+name, func(b *testing.B) {
			e := newBenchEnvJournal(b, j, quiet)
			defer reportCPU(b)()
			benchmarkCustomerRead(b, e)
		})
		b.Run("refused/"+name, func(b *testing.B) {
			e := newBenchEnvJournal(b, j, quiet)
			body := `{"ContactID":` + strconv.FormatInt(synthetic.ContactIDs(0), 10) +
				`,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"12"}}`
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/gateway/contact/phone", strings.NewReader(body))
				req.Header.Set("Authorization", e.token)
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "CNT102") {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
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

func BenchmarkAccountRead(b *testing.B) {
	e := newBenchEnv(b)
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

// reportCPU reports the process's CPU time (user and system) per
// iteration as cpu-ns/op, from when it is called to when the function it
// returns is: on a machine that others share, steadier than the time per
// iteration, which counts the waits for a core.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
