package http_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
)

// rawRequest sends one request line as written, which net/http's client
// would refuse to send, and returns the status and body of the answer.
func rawRequest(t *testing.T, base, requestLine string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", requestLine)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", requestLine, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRequestsNetHTTPRefusesAnswerInTheEnvelope(t *testing.T) {
	s := newSandbox(t)
	for _, line := range []string{"PUT * HTTP/1.1", "GET * HTTP/1.1", "POST * HTTP/1.1"} {
		resp, body := rawRequest(t, s.URL, line)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: %d %q %s", line, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if e := errorOf(t, []byte(body)); e.Code != "EV1100" || !strings.HasSuffix(e.Message, ": path") {
			t.Fatalf("%s: %+v", line, e)
		}
	}
	// An unclean path is not redirected: it names no route.
	resp, body := rawRequest(t, s.URL, "POST /gateway/../gateway/contact/contact HTTP/1.1")
	if resp.StatusCode != http.StatusNotFound || errorOf(t, []byte(body)).Code != "EV1100" {
		t.Fatalf("unclean path: %d %s", resp.StatusCode, body)
	}
}

func TestHeadHealthAndReadiness(t *testing.T) {
	s := newSandbox(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, body := s.doHeaders("HEAD", path, http.Header{}, "")
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Fatalf("HEAD %s: %d %q", path, resp.StatusCode, body)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newSandbox(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/healthz", ""},
		{"GET", "/gateway/contact/status", ""},
		{"POST", "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
		{"POST", "/gateway/customer/customer", `{`},
		{"GET", "/nowhere", ""},
		{"GET", "/gateway/contact/swagger.yaml", ""},
	} {
		h := http.Header{}
		h.Set("Authorization", "Bearer "+s.Token)
		resp, _ := s.doHeaders(tc.method, tc.path, h, tc.body)
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", tc.method, tc.path, got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", tc.method, tc.path, got)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s %s over plain HTTP: Strict-Transport-Security %q", tc.method, tc.path, got)
		}
	}
}

func TestTLSHardening(t *testing.T) {
	w := prodWorld(t)
	store := w.fresh(t)
	srv := httptest.NewUnstartedServer(contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: auth.RegistryAccess{Registry: store}},
		Auth:    &auth.Production{OAuth: w.oauth},
		DB:      store,
	}))
	srv.TLS = auth.ServerTLS(w.server.TLS(), nil)
	srv.Config.ErrorLog = discardStdLogger()
	srv.StartTLS()
	t.Cleanup(srv.Close)

	resp, err := tlsClient(w, 0).Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Fatalf("over TLS: Strict-Transport-Security %q", got)
	}

	// TLS 1.2 without a forward-secret AEAD suite is refused in the handshake.
	for _, suite := range []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	} {
		c := tlsClient(w, tls.VersionTLS12)
		c.Transport.(*http.Transport).TLSClientConfig.CipherSuites = []uint16{suite}
		if resp, err := c.Get(srv.URL + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("TLS 1.2 with %s: served", tls.CipherSuiteName(suite))
		}
	}
	for _, suite := range []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} {
		c := tlsClient(w, tls.VersionTLS12)
		c.Transport.(*http.Transport).TLSClientConfig.CipherSuites = []uint16{suite, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		resp, err := c.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatalf("TLS 1.2 with %s: %v", tls.CipherSuiteName(suite), err)
		}
		resp.Body.Close()
	}
}

func discardStdLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// TestMachineRateLimitedByCertificate: a machine naming another startLogon
// on each request is still one caller.
func TestMachineRateLimitedByCertificate(t *testing.T) {
	w := prodWorld(t)
	store := w.fresh(t)
	s := serveConfig(t, contacthttp.Config{
		Service:   &contactd.Service{Store: store, Access: auth.RegistryAccess{Registry: store}},
		Auth:      &auth.Production{OAuth: w.oauth, Machine: &auth.Machine{Registry: store}},
		DB:        store,
		RateLimit: contacthttp.RateLimit{PerSecond: 0.1, Burst: 2},
	})
	var statuses []int
	for _, logon := range []string{"", "olivia", "tim", "dan", "someone-else"} {
		status, _ := s.doAuth("GET", "/gateway/contact/status", w.machine(t, "acme", logon), "")
		statuses = append(statuses, status)
	}
	if !slices.Equal(statuses, []int{200, 200, 429, 429, 429}) {
		t.Fatalf("statuses %v: want the certificate's burst of 2, then 429 whatever startLogon", statuses)
	}
	// another certificate is another caller
	if status, body := s.doAuth("GET", "/gateway/contact/status", w.machine(t, "payroll", ""), ""); status != 200 {
		t.Fatalf("another certificate: %d %s", status, body)
	}
}

// TestAuthFailuresLimitedPerAddress: after its burst of refused tokens an
// address waits, without its tokens being checked (no issuer call), and
// answers 429 with Retry-After, even for a good token.
func TestAuthFailuresLimitedPerAddress(t *testing.T) {
	w := prodWorld(t)
	store := w.fresh(t)
	calls := w.iss.Introspections()
	s := serveConfig(t, contacthttp.Config{
		Service:      &contactd.Service{Store: store, Access: auth.RegistryAccess{Registry: store}},
		Auth:         &auth.Production{OAuth: w.oauth, Machine: &auth.Machine{Registry: store}},
		DB:           store,
		AuthFailures: contacthttp.RateLimit{PerSecond: 0.01, Burst: 5},
	})
	read := `{"CustomerID":"` + custIRD + `","CustomerIDType":"IRD"}`
	for i := range 5 {
		status, body := s.doAuth("POST", "/gateway/customer/customer", "Bearer made-up-"+strconv.Itoa(i), read)
		wantError(t, status, body, http.StatusBadRequest, "EV1020")
	}
	if got := w.iss.Introspections() - calls; got != 5 {
		t.Fatalf("%d introspection calls for 5 refused tokens", got)
	}
	for i := range 20 {
		resp, body := s.doHeaders("POST", "/gateway/customer/customer", http.Header{"Authorization": {"Bearer made-up-more-" + strconv.Itoa(i)}}, read)
		wantError(t, resp.StatusCode, body, http.StatusTooManyRequests, "EU6001")
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if got := w.iss.Introspections() - calls; got != 5 {
		t.Fatalf("%d introspection calls: the limited address still reached the issuer", got)
	}
	status, body := s.doAuth("POST", "/gateway/customer/customer", "Bearer "+w.iss.Token(t, "olivia"), read)
	wantError(t, status, body, http.StatusTooManyRequests, "EU6001")
}

// TestLimitConnectionsOverTLSCloses: over TLS a connection beyond the
// limit is closed at once (an answer would first cost a handshake), and
// its slot is free again once a held connection closes.
func TestLimitConnectionsOverTLSCloses(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := contacthttp.LimitConnections(raw, 1, false)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	held, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	over, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	over.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := over.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the connection over the limit: read %d, %v; want it closed", n, err)
	}
	over.Close()
	held.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err = c.Read(make([]byte, 1))
		c.Close()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return // held open: the slot was free again
		}
		if time.Now().After(deadline) {
			t.Fatal("the slot of a closed connection was not freed")
		}
	}
}
