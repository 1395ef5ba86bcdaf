package client

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TokenSource gives the Authorization header value of a request, whole:
// "Bearer <access token>" for OAuth 2.0, the bare JWT for machine-to-machine
// calls. It is asked once per attempt, so it may refresh between retries,
// and must be safe for concurrent use.
type TokenSource interface {
	Token(ctx context.Context) (authorization string, err error)
}

// TokenFunc adapts a function to a TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

// Token calls f.
func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// StaticToken sends the same Authorization value on every request: for a
// contactd sandbox, the output of `contactd token` (with or without
// "Bearer "). Sandbox tokens expire after 9 minutes.
func StaticToken(authorization string) TokenSource {
	return TokenFunc(func(context.Context) (string, error) { return authorization, nil })
}

// OAuthBearer sends the access tokens of an OAuth 2.0 token source as
// "Bearer <token>". Give it a source that caches and refreshes, such as
// oauth2.Config.TokenSource or oauth2.ReuseTokenSource.
func OAuthBearer(ts oauth2.TokenSource) TokenSource {
	return TokenFunc(func(context.Context) (string, error) {
		t, err := ts.Token()
		if err != nil {
			return "", fmt.Errorf("client: oauth2 token: %w", err)
		}
		if t.AccessToken == "" {
			return "", errors.New("client: oauth2 token source gave an empty access token")
		}
		return t.Type() + " " + t.AccessToken, nil
	})
}

// MachineJWTLife is how long a machine JWT lives, as in the published
// example.
const MachineJWTLife = 9 * time.Minute

// machineJWTRenew is how long before its expiry a cached machine JWT is
// replaced, so that one never expires in flight or on a skewed clock.
const machineJWTRenew = 90 * time.Second

// MachineJWT signs machine-to-machine JWTs with the private key of the
// certificate registered with Inland Revenue: header
// {"alg":"RS256","typ":"JWT","kid":"M2M"}; claims sub (the certificate's
// thumbprint, see Thumbprint), iss, startLogon (the logon whose
// delegations decide access, "" for the subject itself), iat, and exp 9
// minutes later. The token is sent bare, without "Bearer ". A token is
// reused until shortly before it expires.
//
// keyPEM holds an unencrypted RSA private key (PKCS #1 or PKCS #8) and
// certPEM the certificate whose public key it matches. issuer is required:
// the value agreed when the certificate was registered, or any name of the
// software when none was.
func MachineJWT(keyPEM, certPEM []byte, issuer, startLogon string) (TokenSource, error) {
	if issuer == "" {
		return nil, errors.New("client: machine JWT: an issuer (iss) is required")
	}
	key, err := parseRSAKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("client: machine JWT key: %w", err)
	}
	cert, err := parseCertificate(certPEM)
	if err != nil {
		return nil, fmt.Errorf("client: machine JWT certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("client: machine JWT certificate does not hold the key's public key")
	}
	return &machineJWT{
		key:        key,
		subject:    Thumbprint(cert.Raw),
		issuer:     issuer,
		startLogon: startLogon,
		now:        time.Now,
	}, nil
}

// Thumbprint is the SHA-256 thumbprint of a DER certificate as machine JWTs
// name it in sub: upper-case hex without colons.
func Thumbprint(certDER []byte) string {
	sum := sha256.Sum256(certDER)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func parseCertificate(certPEM []byte) (*x509.Certificate, error) {
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no CERTIFICATE block in PEM")
		}
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
}

type machineJWT struct {
	key        *rsa.PrivateKey
	subject    string
	issuer     string
	startLogon string
	now        func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// machineClaims are the published claims, in the published order.
type machineClaims struct {
	Subject    string `json:"sub"`
	Issuer     string `json:"iss"`
	StartLogon string `json:"startLogon"`
	IssuedAt   int64  `json:"iat"`
	Expires    int64  `json:"exp"`
}

func (m *machineJWT) Token(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.token != "" && now.Before(m.expires.Add(-machineJWTRenew)) {
		return m.token, nil
	}
	iat := now.Truncate(time.Second)
	exp := iat.Add(MachineJWTLife)
	signed, err := signRS256(m.key, machineClaims{
		Subject:    m.subject,
		Issuer:     m.issuer,
		StartLogon: m.startLogon,
		IssuedAt:   iat.Unix(),
		Expires:    exp.Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("client: sign machine JWT: %w", err)
	}
	m.token, m.expires = signed, exp
	return signed, nil
}

// The module depends on the standard library and golang.org/x/oauth2 only
// (so that a vendor's module gets nothing else), and no JWT library is
// among them: the one JWT the client makes, RS256 over fixed claims, is
// signed here with crypto/rsa.

// machineJWTHeader is the published header, with its keys in the order a
// JSON encoder of a map writes them.
var machineJWTHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"M2M","typ":"JWT"}`))

// signRS256 returns the compact JWS of claims: RSASSA-PKCS1-v1_5 with
// SHA-256 (RFC 7518 section 3.3).
func signRS256(key *rsa.PrivateKey, claims machineClaims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signingInput := machineJWTHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// parseRSAKey reads the first private key block of keyPEM: PKCS #1
// ("RSA PRIVATE KEY") or PKCS #8 ("PRIVATE KEY") holding an RSA key.
func parseRSAKey(keyPEM []byte) (*rsa.PrivateKey, error) {
	for rest := keyPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no RSA PRIVATE KEY or PRIVATE KEY block in PEM")
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(block.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, err
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("the key is a %T, want an RSA key", k)
			}
			return rk, nil
		}
	}
}
