package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/auth/authtest"
)

// fakeRegistry holds certificates and hands out fixed grants.
type fakeRegistry struct {
	mu     sync.Mutex
	certs  map[string]contactd.Certificate
	grants contactd.Grants
	err    error
	asked  []contactd.Caller
}

func (f *fakeRegistry) Certificate(_ context.Context, tp string) (contactd.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return contactd.Certificate{}, f.err
	}
	c, ok := f.certs[tp]
	if !ok {
		return contactd.Certificate{}, contactd.ErrNotRegistered
	}
	return c, nil
}

func (f *fakeRegistry) Grants(_ context.Context, c contactd.Caller, _ contactd.Owner) (contactd.Grants, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, c)
	return f.grants, f.err
}

func registryWith(t *testing.T, party string, certs ...*authtest.Cert) *fakeRegistry {
	t.Helper()
	f := &fakeRegistry{certs: map[string]contactd.Certificate{}}
	for _, c := range certs {
		cert, err := contactd.ParseCertificatePEM(party, c.PEM)
		if err != nil {
			t.Fatal(err)
		}
		f.add(cert)
	}
	return f
}

// add registers cert under both its thumbprints.
func (f *fakeRegistry) add(cert contactd.Certificate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.certs[cert.Thumbprint] = cert
	f.certs[contactd.ThumbprintSHA1(cert.DER)] = cert
}

func wantCode(t *testing.T, name string, err error, code contactd.Code) {
	t.Helper()
	if got := contactd.ErrorCode(err); got != code {
		t.Errorf("%s: got %v (%s), want %s", name, err, got, code)
	}
}

