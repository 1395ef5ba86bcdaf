package client_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/contactd/contactd/client"
)

// oauthSource is an oauth2.TokenSource with one token or one error.
type oauthSource struct {
	token string
	err   error
}

func (s oauthSource) Token() (*oauth2.Token, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &oauth2.Token{AccessToken: s.token, TokenType: "bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

// signingCert is a self-signed certificate with an RSA key, as registered
// for machine JWTs, in PEM.
func signingCert(t *testing.T) (keyPEM, certPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vendor signing"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), cert
}

func decodePart(t *testing.T, part string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMachineJWT(t *testing.T) {
	keyPEM, certPEM, cert := signingCert(t)
	ts, err := client.MachineJWT(keyPEM, certPEM, "vendor-app", "mylogon")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Unix()
	token, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(token, "Bearer") {
		t.Fatalf("machine JWT sent with a Bearer prefix: %q", token)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}

	header := decodePart(t, parts[0])
	if len(header) != 3 || header["alg"] != "RS256" || header["typ"] != "JWT" || header["kid"] != "M2M" {
		t.Errorf("header %v", header)
	}
	claims := decodePart(t, parts[1])
	sum := sha256.Sum256(cert.Raw)
	wantSub := fmt.Sprintf("%X", sum[:])
	if claims["sub"] != wantSub || claims["iss"] != "vendor-app" || claims["startLogon"] != "mylogon" {
		t.Errorf("claims %v, want sub %s", claims, wantSub)
	}
	if client.Thumbprint(cert.Raw) != wantSub {
		t.Errorf("Thumbprint = %s, want %s", client.Thumbprint(cert.Raw), wantSub)
	}
	iat, exp := int64(claims["iat"].(float64)), int64(claims["exp"].(float64))
	if iat < before-1 || iat > time.Now().Unix() || exp-iat != 540 {
		t.Errorf("iat %d exp %d: want iat now and exp 9 minutes later", iat, exp)
	}

	// The signature verifies with the certificate's public key, and not
	// with another. (The sandbox's test in sandboxtest checks it with a JWT
	// library too.)
	if err := verifyRS256(token, cert.PublicKey.(*rsa.PublicKey)); err != nil {
		t.Fatalf("signature does not verify with the certificate: %v", err)
	}
	_, _, otherCert := signingCert(t)
	if err := verifyRS256(token, otherCert.PublicKey.(*rsa.PublicKey)); err == nil {
		t.Error("signature verifies with another key")
	}

	// A second call within the token's life reuses it.
	again, err := ts.Token(ctx)
	if err != nil || again != token {
		t.Errorf("second Token() = %q, %v; want the cached token", again, err)
	}
}

// verifyRS256 checks a compact JWS's RS256 signature.
func verifyRS256(token string, pub *rsa.PublicKey) error {
	i := strings.LastIndex(token, ".")
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(token[:i]))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
}

func TestMachineJWTWithoutStartLogon(t *testing.T) {
	keyPEM, certPEM, _ := signingCert(t)
	ts, err := client.MachineJWT(keyPEM, certPEM, "vendor-app", "")
	if err != nil {
		t.Fatal(err)
	}
	token, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	claims := decodePart(t, strings.Split(token, ".")[1])
	if v, ok := claims["startLogon"]; ok && v != "" {
		t.Errorf("startLogon %v, want empty or absent", v)
	}
}

func TestMachineJWTRefusesBadKeys(t *testing.T) {
	keyPEM, certPEM, _ := signingCert(t)
	otherKey, otherCert, _ := signingCert(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	for name, pair := range map[string][2][]byte{
		"key of another certificate": {otherKey, certPEM},
		"certificate of another key": {keyPEM, otherCert},
		"EC key":                     {ecPEM, certPEM},
		"no key":                     {nil, certPEM},
		"no certificate":             {keyPEM, []byte("not PEM")},
	} {
		if _, err := client.MachineJWT(pair[0], pair[1], "iss", ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := client.MachineJWT(keyPEM, certPEM, "", ""); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Errorf("no issuer: %v", err)
	}
}

var ctx = context.Background()

// TestOAuthBearer sends an OAuth 2.0 token source's tokens as Bearer.
func TestOAuthBearer(t *testing.T) {
	var seen string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get("Authorization")
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, client.WithTokenSource(client.OAuthBearer(oauthSource{token: "t0k3n"})))
	if err := c.Status(ctx, client.ContactAPI); err != nil {
		t.Fatal(err)
	}
	if seen != "Bearer t0k3n" {
		t.Errorf("Authorization %q, want Bearer and the token", seen)
	}
	if _, err := client.OAuthBearer(oauthSource{err: errors.New("refresh failed")}).Token(ctx); err == nil {
		t.Error("a failing oauth2 source gave no error")
	}
}
