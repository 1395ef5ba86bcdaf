package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/auth/authtest"
)

func newOAuth(t *testing.T, cfg auth.OAuthConfig) *auth.OAuth {
	t.Helper()
	o, err := auth.NewOAuth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func issuerConfig(iss *authtest.Issuer) auth.OAuthConfig {
	return auth.OAuthConfig{
		Issuer: iss.URL, Audience: iss.Audience, JWKSURL: iss.JWKSURL(),
		IntrospectionURL: iss.IntrospectionURL(), ClientID: iss.ClientID, ClientSecret: iss.ClientSecret,
	}
}

func TestOAuthJWT(t *testing.T) {
	iss := authtest.NewIssuer(t)
	cfg := issuerConfig(iss)
	cfg.JWKSRefreshMin = 200 * time.Millisecond
	p := &auth.Production{OAuth: newOAuth(t, cfg)}
	ctx := context.Background()

	caller, err := p.Authenticate(ctx, "Bearer "+iss.Token(t, "ana.tane"))
	if err != nil || caller.Logon != "ana.tane" || caller.Subject != "ana.tane" || caller.Thumbprint != "" || caller.Sandbox {
		t.Fatalf("valid token: %+v %v", caller, err)
	}
	if _, err := p.Authenticate(ctx, "bearer "+iss.Token(t, "ana.tane")); err != nil {
		t.Fatalf("lower-case scheme: %v", err)
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := iss.Claims("ana.tane")
		edit(c)
		return c
	}
	k1 := iss.SigningKey("k1")
	pubDER, _ := x509.MarshalPKIXPublicKey(&k1.PublicKey)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	for name, token := range map[string]string{
		"alg none":              authtest.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "k1", iss.Claims("ana.tane")),
		"HS256 with the key":    authtest.Sign(t, jwt.SigningMethodHS256, pubDER, "k1", iss.Claims("ana.tane")),
		"ES256 under an RS kid": authtest.Sign(t, jwt.SigningMethodES256, ec, "k1", iss.Claims("ana.tane")),
		"PS256 under RS256 key": authtest.Sign(t, jwt.SigningMethodPS256, k1, "k1", iss.Claims("ana.tane")),
		"another key, kid k1":   authtest.Sign(t, jwt.SigningMethodRS256, authtest.Key(t, 5), "k1", iss.Claims("ana.tane")),
		"unknown kid":           authtest.Sign(t, jwt.SigningMethodRS256, authtest.Key(t, 5), "k9", iss.Claims("ana.tane")),
		"wrong iss":             iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })),
		"no iss":                iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { delete(c, "iss") })),
		"wrong aud":             iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" })),
		"no aud":                iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { delete(c, "aud") })),
		"expired":               iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })),
		"no exp":                iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"nbf in the future":     iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() })),
		"iat in the future":     iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() })),
		"no sub":                iss.Sign(t, "k1", claims(func(c jwt.MapClaims) { delete(c, "sub") })),
		"tampered":              tamper(iss.Token(t, "ana.tane")),
		"sandbox token":         mustSandboxToken(t),
	} {
		caller, err := p.Authenticate(ctx, "Bearer "+token)
		wantCode(t, name, err, contactd.EV1020)
		if err == nil {
			t.Errorf("%s: accepted as %+v", name, caller)
		}
	}
	if _, err := p.Authenticate(ctx, iss.Token(t, "ana.tane")); contactd.ErrorCode(err) != contactd.EV1020 {
		t.Errorf("an OAuth token without Bearer is a machine JWT, and refused: %v", err)
	}
}

