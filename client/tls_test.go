package client_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contactd/contactd/client"
)

// pki is a test certificate authority.
type pki struct {
	t      *testing.T
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial int64
}

func newPKI(t *testing.T, name string) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &pki{t: t, cert: cert, key: key, serial: 1}
}

func (p *pki) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.cert.Raw})
}

func (p *pki) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.cert)
	return pool
}

// issue signs a leaf certificate for a server (with the loopback IP) or a
// client, and returns it and its key in PEM.
func (p *pki) issue(name string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte) {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		p.t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		p.t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// mtlsServer serves over TLS, requiring a client certificate the CA
// signed, an API whose account list holds three accounts; it records the
// client certificates it saw. (The client against a real contactd is
// tested in the server module's sandboxtest.)
func mtlsServer(t *testing.T, ca *pki) (baseURL string, seen *[]string) {
	t.Helper()
	var certs []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		certs = append(certs, r.TLS.PeerCertificates[0].Subject.CommonName)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/gateway/account/list" {
			io.WriteString(w, `{"Accounts":[{"ID":"1","IDType":"ACC"},{"ID":"2","IDType":"ACC"},{"ID":"3","IDType":"ACC"}]}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	certPEM, keyPEM := ca.issue("contactd", x509.ExtKeyUsageServerAuth)
	serverCert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.pool(),
		MinVersion:   tls.VersionTLS12,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL + "/gateway", &certs
}

// newClient is a client of baseURL, failing the test on error.
func newClient(t *testing.T, baseURL string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(baseURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMutualTLS(t *testing.T) {
	ca := newPKI(t, "test CA")
	s, seen := mtlsServer(t, ca)
	clientCert, clientKey := ca.issue("vendor", x509.ExtKeyUsageClientAuth)

	c := newClient(t, s, client.WithTLS(clientCert, clientKey, ca.certPEM()))
	refs, err := c.ListAccounts(ctx, client.CST, "1512100301")
	if err != nil {
		t.Fatalf("over mutual TLS: %v", err)
	}
	if len(refs) != 3 || len(*seen) != 1 || (*seen)[0] != "vendor" {
		t.Errorf("accounts %v; client certificates seen %v", refs, *seen)
	}

	// WithTLS works on a copy of the caller's client, whose transport stays
	// as it was.
	own := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{ServerName: "localhost"}}}
	c = newClient(t, s, client.WithHTTPClient(own), client.WithTLS(clientCert, clientKey, ca.certPEM()))
	if err := c.Status(ctx, client.AccountAPI); err != nil {
		t.Fatalf("WithHTTPClient and WithTLS: %v", err)
	}
	if tr := own.Transport.(*http.Transport); len(tr.TLSClientConfig.Certificates) != 0 {
		t.Error("WithTLS modified the caller's transport")
	}

	// Without a client certificate, or with one of another CA, the
	// handshake fails: a transport error, never an *Error.
	other := newPKI(t, "other CA")
	strangerCert, strangerKey := other.issue("stranger", x509.ExtKeyUsageClientAuth)
	for name, opt := range map[string]client.Option{
		"no client certificate": client.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool()}}}),
		"another CA's client":   client.WithTLS(strangerCert, strangerKey, ca.certPEM()),
	} {
		c := newClient(t, s, opt, client.WithRetries(0, 0))
		err := c.Status(ctx, client.ContactAPI)
		var e *client.Error
		if err == nil || errors.As(err, &e) {
			t.Errorf("%s: error %v", name, err)
		}
	}
	// Nor does the client trust a server its roots do not sign.
	c = newClient(t, s, client.WithTLS(strangerCert, strangerKey, other.certPEM()), client.WithRetries(0, 0))
	if err := c.Status(ctx, client.ContactAPI); err == nil {
		t.Error("a server outside the given roots was trusted")
	}
}

func TestWithTLSRefusesBadInput(t *testing.T) {
	ca := newPKI(t, "test CA")
	cert, key := ca.issue("vendor", x509.ExtKeyUsageClientAuth)
	_, otherKey := ca.issue("other", x509.ExtKeyUsageClientAuth)
	for name, opts := range map[string][]client.Option{
		"mismatched key":        {client.WithTLS(cert, otherKey, nil)},
		"no roots in rootCAs":   {client.WithTLS(cert, key, []byte("nothing"))},
		"not an http.Transport": {client.WithHTTPClient(&http.Client{Transport: roundTripFunc(nil)}), client.WithTLS(cert, key, nil)},
		"nil HTTP client":       {client.WithHTTPClient(nil)},
		"negative retries":      {client.WithRetries(-1, 0)},
		"negative timeout":      {client.WithTimeout(-time.Second)},
	} {
		if _, err := client.New("https://127.0.0.1/gateway", opts...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
