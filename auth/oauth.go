package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/contactd/contactd"
)

// DefaultOAuthAlgorithms are the signature algorithms accepted on OAuth JWT
// access tokens unless configured otherwise: asymmetric only, never none
// or HS*.
var DefaultOAuthAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Defaults of OAuthConfig.
const (
	DefaultIntrospectionCacheMax = 5 * time.Minute
	DefaultJWKSRefreshMin        = 30 * time.Second
	DefaultJWKSMaxAge            = 5 * time.Minute
	// refusalCacheFor is how long an introspection's refusal is reused:
	// the same bad token sent again costs no issuer call within it.
	refusalCacheFor         = time.Minute
	defaultOAuthHTTPTimeout = 10 * time.Second
	maxIntrospectionBody    = 1 << 20
	maxIntrospectionCache   = 10000
)

// OAuthConfig configures the verification of OAuth 2.0 bearer tokens. A
// claim of the token names the logon whose rights decide (LogonClaim).
type OAuthConfig struct {
	// LogonClaim names the claim, of a JWT access token and of an
	// introspection answer alike, that carries the myIR logon whose rights
	// decide; a token without it as a non-empty string is refused. Empty
	// takes IRD's own: startLogon (JWT) or username (introspection) when
	// present, else sub (IRD's access tokens carry a GUID in sub and the
	// logon in startLogon).
	LogonClaim string
	// Issuer is the iss every JWT access token must carry (and an
	// introspection answer, when it gives one).
	Issuer string
	// Audience is the audience contactd is: a JWT's aud must contain it
	// (and an introspection answer's, when it gives one).
	Audience string
	// JWKSURL is the issuer's JWK set. JWT access tokens are verified
	// against it; it is cached, refreshed at least every JWKSMaxAge, and
	// refetched when a token names a kid it lacks (at most once per
	// JWKSRefreshMin).
	JWKSURL string
	// Algorithms accepted on JWTs (default DefaultOAuthAlgorithms). HS*
	// and none are never accepted.
	Algorithms []string
	// IntrospectionURL is the RFC 7662 endpoint for tokens that are not
	// JWTs (or for every token when JWKSURL is empty), with the client
	// credentials contactd authenticates to it with (HTTP Basic).
	IntrospectionURL string
	ClientID         string
	ClientSecret     string
	// IntrospectionCacheMax caps how long an active introspection answer
	// is reused (never beyond the token's exp; an answer without exp is
	// not cached). 0 means DefaultIntrospectionCacheMax; negative, no cache.
	IntrospectionCacheMax time.Duration
	JWKSRefreshMin        time.Duration // 0: DefaultJWKSRefreshMin
	JWKSMaxAge            time.Duration // 0: DefaultJWKSMaxAge
	HTTPClient            *http.Client  // nil: a client with a 10 s timeout
	Now                   func() time.Time
}

// OAuth verifies OAuth 2.0 bearer tokens: JWT access tokens against the
// issuer's JWKS, opaque ones through introspection.
type OAuth struct {
	cfg    OAuthConfig
	algs   []string
	client *http.Client

	jwks    *jwk.Cache
	stop    context.CancelFunc
	jwksMu  sync.Mutex // serialises refreshes
	last    time.Time  // when a refresh was last tried
	lastErr error      // and what it answered

	cacheMu sync.Mutex
	cache   map[[sha256.Size]byte]introspected
}

type introspected struct {
	caller  contactd.Caller
	refused bool // the issuer refused the token: EV1020 until until
	until   time.Time
}