func TestOAuthJWKSRotation(t *testing.T) {
	iss := authtest.NewIssuer(t)
	cfg := issuerConfig(iss)
	cfg.JWKSRefreshMin = 300 * time.Millisecond
	o := newOAuth(t, cfg)
	ctx := context.Background()
	if _, err := o.Authenticate(ctx, iss.Token(t, "ana")); err != nil {
		t.Fatal(err)
	}
	// The set is cached: more tokens do not fetch it again. One fetch may
	// still land meanwhile: the cache's own first fetch, started when the
	// URL was registered, races the fetch of the first token's lookup.
	before := iss.JWKSFetches()
	for range 20 {
		if _, err := o.Authenticate(ctx, iss.Token(t, "ana")); err != nil {
			t.Fatal(err)
		}
	}
	if n := iss.JWKSFetches() - before; n > 1 {
		t.Fatalf("JWKS fetched %d more times for 20 tokens of known kids", n)
	}
	// A new key: its kid is unknown, so the set is fetched again.
	time.Sleep(cfg.JWKSRefreshMin)
	iss.AddKey(t, "k2", 4)
	if _, err := o.Authenticate(ctx, iss.Sign(t, "k2", iss.Claims("ana"))); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	// Unknown kids do not hammer the issuer: at most one fetch per JWKSRefreshMin.
	before = iss.JWKSFetches()
	for i := range 20 {
		tok := authtest.Sign(t, jwt.SigningMethodRS256, authtest.Key(t, 5), "random-"+string(rune('a'+i)), iss.Claims("ana"))
		if _, err := o.Authenticate(ctx, tok); contactd.ErrorCode(err) != contactd.EV1020 {
			t.Fatalf("unknown kid: %v", err)
		}
	}
	if n := iss.JWKSFetches() - before; n > 1 {
		t.Fatalf("20 unknown kids fetched the JWKS %d times", n)
	}
}

func TestOAuthJWKSUnreachable(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	iss := authtest.NewIssuer(t)
	o := newOAuth(t, auth.OAuthConfig{Issuer: iss.URL, Audience: iss.Audience, JWKSURL: down.URL + "/jwks",
		HTTPClient: &http.Client{Timeout: time.Second}})
	_, err := o.Authenticate(context.Background(), iss.Token(t, "ana"))
	if err == nil || contactd.ErrorCode(err) != contactd.EU6001 {
		t.Fatalf("issuer down: %v, want an internal error", err)
	}
}

func TestIntrospection(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := time.Now()
	cfg := issuerConfig(iss)
	cfg.JWKSURL = "" // every token is introspected
	cfg.IntrospectionCacheMax = 2 * time.Minute
	cfg.Now = func() time.Time { return clock }
	p := &auth.Production{OAuth: newOAuth(t, cfg)}
	ctx := context.Background()

	token := iss.Opaque("bob", 10*time.Minute)
	caller, err := p.Authenticate(ctx, "Bearer "+token)
	if err != nil || caller.Logon != "bob" {
		t.Fatalf("active token: %+v %v", caller, err)
	}
	n := iss.Introspections()
	if _, err := p.Authenticate(ctx, "Bearer "+token); err != nil || iss.Introspections() != n {
		t.Fatalf("second use: %v, introspected again: %v", err, iss.Introspections() != n)
	}
	// Past the configured cap the answer is asked again.
	clock = clock.Add(3 * time.Minute)
	if _, err := p.Authenticate(ctx, "Bearer "+token); err != nil || iss.Introspections() != n+1 {
		t.Fatalf("after the cap: %v, introspections %d want %d", err, iss.Introspections(), n+1)
	}
	// A revoked token is refused once the cached answer is too old.
	iss.Revoke(token)
	clock = clock.Add(3 * time.Minute)
	_, err = p.Authenticate(ctx, "Bearer "+token)
	wantCode(t, "revoked", err, contactd.EV1020)

	// Never cached beyond the token's life.
	short := iss.Opaque("bob", 30*time.Second)
	clock = time.Now()
	if _, err := p.Authenticate(ctx, "Bearer "+short); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(45 * time.Second)
	_, err = p.Authenticate(ctx, "Bearer "+short)
	wantCode(t, "past its exp", err, contactd.EV1020)

	for name, token := range map[string]string{"unknown": "no-such-token", "garbage": "%%%", "JWT-shaped": iss.Token(t, "bob")} {
		_, err := p.Authenticate(ctx, "Bearer "+token)
		wantCode(t, name, err, contactd.EV1020)
	}

	// Wrong client credentials: the endpoint refuses contactd itself, an
	// internal error rather than the caller's fault.
	bad := cfg
	bad.ClientSecret = "wrong"
	_, err = (&auth.Production{OAuth: newOAuth(t, bad)}).Authenticate(ctx, "Bearer "+iss.Opaque("bob", time.Minute))
	if err == nil || contactd.ErrorCode(err) != contactd.EU6001 {
		t.Fatalf("bad client credentials: %v", err)
	}
}

