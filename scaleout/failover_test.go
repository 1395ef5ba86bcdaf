package scaleout

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactd/contactd/postgres/pgtest"
)

// outageBound is how long any request may take while the database is
// unreachable: the store's 5 s operation timeout, and slack for a loaded
// 2-core CI machine running the race detector (a 6 s bound failed there
// once).
const outageBound = 8 * time.Second

// TestFailover runs two replicas whose database connections go through a
// proxy the test controls, and takes the database away mid-run three
// ways: refused (the server is down), silent (a partition: connections
// hang), and every backend terminated again and again (a restart or a
// fail-over). While it is away every request answers within outageBound,
// 503 with Retry-After (the API's with EU6001); when it is back, service
// resumes by itself.
func TestFailover(t *testing.T) {
	schema, db := pgtest.Schema(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, u.Host)
	u.Host = p.addr
	q := u.Query()
	q.Set("application_name", schema) // to find the replicas' backends
	u.RawQuery = q.Encode()
	rs := []*replica{start(t, "replica1", u.String()), start(t, "replica2", u.String())}
	tok := token(t)
	ctx := context.Background()
	admin := pgtest.Connect(t, db)

	var names atomic.Int64
	// probe sends, to every replica at once, a write (rename a contact), a
	// read (a customer) and /readyz, and returns the answers.
	probe := func() []answer {
		var wg sync.WaitGroup
		out := make([]answer, 3*len(rs))
		for i, r := range rs {
			wg.Go(func() {
				out[3*i] = call(ctx, "PUT", r.base+api+"/contact/contact", tok, map[string]any{
					"ContactID": 1295148032, "Contact": map[string]string{"Name": fmt.Sprintf("Louie %d", names.Add(1))}})
			})
			wg.Go(func() {
				out[3*i+1] = call(ctx, "POST", r.base+api+"/customer/customer", tok, map[string]string{"CustomerID": "069096409", "CustomerIDType": "IRD"})
			})
			wg.Go(func() { out[3*i+2] = call(ctx, "GET", r.base+"/readyz", "", nil) })
		}
		wg.Wait()
		return out
	}
	healthy := func(as []answer) bool {
		for _, a := range as {
			if a.status != http.StatusOK {
				return false
			}
		}
		return true
	}
	// failing checks that every answer came within the bound and is the
	// outage's: 503, with EU6001 and Retry-After for the API.
	failing := func(phase string, as []answer) (slowest time.Duration, ok int) {
		t.Helper()
		for i, a := range as {
			slowest = max(slowest, a.took)
			if a.took > outageBound {
				t.Errorf("%s: a request took %v (%s)", phase, a.took, a)
			}
			switch {
			case a.status == http.StatusOK:
				ok++
			case i%3 == 2 && a.status == http.StatusServiceUnavailable:
			case i%3 != 2 && a.status == http.StatusServiceUnavailable && a.code == "EU6001" && a.retryAfter != "":
			default:
				t.Errorf("%s: %s, want 503 (EU6001 with Retry-After from the API)", phase, a)
			}
		}
		return slowest, ok
	}
	// recover polls until every probe answers 200, and returns how long
	// that took.
	recover := func(phase string) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			as := probe()
			if healthy(as) {
				return time.Since(start)
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("%s: no service 30s after the database came back: %v", phase, as)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	if as := probe(); !healthy(as) {
		t.Fatalf("before the outage: %v", as)
	}

	// 1. Refused: the database is down.
	p.refuse()
	cut := time.Now()
	var slowest time.Duration
	for time.Since(cut) < 3*time.Second {
		as := probe()
		s, ok := failing("refused", as)
		slowest = max(slowest, s)
		if ok > 0 {
			t.Errorf("refused: %d requests answered 200 with the database down", ok)
		}
	}
	t.Logf("refused: every request failed, the slowest after %v", slowest.Round(time.Millisecond))
	p.restore(t)
	t.Logf("refused: service again %v after the database came back", recover("refused").Round(time.Millisecond))

	// 2. Silent: a partition; nothing refuses, nothing answers.
	p.silence()
	cut = time.Now()
	as := probe()
	slowest, ok := failing("silent", as)
	if ok > 0 {
		t.Errorf("silent: %d requests answered 200 through a partition", ok)
	}
	var readyz time.Duration
	for i := 2; i < len(as); i += 3 {
		readyz = max(readyz, as[i].took)
	}
	t.Logf("silent: every request failed, the slowest after %v, /readyz 503 after %v",
		slowest.Round(time.Millisecond), readyz.Round(time.Millisecond))
	if readyz > 4*time.Second { // /readyz's own timeout is 2 s
		t.Errorf("silent: /readyz took %v to answer 503", readyz)
	}
	p.restore(t)
	t.Logf("silent: service again %v after the partition healed", recover("silent").Round(time.Millisecond))

	// 3. Every backend of the replicas terminated, again and again, for 3 s
	// (a restart, a fail-over).
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
			var n int64
			admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = $1 AND pid <> pg_backend_pid()`, schema).Scan(&n)
			killed.Add(n)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	cut = time.Now()
	var probes, failed int
	slowest = 0
	for time.Since(cut) < 3*time.Second {
		as := probe()
		s, ok := failing("terminated", as)
		slowest = max(slowest, s)
		probes += len(as)
		failed += len(as) - ok
	}
	close(stop)
	<-stopped
	t.Logf("terminated %d backends in 3s: %d of %d requests failed (503), the slowest after %v",
		killed.Load(), failed, probes, slowest.Round(time.Millisecond))
	t.Logf("terminated: service again %v after the terminations stopped", recover("terminated").Round(time.Millisecond))
}
