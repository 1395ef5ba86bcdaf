package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
)

// createContact creates a SCNDRY contact for customer 069096409 through the
// API and returns its ContactID.
func createContact(t *testing.T, base, token, name string) string {
	t.Helper()
	status, body := call(t, "POST", base+"/gateway/contact/contact", "Bearer "+token,
		`{"CustomerID":"069096409","CustomerIDType":"IRD","Contact":{"ContactType":"SCNDRY","Name":`+strconv.Quote(name)+`,`+
			`"Phone":[{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""}]}}`)
	if status != 200 {
		t.Fatalf("create contact: %d %s", status, body)
	}
	var r struct{ ContactID int64 }
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.ContactID == 0 {
		t.Fatalf("create contact answered %s", body)
	}
	return strconv.FormatInt(r.ContactID, 10)
}

// TestAdminListenerServesMetricsAndConsole runs the real command as a
// sandbox with an admin listener: /metrics counts the API's requests and
// /console/ shows its data, and neither is on the API listener.
func TestAdminListenerServesMetricsAndConsole(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_SANDBOX": "true", "CONTACTD_ADMIN_ADDR": admin},
		"--addr", addr, "--db", filepath.Join(t.TempDir(), "m.db"))
	base := "http://" + addr
	waitReady(t, base)
	token := sandboxToken(t)
	id := createContact(t, base, token, "Metrics Console Contact")
	status, body := call(t, "POST", base+"/gateway/contact/contact", "Bearer "+token,
		`{"CustomerID":"069096409","CustomerIDType":"IRD","Contact":{"ContactType":"SCNDRY","Name":"Again",`+
			`"Phone":[{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""}]}}`)
	if status != 400 || !strings.Contains(body, "CNT101") {
		t.Fatalf("second SCNDRY: %d %s", status, body)
	}

	status, metrics := get(t, "http://"+admin+"/metrics")
	if status != 200 {
		t.Fatalf("admin /metrics: %d", status)
	}
	for _, want := range []string{
		`contactd_http_requests_total{code="200",operation="contact_create",status="200"} 1`,
		`contactd_http_requests_total{code="CNT101",operation="contact_create",status="400"} 1`,
		`contactd_http_request_duration_seconds_count{code="CNT101",operation="contact_create",status="400"} 1`,
		`contactd_store_operation_duration_seconds_count{method="CreateContact"}`,
		`contactd_db_pool_max_open_connections{pool="write"} 1`,
		`contactd_db_pool_open_connections{pool="read"}`,
		`contactd_store_commit_duration_seconds_bucket{le="5"}`,
		`contactd_store_commit_writes_bucket{le="64"}`,
		`contactd_http_requests_in_flight 0`,
		`go_goroutines`,
		`process_cpu_seconds_total`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("admin /metrics lacks %s", want)
		}
	}

	status, page := get(t, "http://"+admin+"/console/")
	if status != 200 || !strings.Contains(page, "Metrics Console Contact") || !strings.Contains(page, `id="contact-`+id+`"`) ||
		!strings.Contains(page, "contact.create") {
		t.Fatalf("admin /console/: %d %.300s", status, page)
	}
	if status, _ := get(t, "http://"+admin+"/console"); status != 200 {
		t.Errorf("admin /console: %d", status)
	}
	if status, index := get(t, "http://"+admin+"/"); status != 200 || !strings.Contains(index, "/metrics") || !strings.Contains(index, "/console/") {
		t.Errorf("admin index: %d %q", status, index)
	}
	for _, p := range []string{"/metrics", "/console/", "/console"} {
		if status, body := get(t, base+p); status != 404 {
			t.Errorf("API listener answered %s: %d %.200s", p, status, body)
		}
	}
}

