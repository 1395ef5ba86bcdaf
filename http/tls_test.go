package http_test

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/auth/authtest"
	contacthttp "github.com/contactd/contactd/http"
)

// mtlsServer serves a fresh copy of the production world over HTTPS that
// requires a client certificate of the world's client CA, with machine
// JWTs bound to that certificate.
func mtlsServer(t *testing.T, w *world) (string, *syncLog) {
	return mtlsServerBinding(t, w, true)
}

// mtlsServerBinding is mtlsServer with machine JWTs bound to the TLS
// certificate or not.
func mtlsServerBinding(t *testing.T, w *world, bind bool) (string, *syncLog) {
	t.Helper()
	store := w.fresh(t)
	h := contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: auth.RegistryAccess{Registry: store}},
		Auth:    &auth.Production{OAuth: w.oauth, Machine: &auth.Machine{Registry: store, BindToTLS: bind}},
		DB:      store,
	})
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = auth.ServerTLS(w.server.TLS(), w.clientCA.Pool())
	logs := &syncLog{}
	srv.Config.ErrorLog = log.New(logs, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, logs
}

// syncLog collects the server's own log lines (TLS handshake errors).
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tlsClient trusts the world's server CA, speaks TLS up to maxVersion (0:
// the newest; TLS 1.0 and up are offered) and presents certs, whichever CA
// the server asks for.
func tlsClient(w *world, maxVersion uint16, certs ...tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: w.serverCA.Pool(), MinVersion: tls.VersionTLS10, MaxVersion: maxVersion}
	if len(certs) > 0 {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func tlsCall(c *http.Client, method, url, authorization, body string) (int, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestMutualTLS(t *testing.T) {
	w := prodWorld(t)
	base, logs := mtlsServer(t, w)
	read := `{"CustomerID":"` + custIRD + `","CustomerIDType":"IRD"}`
	acme := w.certs["acme"]
	token := authtest.MachineToken(t, acme, "")

	otherCA := authtest.NewCA(t, "another CA", 13)
	impostor := otherCA.Client(t, "acme signing", 1) // same name and key as acme's, wrong issuer

	for _, tc := range []struct {
		name string
		c    *http.Client
	}{
		{"no client certificate", tlsClient(w, 0)},
		{"no client certificate, TLS 1.2", tlsClient(w, tls.VersionTLS12)},
		{"a certificate of another CA", tlsClient(w, 0, impostor.TLS())},
		{"a certificate of another CA, TLS 1.2", tlsClient(w, tls.VersionTLS12, impostor.TLS())},
		{"a self-signed certificate", tlsClient(w, 0, authtest.SelfSigned(t, "acme signing", 1).TLS())},
		{"TLS 1.1", tlsClient(w, tls.VersionTLS11, acme.TLS())},
	} {
		status, body, err := tlsCall(tc.c, "POST", base+"/gateway/customer/customer", token, read)
		if err == nil {
			t.Errorf("%s: served: %d %s", tc.name, status, body)
		}
		for _, path := range []string{"/healthz", "/gateway/contact/status"} {
			if status, _, err := tlsCall(tc.c, "GET", base+path, token, ""); err == nil {
				t.Errorf("%s: %s answered %d", tc.name, path, status)
			}
		}
	}

	// The server refused them in the handshake, for the right reasons.
	for _, why := range []string{"didn't provide a certificate", "unknown authority", "unsupported versions"} {
		if !strings.Contains(logs.String(), why) {
			t.Errorf("no handshake refused with %q; server log:\n%s", why, logs)
		}
	}

	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		good := tlsClient(w, version, acme.TLS())
		status, body, err := tlsCall(good, "POST", base+"/gateway/customer/customer", token, read)
		if err != nil || status != 200 || !strings.Contains(body, "Customer Contact") {
			t.Fatalf("the right certificate (TLS %x): %d %s %v", version, status, body, err)
		}
		// A machine JWT of another registered certificate over acme's
		// connection: bound to the TLS certificate, so refused.
		status, body, err = tlsCall(good, "POST", base+"/gateway/customer/customer", authtest.MachineToken(t, w.certs["agency-inc"], ""), read)
		if err != nil || status != 400 || !strings.Contains(body, "EV1020") {
			t.Fatalf("JWT of another certificate: %d %s %v", status, body, err)
		}
		// OAuth bearer tokens are not bound; the connection still needs
		// its client certificate.
		status, body, err = tlsCall(good, "POST", base+"/gateway/customer/customer", "Bearer "+w.iss.Token(t, "olivia"), read)
		if err != nil || status != 200 {
			t.Fatalf("OAuth over mutual TLS: %d %s %v", status, body, err)
		}
		status, body, err = tlsCall(good, "GET", base+"/healthz", "", "")
		if err != nil || status != 200 {
			t.Fatalf("healthz over mutual TLS: %d %s %v", status, body, err)
		}
	}
	// Another registered certificate of the same CA on its own connection.
	agency := tlsClient(w, 0, w.certs["agency-inc"].TLS())
	status, body, err := tlsCall(agency, "POST", base+"/gateway/account/account", authtest.MachineToken(t, w.certs["agency-inc"], ""),
		`{"AccountID":"`+incAccount+`","AccountIDType":"ACC"}`)
	if err != nil || status != 200 {
		t.Fatalf("agency over its own connection: %d %s %v", status, body, err)
	}
}

// TestProviderConnection: the TLS certificate identifies the software
// provider, the JWT the organisation it acts for (the Identity and Access
// build pack, p. 26). Unbound, the provider's connection carries a
// registered organisation's JWT; bound, it may not.
func TestProviderConnection(t *testing.T) {
	w := prodWorld(t)
	provider := tlsClient(w, 0, w.clientCA.Client(t, "Payroll Provider", 14).TLS()) // not registered
	read := `{"CustomerID":"` + custIRD + `","CustomerIDType":"IRD"}`
	token := authtest.MachineToken(t, w.certs["acme"], "")

	unbound, _ := mtlsServerBinding(t, w, false)
	status, body, err := tlsCall(provider, "POST", unbound+"/gateway/customer/customer", token, read)
	if err != nil || status != 200 || !strings.Contains(body, "Customer Contact") {
		t.Fatalf("unbound: %d %s %v, want 200", status, body, err)
	}
	// Unbound is no looser about the JWT itself.
	status, body, err = tlsCall(provider, "POST", unbound+"/gateway/customer/customer", authtest.MachineToken(t, authtest.SelfSigned(t, "nobody", 12), ""), read)
	if err != nil || status != 400 || !strings.Contains(body, "EV1020") {
		t.Fatalf("unbound, unregistered signer: %d %s %v, want 400 EV1020", status, body, err)
	}

	bound, _ := mtlsServerBinding(t, w, true)
	status, body, err = tlsCall(provider, "POST", bound+"/gateway/customer/customer", token, read)
	if err != nil || status != 400 || !strings.Contains(body, "EV1020") {
		t.Fatalf("bound: %d %s %v, want 400 EV1020", status, body, err)
	}
}

func TestServerTLSConfig(t *testing.T) {
	w := prodWorld(t)
	c := auth.ServerTLS(w.server.TLS(), w.clientCA.Pool())
	if c.MinVersion != tls.VersionTLS12 || c.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Fatalf("with a client CA: min %x, client auth %v", c.MinVersion, c.ClientAuth)
	}
	c = auth.ServerTLS(w.server.TLS(), nil)
	if c.MinVersion != tls.VersionTLS12 || c.ClientAuth != tls.NoClientCert {
		t.Fatalf("without a client CA: min %x, client auth %v", c.MinVersion, c.ClientAuth)
	}
}
