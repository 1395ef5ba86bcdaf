package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
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
		f.certs[cert.Thumbprint] = cert
	}
	return f
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
	if _, err := p.Authenticate(ctx, rs(claims(func(c jwt.MapClaims) {
		c["iat"] = now.Add(-59 * time.Minute).Unix()
		c["exp"] = now.Add(time.Minute).Unix()
	}))); err != nil {
		t.Fatalf("a lifetime of 60 minutes: %v", err)
	}
	if _, err := p.Authenticate(ctx, rs(claims(func(c jwt.MapClaims) { c["iat"] = now.Add(50 * time.Second).Unix() }))); err != nil {
		t.Fatalf("iat within the skew: %v", err)
	}

	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&signer.Key.PublicKey)
	ps := jwt.SigningMethodPS256
	for name, token := range map[string]string{
		"alg none":                  authtest.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "M2M", claims(nil)),
		"HS256 with the public PEM": authtest.Sign(t, jwt.SigningMethodHS256, signer.PEM, "M2M", claims(nil)),
		"HS256 with the public DER": authtest.Sign(t, jwt.SigningMethodHS256, pubDER, "M2M", claims(nil)),
		"HS256 with the cert DER":   authtest.Sign(t, jwt.SigningMethodHS256, signer.Cert.Raw, "M2M", claims(nil)),
		"PS256 with the right key":  authtest.Sign(t, ps, signer.Key, "M2M", claims(nil)),
		"ES256":                     authtest.Sign(t, jwt.SigningMethodES256, ec, "M2M", claims(nil)),
		"RS512 with the right key":  authtest.Sign(t, jwt.SigningMethodRS512, signer.Key, "M2M", claims(nil)),
		"wrong kid":                 authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "k1", claims(nil)),
		"no kid":                    authtest.Sign(t, jwt.SigningMethodRS256, signer.Key, "", claims(nil)),
		"unregistered sub":          authtest.Sign(t, jwt.SigningMethodRS256, stranger.Key, "M2M", authtest.MachineClaims(stranger.Thumbprint(), "", now, time.Minute)),
		"lower-case sub":            rs(claims(func(c jwt.MapClaims) { c["sub"] = strings.ToLower(tp) })),
		"sub with colons":           rs(claims(func(c jwt.MapClaims) { c["sub"] = tp[:2] + ":" + tp[2:] })),
		"no sub":                    rs(claims(func(c jwt.MapClaims) { delete(c, "sub") })),
		"signed by another key":     authtest.Sign(t, jwt.SigningMethodRS256, stranger.Key, "M2M", claims(nil)),
		"expired":                   rs(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })),
		"no exp":                    rs(claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"exp as a string":           rs(claims(func(c jwt.MapClaims) { c["exp"] = "9999999999" })),
		"no iat":                    rs(claims(func(c jwt.MapClaims) { delete(c, "iat") })),
		"iat in the future":         rs(claims(func(c jwt.MapClaims) { c["iat"] = now.Add(2 * time.Minute).Unix() })),
		"nbf in the future":         rs(claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(2 * time.Minute).Unix() })),
		"lifetime over 60 minutes": rs(claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-61 * time.Minute).Unix()
			c["exp"] = now.Add(time.Minute).Unix()
		})),
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