func TestOAuthConfigRefusals(t *testing.T) {
	for name, cfg := range map[string]auth.OAuthConfig{
		"nothing":               {},
		"JWKS without issuer":   {JWKSURL: "http://127.0.0.1:1/jwks", Audience: "a"},
		"JWKS without audience": {JWKSURL: "http://127.0.0.1:1/jwks", Issuer: "i"},
		"not a URL":             {IntrospectionURL: "ftp://x"},
		"HS256 allowed":         {IntrospectionURL: "http://127.0.0.1:1/i", Algorithms: []string{"HS256"}},
		"none allowed":          {IntrospectionURL: "http://127.0.0.1:1/i", Algorithms: []string{"none"}},
	} {
		if o, err := auth.NewOAuth(cfg); err == nil {
			o.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestOAuthLogonClaim: IRD's access tokens carry a GUID in sub and the
// myIR logon in startLogon, its introspection answers the logon in
// username; a configured claim replaces both.
func TestOAuthLogonClaim(t *testing.T) {
	iss := authtest.NewIssuer(t)
	ctx := context.Background()
	const guid = "0f8fad5b-d9cb-469f-a165-70867728950e"
	jwtWith := func(more map[string]any) string {
		c := iss.Claims(guid)
		for k, v := range more {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return "Bearer " + iss.Sign(t, "k1", c)
	}
	cases := []struct {
		name, claim, token string
		logon              string // "" refused
	}{
		{"JWT with startLogon", "", jwtWith(map[string]any{"startLogon": "ana.tane"}), "ana.tane"},
		{"JWT with an empty startLogon", "", jwtWith(map[string]any{"startLogon": ""}), guid},
		{"JWT without startLogon", "", jwtWith(nil), guid},
		{"JWT with a startLogon that is no string", "", jwtWith(map[string]any{"startLogon": 7}), guid},
		{"introspected with username", "", "Bearer " + iss.OpaqueWith(guid, time.Hour, map[string]any{"username": "ana.tane"}), "ana.tane"},
		{"introspected without username", "", "Bearer " + iss.Opaque(guid, time.Hour), guid},
		{"introspected with username and no sub", "", "Bearer " + iss.OpaqueWith(guid, time.Hour, map[string]any{"username": "ana.tane", "sub": nil}), "ana.tane"},
		{"introspected with neither", "", "Bearer " + iss.OpaqueWith(guid, time.Hour, map[string]any{"sub": nil}), ""},
		{"configured claim in a JWT", "myir", jwtWith(map[string]any{"myir": "ana.tane", "startLogon": "someone.else"}), "ana.tane"},
		{"configured claim missing from a JWT", "myir", jwtWith(map[string]any{"startLogon": "ana.tane"}), ""},
		{"configured claim empty in a JWT", "myir", jwtWith(map[string]any{"myir": ""}), ""},
		{"configured claim introspected", "myir", "Bearer " + iss.OpaqueWith(guid, time.Hour, map[string]any{"myir": "ana.tane", "username": "x"}), "ana.tane"},
		{"configured claim missing when introspected", "myir", "Bearer " + iss.OpaqueWith(guid, time.Hour, map[string]any{"username": "ana.tane"}), ""},
	}
	for _, tc := range cases {
		cfg := issuerConfig(iss)
		cfg.LogonClaim = tc.claim
		cfg.IntrospectionCacheMax = -1
		p := &auth.Production{OAuth: newOAuth(t, cfg)}
		caller, err := p.Authenticate(ctx, tc.token)
		if tc.logon == "" {
			wantCode(t, tc.name, err, contactd.EV1020)
			continue
		}
		if err != nil || caller.Logon != tc.logon || caller.Subject == "" {
			t.Errorf("%s: %+v, %v; want logon %s", tc.name, caller, err, tc.logon)
		}
	}
}
