package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// Production is the authenticator of production mode. It never accepts a
// sandbox token:
//
//   - `Authorization: Bearer <token>` is an OAuth 2.0 access token, checked
//     by OAuth (refused when OAuth is nil);
//   - `Authorization: <JWT>` without a prefix is a machine JWT, checked by
//     Machine (refused when Machine is nil).
//
// No header, an empty one, or "Bearer" with nothing after it is EV1021;
// everything refused is EV1020.
type Production struct {
	OAuth   *OAuth
	Machine *Machine
}

// Authenticate implements the http package's Authenticator.
func (p *Production) Authenticate(ctx context.Context, header string) (contactd.Caller, error) {
	token, bearer := splitBearer(header)
	switch {
	case token == "":
		return contactd.Caller{}, contactd.Refused(contactd.EV1021, "no token in the Authorization header")
	case bearer && p.OAuth != nil:
		return p.OAuth.Authenticate(ctx, token)
	case !bearer && p.Machine != nil:
		return p.Machine.Authenticate(ctx, token)
	case bearer:
		return contactd.Caller{}, contactd.Refused(contactd.EV1020, "a bearer token, but no OAuth issuer is configured")
	}
	return contactd.Caller{}, contactd.Refused(contactd.EV1020, "not a bearer token, and machine JWTs are off")
}

// splitBearer trims the header and cuts a case-insensitive "Bearer"
// scheme off it.
func splitBearer(header string) (token string, bearer bool) {
	h := strings.TrimSpace(header)
	if len(h) >= 6 && strings.EqualFold(h[:6], "bearer") && (len(h) == 6 || h[6] == ' ' || h[6] == '\t') {
		return strings.TrimSpace(h[6:]), true
	}
	return h, false
}

// RegistryAccess is production mode's Authorizer: it loads the caller's
// grants from the registry and applies contactd.Decide. Sandbox callers
// are always refused.
type RegistryAccess struct {
	Registry contactd.Registry
	Now      func() time.Time
}

// Authorize implements contactd.Authorizer.
func (a RegistryAccess) Authorize(ctx context.Context, c contactd.Caller, o contactd.Owner) error {
	if c.Sandbox {
		return contactd.Errorf(contactd.EV1022, "")
	}
	g, err := a.Registry.Grants(ctx, c, o)
	if err != nil {
		return err
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	return contactd.Decide(c, g, o, now)
}

// ServerTLS is the TLS configuration of a contactd server: TLS 1.2 at
// least, with only the forward-secret AEAD cipher suites of TLS 1.2
// (ECDHE with AES-GCM or ChaCha20-Poly1305; TLS 1.3's are all of that
// kind), and with clientCAs a client certificate that verifies against
// them is required of every connection. With clientCNs, that certificate's
// subject Common Name must also be one of them (the pre-approved names of
// the Identity and Access build pack, §3.2); any other is refused in the
// handshake.
func ServerTLS(cert tls.Certificate, clientCAs *x509.CertPool, clientCNs ...string) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, CipherSuites: tls12CipherSuites}
	if clientCAs != nil {
		c.ClientCAs = clientCAs
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if len(clientCNs) > 0 {
		approved := slices.Clone(clientCNs)
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no client certificate")
			}
			if cn := cs.PeerCertificates[0].Subject.CommonName; !slices.Contains(approved, cn) {
				return fmt.Errorf("client certificate CN %q is not approved (--client-cn)", cn)
			}
			return nil
		}
	}
	return c
}

// tls12CipherSuites are the TLS 1.2 suites ServerTLS allows: ECDHE key
// exchange (forward secrecy) and AEAD encryption only, no CBC.
var tls12CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// LoadServerTLS reads ServerTLS's certificate and key (PEM files) and the
// client CA certificates (a PEM file; "" for none).
func LoadServerTLS(certFile, keyFile, clientCAFile string, clientCNs ...string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("TLS needs both a certificate and a key file")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	var pool *x509.CertPool
	if clientCAFile != "" {
		b, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("client CA: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("client CA %s: no PEM certificate in it", clientCAFile)
		}
	}
	return ServerTLS(cert, pool, clientCNs...), nil
}
