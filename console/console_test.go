package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/console"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/journal"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// sandboxWithConsole serves a fresh sandbox's API and, on another
// listener, its console under /console/ as the admin listener mounts it.
type sandboxWithConsole struct {
	t          *testing.T
	api, admin string
	token      string
	logs       *strings.Builder
	store      *sqlite.Store
	journal    *journal.Journal
	resets     int
}

func newSandboxWithConsole(t *testing.T) *sandboxWithConsole {
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
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	j := journal.New(100)
	api := httptest.NewServer(contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Logger:  log,
		Journal: j,
	}))
	t.Cleanup(api.Close)
	s := &sandboxWithConsole{t: t, api: api.URL, store: store, journal: j, logs: logs}
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", console.New(console.Config{
		Store: store, Lister: store, Logger: slog.New(slog.NewTextHandler(logs, nil)), Journal: j,
		Reset: func(ctx context.Context) error { s.resets++; return sandbox.Reset(ctx, store) },
	})))
	admin := httptest.NewServer(mux)
	t.Cleanup(admin.Close)
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.admin, s.token = admin.URL, token
	return s
}

// call sends an authenticated API request with a request ID.
func (s *sandboxWithConsole) call(method, path, requestID, body string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.api+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *sandboxWithConsole) page(path string) (*http.Response, string) {
	s.t.Helper()
	resp, err := http.Get(s.admin + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A name that must come out escaped.
const trickyName = `Ana <b>Tane</b> & "Co" <script>alert(1)</script>`

func TestConsoleShowsWhatTheAPIJustDid(t *testing.T) {
	s := newSandboxWithConsole(t)
	status, body := s.call("POST", "/gateway/contact/contact", "req-create-1",
		`{"CustomerID":"069096409","CustomerIDType":"IRD","Contact":{"ContactType":"SCNDRY","Name":`+strconv.Quote(trickyName)+`,`+
			`"Phone":[{"PhoneType":"CELL","Country":"NZ","AreaCode":"","PhoneNumber":"0211234567","Extension":""}]}}`)
	if status != 200 {
		t.Fatalf("create: %d %s", status, body)
	}
	var created struct{ ContactID int64 }
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.ContactID == 0 {
		t.Fatalf("create answered %s", body)
	}
	id := strconv.FormatInt(created.ContactID, 10)
	status, body = s.call("PUT", "/gateway/contact/contact", "req-rename-2", `{"ContactID":1295148032,"Contact":{"Name":"Renamed In Test"}}`)
	if status != 200 {
		t.Fatalf("rename: %d %s", status, body)
	}
	status, body = s.call("POST", "/gateway/bic/bic", "req-bic-3", `{"CustomerID":"069096409","CustomerIDType":"IRD","BICCode":"M696100"}`)
	if status != 200 {
		t.Fatalf("BIC: %d %s", status, body)
	}

	resp, page := s.page("/console/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("console: %d %s\n%.500s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	escaped := html.EscapeString(trickyName)
	for _, want := range []string{
		`id="contact-` + id + `"`, // the new contact's row
		escaped,                   // its name, escaped
		"0211234567",              // its phone
		"Renamed In Test",
		"req-create-1", "req-rename-2", // the audit rows' request IDs
		"contact.create", "contact.rename",
		`id="customer-IRD-069096409"`,
		"512100301INC003",                    // an account of the personas
		"LOOK THROUGH COMPANY LTD.",          // 069096409's legal name, a record
		`id="record-1004723453056"`,          // its LOC address
		"M696100", "bic.create", "req-bic-3", // the BIC code just added, and its change
	} {
		if !strings.Contains(page, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	// 069096409EMP003's filing periods are the Period API's, not the console's
	if strings.Contains(page, `id="record-1004800000200"`) {
		t.Errorf("console shows a filing period")
	}
	for _, bad := range []string{"<b>Tane</b>", "<script>alert(1)</script>", "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("console shows unescaped %q", bad)
		}
	}
	// newest first: the rename's row comes before the create's
	if r, c := strings.Index(page, "req-rename-2"), strings.Index(page, "req-create-1"); r < 0 || c < 0 || r > c {
		t.Errorf("audit rows not newest first: rename at %d, create at %d", r, c)
	}
	// the create's audit row holds the caller and the after image
	row := auditRow(t, page, "req-create-1")
	for _, want := range []string{"sandbox:", id, "contact.create", "IRD&nbsp;069096409", "Name: &#34;"} {
		if !strings.Contains(row, want) {
			t.Errorf("audit row lacks %q:\n%s", want, row)
		}
	}

	// the console reads only, and nothing of the page reaches the log
	if _, p := s.page("/console/?refresh=5"); !strings.Contains(p, `http-equiv="refresh" content="5"`) {
		t.Errorf("?refresh=5 set no refresh")
	}
	if _, p := s.page("/console/?refresh=1"); strings.Contains(p, `http-equiv="refresh"`) {
		t.Errorf("?refresh=1 was taken")
	}
	if r, _ := s.page("/console/other"); r.StatusCode != 404 {
		t.Errorf("/console/other: %d", r.StatusCode)
	}
	if strings.Contains(s.logs.String(), "0211234567") {
		t.Errorf("a phone number reached the log:\n%s", s.logs)
	}
}

// auditRow is the <tr> of the audit table holding needle.
func auditRow(t *testing.T, page, needle string) string {
	t.Helper()
	i := strings.Index(page, needle)
	if i < 0 {
		t.Fatalf("no %q on the page", needle)
	}
	start := strings.LastIndex(page[:i], "<tr")
	end := strings.Index(page[i:], "</tr>")
	if start < 0 || end < 0 {
		t.Fatalf("%q is not in a table row", needle)
	}
	return page[start : i+end]
}

// failingLister fails, as a broken database would.
type failingLister struct{}

func (failingLister) Customers(context.Context, int) ([]contactd.Customer, error) {
	return nil, errors.New("database gone")
}

func (failingLister) RecentAudit(context.Context, int) ([]contactd.AuditRecord, error) {
	return nil, errors.New("database gone")
}

func TestConsoleReportsAFailingStore(t *testing.T) {
	var logs strings.Builder
	h := console.New(console.Config{Lister: failingLister{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "database gone") {
		t.Fatalf("failing store: %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "database gone") {
		t.Fatalf("failure not logged: %s", logs.String())
	}
}

// TestSQLiteLister checks the SQLite store's console listing.
func TestSQLiteLister(t *testing.T) {
	s := newSandboxWithConsole(t)
	ctx := context.Background()
	if recs, err := s.store.RecentAudit(ctx, 10); err != nil || len(recs) != 0 {
		t.Fatalf("fresh sandbox audit: %v, %v", recs, err)
	}
	for i := 0; i < 5; i++ {
		status, body := s.call("PUT", "/gateway/contact/contact", "req-"+strconv.Itoa(i), `{"ContactID":1295148032,"Contact":{"Name":"N`+strconv.Itoa(i)+`"}}`)
		if status != 200 {
			t.Fatalf("rename %d: %d %s", i, status, body)
		}
	}
	recs, err := s.store.RecentAudit(ctx, 3)
	if err != nil || len(recs) != 3 {
		t.Fatalf("RecentAudit(3): %d records, %v", len(recs), err)
	}
	for i, want := range []string{"req-4", "req-3", "req-2"} {
		if recs[i].RequestID != want {
			t.Errorf("RecentAudit(3)[%d] is %s, want %s", i, recs[i].RequestID, want)
		}
	}
	if recs, err := s.store.RecentAudit(ctx, 100); err != nil || len(recs) != 5 || recs[0].RequestID != "req-4" || recs[4].RequestID != "req-0" {
		t.Errorf("RecentAudit(100): %d records, %v", len(recs), err)
	}
	if _, err := s.store.RecentAudit(ctx, 0); err == nil {
		t.Error("RecentAudit(0) answered")
	}
	all, err := s.store.Customers(ctx, 0)
	if err != nil || len(all) < 5 {
		t.Fatalf("Customers(0): %d, %v", len(all), err)
	}
	two, err := s.store.Customers(ctx, 2)
	if err != nil || len(two) != 2 || two[0].Key != all[0].Key || two[1].Key != all[1].Key {
		t.Fatalf("Customers(2): %v, %v", two, err)
	}
	for _, c := range all {
		if c.Key == 0 || c.ID.Value == "" || (c.ID.Type != contactd.IRD && c.ID.Type != contactd.CST) || len(c.Profile) == 0 {
			t.Errorf("customer %+v", c)
		}
	}
	stats := s.store.PoolStats()
	if stats["write"].MaxOpenConnections != 1 || stats["read"].MaxOpenConnections < 4 {
		t.Errorf("PoolStats: %+v", stats)
	}
}

// TestRequestPages: the Requests page and a request's page escape what a
// caller sent, say so for a request the journal no longer holds, and
// refuse a filter they cannot read.
func TestRequestPages(t *testing.T) {
	s := newSandboxWithConsole(t)
	status, _ := s.call("PUT", "/gateway/contact/contact", "req-tricky", `{"ContactID":1295148032,"Contact":{"Name":`+strconv.Quote(trickyName)+`}}`)
	if status != 200 {
		t.Fatalf("rename: %d", status)
	}
	s.call("POST", "/gateway/contact/phone", "req-bad-phone",
		`{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"12"}}`)

	resp, list := s.page("/console/requests")
	if resp.StatusCode != 200 || !strings.Contains(list, `id="request-1"`) || !strings.Contains(list, `id="request-2"`) {
		t.Fatalf("requests: %d %.500s", resp.StatusCode, list)
	}
	if strings.Index(list, `id="request-2"`) > strings.Index(list, `id="request-1"`) {
		t.Error("the Requests page is not newest first")
	}
	resp, one := s.page("/console/requests/1")
	if resp.StatusCode != 200 || strings.Contains(one, "<script>alert") || !strings.Contains(one, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("request 1 shows the body unescaped or not at all: %d", resp.StatusCode)
	}
	if !strings.Contains(one, "contact.rename") || !strings.Contains(one, `href="../#customer-IRD-069096409"`) {
		t.Errorf("request 1 lacks its change or its customer link")
	}
	_, refused := s.page("/console/requests/2")
	if !strings.Contains(refused, `id="means"`) || !strings.Contains(refused, "not valid for its country") {
		t.Errorf("request 2 lacks what CNT102 means")
	}
	_, filtered := s.page("/console/requests?code=CNT102")
	if strings.Contains(filtered, `id="request-1"`) || !strings.Contains(filtered, `id="request-2"`) {
		t.Errorf("?code=CNT102 lists the wrong requests")
	}
	if resp, body := s.page("/console/requests/99"); resp.StatusCode != 404 || !strings.Contains(body, "no longer holds") {
		t.Errorf("an unknown request: %d %s", resp.StatusCode, body)
	}
	if resp, _ := s.page("/console/requests?after=-1"); resp.StatusCode != 400 {
		t.Errorf("?after=-1: %d, want 400", resp.StatusCode)
	}
	_, main := s.page("/console/")
	if !strings.Contains(main, `href="requests?request_id=req-tricky"`) {
		t.Errorf("the audit row does not link to its request")
	}
}

// TestResetButton: the console's reset puts the personas back and
// answers with a page that says so; a browser's cross-site POST is
// refused and resets nothing.
func TestResetButton(t *testing.T) {
	s := newSandboxWithConsole(t)
	s.call("PUT", "/gateway/contact/contact", "r1", `{"ContactID":1295148032,"Contact":{"Name":"Renamed Before Reset"}}`)

	req, _ := http.NewRequest("POST", s.admin+"/console/reset", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://example.com")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || s.resets != 0 {
		t.Fatalf("a cross-site reset: %d, %d resets", resp.StatusCode, s.resets)
	}

	req, _ = http.NewRequest("POST", s.admin+"/console/reset", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = http.DefaultClient.Do(req) // follows the 303 to the main page
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/console/" || !strings.Contains(page, `id="reset-done"`) {
		t.Fatalf("after the reset: %d %s %.300s", resp.StatusCode, resp.Request.URL, page)
	}
	if strings.Contains(page, "Renamed Before Reset") || !strings.Contains(page, "Louie Wagner") {
		t.Error("the reset did not put the personas back")
	}
}