// NewOAuth checks cfg and starts the JWKS cache; Close stops it. The JWKS
// is fetched in the background, so an issuer that is down at start-up
// does not stop contactd.
func NewOAuth(cfg OAuthConfig) (*OAuth, error) {
	if cfg.JWKSURL == "" && cfg.IntrospectionURL == "" {
		return nil, errors.New("oauth: give a JWKS URL, an introspection URL, or both")
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("oauth: tokens need both an issuer and an audience to check: without them a token issued for another API would do")
	}
	for _, u := range []string{cfg.JWKSURL, cfg.IntrospectionURL} {
		if u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return nil, fmt.Errorf("oauth: %q is not an http(s) URL", RedactURL(u))
		}
	}
	o := &OAuth{cfg: cfg, algs: cfg.Algorithms, client: cfg.HTTPClient, cache: map[[sha256.Size]byte]introspected{}}
	if len(o.algs) == 0 {
		o.algs = DefaultOAuthAlgorithms
	}
	for _, a := range o.algs {
		if !slices.Contains(DefaultOAuthAlgorithms, a) {
			return nil, fmt.Errorf("oauth: algorithm %q: want some of %s", a, strings.Join(DefaultOAuthAlgorithms, ", "))
		}
	}
	if o.client == nil {
		o.client = &http.Client{Timeout: defaultOAuthHTTPTimeout}
	}
	if o.cfg.JWKSRefreshMin <= 0 {
		o.cfg.JWKSRefreshMin = DefaultJWKSRefreshMin
	}
	if o.cfg.JWKSMaxAge <= 0 {
		o.cfg.JWKSMaxAge = DefaultJWKSMaxAge
	}
	o.cfg.JWKSRefreshMin = min(o.cfg.JWKSRefreshMin, o.cfg.JWKSMaxAge)
	if o.cfg.IntrospectionCacheMax == 0 {
		o.cfg.IntrospectionCacheMax = DefaultIntrospectionCacheMax
	}
	if cfg.JWKSURL != "" {
		ctx, cancel := context.WithCancel(context.Background())
		wl := httprc.NewMapWhitelist().Add(cfg.JWKSURL)
		cache, err := jwk.NewCache(ctx, httprc.NewClient(httprc.WithWhitelist(wl)))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("oauth: JWKS cache: %w", err)
		}
		err = cache.Register(ctx, cfg.JWKSURL,
			jwk.WithHTTPClient(o.client),
			jwk.WithWaitReady(false),
			jwk.WithMinInterval(o.cfg.JWKSRefreshMin),
			jwk.WithMaxInterval(o.cfg.JWKSMaxAge))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("oauth: JWKS %s: %w", RedactURL(cfg.JWKSURL), err)
		}
		o.jwks, o.stop = cache, cancel
	}
	return o, nil
}

// Close stops the JWKS cache.
func (o *OAuth) Close() error {
	if o.stop != nil {
		o.stop()
	}
	return nil
}

func (o *OAuth) now() time.Time {
	if o.cfg.Now != nil {
		return o.cfg.Now()
	}
	return time.Now()
}

// Authenticate verifies a bearer token (without its "Bearer " prefix): a
// JWT against the JWKS when one is configured, anything else through
// introspection when that is configured. A token that fails is EV1020; an
// issuer that cannot be reached is an internal error (EU6001).
func (o *OAuth) Authenticate(ctx context.Context, token string) (contactd.Caller, error) {
	if token == "" {
		return contactd.Caller{}, contactd.Refused(contactd.EV1020, "an empty bearer token")
	}
	if o.jwks != nil && looksLikeJWT(token) {
		return o.verifyJWT(ctx, token)
	}
	if o.cfg.IntrospectionURL != "" {
		return o.introspect(ctx, token)
	}
	return contactd.Caller{}, contactd.Refused(contactd.EV1020, "not a JWT, and no introspection endpoint is configured")
}

// looksLikeJWT reports whether token is three dot-separated parts whose
// first is a base64url JSON object.
func looksLikeJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var header map[string]any
	return json.Unmarshal(b, &header) == nil
}

var errUnknownKey = errors.New("no usable key for the token's kid")

// jwtReason says, for the log, why the JWT library refused a token.
func jwtReason(err error) string {
	switch {
	case errors.Is(err, errUnknownKey):
		return "unknown key"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature or algorithm"
	}
	return "not verifiable"
}

// verifyJWT checks a JWT access token: an allowed algorithm, a key of the
// issuer's JWKS that matches the kid and the algorithm, the signature,
// exp (required, in the future), nbf and iat (not beyond a minute in the
// future), iss, aud, a non-empty sub and a logon (OAuthConfig.LogonClaim).
func (o *OAuth) verifyJWT(ctx context.Context, token string) (contactd.Caller, error) {
	refuse := func(reason string) error { return contactd.Refused(contactd.EV1020, reason) }
	now := o.now()
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithValidMethods(o.algs), jwt.WithJSONNumber(), jwt.WithoutClaimsValidation())
	var internal error
	_, err := parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, err := o.key(ctx, kid, t.Method.Alg())
		if err != nil && !errors.Is(err, errUnknownKey) {
			internal = err
		}
		return key, err
	})
	if internal != nil {
		return contactd.Caller{}, fmt.Errorf("oauth: JWKS: %w", internal)
	}
	if err != nil {
		return contactd.Caller{}, refuse(jwtReason(err))
	}
	if err := checkTimes(claims, now); err != nil {
		return contactd.Caller{}, err
	}
	if iss, err := claims.GetIssuer(); err != nil || iss != o.cfg.Issuer {
		return contactd.Caller{}, refuse("wrong issuer")
	}
	if aud, err := claims.GetAudience(); err != nil || !slices.Contains(aud, o.cfg.Audience) {
		return contactd.Caller{}, refuse("wrong audience")
	}
	sub, err := claims.GetSubject()
	if err != nil || sub == "" {
		return contactd.Caller{}, refuse("no subject")
	}
	logon, ok := o.logon(claims, "startLogon")
	if !ok {
		return contactd.Caller{}, refuse("no logon claim")
	}
	return contactd.Caller{Subject: sub, Logon: logon}, nil
}

