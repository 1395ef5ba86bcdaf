// Package auth turns an Authorization header into a contactd.Caller.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
)

// clockSkew is how far in the future an iat or nbf may lie.
const clockSkew = time.Minute

// SandboxTokenLife is the life of the tokens `contactd token` prints: the
// published machine-JWT example lives 9 minutes.
const SandboxTokenLife = 9 * time.Minute

// bearerToken strips an optional "Bearer " prefix. ok is false when there is
// no credential at all (EV1021): no header, an empty one, or "Bearer " with
// nothing after it.
func bearerToken(header string) (token string, ok bool) {
	token, _ = splitBearer(header)
	return token, token != ""
}

// Sandbox accepts what the published test service accepts: any
// self-issued JWT, with or without "Bearer ", whose exp lies in the future.
// Neither signature, sub nor iss is checked. It must never be used outside
// sandbox mode.
type Sandbox struct {
	Now func() time.Time
}

// Authenticate implements the sandbox's token rule: EV1021 without a
// credential, EV1020 for anything that is not an unexpired JWT.
func (s Sandbox) Authenticate(_ context.Context, header string) (contactd.Caller, error) {
	token, ok := bearerToken(header)
	if !ok {
		return contactd.Caller{}, contactd.Refused(contactd.EV1021, "no token in the Authorization header")
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	key := sha256.Sum256([]byte(token))
	if c, ok := sandboxTokens.get(key, now); ok {
		return c, nil
	}
	claims, err := parseUnverified(token)
	if err != nil {
		return contactd.Caller{}, contactd.Refused(contactd.EV1020, "not a JWT")
	}
	if err := checkTimes(claims, now); err != nil {
		return contactd.Caller{}, err
	}
	sub, _ := claims.GetSubject()
	c := contactd.Caller{Sandbox: true, Subject: sub}
	exp, _ := claims.GetExpirationTime() // checkTimes made sure of it
	sandboxTokens.put(key, c, now, exp.Time)
	return c, nil
}

// Accepted sandbox tokens are remembered, so that a client sending the
// same token on every request does not have it decoded every time (the
// decode was about 5% of a read's CPU and a fifth of its allocations).
// Whether a token is accepted depends only on the token and the time: once
// exp is in the future and iat and nbf are not too far ahead, they stay so
// until exp. So an entry made at time from answers, for a now in
// [from, until), what the decode would; until is min(exp, from+1 minute).
// Refusals are not remembered. Entries are keyed by the token's SHA-256,
// not the token.
const (
	tokenCacheLife = time.Minute
	tokenCacheMax  = 4096
)

var sandboxTokens = tokenCache{m: map[[sha256.Size]byte]cachedCaller{}}

type tokenCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedCaller
}

type cachedCaller struct {
	caller      contactd.Caller
	from, until time.Time
}

func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (contactd.Caller, bool) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if !ok || now.Before(e.from) || !now.Before(e.until) {
		return contactd.Caller{}, false
	}
	return e.caller, true
}

func (c *tokenCache) put(key [sha256.Size]byte, caller contactd.Caller, now, exp time.Time) {
	until := now.Add(tokenCacheLife)
	if exp.Before(until) {
		until = exp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= tokenCacheMax {
		// drop the entries past their time, then, if that is not enough,
		// any, until a quarter is free
		for k, e := range c.m {
			if !now.Before(e.until) || now.Before(e.from) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < tokenCacheMax*3/4 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = cachedCaller{caller: caller, from: now, until: until}
}

// parseUnverified reads a JWT's claims without checking its signature:
// three base64url parts, the first two JSON objects.
func parseUnverified(token string) (jwt.MapClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, jwt.ErrTokenMalformed
	}
	if _, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[2], "=")); err != nil {
		return nil, jwt.ErrTokenMalformed
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(token, claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// checkTimes requires a numeric exp in the future, and an iat or nbf, when
// present, numeric and not beyond clockSkew in the future.
func checkTimes(claims jwt.MapClaims, now time.Time) error {
	exp, err := claims.GetExpirationTime()
	switch {
	case err != nil || exp == nil:
		return contactd.Refused(contactd.EV1020, "no numeric exp")
	case !now.Before(exp.Time):
		return contactd.Refused(contactd.EV1020, "expired")
	}
	for _, get := range []func() (*jwt.NumericDate, error){claims.GetIssuedAt, claims.GetNotBefore} {
		t, err := get()
		if err != nil || (t != nil && t.Time.After(now.Add(clockSkew))) {
			return contactd.Refused(contactd.EV1020, "iat or nbf not numeric or in the future")
		}
	}
	return nil
}

// NewSandboxToken returns an unsigned JWT that sandbox mode accepts for
// SandboxTokenLife from now.
func NewSandboxToken(now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"sub":        "sandbox",
		"iss":        "contactd-sandbox",
		"startLogon": "",
		"iat":        now.Unix(),
		"exp":        now.Add(SandboxTokenLife).Unix(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	t.Header["kid"] = "M2M"
	return t.SignedString(jwt.UnsafeAllowNoneSignatureType)
}

// Unconfigured is production mode before any real authentication is
// configured: it never accepts a token.
type Unconfigured struct{}

// Authenticate answers EV1021 without a credential and EV1020 otherwise.
func (Unconfigured) Authenticate(_ context.Context, header string) (contactd.Caller, error) {
	if _, ok := bearerToken(header); !ok {
		return contactd.Caller{}, contactd.Errorf(contactd.EV1021, "")
	}
	return contactd.Caller{}, contactd.Errorf(contactd.EV1020, "")
}

// DenyAll is the access rule when no registry of rights is configured.
type DenyAll struct{}

// Authorize always answers EV1022.
func (DenyAll) Authorize(context.Context, contactd.Caller, contactd.Owner) error {
	return contactd.Errorf(contactd.EV1022, "")
}