// TestAdminListenerProductionHasNoConsole: outside the sandbox the admin
// listener serves the metrics but no console.
func TestAdminListenerProductionHasNoConsole(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_ADMIN_ADDR": admin}, "--addr", addr, "--db", filepath.Join(t.TempDir(), "p.db"))
	waitReady(t, "http://"+addr)
	if status, body := get(t, "http://"+admin+"/metrics"); status != 200 || !strings.Contains(body, `contactd_http_requests_total{code="200",operation="other",status="200"}`) {
		t.Errorf("production /metrics: %d %.300s", status, body)
	}
	if status, _ := get(t, "http://"+admin+"/console/"); status != 404 {
		t.Errorf("production admin /console/: %d, want 404", status)
	}
}

// chromium is where Debian's package installs the browser; .ci/run
// installs it.
const chromium = "/usr/bin/chromium"

// TestConsoleInChromium loads the sandbox console in headless Chromium and
// reads the contact just created through the API from the rendered DOM.
func TestConsoleInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (apt-get install chromium; .ci/run installs it): skipping the browser test", chromium)
	}
	addr, admin := freeAddr(t), freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_SANDBOX": "true", "CONTACTD_ADMIN_ADDR": admin},
		"--addr", addr, "--db", filepath.Join(t.TempDir(), "browser.db"))
	base := "http://" + addr
	waitReady(t, base)
	name := `Browser <i>Test</i> Contact`
	id := createContact(t, base, sandboxToken(t), name)

	ctx := newBrowser(t)

	row := "#contact-" + id
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+admin+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(row)),
	); err != nil {
		t.Fatalf("chromium: load /console/: %v", err)
	}
	if title := browse(t, ctx, chromedp.Title()); title != "contactd sandbox console" {
		t.Errorf("title %q", title)
	}
	shownName := browse(t, ctx, chromedp.Text(chromedp.CSS(row+" .name")))
	shownID := browse(t, ctx, chromedp.Text(chromedp.CSS(row+" td.num")))
	if shownName != name || strings.TrimSpace(shownID) != id {
		t.Errorf("row %s shows name %q and ContactID %q, want %q and %s", row, shownName, shownID, name, id)
	}
	// the name's markup is text, not an element
	if n := browse(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+row+` .name i").length`)); n != 0 {
		t.Errorf("the contact's name was rendered as markup (%d <i> elements)", n)
	}
	audit := browse(t, ctx, chromedp.Text(chromedp.CSS("#audit-table tbody tr")))
	for _, want := range []string{"contact.create", id, "sandbox:"} {
		if !strings.Contains(audit, want) {
			t.Errorf("newest audit row lacks %q: %q", want, audit)
		}
	}
}

// browse runs one browser action and returns its value.
func browse[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return v
}

// subjectToken is an unsigned sandbox JWT with the given subject, as a
// vendor's own token would be.
func subjectToken(t *testing.T, subject string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": subject, "exp": time.Now().Add(5 * time.Minute).Unix()})
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// badPhone is a phone POST refused with CNT102: an NZ number of 2 digits.
const badPhone = `{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"12"}}`

type journalAnswer struct {
	Entries []struct {
		Seq         int64           `json:"seq"`
		Caller      string          `json:"caller"`
		Code        string          `json:"code"`
		Status      int             `json:"status"`
		Path        string          `json:"path"`
		RequestBody json.RawMessage `json:"request_body"`
	} `json:"entries"`
}

func journalSeqs(t *testing.T, admin, query string) []int64 {
	t.Helper()
	status, body := get(t, admin+"/journal"+query)
	if status != 200 {
		t.Fatalf("/journal%s: %d %s", query, status, body)
	}
	var a journalAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("/journal%s: %v: %s", query, err, body)
	}
	seqs := []int64{}
	for _, e := range a.Entries {
		seqs = append(seqs, e.Seq)
	}
	return seqs
}

// consoleSeqs are the request numbers the console's Requests page lists,
// newest first, for a query.
func consoleSeqs(t *testing.T, admin, query string) []int64 {
	t.Helper()
	status, page := get(t, admin+"/console/requests"+query)
	if status != 200 {
		t.Fatalf("/console/requests%s: %d", query, status)
	}
	seqs := []int64{}
	for _, m := range regexp.MustCompile(`id="request-([0-9]+)"`).FindAllStringSubmatch(page, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		seqs = append(seqs, n)
	}
	return seqs
}