// logon is the logon a token's claims name: LogonClaim's value when it is
// configured, else the value of preferred when it is a non-empty string,
// else sub. ok is false when that is not a non-empty string.
func (o *OAuth) logon(claims map[string]any, preferred string) (logon string, ok bool) {
	if o.cfg.LogonClaim != "" {
		preferred = o.cfg.LogonClaim
	}
	if v, isString := claims[preferred].(string); isString && v != "" {
		return v, true
	}
	if o.cfg.LogonClaim != "" {
		return "", false
	}
	sub, _ := claims["sub"].(string)
	return sub, sub != ""
}

// key returns the public key of the JWKS for kid (or the JWKS's only key
// when the token names none) that may verify alg. A kid the cached set
// lacks makes it refetch the set, at most once per JWKSRefreshMin.
func (o *OAuth) key(ctx context.Context, kid, alg string) (any, error) {
	set, err := o.jwks.Lookup(ctx, o.cfg.JWKSURL)
	if err != nil {
		set = nil // not fetched yet
	}
	k, ok := lookupKey(set, kid)
	if !ok {
		if set, err = o.refresh(ctx); err != nil {
			return nil, err
		}
		if k, ok = lookupKey(set, kid); !ok {
			return nil, errUnknownKey
		}
	}
	if a, ok := k.Algorithm(); ok && a.String() != alg {
		return nil, errUnknownKey
	}
	if use, ok := k.KeyUsage(); ok && use != "sig" {
		return nil, errUnknownKey
	}
	raw, err := jwk.PublicRawKeyOf(k)
	if err != nil {
		return nil, errUnknownKey
	}
	switch raw.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return raw, nil
	}
	return nil, errUnknownKey // a symmetric key never verifies a token
}

// refresh refetches the JWKS unless a fetch was tried less than
// JWKSRefreshMin ago, and returns the set: the new one, else the cached
// one. With no set at all it answers the fetch's error.
func (o *OAuth) refresh(ctx context.Context) (jwk.Set, error) {
	o.jwksMu.Lock()
	defer o.jwksMu.Unlock()
	cached, cerr := o.jwks.Lookup(ctx, o.cfg.JWKSURL)
	if !o.last.IsZero() && time.Since(o.last) < o.cfg.JWKSRefreshMin {
		if cerr == nil {
			return cached, nil
		}
		return nil, fmt.Errorf("%s is not available: %w", RedactURL(o.cfg.JWKSURL), o.lastErr)
	}
	set, err := o.jwks.Refresh(ctx, o.cfg.JWKSURL)
	o.last, o.lastErr = time.Now(), err
	if err != nil {
		if cached, cerr = o.jwks.Lookup(ctx, o.cfg.JWKSURL); cerr == nil {
			return cached, nil
		}
		return nil, err
	}
	return set, nil
}

func lookupKey(set jwk.Set, kid string) (jwk.Key, bool) {
	if set == nil {
		return nil, false
	}
	if kid != "" {
		return set.LookupKeyID(kid)
	}
	if set.Len() == 1 {
		return set.Key(0)
	}
	return nil, false
}

// introspectionAnswer is the part of an RFC 7662 answer contactd reads.
type introspectionAnswer struct {
	Active    bool            `json:"active"`
	Sub       string          `json:"sub"`
	Iss       string          `json:"iss"`
	Aud       json.RawMessage `json:"aud"`
	Exp       *json.Number    `json:"exp"`
	Nbf       *json.Number    `json:"nbf"`
	TokenType string          `json:"token_type"`
}

