package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/metrics"
	dto "github.com/prometheus/client_model/go"
)

// families gathers the registry by metric name.
func families(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// find returns the series of the family whose labels include want.
func find(mf *dto.MetricFamily, want map[string]string) *dto.Metric {
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func TestObserveRequestLabels(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest(metrics.OpContactCreate, 200, "", 3*time.Millisecond)
	m.ObserveRequest(metrics.OpContactCreate, 200, "", 3*time.Millisecond)
	m.ObserveRequest(metrics.OpContactCreate, 400, contactd.CNT101, time.Millisecond)
	m.ObserveRequest(metrics.OpOther, 503, "", time.Millisecond)
	m.ObserveRequest(metrics.OpStatus, 429, contactd.EU6001, time.Millisecond)
	m.ObserveRequest(metrics.OpStatus, 400, contactd.Code("NOPE42"), time.Millisecond) // not in the catalogue
	m.ObserveRequest(metrics.Op(200), 200, "", time.Millisecond)                       // out of range: other

	fams := families(t, m)
	for _, tc := range []struct {
		op, code, status string
		n                float64
	}{
		{"contact_create", "200", "200", 2},
		{"contact_create", "CNT101", "400", 1},
		{"other", "503", "503", 1},
		{"status", "EU6001", "429", 1},
		{"status", "EU6001", "400", 1},
		{"other", "200", "200", 1},
	} {
		labels := map[string]string{"operation": tc.op, "code": tc.code, "status": tc.status}
		c := find(fams["contactd_http_requests_total"], labels)
		if c == nil || c.GetCounter().GetValue() != tc.n {
			t.Errorf("requests_total%v = %v, want %v", labels, c, tc.n)
		}
		h := find(fams["contactd_http_request_duration_seconds"], labels)
		if h == nil || h.GetHistogram().GetSampleCount() != uint64(tc.n) {
			t.Errorf("request_duration_seconds%v = %v, want count %v", labels, h, tc.n)
		}
	}
	if got := len(fams["contactd_http_requests_total"].GetMetric()); got != 6 {
		t.Errorf("%d request series, want 6", got)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_open_fds", "contactd_http_requests_in_flight"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}
	if got := metrics.OpContactDelete.String(); got != "contact_delete" {
		t.Errorf("OpContactDelete = %q", got)
	}
	if ops := metrics.Operations(); len(ops) != 22 || ops[0] != "other" || ops[21] != "period_list" {
		t.Errorf("Operations() = %q", ops)
	}
}

// The hot path allocates nothing once a combination has been seen.
func TestObserveRequestDoesNotAllocate(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest(metrics.OpPhoneAdd, 400, contactd.CNT103, time.Millisecond)
	allocs := testing.AllocsPerRun(1000, func() {
		m.ObserveRequest(metrics.OpPhoneAdd, 400, contactd.CNT103, time.Millisecond)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per request", allocs)
	}
}

func TestObserveRequestConcurrent(t *testing.T) {
	m := metrics.New()
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				m.ObserveRequest(metrics.Op(i%11), 200+i%3, "", time.Microsecond)
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	var total float64
	for _, s := range families(t, m)["contactd_http_requests_total"].GetMetric() {
		total += s.GetCounter().GetValue()
	}
	if total != 1600 {
		t.Fatalf("counted %v requests, want 1600", total)
	}
}

// fakeStore answers every method with nothing; Contacts fails.
type fakeStore struct{ contactd.Store }

func (fakeStore) Customer(context.Context, contactd.CustomerID) (contactd.Customer, error) {
	return contactd.Customer{Key: 7}, nil
}

func (fakeStore) Contacts(context.Context, contactd.Owner) ([]contactd.Contact, error) {
	time.Sleep(2 * time.Millisecond)
	return nil, errors.New("boom")
}

func TestStoreDecoratorTimesEachMethod(t *testing.T) {
	m := metrics.New()
	s := m.Store(fakeStore{})
	ctx := context.Background()
	if c, err := s.Customer(ctx, contactd.CustomerID{}); err != nil || c.Key != 7 {
		t.Fatalf("Customer passed through as %v, %v", c, err)
	}
	if _, err := s.Contacts(ctx, contactd.Owner{}); err == nil || err.Error() != "boom" {
		t.Fatalf("Contacts error passed through as %v", err)
	}
	mf := families(t, m)["contactd_store_operation_duration_seconds"]
	for method, n := range map[string]uint64{"Customer": 1, "Contacts": 1, "CreateContact": 0} {
		h := find(mf, map[string]string{"method": method})
		if h == nil || h.GetHistogram().GetSampleCount() != n {
			t.Errorf("store duration{method=%s} = %v, want count %d", method, h, n)
		}
	}
	if h := find(mf, map[string]string{"method": "Contacts"}); h.GetHistogram().GetSampleSum() < 0.002 {
		t.Errorf("Contacts took %vs, want at least 2ms", h.GetHistogram().GetSampleSum())
	}
	var nilMetrics *metrics.Metrics
	if got := nilMetrics.Store(fakeStore{}); got != (fakeStore{}) {
		t.Errorf("nil metrics wrapped the store: %T", got)
	}
}

type pools map[string]sql.DBStats

func (p pools) PoolStats() map[string]sql.DBStats { return p }

func TestPools(t *testing.T) {
	m := metrics.New()
	err := m.RegisterPools(pools{
		"write": {MaxOpenConnections: 1, OpenConnections: 1, InUse: 1, WaitCount: 3, WaitDuration: 1500 * time.Millisecond},
		"read":  {MaxOpenConnections: 4, OpenConnections: 2, Idle: 2, MaxLifetimeClosed: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	fams := families(t, m)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"contactd_db_pool_max_open_connections", map[string]string{"pool": "write"}, 1},
		{"contactd_db_pool_max_open_connections", map[string]string{"pool": "read"}, 4},
		{"contactd_db_pool_open_connections", map[string]string{"pool": "read"}, 2},
		{"contactd_db_pool_in_use_connections", map[string]string{"pool": "write"}, 1},
		{"contactd_db_pool_idle_connections", map[string]string{"pool": "read"}, 2},
		{"contactd_db_pool_wait_count_total", map[string]string{"pool": "write"}, 3},
		{"contactd_db_pool_wait_duration_seconds_total", map[string]string{"pool": "write"}, 1.5},
		{"contactd_db_pool_connections_closed_total", map[string]string{"pool": "read", "reason": "max_lifetime"}, 5},
	} {
		s := find(fams[tc.name], tc.labels)
		if s == nil {
			t.Errorf("%s%v missing", tc.name, tc.labels)
			continue
		}
		v := s.GetGauge().GetValue() + s.GetCounter().GetValue()
		if v != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, v, tc.want)
		}
	}
	if err := m.RegisterPools(pools{}); err == nil {
		t.Errorf("registering pools twice: %v", err)
	}
}

// commitSource hands the observers it is given to the test.
type commitSource struct {
	f    func(int, time.Duration)
	wait func(time.Duration)
}

func (c *commitSource) ObserveCommits(f func(int, time.Duration)) { c.f = f }
func (c *commitSource) ObserveWriteWaits(f func(time.Duration))   { c.wait = f }

func TestCommits(t *testing.T) {
	m := metrics.New()
	var c commitSource
	if err := m.RegisterCommits(&c); err != nil {
		t.Fatal(err)
	}
	c.f(1, 400*time.Microsecond)
	c.f(7, 3*time.Millisecond)
	c.f(64, 300*time.Millisecond) // a stalled fsync
	fams := families(t, m)
	d := find(fams["contactd_store_commit_duration_seconds"], nil).GetHistogram()
	if d.GetSampleCount() != 3 || math.Abs(d.GetSampleSum()-0.3034) > 1e-9 {
		t.Errorf("commit_duration_seconds: count %d sum %v, want 3 and 0.3034", d.GetSampleCount(), d.GetSampleSum())
	}
	under := map[float64]uint64{}
	for _, b := range d.GetBucket() {
		under[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if under[0.0005] != 1 || under[0.005] != 2 || under[0.25] != 2 || under[0.5] != 3 {
		t.Errorf("commit_duration_seconds buckets: %v", under)
	}
	w := find(fams["contactd_store_commit_writes"], nil).GetHistogram()
	if w.GetSampleCount() != 3 || w.GetSampleSum() != 72 {
		t.Errorf("commit_writes: count %d sum %v, want 3 and 72", w.GetSampleCount(), w.GetSampleSum())
	}
	if got := find(fams["contactd_store_write_wait_seconds"], nil).GetHistogram().GetSampleCount(); got != 0 {
		t.Errorf("write_wait_seconds: count %d before any write", got)
	}
	c.wait(200 * time.Microsecond)
	c.wait(12 * time.Millisecond) // behind a slow commit
	wait := find(families(t, m)["contactd_store_write_wait_seconds"], nil).GetHistogram()
	under = map[float64]uint64{}
	for _, b := range wait.GetBucket() {
		under[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if wait.GetSampleCount() != 2 || math.Abs(wait.GetSampleSum()-0.0122) > 1e-9 || under[0.00025] != 1 || under[0.01] != 1 || under[0.025] != 2 {
		t.Errorf("write_wait_seconds: count %d sum %v buckets %v", wait.GetSampleCount(), wait.GetSampleSum(), under)
	}
	if err := m.RegisterCommits(&commitSource{}); err == nil {
		t.Error("registering commits twice worked")
	}
	// the failed registration left the first one's series as they were
	if got := find(families(t, m)["contactd_store_commit_duration_seconds"], nil).GetHistogram().GetSampleCount(); got != 3 {
		t.Errorf("after a failed registration: count %d", got)
	}
}