// TestJournalEndpointFilters: GET /journal on the admin listener lists the
// entries the console shows (oldest first, where the console shows them
// newest first), filtered by caller, code and after alike.
func TestJournalEndpointFilters(t *testing.T) {
	api, admin, _ := startSandbox(t, filepath.Join(t.TempDir(), "j.db"))
	a, b := "Bearer "+subjectToken(t, "vendor-a"), "Bearer "+subjectToken(t, "vendor-b")
	call(t, "POST", api+"/gateway/contact/phone", a, badPhone)                                                                                              // 1 a CNT102
	call(t, "POST", api+"/gateway/customer/customer", a, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)                                               // 2 a 200
	call(t, "POST", api+"/gateway/contact/phone", b, badPhone)                                                                                              // 3 b CNT102
	call(t, "POST", api+"/gateway/account/account", b, `{"AccountID":"069096409INC002","AccountIDType":"ACC"}`)                                             // 4 b 200
	call(t, "POST", api+"/gateway/account/account", "", `{"AccountID":"069096409INC002","AccountIDType":"ACC"}`)                                            // 5 EV1021
	call(t, "POST", api+"/gateway/customer/customer", b, `{"CustomerID":"102210221","CustomerIDType":"IRD"}`)                                               // 6 b EV2234
	call(t, "POST", api+"/gateway/contact/phone", a, `{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"1"}}`) // 7 a CNT102

	reverse := func(s []int64) []int64 { r := slices.Clone(s); slices.Reverse(r); return r }
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{1, 2, 3, 4, 5, 6, 7}},
		{"?caller=sandbox:vendor-b", []int64{3, 4, 6}},
		{"?code=CNT102", []int64{1, 3, 7}},
		{"?caller=sandbox:vendor-a&code=CNT102", []int64{1, 7}},
		{"?code=CNT102&after=1", []int64{3, 7}},
		{"?after=5", []int64{6, 7}},
		{"?code=EV1021", []int64{5}},
		{"?caller=nobody", []int64{}},
	} {
		got := journalSeqs(t, admin, tc.query)
		if !slices.Equal(got, tc.want) {
			t.Errorf("/journal%s: %v, want %v", tc.query, got, tc.want)
		}
		if shown := consoleSeqs(t, admin, tc.query); !slices.Equal(reverse(shown), got) {
			t.Errorf("/console/requests%s shows %v, /journal lists %v", tc.query, shown, got)
		}
	}
	status, body := get(t, admin+"/journal?code=CNT102&caller=sandbox:vendor-b")
	var one journalAnswer
	if status != 200 || json.Unmarshal([]byte(body), &one) != nil || len(one.Entries) != 1 ||
		one.Entries[0].Status != 400 || one.Entries[0].Path != "/gateway/contact/phone" ||
		!strings.Contains(string(one.Entries[0].RequestBody), `"PhoneNumber":"12"`) {
		t.Errorf("one entry: %d %s", status, body)
	}
	if status, body := get(t, admin+"/journal?after=x"); status != 400 || !strings.Contains(body, "after") {
		t.Errorf("/journal?after=x: %d %s", status, body)
	}
	resetSandbox(t, admin)
	if got := journalSeqs(t, admin, ""); len(got) != 0 {
		t.Errorf("after a reset the journal lists %v", got)
	}
	call(t, "GET", api+"/gateway/contact/status", a, "")
	if got := journalSeqs(t, admin, ""); !slices.Equal(got, []int64{8}) {
		t.Errorf("after a reset and one request: %v, want [8] (numbers go on)", got)
	}
}

