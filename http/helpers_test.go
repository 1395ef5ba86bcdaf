package http_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// sandboxServer is a fresh sandbox: a new SQLite file with the personas,
// served over a real loopback HTTP connection.
type sandboxServer struct {
	t     *testing.T
	URL   string
	Token string
	Store contactd.Store
}

func newSandbox(t *testing.T) *sandboxServer {
	t.Helper()
	store := sandboxStore(t)
	return serveConfig(t, contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		IRD:     sandbox.IRDRule(),
	})
}

// sandboxStore is a new SQLite file with the personas, closed when the
// test ends.
func sandboxStore(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sandbox.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := sandbox.Seed(ctx, store); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return store
}

func serve(t *testing.T, store contactd.Store, authn contacthttp.Authenticator, access contactd.Authorizer) *sandboxServer {
	t.Helper()
	return serveConfig(t, contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: access},
		Auth:    authn,
		DB:      store,
	})
}

// serveConfig serves a whole Config over loopback HTTP.
func serveConfig(t *testing.T, cfg contacthttp.Config) *sandboxServer {
	t.Helper()
	store := cfg.Service.Store
	srv := httptest.NewServer(contacthttp.NewServer(cfg))
	t.Cleanup(srv.Close)
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &sandboxServer{t: t, URL: srv.URL, Token: token, Store: store}
}

// do sends an authenticated request.
func (s *sandboxServer) do(method, path, body string) (int, []byte) {
	return s.doAuth(method, path, s.Token, body)
}

// doAuth sends a request with the given Authorization header ("" for none).
func (s *sandboxServer) doAuth(method, path, authorization, body string) (int, []byte) {
	s.t.Helper()
	h := http.Header{}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	resp, b := s.doHeaders(method, path, h, body)
	return resp.StatusCode, b
}

// doHeaders sends a request with the given headers and returns the whole response.
func (s *sandboxServer) doHeaders(method, path string, h http.Header, body string) (*http.Response, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, b
}

// apiError is the first error of an error envelope, or zero.
type apiError struct{ Code, Type, Message string }

func errorOf(t *testing.T, body []byte) apiError {
	t.Helper()
	var env struct {
		Errors []struct{ Code, Type, Message string } `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Errors) != 1 {
		t.Fatalf("not an error envelope with one error: %s", body)
	}
	e := env.Errors[0]
	return apiError{e.Code, e.Type, e.Message}
}

// wantError checks status and code of an error answer.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode string) apiError {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", status, wantStatus, body)
	}
	e := errorOf(t, body)
	if e.Code != wantCode {
		t.Fatalf("code %s, want %s; body %s", e.Code, wantCode, body)
	}
	return e
}

// wantOK checks for a 200.
func wantOK(t *testing.T, status int, body []byte) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", status, body)
	}
}

// newID reads {"<key>": n} and checks n is a positive integer below 2^53.
func newID(t *testing.T, body []byte, key string) int64 {
	t.Helper()
	var m map[string]json.Number
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || len(m) != 1 {
		t.Fatalf("want {%q: id}, got %s", key, body)
	}
	id, err := m[key].Int64()
	if err != nil || id <= 0 || id > contactd.MaxID {
		t.Fatalf("%s %q is not a positive integer below 2^53", key, m[key])
	}
	return id
}

// customerContacts reads back a customer's or account's contacts.
type contactJSON struct {
	ContactID   int64
	ContactType string
	Name        string
	Updated     string
	Phone       []struct {
		PhoneID                                              int64
		PhoneType, Country, AreaCode, PhoneNumber, Extension string
	}
}

func (s *sandboxServer) customerContacts(idType, id string) []contactJSON {
	s.t.Helper()
	status, body := s.do("POST", "/gateway/customer/customer", `{"CustomerID":"`+id+`","CustomerIDType":"`+idType+`"}`)
	wantOK(s.t, status, body)
	var r struct {
		Customer struct{ Contact []contactJSON }
	}
	if err := json.Unmarshal(body, &r); err != nil {
		s.t.Fatal(err)
	}
	return r.Customer.Contact
}

func (s *sandboxServer) accountContacts(id string) []contactJSON {
	s.t.Helper()
	status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"`+id+`","AccountIDType":"ACC"}`)
	wantOK(s.t, status, body)
	var r struct {
		Account struct{ Contact []contactJSON }
	}
	if err := json.Unmarshal(body, &r); err != nil {
		s.t.Fatal(err)
	}
	return r.Account.Contact
}

func findContact(cs []contactJSON, id int64) *contactJSON {
	for i := range cs {
		if cs[i].ContactID == id {
			return &cs[i]
		}
	}
	return nil
}

// contactBody is a POST /contact body for an owner ("customer" IRD/CST or "account").
func contactBody(ownerFields, contactType string, phones ...string) string {
	return `{` + ownerFields + `,"Contact":{"ContactType":"` + contactType + `","Name":"Test Contact","Phone":[` + strings.Join(phones, ",") + `]}}`
}

const nzPhone = `{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""}`

func customerOwner(idType, id string) string {
	return `"CustomerID":"` + id + `","CustomerIDType":"` + idType + `"`
}

func accountOwner(id string) string { return `"AccountID":"` + id + `","AccountIDType":"ACC"` }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustToken(tb testing.TB) string {
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return token
}
