package auth

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
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
	ClientCNs                 []string // the pre-approved Common Names of client certificates (none: any the CA issued)

	OAuthIssuer, OAuthAudience              string
	OAuthLogonClaim                         string
	OAuthJWKSURL, OAuthIntrospectionURL     string
	OAuthClientID, OAuthClientSecretFile    string
	OAuthClientSecret                       string // CONTACTD_OAUTH_CLIENT_SECRET
	IntrospectionCacheMax, MachineTokenLife time.Duration
	JWKSRefresh                             time.Duration // the JWKS is fetched again at least this often
}

// Flags reads the environment and defines the flags on fs.
func (c *ServeConfig) Flags(fs *flag.FlagSet, getenv func(string) string) error {
	c.IntrospectionCacheMax = DefaultIntrospectionCacheMax
	c.MachineTokenLife = DefaultMachineTokenLife
	c.JWKSRefresh = DefaultJWKSMaxAge
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
		{&c.OAuthLogonClaim, "oauth-logon-claim", "CONTACTD_OAUTH_LOGON_CLAIM", "the `claim` of bearer tokens (and introspection answers) that names the logon (default: startLogon, or username when introspected, when present; else sub)"},
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
		{&c.MachineTokenLife, "m2m-max-lifetime", "CONTACTD_M2M_MAX_LIFETIME", "the longest a machine JWT may live, exp - iat (at most 8h)"},
		{&c.JWKSRefresh, "jwks-refresh", "CONTACTD_JWKS_REFRESH", "fetch the JWKS again at least this often: a key the issuer removes is refused within it"},
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
		c.BindJWTToTLS = b
	}
	fs.BoolVar(&c.BindJWTToTLS, "bind-jwt-to-tls", c.BindJWTToTLS,
		"a machine JWT must be signed by the client certificate of its TLS connection; off, a provider may send JWTs its clients signed (CONTACTD_BIND_JWT_TO_TLS)")
	c.ClientCNs = splitNames(getenv("CONTACTD_CLIENT_CN"))
	fs.Func("client-cn", "accept only client certificates with these Common `names`, comma-separated (CONTACTD_CLIENT_CN)", func(v string) error {
		c.ClientCNs = splitNames(v)
		return nil
	})
	return nil
}

// splitNames reads a comma-separated list, dropping empty entries.
func splitNames(s string) []string {
	var names []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// Finish checks the configuration once fs is parsed.
func (c *ServeConfig) Finish(fs *flag.FlagSet, sandbox bool) error {
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
	if len(c.ClientCNs) > 0 && c.ClientCA == "" {
		errs = append(errs, errors.New("--client-cn needs --client-ca"))
	}
	if c.MachineTokenLife <= 0 || c.MachineTokenLife > DefaultMachineTokenLife {
		errs = append(errs, fmt.Errorf("--m2m-max-lifetime must be positive and at most %v (the Identity and Access build pack's limit)", DefaultMachineTokenLife))
	}
	if c.IntrospectionCacheMax < 0 {
		errs = append(errs, errors.New("--introspection-cache-max must not be negative"))
	}
	if sandbox && c.OAuthEnabled() {
		errs = append(errs, errors.New("the --oauth-* settings are for production mode; the sandbox accepts its own tokens"))
	}
	if c.OAuthEnabled() && (c.OAuthIssuer == "" || c.OAuthAudience == "") {
		// Without them a token the issuer made for another API would do.
		errs = append(errs, errors.New("--oauth-jwks-url and --oauth-introspection-url need --oauth-issuer and --oauth-audience: "+
			"without them a token issued for another API would be accepted"))
	}
	for _, u := range []struct{ flag, url string }{{"--oauth-jwks-url", c.OAuthJWKSURL}, {"--oauth-introspection-url", c.OAuthIntrospectionURL}} {
		if u.url != "" && !secureURL(u.url) {
			errs = append(errs, fmt.Errorf("%s %s: want an https:// URL (http:// only on loopback)", u.flag, RedactURL(u.url)))
		}
	}
	if c.JWKSRefresh <= 0 {
		errs = append(errs, errors.New("--jwks-refresh must be positive"))
	}
	return errors.Join(errs...)
}

// secureURL reports whether raw is an https URL, or an http one to a
// loopback host (an issuer on the same machine, or a test's).
func secureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback())
}

// RedactURL is raw for logs and messages: a password in its user
// information and the values of query parameters that may hold a secret
// (password, secret, token, key, ...) replaced by "xxxxx". A raw that
// does not parse as a URL is not shown at all.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			for _, secret := range []string{"pass", "secret", "token", "key", "credential", "auth"} {
				if strings.Contains(lk, secret) {
					q[k] = []string{"xxxxx"}
					break
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
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
	return LoadServerTLS(c.TLSCert, c.TLSKey, c.ClientCA, c.ClientCNs...)
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
			Issuer: c.OAuthIssuer, Audience: c.OAuthAudience, LogonClaim: c.OAuthLogonClaim, JWKSURL: c.OAuthJWKSURL,
			IntrospectionURL: c.OAuthIntrospectionURL, ClientID: c.OAuthClientID, ClientSecret: secret,
			IntrospectionCacheMax: cacheMax, JWKSMaxAge: c.JWKSRefresh,
		})
		if err != nil {
			return nil, RegistryAccess{}, nil, err
		}
		p.OAuth, close = o, func() { o.Close() }
	}
	return p, RegistryAccess{Registry: reg}, close, nil
}
