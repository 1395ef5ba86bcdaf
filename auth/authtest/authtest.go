// Package authtest is for tests of production authentication: an
// in-process OAuth 2.0 issuer (JWKS and RFC 7662 introspection endpoints
// on httptest), certificate authorities and signing certificates made on
// the fly, and machine JWTs signed with them. Nothing here is for
// production use.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
)

// keys are generated once per test binary: RSA key generation is slow,
// under the race detector more so.
var (
	keysMu sync.Mutex
	keys   []*rsa.PrivateKey
)

// Key returns the i-th RSA-2048 key of the test binary, making it on
// first use. Distinct i give distinct keys.
func Key(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	for len(keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys[i]
}

var serial = struct {
	sync.Mutex
	n int64
}{n: 1000}

func nextSerial() *big.Int {
	serial.Lock()
	defer serial.Unlock()
	serial.n++
	return big.NewInt(serial.n)
}

// Cert is a certificate with its key.
type Cert struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
	PEM  []byte // the certificate
}

// Thumbprint is the certificate's registry thumbprint.
func (c *Cert) Thumbprint() string { return contactd.Thumbprint(c.Cert.Raw) }

// KeyPEM is the private key as PKCS #8 PEM.
func (c *Cert) KeyPEM(t testing.TB) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
}

// TLS is the certificate for a tls.Config.
func (c *Cert) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
}

// CA is a certificate authority.
type CA struct{ Cert }

// Pool is a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert.Cert)
	return p
}

func makeCert(t testing.TB, tmpl *x509.Certificate, parent *Cert, key *rsa.PrivateKey) *Cert {
	t.Helper()
	c, text := issue(t, tmpl, parent, &key.PublicKey, key)
	return &Cert{Cert: c, Key: key, PEM: text}
}

// issue signs tmpl for pub: with parent's key, or self-signed with self.
func issue(t testing.TB, tmpl *x509.Certificate, parent *Cert, pub any, self crypto.Signer) (*x509.Certificate, []byte) {
	t.Helper()
	signer, parentCert := self, tmpl
	if parent != nil {
		signer, parentCert = parent.Key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// NewCA makes a CA with the keyIndex-th key.
func NewCA(t testing.TB, name string, keyIndex int) *CA {
	t.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	return &CA{*makeCert(t, tmpl, nil, Key(t, keyIndex))}
}

// Server issues a server certificate for 127.0.0.1 and localhost.
func (ca *CA) Server(t testing.TB, keyIndex int) *Cert {
	t.Helper()
	now := time.Now()
	return makeCert(t, &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}, &ca.Cert, Key(t, keyIndex))
}

// Client issues a client (and signing) certificate.
func (ca *CA) Client(t testing.TB, name string, keyIndex int) *Cert {
	t.Helper()
	return makeCert(t, clientTemplate(name), &ca.Cert, Key(t, keyIndex))
}

func clientTemplate(name string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: name, Organization: []string{"contactd tests"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

// ECCert is a signing certificate with its ECDSA key (ES256/384/512).
type ECCert struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte // the certificate
}

// Thumbprint is the certificate's registry thumbprint.
func (c *ECCert) Thumbprint() string { return contactd.Thumbprint(c.Cert.Raw) }

// ClientEC issues a client (and signing) certificate with a new ECDSA key
// on curve.
func (ca *CA) ClientEC(t testing.TB, name string, curve elliptic.Curve) *ECCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, text := issue(t, clientTemplate(name), &ca.Cert, &key.PublicKey, nil)
	return &ECCert{Cert: c, Key: key, PEM: text}
}

// SelfSigned makes a self-signed signing certificate.
func SelfSigned(t testing.TB, name string, keyIndex int) *Cert {
	t.Helper()
	now := time.Now()
	return makeCert(t, &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, nil, Key(t, keyIndex))
}

// MachineClaims are the claims of a well-formed machine JWT of the
// certificate with the thumbprint, issued now for life.
func MachineClaims(thumbprint, startLogon string, now time.Time, life time.Duration) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":        thumbprint,
		"iss":        thumbprint,
		"startLogon": startLogon,
		"iat":        now.Unix(),
		"exp":        now.Add(life).Unix(),
	}
}

