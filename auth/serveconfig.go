package auth

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// ServeConfig is what `contactd serve` is told about identity: TLS and
// client certificates, OAuth 2.0, machine JWTs. Every flag has a
// CONTACTD_ environment equivalent; the OAuth client secret is given by
// environment or file only, never on the command line.
type ServeConfig struct {
	TLSCert, TLSKey, ClientCA string
	BindJWTToTLS              bool
	bindGiven                 bool

	OAuthIssuer, OAuthAudience              string
	OAuthJWKSURL, OAuthIntrospectionURL     string
	OAuthClientID, OAuthClientSecretFile    string
	OAuthClientSecret                       string // CONTACTD_OAUTH_CLIENT_SECRET
	IntrospectionCacheMax, MachineTokenLife time.Duration
}

// Flags reads the environment and defines the flags on fs.
func (c *ServeConfig) Flags(fs *flag.FlagSet, getenv func(string) string) error {
	c.IntrospectionCacheMax = DefaultIntrospectionCacheMax
	c.MachineTokenLife = DefaultMachineTokenLife
	strs := []struct {
		p         *string
		name, env string
		usage     string
	}{
		{&c.TLSCert, "tls-cert", "CONTACTD_TLS_CERT", "serve HTTPS with this PEM certificate `file` (TLS 1.2 or later)"},
		{&c.TLSKey, "tls-key", "CONTACTD_TLS_KEY", "the PEM private key `file` of --tls-cert"},
		{&c.ClientCA, "client-ca", "CONTACTD_CLIENT_CA", "require of every connection a client certificate issued by a CA in this PEM `file` (mutual TLS)"},
		{&c.OAuthIssuer, "oauth-issuer", "CONTACTD_OAUTH_ISSUER", "the OAuth 2.0 issuer (iss) of bearer tokens"},
		{&c.OAuthAudience, "oauth-audience", "CONTACTD_OAUTH_AUDIENCE", "the audience (aud) bearer tokens must name"},
		{&c.OAuthJWKSURL, "oauth-jwks-url", "CONTACTD_OAUTH_JWKS_URL", "the issuer's JWKS `URL`: JWT access tokens are verified against it"},
		{&c.OAuthIntrospectionURL, "oauth-introspection-url", "CONTACTD_OAUTH_INTROSPECTION_URL", "the issuer's RFC 7662 introspection `URL`, for opaque tokens"},
		{&c.OAuthClientID, "oauth-client-id", "CONTACTD_OAUTH_CLIENT_ID", "contactd's client `ID` at the introspection endpoint"},
		{&c.OAuthClientSecretFile, "oauth-client-secret-file", "CONTACTD_OAUTH_CLIENT_SECRET_FILE", "a `file` holding contactd's client secret (or set CONTACTD_OAUTH_CLIENT_SECRET)"},
	}
	for _, s := range strs {
		*s.p = getenv(s.env)
		fs.StringVar(s.p, s.name, *s.p, s.usage+" ("+s.env+")")
	}
	c.OAuthClientSecret = getenv("CONTACTD_OAUTH_CLIENT_SECRET")
	durs := []struct {
		p         *time.Duration
		name, env string
		usage     string
	}{
		{&c.IntrospectionCacheMax, "introspection-cache-max", "CONTACTD_INTROSPECTION_CACHE_MAX", "reuse an introspection answer at most this long (never past the token's exp; 0: no cache)"},
		{&c.MachineTokenLife, "m2m-max-lifetime", "CONTACTD_M2M_MAX_LIFETIME", "the longest a machine JWT may live, exp - iat"},
	}
	for _, d := range durs {
		if v := getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a duration like 5m", d.env, v)
			}
			*d.p = x
		}
		fs.DurationVar(d.p, d.name, *d.p, d.usage+" ("+d.env+")")
	}
	if v := getenv("CONTACTD_BIND_JWT_TO_TLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("CONTACTD_BIND_JWT_TO_TLS=%q: want true or false", v)
		}
		c.BindJWTToTLS, c.bindGiven = b, true
	}
	fs.BoolVar(&c.BindJWTToTLS, "bind-jwt-to-tls", c.BindJWTToTLS,
		"a machine JWT must be signed by the client certificate of its TLS connection (default true with --client-ca) (CONTACTD_BIND_JWT_TO_TLS)")
	return nil
}

// Finish completes the configuration once fs is parsed, and checks it.
func (c *ServeConfig) Finish(fs *flag.FlagSet, sandbox bool) error {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "bind-jwt-to-tls" {
			c.bindGiven = true
		}
	})
	if !c.bindGiven {
		c.BindJWTToTLS = c.ClientCA != ""
	}
	var errs []error
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.ClientCA != "" && c.TLSCert == "" {
		errs = append(errs, errors.New("--client-ca needs --tls-cert and --tls-key"))
	}
	if c.BindJWTToTLS && c.ClientCA == "" {
		errs = append(errs, errors.New("--bind-jwt-to-tls needs --client-ca"))
	}
	if c.MachineTokenLife <= 0 {
		errs = append(errs, errors.New("--m2m-max-lifetime must be positive"))
	}
	if c.IntrospectionCacheMax < 0 {
		errs = append(errs, errors.New("--introspection-cache-max must not be negative"))
	}
	if sandbox && c.OAuthEnabled() {
		errs = append(errs, errors.New("the --oauth-* settings are for production mode; the sandbox accepts its own tokens"))
	}
	return errors.Join(errs...)
}

// OAuthEnabled reports whether bearer tokens are configured.
func (c *ServeConfig) OAuthEnabled() bool {
	return c.OAuthJWKSURL != "" || c.OAuthIntrospectionURL != ""
}

// TLS is the server's TLS configuration, or nil for plain HTTP.
func (c *ServeConfig) TLS() (*tls.Config, error) {
	if c.TLSCert == "" {
		return nil, nil
	}
	return LoadServerTLS(c.TLSCert, c.TLSKey, c.ClientCA)
}

// Production builds production mode's authenticator and access rule on
// the registry. close stops what the authenticator started.
func (c *ServeConfig) Production(reg contactd.Registry) (authn *Production, access RegistryAccess, close func(), err error) {
	p := &Production{Machine: &Machine{Registry: reg, MaxLife: c.MachineTokenLife, BindToTLS: c.BindJWTToTLS}}
	close = func() {}
	if c.OAuthEnabled() {
		secret := c.OAuthClientSecret
		if c.OAuthClientSecretFile != "" {
			b, err := os.ReadFile(c.OAuthClientSecretFile)
			if err != nil {
				return nil, RegistryAccess{}, nil, fmt.Errorf("OAuth client secret: %w", err)
			}
			secret = strings.TrimSpace(string(b))
		}
		cacheMax := c.IntrospectionCacheMax
		if cacheMax == 0 {
			cacheMax = -1 // no cache
		}
		o, err := NewOAuth(OAuthConfig{
			Issuer: c.OAuthIssuer, Audience: c.OAuthAudience, JWKSURL: c.OAuthJWKSURL,
			IntrospectionURL: c.OAuthIntrospectionURL, ClientID: c.OAuthClientID, ClientSecret: secret,
			IntrospectionCacheMax: cacheMax,
		})
		if err != nil {
			return nil, RegistryAccess{}, nil, err
		}
		p.OAuth, close = o, func() { o.Close() }
	}
	return p, RegistryAccess{Registry: reg}, close, nil
}