// introspect asks the introspection endpoint about token, or reuses an
// active answer within its life and IntrospectionCacheMax, or a refusal
// (EV1020) within refusalCacheFor. Failures to get an answer are not
// cached.
func (o *OAuth) introspect(ctx context.Context, token string) (contactd.Caller, error) {
	refuse := func(reason string) error { return contactd.Refused(contactd.EV1020, "introspection: "+reason) }
	now := o.now()
	key := sha256.Sum256([]byte(token))
	o.cacheMu.Lock()
	hit, ok := o.cache[key]
	o.cacheMu.Unlock()
	if ok && now.Before(hit.until) {
		if hit.refused {
			return contactd.Caller{}, refuse("refused before (cached)")
		}
		return hit.caller, nil
	}
	caller, until, err := o.askIssuer(ctx, token, now)
	var e *contactd.Error
	switch {
	case errors.As(err, &e):
		// A refusal is remembered too (for less than an answer), so that
		// the same bad token again costs no issuer call.
		if o.cfg.IntrospectionCacheMax > 0 {
			o.remember(key, introspected{refused: true, until: now.Add(min(refusalCacheFor, o.cfg.IntrospectionCacheMax))}, now)
		}
	case err == nil && o.cfg.IntrospectionCacheMax > 0 && !until.IsZero():
		if limit := now.Add(o.cfg.IntrospectionCacheMax); limit.Before(until) {
			until = limit
		}
		o.remember(key, introspected{caller: caller, until: until}, now)
	}
	return caller, err
}

// askIssuer asks the introspection endpoint about token: the caller and
// the token's exp (zero when the answer gives none), EV1020 when the
// answer refuses it, another error when there is no usable answer.
func (o *OAuth) askIssuer(ctx context.Context, token string, now time.Time) (contactd.Caller, time.Time, error) {
	refuse := func(reason string) error { return contactd.Refused(contactd.EV1020, "introspection: "+reason) }

	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.cfg.IntrospectionURL, strings.NewReader(form.Encode()))
	if err != nil {
		return contactd.Caller{}, time.Time{}, fmt.Errorf("oauth: introspection: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if o.cfg.ClientID != "" {
		// RFC 6749 2.3.1: the credentials are form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(o.cfg.ClientID), url.QueryEscape(o.cfg.ClientSecret))
	}
	resp, err := o.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = RedactURL(ue.URL) // for the log: the URL may hold credentials
		}
		return contactd.Caller{}, time.Time{}, fmt.Errorf("oauth: introspection: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIntrospectionBody))
	if err != nil {
		return contactd.Caller{}, time.Time{}, fmt.Errorf("oauth: introspection: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return contactd.Caller{}, time.Time{}, fmt.Errorf("oauth: introspection answered %s", resp.Status)
	}
	var a introspectionAnswer
	var members map[string]any // for the logon claim
	for _, v := range []any{&a, &members} {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			return contactd.Caller{}, time.Time{}, fmt.Errorf("oauth: introspection answer: %w", err)
		}
	}
	if !a.Active || a.TokenType == "refresh_token" {
		return contactd.Caller{}, time.Time{}, refuse("not active, or a refresh token")
	}
	logon, ok := o.logon(members, "username")
	if !ok {
		return contactd.Caller{}, time.Time{}, refuse("no logon claim")
	}
	var exp time.Time
	if a.Exp != nil {
		sec, err := a.Exp.Float64()
		if err != nil {
			return contactd.Caller{}, time.Time{}, refuse("exp not numeric")
		}
		exp = time.Unix(int64(sec), 0)
		if !now.Before(exp) {
			return contactd.Caller{}, time.Time{}, refuse("expired")
		}
	}
	if a.Nbf != nil {
		sec, err := a.Nbf.Float64()
		if err != nil || time.Unix(int64(sec), 0).After(now.Add(clockSkew)) {
			return contactd.Caller{}, time.Time{}, refuse("nbf not numeric or in the future")
		}
	}
	// The answer must say the token is the configured issuer's and for
	// contactd: an issuer's introspection also answers about the tokens it
	// made for other APIs.
	if a.Iss != o.cfg.Issuer {
		return contactd.Caller{}, time.Time{}, refuse("wrong issuer")
	}
	var aud jwt.ClaimStrings
	if err := json.Unmarshal(a.Aud, &aud); err != nil || !slices.Contains(aud, o.cfg.Audience) {
		return contactd.Caller{}, time.Time{}, refuse("wrong audience")
	}
	subject := a.Sub
	if subject == "" {
		subject = logon
	}
	return contactd.Caller{Subject: subject, Logon: logon}, exp, nil
}

// remember caches an answer; a full cache first drops what has expired,
// and then everything.
func (o *OAuth) remember(key [sha256.Size]byte, v introspected, now time.Time) {
	o.cacheMu.Lock()
	defer o.cacheMu.Unlock()
	if len(o.cache) >= maxIntrospectionCache {
		for k, e := range o.cache {
			if !now.Before(e.until) {
				delete(o.cache, k)
			}
		}
		if len(o.cache) >= maxIntrospectionCache {
			clear(o.cache)
		}
	}
	o.cache[key] = v
}
