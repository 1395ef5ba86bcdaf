package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

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
