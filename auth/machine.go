package auth

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
)

// DefaultMachineTokenLife is the longest a machine JWT may live (exp - iat)
// unless configured otherwise.
const DefaultMachineTokenLife = 60 * time.Minute

// MachineKeyID is the kid header every machine JWT carries.
const MachineKeyID = "M2M"

// Machine verifies machine-to-machine JWTs (`Authorization: <JWT>`, no
// prefix) against the certificates of the registry:
//
//   - header kid "M2M", alg RS256 and nothing else (none, HS*, PS*, ES*
//     are refused before any key is looked at);
//   - sub is the thumbprint of a registered certificate, within its
//     validity period, whose RSA key verifies the signature;
//   - exp is required and in the future; iat is required and not more
//     than a minute in the future; an nbf likewise; exp - iat is at most
//     MaxLife;
//   - with BindToTLS, sub is also the thumbprint of the client
//     certificate the TLS layer verified for the request
//     (contactd.PeerCertificate);
//   - startLogon, when a non-empty string, names the logon whose rights
//     decide (the access rule then requires its consent); absent, null or
//     "" means the certificate's party decides. Any other type is refused.
//
// Every failure is EV1020, except a registry that cannot be read, which is
// an internal error (EU6001).
type Machine struct {
	Registry  contactd.Registry
	MaxLife   time.Duration // 0: DefaultMachineTokenLife
	BindToTLS bool
	Now       func() time.Time
}

var machineParser = jwt.NewParser(
	jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
	jwt.WithJSONNumber(),
	jwt.WithoutClaimsValidation(), // the time rules are checked below, without leeway on exp
)

var errMachineToken = errors.New("machine JWT refused")

// Authenticate verifies a machine JWT.
func (m *Machine) Authenticate(ctx context.Context, token string) (contactd.Caller, error) {
	refuse := contactd.Errorf(contactd.EV1020, "")
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	maxLife := m.MaxLife
	if maxLife <= 0 {
		maxLife = DefaultMachineTokenLife
	}

	claims := jwt.MapClaims{}
	var cert contactd.Certificate
	var internal error
	_, err := machineParser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != MachineKeyID {
			return nil, errMachineToken
		}
		sub, err := claims.GetSubject()
		if err != nil || !isThumbprint(sub) {
			return nil, errMachineToken
		}
		if m.BindToTLS {
			peer := contactd.PeerCertificate(ctx)
			if peer == nil || contactd.Thumbprint(peer.Raw) != sub {
				return nil, errMachineToken
			}
		}
		cert, err = m.Registry.Certificate(ctx, sub)
		if err != nil {
			if !errors.Is(err, contactd.ErrNotRegistered) {
				internal = err
			}
			return nil, errMachineToken
		}
		x, err := x509.ParseCertificate(cert.DER)
		if err != nil || now.Before(x.NotBefore) || now.After(x.NotAfter) {
			return nil, errMachineToken
		}
		key, ok := x.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, errMachineToken
		}
		return key, nil
	})
	if internal != nil {
		return contactd.Caller{}, fmt.Errorf("machine JWT: reading the certificate: %w", internal)
	}
	if err != nil {
		return contactd.Caller{}, refuse
	}
	if err := checkTimes(claims, now); err != nil {
		return contactd.Caller{}, refuse
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return contactd.Caller{}, refuse
	}
	exp, _ := claims.GetExpirationTime() // checkTimes made sure it is there
	if life := exp.Sub(iat.Time); life > maxLife {
		return contactd.Caller{}, refuse
	}
	var logon string
	switch v := claims["startLogon"].(type) {
	case nil:
	case string:
		logon = v
	default:
		return contactd.Caller{}, refuse
	}
	return contactd.Caller{Subject: cert.Thumbprint, Thumbprint: cert.Thumbprint, Party: cert.Party, Logon: logon}, nil
}

// isThumbprint reports whether s is 64 upper-case hex digits.
func isThumbprint(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