func TestMachineJWT(t *testing.T) {
	signer := authtest.SelfSigned(t, "acme signing", 1)
	stranger := authtest.SelfSigned(t, "unregistered", 2)
	reg := registryWith(t, "acme", signer)
	m := &auth.Machine{Registry: reg}
	p := &auth.Production{Machine: m}
	ctx := context.Background()
	now := time.Now()
	tp := signer.Thumbprint()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := authtest.MachineClaims(tp, "", now, 9*time.Minute)
		if edit != nil {
			edit(c)
		}
		return c
	}
	rs := func(c jwt.MapClaims) string { return authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "M2M", c) }

	caller, err := p.Authenticate(ctx, rs(claims(nil)))
	if err != nil || caller.Thumbprint != tp || caller.Party != "acme" || caller.Logon != "" || caller.Sandbox {
		t.Fatalf("valid machine JWT: %+v, %v", caller, err)
	}
	caller, err = p.Authenticate(ctx, rs(claims(func(c jwt.MapClaims) { c["startLogon"] = "ana.tane" })))
	if err != nil || caller.Logon != "ana.tane" || caller.Party != "acme" {
		t.Fatalf("with startLogon: %+v, %v", caller, err)
	}
	caller, err = p.Authenticate(ctx, rs(claims(func(c jwt.MapClaims) { c["startLogon"] = nil })))
	if err != nil || caller.Logon != "" {
		t.Fatalf("null startLogon: %+v, %v", caller, err)
	}
	caller, err = p.Authenticate(ctx, rs(claims(func(c jwt.MapClaims) { delete(c, "startLogon") })))
	if err != nil || caller.Logon != "" {
		t.Fatalf("no startLogon: %+v, %v", caller, err)
	}
	if _, err := p.Authenticate(ctx, rs(claims(func(c jwt.MapClaims) { c["iat"] = now.Add(50 * time.Second).Unix() }))); err != nil {
		t.Fatalf("iat within the skew: %v", err)
	}

	// What the Identity and Access build pack (§2.4) allows: RS256/384/512,
	// sub as the SHA-256 or SHA-1 thumbprint in any case, with or without
	// colons, a life of up to 8 hours.
	sha1tp := contactd.ThumbprintSHA1(signer.Cert.Raw)
	for name, token := range map[string]string{
		"RS384":                        authtest.Sign(t, jwt.SigningMethodRS384, signer.Key, "M2M", claims(nil)),
		"RS512":                        authtest.Sign(t, jwt.SigningMethodRS512, signer.Key, "M2M", claims(nil)),
		"lower-case sub":               rs(claims(func(c jwt.MapClaims) { c["sub"] = strings.ToLower(tp) })),
		"sub with colons":              rs(claims(func(c jwt.MapClaims) { c["sub"] = withColons(tp) })),
		"SHA-1 sub":                    rs(claims(func(c jwt.MapClaims) { c["sub"] = sha1tp })),
		"SHA-1 sub, lower case":        rs(claims(func(c jwt.MapClaims) { c["sub"] = strings.ToLower(sha1tp) })),
		"SHA-1 sub, lower with colons": rs(claims(func(c jwt.MapClaims) { c["sub"] = withColons(strings.ToLower(sha1tp)) })),
		"a life of 8 hours": rs(claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-time.Hour + time.Minute).Unix() // the certificate is an hour old
			c["exp"] = now.Add(7*time.Hour + time.Minute).Unix()
		})),
		"typ in lower case": authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "M2M", claims(nil), "typ", "jwt"),
	} {
		caller, err := p.Authenticate(ctx, token)
		if err != nil || caller.Thumbprint != tp || caller.Party != "acme" {
			t.Errorf("%s: %+v, %v", name, caller, err)
		}
	}

	// ES256, ES384, ES512 from certificates on P-256, P-384, P-521.
	ca := authtest.NewCA(t, "EC test CA", 3)
	ecCerts := map[jwt.SigningMethod]*authtest.ECCert{}
	for method, curve := range map[jwt.SigningMethod]elliptic.Curve{
		jwt.SigningMethodES256: elliptic.P256(), jwt.SigningMethodES384: elliptic.P384(), jwt.SigningMethodES512: elliptic.P521(),
	} {
		ec := ca.ClientEC(t, "acme "+method.Alg(), curve)
		cert, err := contactd.ParseCertificatePEM("acme-ec", ec.PEM)
		if err != nil {
			t.Fatal(err)
		}
		reg.add(cert)
		ecCerts[method] = ec
		token := authtest.Sign(t, method, ec.Key, "M2M", authtest.MachineClaims(ec.Thumbprint(), "", now, 9*time.Minute))
		if caller, err := p.Authenticate(ctx, token); err != nil || caller.Party != "acme-ec" || caller.Thumbprint != ec.Thumbprint() {
			t.Errorf("%s: %+v, %v", method.Alg(), caller, err)
		}
	}
	p256 := ecCerts[jwt.SigningMethodES256]

	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&signer.Key.PublicKey)
	for name, token := range map[string]string{
		"alg none":                        authtest.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "M2M", claims(nil)),
		"HS256 with the public PEM":       authtest.Sign(t, jwt.SigningMethodHS256, signer.PEM, "M2M", claims(nil)),
		"HS256 with the public DER":       authtest.Sign(t, jwt.SigningMethodHS256, pubDER, "M2M", claims(nil)),
		"HS256 with the cert DER":         authtest.Sign(t, jwt.SigningMethodHS256, signer.Cert.Raw, "M2M", claims(nil)),
		"HS512 with the cert DER":         authtest.Sign(t, jwt.SigningMethodHS512, signer.Cert.Raw, "M2M", claims(nil)),
		"PS256 with the right key":        authtest.Sign(t, jwt.SigningMethodPS256, signer.Key, "M2M", claims(nil)),
		"ES256 naming an RSA certificate": authtest.Sign(t, jwt.SigningMethodES256, ec, "M2M", claims(nil)),
		"ES256 signed by another key": authtest.Sign(t, jwt.SigningMethodES256, ec, "M2M",
			authtest.MachineClaims(p256.Thumbprint(), "", now, time.Minute)),
		"ES384 from a P-256 certificate": es384OnP256(t, p256.Key, authtest.MachineClaims(p256.Thumbprint(), "", now, time.Minute)),
		"RS256 naming an EC certificate": authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "M2M",
			authtest.MachineClaims(p256.Thumbprint(), "", now, time.Minute)),
		"wrong kid":             authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "k1", claims(nil)),
		"no kid":                authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "", claims(nil)),
		"no typ":                authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "M2M", claims(nil), "typ", nil),
		"typ JOSE":              authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "M2M", claims(nil), "typ", "JOSE"),
		"unregistered sub":      authtest.Sign(t, jwt.SigningMethodRS256, stranger.Key, "M2M", authtest.MachineClaims(stranger.Thumbprint(), "", now, time.Minute)),
		"sub of 63 hex":         rs(claims(func(c jwt.MapClaims) { c["sub"] = tp[1:] })),
		"sub with spaces":       rs(claims(func(c jwt.MapClaims) { c["sub"] = " " + tp })),
		"SHA-1 sub, truncated":  rs(claims(func(c jwt.MapClaims) { c["sub"] = sha1tp[:39] })),
		"no sub":                rs(claims(func(c jwt.MapClaims) { delete(c, "sub") })),
		"no iss":                rs(claims(func(c jwt.MapClaims) { delete(c, "iss") })),
		"empty iss":             rs(claims(func(c jwt.MapClaims) { c["iss"] = "" })),
		"iss a number":          rs(claims(func(c jwt.MapClaims) { c["iss"] = 42 })),
		"signed by another key": authtest.Sign(t, jwt.SigningMethodRS256, stranger.Key, "M2M", claims(nil)),
		"expired":               rs(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })),
		"no exp":                rs(claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"exp as a string":       rs(claims(func(c jwt.MapClaims) { c["exp"] = "9999999999" })),
		"no iat":                rs(claims(func(c jwt.MapClaims) { delete(c, "iat") })),
		"iat in the future":     rs(claims(func(c jwt.MapClaims) { c["iat"] = now.Add(2 * time.Minute).Unix() })),
		"iat before the certificate": rs(claims(func(c jwt.MapClaims) {
			c["iat"] = signer.Cert.NotBefore.Add(-time.Second).Unix()
		})),
		"nbf in the future": rs(claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(2 * time.Minute).Unix() })),
		"a life of 8 hours and a second": rs(claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-time.Hour + time.Minute).Unix()
			c["exp"] = now.Add(7*time.Hour + time.Minute + time.Second).Unix()
		})),
		"a life of 9 hours":     rs(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(9 * time.Hour).Unix() })),
		"startLogon a number":   rs(claims(func(c jwt.MapClaims) { c["startLogon"] = 42 })),
		"garbage":               "garbage",
		"two parts":             "eyJhbGciOiJSUzI1NiJ9.e30",
		"tampered payload":      tamper(rs(claims(nil))),
		"sandbox token":         mustSandboxToken(t),
		"Basic credentials":     "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
		"machine JWT as Bearer": "Bearer " + rs(claims(nil)),
	} {
		caller, err := p.Authenticate(ctx, token)
		wantCode(t, name, err, contactd.EV1020)
		if err == nil {
			t.Errorf("%s: accepted as %+v", name, caller)
		}
	}
	for _, empty := range []string{"", "   ", "Bearer", "Bearer    ", "bearer \t"} {
		_, err := p.Authenticate(ctx, empty)
		wantCode(t, fmt.Sprintf("no token in %q", empty), err, contactd.EV1021)
	}

	// A configured maximum lifetime.
	short := &auth.Machine{Registry: reg, MaxLife: 5 * time.Minute}
	if _, err := short.Authenticate(ctx, rs(claims(nil))); contactd.ErrorCode(err) != contactd.EV1020 {
		t.Errorf("9 minutes with a 5-minute maximum: %v", err)
	}

	// A registry that cannot be read is an internal error, not EV1020.
	reg.err = errors.New("disk on fire")
	_, err = p.Authenticate(ctx, rs(claims(nil)))
	if err == nil || contactd.ErrorCode(err) != contactd.EU6001 {
		t.Errorf("registry failure: %v", err)
	}
}

