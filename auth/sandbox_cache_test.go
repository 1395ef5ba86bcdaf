package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
)

func sandboxToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSandboxTokenCacheSameAnswers: a remembered token answers exactly what
// decoding it would, at every time around its entry's life.
func TestSandboxTokenCacheSameAnswers(t *testing.T) {
	t0 := time.Unix(1_900_000_000, 0)
	tokens := map[string]string{
		"exp in 30s":          sandboxToken(t, jwt.MapClaims{"sub": "a", "exp": t0.Add(30 * time.Second).Unix()}),
		"exp in 9 min":        sandboxToken(t, jwt.MapClaims{"sub": "b", "exp": t0.Add(9 * time.Minute).Unix()}),
		"iat 50s ahead":       sandboxToken(t, jwt.MapClaims{"sub": "c", "iat": t0.Add(50 * time.Second).Unix(), "exp": t0.Add(5 * time.Minute).Unix()}),
		"nbf 2 min ahead":     sandboxToken(t, jwt.MapClaims{"sub": "d", "nbf": t0.Add(2 * time.Minute).Unix(), "exp": t0.Add(5 * time.Minute).Unix()}),
		"expired":             sandboxToken(t, jwt.MapClaims{"sub": "e", "exp": t0.Add(-time.Second).Unix()}),
		"exp at t0 + 1 min":   sandboxToken(t, jwt.MapClaims{"sub": "f", "exp": t0.Add(time.Minute).Unix()}),
		"exp exactly at t0":   sandboxToken(t, jwt.MapClaims{"sub": "g", "exp": t0.Unix()}),
		"no exp":              sandboxToken(t, jwt.MapClaims{"sub": "h"}),
		"exp far, iat behind": sandboxToken(t, jwt.MapClaims{"sub": "i", "iat": t0.Add(-time.Hour).Unix(), "exp": t0.Add(time.Hour).Unix()}),
	}
	// the times an answer is asked at, in an order that moves the clock
	// forward and back across each entry's [from, until)
	offsets := []time.Duration{0, 10 * time.Second, -2 * time.Minute, 29 * time.Second, 30 * time.Second,
		59 * time.Second, time.Minute, 61 * time.Second, 70 * time.Second, 0, 5 * time.Minute, 9 * time.Minute, -time.Hour}
	for name, tok := range tokens {
		for _, off := range offsets {
			now := t0.Add(off)
			a := Sandbox{Now: func() time.Time { return now }}
			got, gotErr := a.Authenticate(context.Background(), "Bearer "+tok)
			// the decode, without the cache
			var want contactd.Caller
			claims, err := parseUnverified(tok)
			if err == nil {
				err = checkTimes(claims, now)
			}
			if err == nil {
				sub, _ := claims.GetSubject()
				want = contactd.Caller{Sandbox: true, Subject: sub}
			}
			if got != want || (gotErr == nil) != (err == nil) {
				t.Errorf("%s at t0%+v: got %+v, %v; decoding gives %+v, %v", name, off, got, gotErr, want, err)
			}
		}
	}
}

// TestSandboxTokenCacheBounded: many distinct tokens keep the cache within
// its bound, and every one is still accepted.
func TestSandboxTokenCacheBounded(t *testing.T) {
	now := time.Unix(1_950_000_000, 0)
	a := Sandbox{Now: func() time.Time { return now }}
	for i := range tokenCacheMax * 2 {
		tok := sandboxToken(t, jwt.MapClaims{"sub": fmt.Sprint(i), "exp": now.Add(time.Hour).Unix()})
		c, err := a.Authenticate(context.Background(), tok)
		if err != nil || c.Subject != fmt.Sprint(i) {
			t.Fatalf("token %d: %+v, %v", i, c, err)
		}
		sandboxTokens.mu.Lock()
		n := len(sandboxTokens.m)
		sandboxTokens.mu.Unlock()
		if n > tokenCacheMax {
			t.Fatalf("%d entries after %d tokens, bound %d", n, i+1, tokenCacheMax)
		}
	}
	// an entry is keyed by the digest, not the token
	tok := sandboxToken(t, jwt.MapClaims{"sub": "digest", "exp": now.Add(time.Hour).Unix()})
	if _, err := a.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	sandboxTokens.mu.Lock()
	_, ok := sandboxTokens.m[sha256.Sum256([]byte(tok))]
	sandboxTokens.mu.Unlock()
	if !ok {
		t.Error("the accepted token is not remembered under its SHA-256")
	}
}

func BenchmarkSandboxAuthenticate(b *testing.B) {
	tok, err := NewSandboxToken(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (Sandbox{}).Authenticate(context.Background(), "Bearer "+tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			claims, err := parseUnverified(tok)
			if err != nil || checkTimes(claims, time.Now()) != nil {
				b.Fatal(err)
			}
		}
	})
}
