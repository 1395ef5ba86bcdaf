package auth_test

import (
	"context"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/auth/authtest"
)

// TestIntrospectionChecksIssuerAndAudience: an issuer's introspection
// answers about every token it made, also those for other APIs; only an
// answer naming contactd's issuer and audience is accepted.
func TestIntrospectionChecksIssuerAndAudience(t *testing.T) {
	iss := authtest.NewIssuer(t)
	cfg := issuerConfig(iss)
	cfg.JWKSURL = ""
	o := newOAuth(t, cfg)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Unix()
	answer := func(drop string, set map[string]any) string {
		a := map[string]any{"active": true, "sub": "bob", "iss": iss.URL, "aud": iss.Audience, "token_type": "Bearer", "exp": exp}
		delete(a, drop)
		for k, v := range set {
			a[k] = v
		}
		return iss.OpaqueAnswer(a)
	}
	if _, err := o.Authenticate(ctx, answer("", nil)); err != nil {
		t.Fatalf("a good answer: %v", err)
	}
	if _, err := o.Authenticate(ctx, answer("", map[string]any{"aud": []string{"other-api", iss.Audience}})); err != nil {
		t.Fatalf("an answer naming contactd among audiences: %v", err)
	}
	for name, token := range map[string]string{
		"another API's audience": answer("", map[string]any{"aud": "other-api"}),
		"audiences without ours": answer("", map[string]any{"aud": []string{"a", "b"}}),
		"no audience":            answer("aud", nil),
		"another issuer":         answer("", map[string]any{"iss": "https://elsewhere.example"}),
		"no issuer":              answer("iss", nil),
	} {
		_, err := o.Authenticate(ctx, token)
		wantCode(t, name, err, contactd.EV1020)
	}
	for name, c := range map[string]auth.OAuthConfig{
		"introspection without issuer":   {IntrospectionURL: iss.IntrospectionURL(), Audience: "a"},
		"introspection without audience": {IntrospectionURL: iss.IntrospectionURL(), Issuer: "i"},
	} {
		if o, err := auth.NewOAuth(c); err == nil {
			o.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIntrospectionRefusalCached: the same refused token again costs no
// issuer call for a while; a made-up token each time still does (the
// per-address limit of the HTTP layer slows those).
func TestIntrospectionRefusalCached(t *testing.T) {
	iss := authtest.NewIssuer(t)
	clock := time.Now()
	cfg := issuerConfig(iss)
	cfg.JWKSURL = ""
	cfg.Now = func() time.Time { return clock }
	o := newOAuth(t, cfg)
	ctx := context.Background()
	n := iss.Introspections()
	for range 10 {
		_, err := o.Authenticate(ctx, "no-such-token")
		wantCode(t, "unknown token", err, contactd.EV1020)
	}
	if got := iss.Introspections() - n; got != 1 {
		t.Fatalf("10 uses of one refused token asked the issuer %d times", got)
	}
	clock = clock.Add(2 * time.Minute)
	_, err := o.Authenticate(ctx, "no-such-token")
	wantCode(t, "unknown token later", err, contactd.EV1020)
	if got := iss.Introspections() - n; got != 2 {
		t.Fatalf("a refusal was reused after %v: %d issuer calls", 2*time.Minute, got)
	}
}

// TestJWKSRemovedKeyRefusedWithinRefresh: production mode, configured as
// `contactd serve` configures it, stops accepting a key the issuer
// withdrew within --jwks-refresh, although it still knows the kid.
func TestJWKSRemovedKeyRefusedWithinRefresh(t *testing.T) {
	var c auth.ServeConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := c.Flags(fs, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if c.JWKSRefresh != 5*time.Minute {
		t.Fatalf("default --jwks-refresh %v, want 5m", c.JWKSRefresh)
	}
	iss := authtest.NewIssuer(t)
	iss.AddKey(t, "k2", 4)
	const refresh = 2 * time.Second
	if err := fs.Parse([]string{"--oauth-issuer", iss.URL, "--oauth-audience", iss.Audience,
		"--oauth-jwks-url", iss.JWKSURL(), "--jwks-refresh", refresh.String()}); err != nil {
		t.Fatal(err)
	}
	if err := c.Finish(fs, false); err != nil {
		t.Fatal(err)
	}
	p, _, closeAuth, err := c.Production(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAuth()
	ctx := context.Background()
	token := "Bearer " + iss.Sign(t, "k2", iss.Claims("ana"))
	if _, err := p.Authenticate(ctx, token); err != nil {
		t.Fatalf("a token of a published key: %v", err)
	}
	iss.RemoveKey("k2")
	removed := time.Now()
	for {
		_, err := p.Authenticate(ctx, "Bearer "+iss.Sign(t, "k1", iss.Claims("ana"))) // the other key goes on
		if err != nil {
			t.Fatalf("a token of the key still published: %v", err)
		}
		if _, err := p.Authenticate(ctx, token); contactd.ErrorCode(err) == contactd.EV1020 {
			break
		}
		if time.Since(removed) > refresh+3*time.Second {
			t.Fatalf("a withdrawn key still accepted %v after its removal, refresh %v", time.Since(removed), refresh)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("a withdrawn key refused %v after its removal (refresh %v)", time.Since(removed).Round(time.Millisecond), refresh)
}
