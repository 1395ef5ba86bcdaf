package client_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contactd/contactd/client"
)

// TestErrorCodesAreSentinels: errors.Is matches an *Error against its
// code, and against no other.
func TestErrorCodesAreSentinels(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"errors":[{"code":"CNT101","type":"validation","message":"There is an existing contact of this type."}]}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	_, err := c.AddPhone(ctx, 1, nzMobile("0211234567"))
	if !errors.Is(err, client.CNT101) {
		t.Fatalf("errors.Is(%v, CNT101) is false", err)
	}
	for _, other := range []client.ErrorCode{client.CNT102, client.EU6001, ""} {
		if errors.Is(err, other) {
			t.Errorf("errors.Is(%v, %q) is true", err, other)
		}
	}
	var e *client.Error
	if !errors.As(err, &e) || e.Code != client.CNT101 {
		t.Errorf("errors.As: %#v", err)
	}
}

// requestIDs is a server that answers status 503 first failures times,
// then 200, recording each request's X-Request-ID; echo makes it send the
// ID back as contactd does.
type requestIDs struct {
	failures int
	echo     bool
	seen     []string
	agents   []string
}

func (s *requestIDs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-ID")
	s.seen = append(s.seen, id)
	s.agents = append(s.agents, r.Header.Get("User-Agent"))
	if s.echo {
		w.Header().Set("X-Request-ID", id)
	}
	if len(s.seen) <= s.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"errors":[{"code":"EU6001","type":"server","message":"Unexpected error occurred"}]}`)
		return
	}
	io.WriteString(w, `{}`)
}

func TestRequestIDOnSuccessAndFailure(t *testing.T) {
	for _, echo := range []bool{false, true} {
		// Generated: one ID for the call, the same on its retry.
		s := &requestIDs{failures: 1, echo: echo}
		srv := httptest.NewServer(s)
		c := newClient(t, srv.URL, client.WithRetries(1, 0))
		var info client.CallInfo
		if err := c.Status(client.ContextWithCallInfo(ctx, &info), client.ContactAPI); err != nil {
			t.Fatal(err)
		}
		if len(s.seen) != 2 || s.seen[0] == "" || s.seen[1] != s.seen[0] {
			t.Errorf("echo %v: IDs sent %q, want one ID on both attempts", echo, s.seen)
		}
		if info != (client.CallInfo{RequestID: s.seen[0], Status: 200, Attempts: 2}) {
			t.Errorf("echo %v: CallInfo %+v, want ID %q, 200, 2 attempts", echo, info, s.seen[0])
		}

		// The caller's own, on a failure: in the *Error and the CallInfo.
		s.seen, s.failures = nil, 5
		err := c.Status(client.ContextWithCallInfo(client.ContextWithRequestID(ctx, "trace-7"), &info), client.ContactAPI)
		var e *client.Error
		if !errors.As(err, &e) || e.RequestID != "trace-7" || !strings.Contains(err.Error(), "trace-7") {
			t.Errorf("echo %v: error %v, want request trace-7", echo, err)
		}
		if info != (client.CallInfo{RequestID: "trace-7", Status: 503, Attempts: 2}) || s.seen[0] != "trace-7" {
			t.Errorf("echo %v: CallInfo %+v, sent %q", echo, info, s.seen)
		}
		srv.Close()
	}

	// No answer at all: the CallInfo still has the ID sent.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hangUp(w) }))
	defer srv.Close()
	c := newClient(t, srv.URL, client.WithRetries(0, 0))
	var info client.CallInfo
	if err := c.Status(client.ContextWithCallInfo(client.ContextWithRequestID(ctx, "trace-8"), &info), client.ContactAPI); err == nil {
		t.Fatal("no error from a server that hangs up")
	}
	if info != (client.CallInfo{RequestID: "trace-8", Attempts: 1}) {
		t.Errorf("CallInfo %+v after a hang-up", info)
	}

	// An ID the server would not keep is refused before sending.
	for _, bad := range []string{"has space", strings.Repeat("x", 129), "tab\t"} {
		if err := c.Status(client.ContextWithRequestID(ctx, bad), client.ContactAPI); err == nil || !strings.Contains(err.Error(), "request ID") {
			t.Errorf("request ID %q: error %v", bad, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	s := &requestIDs{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	if err := newClient(t, srv.URL).Status(ctx, client.ContactAPI); err != nil {
		t.Fatal(err)
	}
	if err := newClient(t, srv.URL, client.WithUserAgent("acme-payroll/2.3")).Status(ctx, client.ContactAPI); err != nil {
		t.Fatal(err)
	}
	want := []string{"contactd-client-go/" + client.Version, "acme-payroll/2.3 contactd-client-go/" + client.Version}
	if len(s.agents) != 2 || s.agents[0] != want[0] || s.agents[1] != want[1] {
		t.Errorf("User-Agent %q, want %q", s.agents, want)
	}
	for _, bad := range []string{"", "  ", "new\nline", "ünïcode"} {
		if _, err := client.New(srv.URL, client.WithUserAgent(bad)); err == nil {
			t.Errorf("WithUserAgent(%q) accepted", bad)
		}
	}
}