// TestMachineJWTIssuer: iss must equal the issuer recorded with the
// certificate; with none recorded, any non-empty iss passes.
func TestMachineJWTIssuer(t *testing.T) {
	signer := authtest.SelfSigned(t, "acme signing", 1)
	reg := registryWith(t, "acme", signer)
	m := &auth.Machine{Registry: reg}
	ctx := context.Background()
	with := func(iss string) string {
		c := authtest.MachineClaims(signer.Thumbprint(), "", time.Now(), time.Minute)
		c["iss"] = iss
		return authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "M2M", c)
	}
	if _, err := m.Authenticate(ctx, with("anything")); err != nil {
		t.Fatalf("no issuer recorded: %v", err)
	}
	cert := reg.certs[signer.Thumbprint()]
	cert.Issuer = "acme-payroll"
	reg.add(cert)
	if _, err := m.Authenticate(ctx, with("acme-payroll")); err != nil {
		t.Fatalf("the recorded issuer: %v", err)
	}
	for _, iss := range []string{"anything", "ACME-PAYROLL", "acme-payroll "} {
		_, err := m.Authenticate(ctx, with(iss))
		wantCode(t, "iss "+iss, err, contactd.EV1020)
	}
}

// es384OnP256 signs claims as ES384 with a P-256 key, which the JWT
// library refuses to do: the SHA-384 digest signed on P-256, r and s each
// padded to ES384's 48 bytes. Without a check of the curve, ecdsa.Verify
// would accept it.
func es384OnP256(t *testing.T, key *ecdsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES384, claims)
	tok.Header["kid"] = "M2M"
	input, err := tok.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	digest := sha512.Sum384([]byte(input))
	r, sig, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 96)
	r.FillBytes(raw[:48])
	sig.FillBytes(raw[48:])
	return input + "." + base64.RawURLEncoding.EncodeToString(raw)
}