// TestRequestsViewInChromium: a refused CNT102 phone and an accepted read
// show in the console's Requests view with their codes, the refusal's page
// shows the request body and what CNT102 means, no page holds any of the
// token, the pages fit 1280 px, and the reset button empties the journal.
func TestRequestsViewInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (apt-get install chromium; .ci/run installs it): skipping the browser test", chromium)
	}
	api, admin, _ := startSandbox(t, filepath.Join(t.TempDir(), "browser.db"))
	token := sandboxToken(t)
	if status, body := call(t, "POST", api+"/gateway/contact/phone", "Bearer "+token, badPhone); status != 400 || !strings.Contains(body, "CNT102") {
		t.Fatalf("bad phone: %d %s", status, body)
	}
	if status, body := call(t, "POST", api+"/gateway/customer/customer", "Bearer "+token, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`); status != 200 {
		t.Fatalf("read: %d %s", status, body)
	}
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(admin+"/console/requests"), chromedp.WaitVisible(chromedp.CSS("#request-2"))); err != nil {
		t.Fatalf("chromium: load /console/requests: %v", err)
	}
	refused := browse(t, ctx, chromedp.Text(chromedp.CSS("#request-1")))
	accepted := browse(t, ctx, chromedp.Text(chromedp.CSS("#request-2")))
	for _, want := range []string{"CNT102", "400", "POST /gateway/contact/phone", "sandbox:sandbox", "IRD 069096409"} {
		if !strings.Contains(refused, want) {
			t.Errorf("the refused request's row lacks %q: %q", want, refused)
		}
	}
	for _, want := range []string{"200", "POST /gateway/customer/customer", "IRD 069096409"} {
		if !strings.Contains(accepted, want) {
			t.Errorf("the accepted request's row lacks %q: %q", want, accepted)
		}
	}
	if i1, i2 := strings.Index(browse(t, ctx, chromedp.Text(chromedp.CSS("#requests-table tbody"))), "/gateway/customer/customer"),
		strings.Index(browse(t, ctx, chromedp.Text(chromedp.CSS("#requests-table tbody"))), "/gateway/contact/phone"); i1 > i2 {
		t.Error("the Requests view is not newest first")
	}
	noToken(t, ctx, token, "the Requests view")
	fits(t, ctx, "the Requests view")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#request-1 a.detail")), chromedp.WaitVisible(chromedp.CSS("#explain"))); err != nil {
		t.Fatalf("chromium: open the refused request: %v", err)
	}
	body := browse(t, ctx, chromedp.Text(chromedp.CSS("#request-body")))
	if !strings.Contains(body, `"PhoneNumber": "12"`) {
		t.Errorf("the request's page shows the body %q", body)
	}
	means := browse(t, ctx, chromedp.Text(chromedp.CSS("#explain")))
	for _, want := range []string{"CNT102", "The phone number provided is invalid.", "not valid for its country", "8 to 11 digits"} {
		if !strings.Contains(means, want) {
			t.Errorf("the refusal's explanation lacks %q: %q", want, means)
		}
	}
	if auth := browse(t, ctx, chromedp.Text(chromedp.CSS("#authorization"))); !strings.Contains(auth, "Bearer") {
		t.Errorf("Authorization shown as %q", auth)
	}
	noToken(t, ctx, token, "the request's page")
	fits(t, ctx, "the request's page")
	// its customer link leads to the customer on the main page
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.touched")), chromedp.WaitVisible(chromedp.CSS("#customer-IRD-069096409"))); err != nil {
		t.Fatalf("chromium: follow the customer link: %v", err)
	}
	noToken(t, ctx, token, "the main page")
	fits(t, ctx, "the main page")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#reset")), chromedp.WaitVisible(chromedp.CSS("#reset-done"))); err != nil {
		t.Fatalf("chromium: reset: %v", err)
	}
	if got := journalSeqs(t, admin, ""); len(got) != 0 {
		t.Errorf("after the console's reset the journal lists %v", got)
	}
}

// newBrowser starts headless Chromium for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// noToken fails the test if the page's markup holds any part of the token.
func noToken(t *testing.T, ctx context.Context, token, what string) {
	t.Helper()
	html := browse(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(html, part) {
			t.Errorf("%s shows part of the token (%.12s...)", what, part)
		}
	}
}

// fits fails the test if the page scrolls sideways in its 1280 px window.
func fits(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if w := browse(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 1280 {
		t.Errorf("%s is %d px wide: it does not fit 1280 px", what, w)
	}
}