// Sign signs claims with method and key under the header kid (none: no
// kid); key may be jwt.UnsafeAllowNoneSignatureType for "none". header
// holds more header fields as name, value pairs; a nil value removes the
// field (Sign's "typ": "JWT" included).
func Sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims, header ...any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	for i := 0; i+1 < len(header); i += 2 {
		name, _ := header[i].(string)
		if header[i+1] == nil {
			delete(tok.Header, name)
		} else {
			tok.Header[name] = header[i+1]
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// MachineToken is a valid machine JWT (RS256, kid M2M) of c, living 9
// minutes from now.
func MachineToken(t testing.TB, c *Cert, startLogon string) string {
	t.Helper()
	return Sign(t, jwt.SigningMethodRS256, c.Key, "M2M", MachineClaims(c.Thumbprint(), startLogon, time.Now(), 9*time.Minute))
}

// Issuer is an in-process OAuth 2.0 authorisation server: a JWKS at
// /jwks and an RFC 7662 introspection endpoint at /introspect that
// requires HTTP Basic client credentials.
type Issuer struct {
	URL          string // the issuer (iss)
	Audience     string
	ClientID     string
	ClientSecret string

	srv *httptest.Server

	mu             sync.Mutex
	keys           []issuerKey // published in the JWKS
	opaque         map[string]map[string]any
	jwksFetches    int
	introspections int
}

type issuerKey struct {
	kid string
	key *rsa.PrivateKey
}

// NewIssuer starts an issuer publishing one RS256 key, kid "k1", and
// stops it when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{Audience: "contactd-tests", ClientID: "contactd", ClientSecret: "s3cret:&=", opaque: map[string]map[string]any{}}
	i.keys = []issuerKey{{"k1", Key(t, 0)}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", i.serveJWKS)
	mux.HandleFunc("POST /introspect", i.serveIntrospect)
	i.srv = httptest.NewServer(mux)
	t.Cleanup(i.srv.Close)
	i.URL = i.srv.URL
	return i
}

// JWKSURL is the JWKS endpoint.
func (i *Issuer) JWKSURL() string { return i.URL + "/jwks" }

// IntrospectionURL is the introspection endpoint.
func (i *Issuer) IntrospectionURL() string { return i.URL + "/introspect" }

// AddKey publishes another RS256 key under kid (key rotation).
func (i *Issuer) AddKey(t testing.TB, kid string, keyIndex int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, issuerKey{kid, Key(t, keyIndex)})
}

// SigningKey is the private key published under kid.
func (i *Issuer) SigningKey(kid string) *rsa.PrivateKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, k := range i.keys {
		if k.kid == kid {
			return k.key
		}
	}
	return nil
}

// JWKSFetches is how often the JWKS was fetched.
func (i *Issuer) JWKSFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.jwksFetches
}

// Introspections is how often the introspection endpoint was asked.
func (i *Issuer) Introspections() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.introspections
}

// Claims are the claims of a valid access token for sub, living 5 minutes.
func (i *Issuer) Claims(sub string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": i.URL, "aud": []string{i.Audience}, "sub": sub,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "scope": "contact"}
}

// Token is a valid RS256 JWT access token for sub, signed with key k1.
func (i *Issuer) Token(t testing.TB, sub string) string {
	t.Helper()
	return i.Sign(t, "k1", i.Claims(sub))
}

// Sign signs claims RS256 with the key published under kid.
func (i *Issuer) Sign(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	return Sign(t, jwt.SigningMethodRS256, i.SigningKey(kid), kid, claims)
}

// Opaque issues an opaque access token for sub that introspection
// answers active until life has passed.
func (i *Issuer) Opaque(sub string, life time.Duration) string {
	return i.OpaqueWith(sub, life, nil)
}

// OpaqueWith is Opaque with more members in the introspection answer
// (IRD's carries the logon in username); a nil value removes a member.
func (i *Issuer) OpaqueWith(sub string, life time.Duration, more map[string]any) string {
	b := make([]byte, 16)
	rand.Read(b)
	token := "opaque-" + hex.EncodeToString(b)
	i.mu.Lock()
	defer i.mu.Unlock()
	answer := map[string]any{"active": true, "sub": sub, "iss": i.URL, "aud": i.Audience,
		"client_id": "some-app", "token_type": "Bearer", "exp": time.Now().Add(life).Unix()}
	for k, v := range more {
		if v == nil {
			delete(answer, k)
		} else {
			answer[k] = v
		}
	}
	i.opaque[token] = answer
	return token
}

// OpaqueAnswer issues an opaque token that introspection answers with
// answer as it is: tests of answers an issuer should not give.
func (i *Issuer) OpaqueAnswer(answer map[string]any) string {
	b := make([]byte, 16)
	rand.Read(b)
	token := "opaque-" + hex.EncodeToString(b)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.opaque[token] = answer
	return token
}

// RemoveKey stops publishing the key of kid (a key withdrawn).
func (i *Issuer) RemoveKey(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = slices.DeleteFunc(i.keys, func(k issuerKey) bool { return k.kid == kid })
}

// Revoke makes introspection answer the token inactive.
func (i *Issuer) Revoke(token string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	delete(i.opaque, token)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.mu.Lock()
	i.jwksFetches++
	set := []map[string]string{}
	for _, k := range i.keys {
		set = append(set, map[string]string{"kty": "RSA", "kid": k.kid, "use": "sig", "alg": "RS256",
			"n": b64(k.key.N.Bytes()), "e": b64(big.NewInt(int64(k.key.E)).Bytes())})
	}
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"keys": set})
}

func (i *Issuer) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	i.introspections++
	i.mu.Unlock()
	id, secret, ok := r.BasicAuth()
	if !ok || unescape(id) != i.ClientID || unescape(secret) != i.ClientSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="introspect"`)
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	i.mu.Lock()
	answer, found := i.opaque[r.PostForm.Get("token")]
	i.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !found {
		answer = map[string]any{"active": false}
	}
	json.NewEncoder(w).Encode(answer)
}

// unescape undoes the form encoding RFC 6749 2.3.1 puts on Basic
// credentials.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
