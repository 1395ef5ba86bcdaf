// Package sandboxtest starts a contactd sandbox inside a Go test, so that a
// vendor's `go test` exercises its integration over real HTTP without a
// separate process:
//
//	func TestAddContact(t *testing.T) {
//		sb := sandboxtest.Start(t) // a fresh sandbox, stopped when the test ends
//		c, err := client.New(sb.URL, client.WithTokenSource(client.StaticToken(sb.Token)))
//		...
//	}
//
// Each sandbox listens on its own loopback port with a fresh SQLite
// database holding the published test personas (api/SANDBOX.md), so
// parallel tests do not see each other's changes. It accepts any unexpired
// JWT, as `contactd serve --sandbox` does.
package sandboxtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// Sandbox is a running sandbox.
type Sandbox struct {
	// URL is the base URL of the APIs, http://127.0.0.1:port/gateway; the
	// same APIs answer under /secure/gateway.
	URL string
	// Token is a sandbox token, sent as the Authorization header with or
	// without "Bearer ". It expires 9 minutes after Start; NewToken makes
	// another.
	Token string

	srv   *httptest.Server
	store *sqlite.Store
	dir   string
}

// Start starts a sandbox on a fresh database for the test and stops it,
// removing the database, when the test and its subtests end. It fails the
// test if the sandbox cannot start.
func Start(t testing.TB) *Sandbox {
	t.Helper()
	sb, err := New()
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// New starts a sandbox on a fresh database in a new temporary directory,
// for callers without a testing.TB (examples, TestMain); Close stops it.
func New() (*Sandbox, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "contactd-sandboxtest-")
	if err != nil {
		return nil, err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "sandbox.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sb := &Sandbox{store: store, dir: dir}
	if _, err := sandbox.Seed(ctx, store); err != nil {
		sb.Close()
		return nil, fmt.Errorf("load the personas: %w", err)
	}
	if sb.Token, err = sb.NewToken(); err != nil {
		sb.Close()
		return nil, err
	}
	sb.srv = httptest.NewServer(handler(store))
	sb.URL = sb.srv.URL + "/gateway"
	return sb, nil
}

// handler is contactd's HTTP handler in sandbox mode on store, which holds
// the personas (sandbox.Seed); it logs nothing.
func handler(store *sqlite.Store) http.Handler {
	return contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Logger:  slog.New(slog.DiscardHandler),
	})
}

// NewToken returns a new sandbox token, valid for 9 minutes.
func (sb *Sandbox) NewToken() (string, error) {
	return auth.NewSandboxToken(time.Now())
}

// Close stops the sandbox and removes its database. It may be called more
// than once.
func (sb *Sandbox) Close() {
	if sb.srv != nil {
		sb.srv.Close()
		sb.srv = nil
	}
	if sb.store != nil {
		sb.store.Close()
		sb.store = nil
	}
	os.RemoveAll(sb.dir)
}
