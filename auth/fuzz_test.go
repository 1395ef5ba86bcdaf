package auth

import (
	"context"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// FuzzSandboxToken: no Authorization header, however malformed, makes the
// sandbox authenticator panic or answer anything but a caller, EV1020 or
// EV1021; and what it accepts is a JWT with an exp in the future.
func FuzzSandboxToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	valid, err := NewSandboxToken(now)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{valid, "Bearer " + valid, "", "Bearer ", "a.b.c", "..", "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.",
		"eyJhbGciOiJub25lIn0.eyJleHAiOiIxIn0.", "Bearer\teyJ", "bearer " + valid + " extra"} {
		f.Add(seed)
	}
	a := Sandbox{Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, header string) {
		caller, err := a.Authenticate(context.Background(), header)
		if err != nil {
			if c := contactd.ErrorCode(err); c != contactd.EV1020 && c != contactd.EV1021 {
				t.Fatalf("%q: code %s", header, c)
			}
			return
		}
		if !caller.Sandbox {
			t.Fatalf("%q: accepted a caller that is not a sandbox caller", header)
		}
		token, _ := bearerToken(header)
		claims, err := parseUnverified(token)
		if err != nil {
			t.Fatalf("%q: accepted a token that does not parse: %v", header, err)
		}
		exp, err := claims.GetExpirationTime()
		if err != nil || exp == nil || !now.Before(exp.Time) {
			t.Fatalf("%q: accepted without a future exp", header)
		}
	})
}