func withColons(hex string) string {
	var parts []string
	for i := 0; i < len(hex); i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	return strings.Join(parts, ":")
}

func tamper(token string) string {
	parts := strings.Split(token, ".")
	parts[1] = strings.TrimRight(parts[1], "=") + "x"
	return strings.Join(parts, ".")
}

func mustSandboxToken(t *testing.T) string {
	s, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMachineJWTBoundToTLS(t *testing.T) {
	ca := authtest.NewCA(t, "client CA", 3)
	a := ca.Client(t, "a", 1)
	b := ca.Client(t, "b", 2)
	m := &auth.Machine{Registry: registryWith(t, "acme", a, b), BindToTLS: true}
	token := authtest.MachineToken(t, a, "")
	if _, err := m.Authenticate(contactd.WithPeerCertificate(context.Background(), a.Cert), token); err != nil {
		t.Fatalf("signed by the TLS certificate: %v", err)
	}
	_, err := m.Authenticate(contactd.WithPeerCertificate(context.Background(), b.Cert), token)
	wantCode(t, "signed by another registered certificate", err, contactd.EV1020)
	_, err = m.Authenticate(context.Background(), token)
	wantCode(t, "no TLS client certificate", err, contactd.EV1020)
	bySHA1 := authtest.Sign(t, jwt.SigningMethodRS256, a.Key, "M2M", authtest.MachineClaims(contactd.ThumbprintSHA1(a.Cert.Raw), "", time.Now(), time.Minute))
	if _, err := m.Authenticate(contactd.WithPeerCertificate(context.Background(), a.Cert), bySHA1); err != nil {
		t.Fatalf("SHA-1 sub of the TLS certificate: %v", err)
	}
	_, err = m.Authenticate(contactd.WithPeerCertificate(context.Background(), b.Cert), bySHA1)
	wantCode(t, "SHA-1 sub of another certificate", err, contactd.EV1020)
}

func TestExpiredCertificate(t *testing.T) {
	c := authtest.SelfSigned(t, "x", 1)
	reg := registryWith(t, "acme", c)
	later := &auth.Machine{Registry: reg, Now: func() time.Time { return c.Cert.NotAfter.Add(time.Minute) }}
	claims := authtest.MachineClaims(c.Thumbprint(), "", c.Cert.NotAfter.Add(time.Minute), 5*time.Minute)
	_, err := later.Authenticate(context.Background(), authtest.Sign(t, jwt.SigningMethodRS256, c.Key, "M2M", claims))
	wantCode(t, "certificate past NotAfter", err, contactd.EV1020)
}

func TestRegistryAccess(t *testing.T) {
	cust := contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	reg := &fakeRegistry{grants: contactd.Grants{Customers: []contactd.CustomerID{cust}}}
	a := auth.RegistryAccess{Registry: reg}
	o := contactd.Owner{CustomerKey: 1, Customer: cust}
	if err := a.Authorize(context.Background(), contactd.Caller{Logon: "ana"}, o); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "sandbox caller", a.Authorize(context.Background(), contactd.Caller{Sandbox: true, Logon: "ana"}, o), contactd.EV1022)
	wantCode(t, "other customer", a.Authorize(context.Background(), contactd.Caller{Logon: "ana"},
		contactd.Owner{CustomerKey: 2, Customer: contactd.CustomerID{Type: contactd.CST, Value: "1"}}), contactd.EV1022)
	reg.err = errors.New("disk on fire")
	wantCode(t, "registry failure", a.Authorize(context.Background(), contactd.Caller{Logon: "ana"}, o), contactd.EU6001)
}

func TestSandboxAuthenticatorUnchanged(t *testing.T) {
	tok := mustSandboxToken(t)
	for _, h := range []string{tok, "Bearer " + tok} {
		c, err := auth.Sandbox{}.Authenticate(context.Background(), h)
		if err != nil || !c.Sandbox {
			t.Fatalf("sandbox refused its own token: %v", err)
		}
	}
}
