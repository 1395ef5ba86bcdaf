package sqlite

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
)

// faultServer serves a sandbox on a fresh file over loopback HTTP, with
// writes bounded by writeTimeout.
func faultServer(t *testing.T, writeTimeout time.Duration) (s *Store, path, base, bearer string) {
	t.Helper()
	s, path = openTemp(t)
	if _, err := sandbox.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: s, Access: sandbox.Access{}, WriteTimeout: writeTimeout},
		Auth:    auth.Sandbox{},
		DB:      s,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}))
	t.Cleanup(srv.Close)
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s, path, srv.URL, "Bearer " + token
}

type answer struct {
	status     int
	body       string
	retryAfter string
	took       time.Duration
}

func send(t *testing.T, method, url, bearer, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", bearer)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), resp.Header.Get("Retry-After"), time.Since(start)}
}

const envelope503 = `{"errors":[{"code":"EU6001","type":"server","message":"Unexpected error occurred"}]}`

func rename(name string) string {
	return `{"ContactID":1295148032,"Contact":{"Name":"` + name + `"}}`
}

// TestStalledWriteAnswers503WithinItsDeadline holds the database's write
// lock from another connection, as another process would: the writes
// answer 503 with Retry-After within their deadline, none of them happens,
// reads go on, and once the lock is gone writes succeed again, without a
// restart.
func TestStalledWriteAnswers503WithinItsDeadline(t *testing.T) {
	const deadline = time.Second
	s, path, base, bearer := faultServer(t, deadline)
	api := base + "/gateway/contact/contact"

	other, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}

	answers := make(chan answer, 4)
	for i := range 4 {
		go func() { answers <- send(t, "PUT", api, bearer, rename("Stalled "+strconv.Itoa(i))) }()
	}
	for range 4 {
		a := <-answers
		if a.status != http.StatusServiceUnavailable || a.body != envelope503 || a.retryAfter == "" {
			t.Fatalf("a write behind a held lock: %d %q Retry-After %q", a.status, a.body, a.retryAfter)
		}
		if a.took > deadline+2*time.Second {
			t.Errorf("a write behind a held lock answered after %v, deadline %v", a.took, deadline)
		}
	}
	if a := send(t, "POST", base+"/gateway/customer/customer", bearer, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`); a.status != 200 {
		t.Fatalf("a read while the lock is held: %d %s", a.status, a.body)
	}

	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	var a answer
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(50 * time.Millisecond) {
		if a = send(t, "PUT", api, bearer, rename("After the lock")); a.status == 200 {
			break
		}
	}
	if a.status != 200 {
		t.Fatalf("after the lock: %d %s", a.status, a.body)
	}
	recs, err := s.Audit(ctx, contactd.AuditQuery{ContactID: 1295148032})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || !strings.Contains(string(recs[0].After), "After the lock") {
		t.Fatalf("audit after the lock: %d records (want the one write that succeeded)", len(recs))
	}
}

// TestFullDatabaseAnswers503 fills the database to the size it may have
// (as a full disk would stop it growing): the write that needs more room
// answers 503 with Retry-After, not 500, and with room again writes go on.
func TestFullDatabaseAnswers503(t *testing.T) {
	s, _, base, bearer := faultServer(t, 0)
	var pages int
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("n", 255)
	full := false
	for i := 0; i < 200 && !full; i++ {
		a := send(t, "PUT", base+"/gateway/contact/contact", bearer, rename(long[:254-i%10]+strconv.Itoa(i%10)))
		switch a.status {
		case 200:
		case http.StatusServiceUnavailable:
			if a.body != envelope503 || a.retryAfter == "" {
				t.Fatalf("full: %d %q Retry-After %q", a.status, a.body, a.retryAfter)
			}
			full = true
		default:
			t.Fatalf("write %d: %d %s", i, a.status, a.body)
		}
	}
	if !full {
		t.Fatal("the database never filled")
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if a := send(t, "PUT", base+"/gateway/contact/contact", bearer, rename("Room again")); a.status != 200 {
		t.Fatalf("with room again: %d %s", a.status, a.body)
	}
}

// TestReadyzNoticesAFullDisk asks for more free space than the disk has.
func TestReadyzNoticesAFullDisk(t *testing.T) {
	s, _, base, _ := faultServer(t, 0)
	if a := send(t, "GET", base+"/readyz", "", ""); a.status != 200 {
		t.Fatalf("readyz: %d %s", a.status, a.body)
	}
	free, ok := diskFree(s.dir)
	if !ok {
		t.Skip("free disk space is not known on this system")
	}
	s.SetMinFree(free + 1<<40)
	if a := send(t, "GET", base+"/readyz", "", ""); a.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with less free space than its minimum: %d %s", a.status, a.body)
	}
	s.SetMinFree(DefaultMinFree)
	if a := send(t, "GET", base+"/readyz", "", ""); a.status != 200 {
		t.Fatalf("readyz with room again: %d %s", a.status, a.body)
	}
}

// TestNewDatabaseFilesOwnerOnly: the database, its WAL and its shared
// memory are created readable and writable by their owner only.
func TestNewDatabaseFilesOwnerOnly(t *testing.T) {
	s, path := openTemp(t)
	if _, err := sandbox.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(f), mode)
		}
	}
}
