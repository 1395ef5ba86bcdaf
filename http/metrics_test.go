package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/metrics"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsSandbox is a fresh sandbox whose API is instrumented, with the
// metrics served on a separate listener as the admin listener serves them.
func metricsSandbox(t *testing.T) (api *sandboxServer, scrapeURL string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := sandbox.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	if err := m.RegisterPools(store); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterCommits(store); err != nil {
		t.Fatal(err)
	}
	api = serveConfig(t, contacthttp.Config{
		Service: &contactd.Service{Store: m.Store(store), Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Logger:  discardLogger(),
		Metrics: m,
	})
	admin := httptest.NewServer(m.Handler())
	t.Cleanup(admin.Close)
	return api, admin.URL
}

// scrape reads the text exposition over HTTP.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	// the classic name rules: a scrape must parse for any Prometheus
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("scrape does not parse: %v\n%s", err, body)
	}
	return fams, string(body)
}

// series returns the value of the counter, gauge or histogram count whose
// labels include want; -1 when there is none.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	mf := fams[name]
	if mf == nil {
		return -1
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
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// TestMetricsOverHTTP makes API requests and reads their counts and
// durations, the store latency and the pool figures from a real scrape.
func TestMetricsOverHTTP(t *testing.T) {
	api, scrapeURL := metricsSandbox(t)

	body := contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone)
	status, b := api.do("POST", "/gateway/contact/contact", body)
	wantOK(t, status, b)
	status, b = api.do("POST", "/secure/gateway/contact/contact", body) // the same type again
	wantError(t, status, b, 400, "CNT101")
	status, b = api.doAuth("GET", "/gateway/contact/status", "", "")
	wantError(t, status, b, 400, "EV1021")
	status, b = api.do("GET", "/gateway/customer/status", "")
	wantOK(t, status, b)
	status, b = api.do("POST", "/gateway/no/such-path-x7q", "{}")
	wantError(t, status, b, 404, "EV1100")
	status, b = api.do("PATCH", "/gateway/contact/contact", "{}")
	wantError(t, status, b, 405, "EV1100")
	status, b = api.do("GET", "/healthz", "")
	wantOK(t, status, b)
	// /metrics is never served on the API listener
	status, b = api.do("GET", "/metrics", "")
	wantError(t, status, b, 404, "EV1100")

	fams, text := scrape(t, scrapeURL)
	for _, tc := range []struct {
		op, code, status string
		want             float64
	}{
		{"contact_create", "200", "200", 1},
		{"contact_create", "CNT101", "400", 1},
		{"status", "EV1021", "400", 1},
		{"status", "200", "200", 1},
		{"other", "EV1100", "404", 2}, // the unknown path and /metrics
		{"other", "EV1100", "405", 1},
		{"other", "200", "200", 1},
	} {
		labels := map[string]string{"operation": tc.op, "code": tc.code, "status": tc.status}
		if got := series(fams, "contactd_http_requests_total", labels); got != tc.want {
			t.Errorf("requests_total%v = %v, want %v", labels, got, tc.want)
		}
		if got := series(fams, "contactd_http_request_duration_seconds", labels); got != tc.want {
			t.Errorf("request_duration_seconds_count%v = %v, want %v", labels, got, tc.want)
		}
	}
	if strings.Contains(text, "x7q") || strings.Contains(text, "/gateway") {
		t.Errorf("a request path became a label value:\n%s", text)
	}
	if got := series(fams, "contactd_http_requests_in_flight", nil); got != 0 {
		t.Errorf("requests_in_flight = %v after every request ended", got)
	}
	for _, method := range []string{"Owner", "CreateContact"} {
		if got := series(fams, "contactd_store_operation_duration_seconds", map[string]string{"method": method}); got < 1 {
			t.Errorf("store_operation_duration_seconds_count{method=%q} = %v", method, got)
		}
	}
	if !strings.Contains(text, `contactd_store_operation_duration_seconds_bucket{method="CreateContact",le="0.001"}`) {
		t.Errorf("no store latency buckets:\n%s", text)
	}
	// one commit, of the one contact created: the refused POST wrote nothing
	if got := series(fams, "contactd_store_commit_duration_seconds", nil); got != 1 {
		t.Errorf("store_commit_duration_seconds_count = %v, want 1", got)
	}
	if got := series(fams, "contactd_store_commit_writes", nil); got != 1 || fams["contactd_store_commit_writes"].GetMetric()[0].GetHistogram().GetSampleSum() != 1 {
		t.Errorf("store_commit_writes_count = %v, want 1 commit of 1 write", got)
	}
	// both POSTs waited for the writer: the refused one ran there and rolled back
	if got := series(fams, "contactd_store_write_wait_seconds", nil); got != 2 {
		t.Errorf("store_write_wait_seconds_count = %v, want 2", got)
	}
	if got := series(fams, "contactd_db_pool_max_open_connections", map[string]string{"pool": "write"}); got != 1 {
		t.Errorf("write pool max_open_connections = %v, want 1", got)
	}
	if got := series(fams, "contactd_db_pool_open_connections", map[string]string{"pool": "read"}); got < 1 {
		t.Errorf("read pool open_connections = %v", got)
	}
	for _, name := range []string{"contactd_db_pool_in_use_connections", "contactd_db_pool_idle_connections", "contactd_db_pool_wait_count_total", "go_goroutines", "go_gc_duration_seconds", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("%s missing from the scrape", name)
		}
	}
}

// TestMetricsCountEveryOperation drives each API operation once.
func TestMetricsCountEveryOperation(t *testing.T) {
	api, scrapeURL := metricsSandbox(t)
	status, b := api.do("POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone))
	wantOK(t, status, b)
	contactID := newID(t, b, "ContactID")
	cid := strconv.FormatInt(contactID, 10)
	status, b = api.do("POST", "/gateway/contact/phone", phoneBody(cid, nzPhone))
	wantOK(t, status, b)
	phoneID := strconv.FormatInt(newID(t, b, "PhoneID"), 10)
	steps := []struct{ method, path, body string }{
		{"PUT", "/gateway/contact/contact", `{"ContactID":` + cid + `,"Contact":{"Name":"Renamed"}}`},
		{"PUT", "/gateway/contact/phone", `{"PhoneID":` + phoneID + `,"Phone":` + nzPhone + `}`},
		{"DELETE", "/gateway/contact/phone", `{"PhoneID":` + phoneID + `}`},
		{"DELETE", "/gateway/contact/contact", `{"ContactID":` + cid + `}`},
		{"POST", "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
		{"POST", "/gateway/account/account", `{"AccountID":"512100301INC003","AccountIDType":"ACC"}`},
		{"POST", "/gateway/account/list", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
	}
	for _, s := range steps {
		status, b := api.do(s.method, s.path, s.body)
		wantOK(t, status, b)
	}
	fams, _ := scrape(t, scrapeURL)
	for _, op := range []string{"contact_create", "contact_rename", "contact_delete", "phone_add", "phone_update", "phone_delete", "customer_read", "account_read", "account_list"} {
		if got := series(fams, "contactd_http_requests_total", map[string]string{"operation": op, "code": "200"}); got != 1 {
			t.Errorf("requests_total{operation=%q,code=200} = %v, want 1", op, got)
		}
	}
}
