package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd/auth/authtest"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/sandbox"
)

// sandboxAPI serves a sandbox on db (startSandbox) and returns its API's
// base URL and a bearer token.
func sandboxAPI(t *testing.T, db string, args ...string) (base, bearer string) {
	t.Helper()
	base, _, _ = startSandbox(t, db, args...)
	return base, "Bearer " + sandboxToken(t)
}

// callHeaders sends a request with extra headers ("" bearer: none) and
// returns the status, body and headers of the answer.
func callHeaders(t *testing.T, method, url, bearer, body string, h map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", bearer)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func wantCall(t *testing.T, what string, status int, body string, wantStatus int, wantIn string) {
	t.Helper()
	if status != wantStatus || !strings.Contains(body, wantIn) {
		t.Fatalf("%s: %d %s; want %d with %q", what, status, body, wantStatus, wantIn)
	}
}

const testPhone = `{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"044451153"}`

func TestControlCharactersRefusedOnEveryStore(t *testing.T) {
	sandboxDBs(t, func(t *testing.T, db string) {
		base, bearer := sandboxAPI(t, db)
		api := base + "/gateway/contact/"
		for _, name := range []string{`nul \u0000`, `esc \u001b[2J`, `line\nbreak`, `del ` + "\x7f", `c1 \u0085`} {
			status, body := call(t, "POST", api+"contact", bearer, `{"CustomerID":"069096409","CustomerIDType":"IRD",
				"Contact":{"ContactType":"SCNDRY","Name":"`+name+`","Phone":[`+testPhone+`]}}`)
			wantCall(t, "POST contact "+name, status, body, 400, `"EV1100"`)
			wantCall(t, "POST contact "+name, status, body, 400, `: Name"`)
			status, body = call(t, "PUT", api+"contact", bearer, `{"ContactID":1295148032,"Contact":{"Name":"`+name+`"}}`)
			wantCall(t, "PUT contact "+name, status, body, 400, `: Name"`)
		}
		status, body := call(t, "PUT", api+"phone", bearer,
			`{"PhoneID":9004732142020,"Phone":{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"044451153","Extension":"1\u0000"}}`)
		wantCall(t, "PUT phone Extension", status, body, 400, `: Extension"`)
		// Nothing was stored: the persona's contact keeps its name.
		status, body = call(t, "POST", base+"/gateway/customer/customer", bearer, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
		if status != 200 || strings.Contains(body, `\u0000`) || strings.Contains(body, "esc") {
			t.Fatalf("after refusals: %d %s", status, body)
		}
		// Text that is not control characters is kept as sent.
		name := `Ōtautahi 😀 O'Brien \"Q\" \\ % _`
		status, body = call(t, "PUT", api+"contact", bearer, `{"ContactID":1295148032,"Contact":{"Name":"`+name+`"}}`)
		wantCall(t, "PUT contact unicode", status, body, 200, "")
		status, body = call(t, "POST", base+"/gateway/customer/customer", bearer, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
		if status != 200 || !strings.Contains(body, `"Ōtautahi 😀 O'Brien \"Q\" \\ % _"`) {
			t.Fatalf("unicode name not read back as sent: %d %s", status, body)
		}
	})
}

func TestIdempotentReplayAnswersTheFirstAnswer(t *testing.T) {
	sandboxDBs(t, func(t *testing.T, db string) {
		base, bearer := sandboxAPI(t, db)
		api := base + "/gateway/contact/"
		createBody := `{"CustomerID":"069096409","CustomerIDType":"IRD","Contact":{"ContactType":"SCNDRY","Name":"Replayed","Phone":[` + testPhone + `]}}`
		status, created, _ := callHeaders(t, "POST", api+"contact", bearer, createBody, map[string]string{"Idempotency-Key": "create-1"})
		wantCall(t, "POST contact", status, created, 200, "ContactID")
		var c struct{ ContactID int64 }
		json.Unmarshal([]byte(created), &c)
		phoneBody := `{"ContactID":` + strconv.FormatInt(c.ContactID, 10) + `,"Phone":` + testPhone + `}`
		status, added, _ := callHeaders(t, "POST", api+"phone", bearer, phoneBody, map[string]string{"Idempotency-Key": "phone-1"})
		wantCall(t, "POST phone", status, added, 200, "PhoneID")

		status, body := call(t, "DELETE", api+"contact", bearer, `{"ContactID":`+strconv.FormatInt(c.ContactID, 10)+`}`)
		wantCall(t, "DELETE contact", status, body, 200, "")

		// Both retries answer their first answer, although the contact is gone.
		status, body, _ = callHeaders(t, "POST", api+"phone", bearer, phoneBody, map[string]string{"Idempotency-Key": "phone-1"})
		if status != 200 || body != added {
			t.Fatalf("phone replay after delete: %d %s, want 200 %s", status, body, added)
		}
		status, body, _ = callHeaders(t, "POST", api+"contact", bearer, createBody, map[string]string{"Idempotency-Key": "create-1"})
		if status != 200 || body != created {
			t.Fatalf("contact replay after delete: %d %s, want 200 %s", status, body, created)
		}
		// The key with another body is still refused, and a new key checks.
		status, body, _ = callHeaders(t, "POST", api+"phone", bearer, strings.Replace(phoneBody, "044451153", "044451154", 1), map[string]string{"Idempotency-Key": "phone-1"})
		wantCall(t, "same key, other body", status, body, 400, "Idempotency-Key")
		status, body, _ = callHeaders(t, "POST", api+"phone", bearer, phoneBody, map[string]string{"Idempotency-Key": "phone-2"})
		wantCall(t, "new key on the deleted contact", status, body, 400, "CST404")
	})
}

func TestUpdatedStaysWithTheClock(t *testing.T) {
	sandboxDBs(t, func(t *testing.T, db string) {
		base, bearer := sandboxAPI(t, db)
		for i := range 30 {
			status, body := call(t, "PUT", base+"/gateway/contact/contact", bearer,
				`{"ContactID":1295148032,"Contact":{"Name":"Busy `+strconv.Itoa(i)+`"}}`)
			wantCall(t, "PUT contact", status, body, 200, "")
		}
		status, body := call(t, "POST", base+"/gateway/customer/customer", bearer, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
		now := time.Now()
		var r struct {
			Customer struct {
				Contact []struct {
					ContactID int64
					Updated   string
				}
			}
		}
		if status != 200 || json.Unmarshal([]byte(body), &r) != nil {
			t.Fatalf("read: %d %s", status, body)
		}
		nz, _ := time.LoadLocation("Pacific/Auckland")
		for _, c := range r.Customer.Contact {
			if c.ContactID != 1295148032 {
				continue
			}
			u, err := time.ParseInLocation("2006-01-02T15:04:05", c.Updated, nz)
			if err != nil {
				t.Fatal(err)
			}
			if ahead := u.Sub(now); ahead > time.Second {
				t.Fatalf("after 30 renames Updated %s is %v ahead of the clock", c.Updated, ahead)
			}
			return
		}
		t.Fatalf("contact 1295148032 not read: %s", body)
	})
}

// TestPostgresWriteBehindALockAnswers503 holds a contact's row lock from
// another session: a write to it answers 503 with Retry-After within its
// deadline, and once the lock is gone the next write succeeds.
func TestPostgresWriteBehindALockAnswers503(t *testing.T) {
	_, db := pgtest.Schema(t)
	base, bearer := sandboxAPI(t, db, "--write-timeout", "1s")
	api := base + "/gateway/contact/contact"
	ctx := context.Background()
	conn := pgtest.Connect(t, db)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM contact WHERE id = 1295148032 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	status, body, h := callHeaders(t, "PUT", api, bearer, `{"ContactID":1295148032,"Contact":{"Name":"Behind a lock"}}`, nil)
	retryAfter := h.Get("Retry-After")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"EU6001"`) || retryAfter == "" {
		t.Fatalf("a write behind a held row lock: %d %s Retry-After %q", status, body, retryAfter)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a write behind a held row lock answered after %v, deadline 1s", took)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	status, body = call(t, "PUT", api, bearer, `{"ContactID":1295148032,"Contact":{"Name":"After the lock"}}`)
	wantCall(t, "after the lock", status, body, 200, "")
}

// serveOnce runs `contactd serve` on db until it is ready, or returns the
// error it stopped with at start-up.
func serveOnce(t *testing.T, db string, sandbox bool) error {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	env := map[string]string{"CONTACTD_DB": db, "CONTACTD_SANDBOX": strconv.FormatBool(sandbox)}
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("serve stopped without an error")
			}
			return err
		default:
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				cancel()
				if err := <-done; err != nil {
					t.Fatalf("serve on %s: %v", db, err)
				}
				return nil
			}
		}
	}
	t.Fatal("serve neither became ready nor stopped")
	return nil
}

func TestSandboxAndProductionNeverShareADatabase(t *testing.T) {
	sandboxDBs(t, func(t *testing.T, base string) {
		db := func(name string) string {
			if strings.HasPrefix(base, "postgres") {
				_, u := pgtest.Schema(t)
				return u
			}
			return filepath.Join(t.TempDir(), name+".db")
		}
		// A sandbox stays a sandbox.
		sandboxDB := db("sandbox")
		if err := serveOnce(t, sandboxDB, true); err != nil {
			t.Fatalf("a new sandbox: %v", err)
		}
		if err := serveOnce(t, sandboxDB, true); err != nil {
			t.Fatalf("the sandbox again: %v", err)
		}
		if err := serveOnce(t, sandboxDB, false); err == nil || !strings.Contains(err.Error(), "is a sandbox database") {
			t.Fatalf("production on a sandbox database: %v", err)
		}
		// Production stays production.
		prodDB := db("production")
		if err := serveOnce(t, prodDB, false); err != nil {
			t.Fatalf("a new production database: %v", err)
		}
		if err := serveOnce(t, prodDB, true); err == nil || !strings.Contains(err.Error(), "is a production database") {
			t.Fatalf("the sandbox on a production database: %v", err)
		}
		if err := serveOnce(t, prodDB, false); err != nil {
			t.Fatalf("production again: %v", err)
		}
		// A database that held customers before any mode was recorded is
		// production's: the sandbox refuses it.
		oldDB := db("old")
		store, err := openStore(context.Background(), oldDB)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Load(context.Background(), sandbox.Dataset()); err != nil {
			t.Fatal(err)
		}
		store.Close()
		if err := serveOnce(t, oldDB, true); err == nil || !strings.Contains(err.Error(), "is a production database") {
			t.Fatalf("the sandbox on a database of customers without a mode: %v", err)
		}
	})
}

func TestSeedMakesASandboxDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seeded.db")
	if err := run(context.Background(), []string{"seed", "--customers", "3", "--db", db}, func(string) string { return "" }, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := serveOnce(t, db, false); err == nil || !strings.Contains(err.Error(), "is a sandbox database") {
		t.Fatalf("production on a seeded database: %v", err)
	}
	if err := serveOnce(t, db, true); err != nil {
		t.Fatalf("the sandbox on a seeded database: %v", err)
	}
}

func TestOAuthSettingsCannotBeLeftOpen(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--oauth-introspection-url", "https://idp.example/introspect"}, "need --oauth-issuer and --oauth-audience"},
		{[]string{"--oauth-introspection-url", "https://idp.example/introspect", "--oauth-issuer", "https://idp.example"}, "need --oauth-issuer and --oauth-audience"},
		{[]string{"--oauth-jwks-url", "https://idp.example/jwks", "--oauth-audience", "contactd"}, "need --oauth-issuer and --oauth-audience"},
		{[]string{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-jwks-url", "http://idp.example/jwks"}, "want an https:// URL"},
		{[]string{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-introspection-url", "http://10.0.0.1/introspect"}, "want an https:// URL"},
		{[]string{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-jwks-url", "https://idp.example/jwks", "--jwks-refresh", "0s"}, "--jwks-refresh must be positive"},
	} {
		_, err := parseServe(tc.args, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	for _, ok := range [][]string{
		{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-jwks-url", "https://idp.example/jwks"},
		{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-introspection-url", "http://127.0.0.1:9/introspect"},
		{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-jwks-url", "http://localhost:9/jwks"},
		{"--oauth-issuer", "i", "--oauth-audience", "a", "--oauth-jwks-url", "http://[::1]:9/jwks"},
	} {
		if _, err := parseServe(ok, func(string) string { return "" }, io.Discard); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

// TestURLCredentialsNotLogged: credentials written into the issuer's URLs
// never reach the log.
func TestURLCredentialsNotLogged(t *testing.T) {
	iss := authtest.NewIssuer(t)
	jwks := strings.Replace(iss.JWKSURL(), "http://", "http://jwks-user:jwks-pa55@", 1) + "?api_key=k3y-s3cret&v=1"
	intro := strings.Replace(iss.IntrospectionURL(), "http://", "http://intro-user:intro-pa55@", 1) + "?access_token=t0k3n"
	addr := freeAddr(t)
	stop, logs := startServe(t, map[string]string{"CONTACTD_DB": filepath.Join(t.TempDir(), "prod.db")},
		"--addr", addr, "--oauth-issuer", iss.URL, "--oauth-audience", iss.Audience,
		"--oauth-jwks-url", jwks, "--oauth-introspection-url", intro)
	waitReady(t, "http://"+addr)
	call(t, "GET", "http://"+addr+"/gateway/contact/status", "Bearer opaque-token", "")
	stop()
	out := logs.String()
	if !strings.Contains(out, "oauth_jwks") {
		t.Fatalf("no start-up line with the issuer's URLs:\n%s", out)
	}
	for _, secret := range []string{"jwks-pa55", "intro-pa55", "k3y-s3cret", "t0k3n"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
}

func TestAdminCertificateAddRefusesExpiredAndCACertificates(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prod.db")
	mustAdmin(t, db, "party", "add", "--party", "acme", "--kind", "intermediary")
	ca := authtest.NewCA(t, "acme CA", 12)
	issue := func(name string, notBefore, notAfter time.Time) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		key := authtest.Key(t, 3)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert.Cert, &key.PublicKey, ca.Cert.Key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		pem  []byte
		want string
	}{
		{"expired", issue("expired signing", now.Add(-48*time.Hour), now.Add(-time.Hour)), "expired"},
		{"not yet valid", issue("future signing", now.Add(time.Hour), now.Add(48*time.Hour)), "not valid before"},
		{"a CA", ca.Cert.PEM, "CA certificate"},
	} {
		_, _, err := adminRun(t, db, "certificate", "add", "--party", "acme", "--pem", writeFile(t, dir, tc.name+".pem", tc.pem))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	out := mustAdmin(t, db, "certificate", "add", "--party", "acme", "--pem", writeFile(t, dir, "good.pem", issue("good signing", now.Add(-time.Hour), now.Add(time.Hour))))
	if !strings.Contains(out, "registered certificate") {
		t.Fatalf("a valid certificate: %s", out)
	}
	if list := mustAdmin(t, db, "certificate", "list"); strings.Count(list, "signing") != 1 || strings.Contains(list, "expired") {
		t.Fatalf("registered certificates:\n%s", list)
	}
}

func TestAdminAddrOffLoopbackNeedsAdminPublic(t *testing.T) {
	none := func(string) string { return "" }
	for _, addr := range []string{"0.0.0.0:9090", ":9090", "10.1.2.3:9090", "[::]:9090", "example.com:9090"} {
		_, err := parseServe([]string{"--admin-addr", addr}, none, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--admin-public") {
			t.Errorf("--admin-addr %s: %v, want a refusal naming --admin-public", addr, err)
		}
		if _, err := parseServe([]string{"--admin-addr", addr, "--admin-public"}, none, io.Discard); err != nil {
			t.Errorf("--admin-addr %s --admin-public: %v", addr, err)
		}
	}
	env := map[string]string{"CONTACTD_ADMIN_ADDR": "0.0.0.0:9090", "CONTACTD_ADMIN_PUBLIC": "true"}
	if _, err := parseServe(nil, func(k string) string { return env[k] }, io.Discard); err != nil {
		t.Errorf("from the environment: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:9090", "localhost:9090", "[::1]:9090", "127.0.0.2:0"} {
		if _, err := parseServe([]string{"--admin-addr", addr}, none, io.Discard); err != nil {
			t.Errorf("--admin-addr %s: %v", addr, err)
		}
	}
}

func TestServeLimitsRefusedAuthentications(t *testing.T) {
	addr := freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_DB": filepath.Join(t.TempDir(), "prod.db"), "CONTACTD_AUTH_FAILURE_BURST": "3"},
		"--addr", addr, "--auth-failure-rate", "0.01")
	base := "http://" + addr
	waitReady(t, base)
	var statuses []int
	for range 5 {
		status, _ := call(t, "GET", base+"/gateway/contact/status", "Bearer not.a.token", "")
		statuses = append(statuses, status)
	}
	if want := []int{400, 400, 400, 429, 429}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	// On by default in production; off by default in the sandbox, whose
	// callers try the token errors on purpose.
	none := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want float64
	}{
		{nil, 1},
		{[]string{"--sandbox"}, 0},
		{[]string{"--sandbox", "--auth-failure-rate", "2"}, 2},
	} {
		cfg, err := parseServe(tc.args, none, io.Discard)
		if err != nil || cfg.authFailures.PerSecond != tc.want {
			t.Errorf("%v: auth failure rate %v (%v), want %v", tc.args, cfg.authFailures.PerSecond, err, tc.want)
		}
	}
}

// TestFullDiskAnswers503 fills a real (small, tmpfs) file system under a
// running SQLite contactd: /readyz answers 503, writes answer 503 with
// Retry-After and never 500, and with room again both recover without a
// restart. It needs to mount a file system (root); elsewhere it skips, and
// sqlite's TestFullDatabaseAnswers503 covers the writes.
func TestFullDiskAnswers503(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	base, bearer := sandboxAPI(t, filepath.Join(dir, "full.db"), "--db-min-free-mb", "1")
	api := base + "/gateway/contact/contact"
	rename := func(name string) (int, string, http.Header) {
		return callHeaders(t, "PUT", api, bearer, `{"ContactID":1295148032,"Contact":{"Name":"`+name+`"}}`, nil)
	}

	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break // the disk is full
		}
	}
	filler.Close()

	if status, body := call(t, "GET", base+"/readyz", "", ""); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz on a full disk: %d %s", status, body)
	}
	full := 0
	long := strings.Repeat("x", 250)
	for i := 0; i < 300 && full == 0; i++ {
		status, body, h := rename(long + strconv.Itoa(i))
		switch status {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			if !strings.Contains(body, `"EU6001"`) || h.Get("Retry-After") == "" {
				t.Fatalf("a write on a full disk: %d %s Retry-After %q", status, body, h.Get("Retry-After"))
			}
			full++
		default:
			t.Fatalf("a write on a full disk: %d %s", status, body)
		}
	}
	if full == 0 {
		t.Fatal("300 writes on a full disk all succeeded")
	}

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	status, body, _ := rename("Room again")
	wantCall(t, "a write with room again", status, body, 200, "")
	if status, body := call(t, "GET", base+"/readyz", "", ""); status != 200 {
		t.Fatalf("readyz with room again: %d %s", status, body)
	}
}
