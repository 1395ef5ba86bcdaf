package http_test

import (
	"bytes"
	"context"

	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
)

func withToken(s *sandboxServer, kv ...string) http.Header {
	h := http.Header{"Authorization": {s.Token}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestRequestIDs(t *testing.T) {
	s := newSandbox(t)
	resp, _ := s.doHeaders("GET", "/gateway/contact/status", withToken(s, "X-Request-ID", "vendor-req-42"), "")
	if got := resp.Header.Get("X-Request-ID"); got != "vendor-req-42" {
		t.Errorf("echoed %q, want the caller's ID", got)
	}
	resp, _ = s.doHeaders("GET", "/healthz", http.Header{}, "")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(resp.Header.Get("X-Request-ID")) {
		t.Errorf("made ID %q, want 32 hex digits", resp.Header.Get("X-Request-ID"))
	}
	resp, _ = s.doHeaders("GET", "/healthz", http.Header{"X-Request-Id": {"has space"}}, "")
	if got := resp.Header.Get("X-Request-ID"); got == "has space" || got == "" {
		t.Errorf("an unsafe ID was echoed or none made: %q", got)
	}
}

// TestAuditTrailOverHTTP: a write through the API is audited with its
// caller and request ID; a refused write is not.
func TestAuditTrailOverHTTP(t *testing.T) {
	s := newSandbox(t)
	resp, body := s.doHeaders("POST", "/gateway/contact/contact", withToken(s, "X-Request-ID", "audit-1"),
		contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhone))
	wantOK(t, resp.StatusCode, body)
	id := newID(t, body, "ContactID")
	resp, body = s.doHeaders("POST", "/gateway/contact/contact", withToken(s, "X-Request-ID", "audit-2"),
		contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhone))
	wantError(t, resp.StatusCode, body, 400, "CNT101")
	recs, err := s.Store.Audit(context.Background(), contactd.AuditQuery{Customer: contactd.CustomerID{Type: contactd.CST, Value: "1512100301"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].ContactID != id || recs[0].RequestID != "audit-1" || recs[0].Operation != contactd.OpCreateContact ||
		!recs[0].Caller.Sandbox || recs[0].Caller.Subject != "sandbox" || !strings.Contains(string(recs[0].After), "044451153") {
		t.Fatalf("audit %+v", recs)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	s := newSandbox(t)
	body := contactBody(accountOwner("069096409EMP003"), "SCNDRY", nzPhone)
	post := func(key, body string) (*http.Response, []byte) {
		return s.doHeaders("POST", "/gateway/contact/contact", withToken(s, "Idempotency-Key", key), body)
	}
	resp, first := post(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, body)
	wantOK(t, resp.StatusCode, first)
	resp, again := post(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, body)
	wantOK(t, resp.StatusCode, again)
	if string(first) != string(again) {
		t.Fatalf("retry answered %s, first %s", again, first)
	}
	resp, other := post(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, strings.Replace(body, "Test Contact", "Someone Else", 1))
	e := wantError(t, resp.StatusCode, other, 400, "EV1100")
	if !strings.HasSuffix(e.Message, ": Idempotency-Key") {
		t.Fatalf("message %q does not name Idempotency-Key", e.Message)
	}
	resp, bad := post(`""`, body)
	wantError(t, resp.StatusCode, bad, 400, "EV1100")
	if n := len(s.accountContacts("069096409EMP003")); n != 1 {
		t.Fatalf("%d contacts after a retried POST, want 1", n)
	}

	// Concurrent duplicates never both write.
	const n = 10
	var wg sync.WaitGroup
	answers := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, b := s.doHeaders("POST", "/gateway/contact/phone", withToken(s, "Idempotency-Key", "phone-once"), phoneBody("1578864256", nzPhone))
			answers[i] = string(b)
		}()
	}
	wg.Wait()
	for _, a := range answers {
		if a != answers[0] || !strings.Contains(a, "PhoneID") {
			t.Fatalf("answers differ: %q", answers)
		}
	}
	if c := findContact(s.accountContacts("069096409INC002"), 1578864256); len(c.Phone) != 2 {
		t.Fatalf("%d phones after %d duplicate POSTs, want 2", len(c.Phone), n)
	}
}

func TestRateLimitPerCaller(t *testing.T) {
	sb := newSandbox(t)
	s := serveConfig(t, contacthttp.Config{
		Service:   &contactd.Service{Store: sb.Store, Access: sandbox.Access{}},
		Auth:      auth.Sandbox{},
		DB:        sb.Store,
		RateLimit: contacthttp.RateLimit{PerSecond: 0.5, Burst: 2},
	})
	for i := range 2 {
		if status, body := s.do("GET", "/gateway/contact/status", ""); status != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, status, body)
		}
	}
	resp, body := s.doHeaders("GET", "/gateway/contact/status", withToken(s), "")
	wantError(t, resp.StatusCode, body, http.StatusTooManyRequests, "EU6001")
	if ra := resp.Header.Get("Retry-After"); ra != "2" && ra != "1" {
		t.Fatalf("Retry-After %q, want the seconds until a token", ra)
	}
	other := sandboxJWT(map[string]any{"sub": "another vendor", "exp": 9999999999})
	if status, body := s.doAuth("GET", "/gateway/contact/status", other, ""); status != 200 {
		t.Fatalf("another caller was limited too: %d %s", status, body)
	}
}

// TestLogsHoldNoSecrets: request logs name the request, not its token or
// the phone or bank account numbers in its body.
func TestLogsHoldNoSecrets(t *testing.T) {
	sb := newSandbox(t)
	var logs syncBuffer
	s := serveConfig(t, contacthttp.Config{
		Service: &contactd.Service{Store: sb.Store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      sb.Store,
		Logger:  slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	status, body := s.do("POST", "/gateway/contact/phone", phoneBody("1295148032", `{"PhoneType":"CELL","Country":"NZ","PhoneNumber":"0219876543"}`))
	wantOK(t, status, body)
	s.do("POST", "/gateway/contact/phone", phoneBody("1295148032", `{"PhoneType":"CELL","Country":"NZ","AreaCode":"04","PhoneNumber":"0219876543"}`))
	// Bank accounts, accepted and refused.
	status, body = s.do("POST", "/gateway/bank/bank", nzBankBody("132245746NRT005", "ACC", "03-1528-00065296-0050", ""))
	wantOK(t, status, body)
	s.do("POST", "/gateway/bank/bank", nzBankBody("132245746NRT005", "ACC", "03-1528-00065297-0050", ""))
	s.do("POST", "/gateway/bank/bank", auBankBody("132245746NRT005"))
	out := logs.String()
	if !strings.Contains(out, `"request_id"`) {
		t.Fatalf("no request log: %s", out)
	}
	for _, secret := range []string{s.Token, strings.Split(s.Token, ".")[1], "0219876543", "9876543", "00065296", "00065297", "203330017"} {
		if strings.Contains(out, secret) {
			t.Fatalf("logs hold %q:\n%s", secret, out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
