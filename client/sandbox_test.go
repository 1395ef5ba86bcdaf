package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/client"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// sandboxServer is a contactd sandbox on a fresh SQLite file, served over
// a real loopback HTTP connection.
type sandboxServer struct {
	URL   string // the base URL, ending in /gateway
	Token string // a token the sandbox accepts
	close func()
}

// startSandbox starts a fresh sandbox; examples use it without a
// *testing.T, so it reports failure as an error.
func startSandbox() (*sandboxServer, error) {
	h, cleanup, err := sandboxHandler()
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(h)
	return withToken(srv, cleanup)
}

// sandboxHandler is contactd in sandbox mode on a fresh SQLite file with
// the personas; cleanup closes and removes the file.
func sandboxHandler() (h http.Handler, cleanup func(), err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "contactd-client-")
	if err != nil {
		return nil, nil, err
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "sandbox.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup = func() {
		store.Close()
		os.RemoveAll(dir)
	}
	if _, err := sandbox.Seed(ctx, store); err != nil {
		cleanup()
		return nil, nil, err
	}
	return contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
	}), cleanup, nil
}

// withToken wraps a started server of sandboxHandler with a fresh token.
func withToken(srv *httptest.Server, cleanup func()) (*sandboxServer, error) {
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		srv.Close()
		cleanup()
		return nil, err
	}
	return &sandboxServer{URL: srv.URL + "/gateway", Token: token, close: func() { srv.Close(); cleanup() }}, nil
}

// Close stops the server and removes its database.
func (s *sandboxServer) Close() { s.close() }

// newSandbox starts a sandbox for a test, stopped when the test ends.
func newSandbox(t *testing.T) *sandboxServer {
	t.Helper()
	s, err := startSandbox()
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// newClient is a client of the sandbox with its token.
func newClient(t *testing.T, s *sandboxServer, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(s.URL, append([]client.Option{client.WithTokenSource(client.StaticToken(s.Token))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
