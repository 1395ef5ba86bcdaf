package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
)

// DefaultMachineTokenLife is the longest a machine JWT may live (exp - iat)
// unless configured shorter: the Identity and Access build pack (§2.4)
// allows 8 hours.
const DefaultMachineTokenLife = 8 * time.Hour

// MachineKeyID is the kid header every machine JWT carries.
const MachineKeyID = "M2M"

// MachineAlgorithms are the signature algorithms of machine JWTs (the
// Identity and Access build pack, §2.4: "ECDSA is preferred but RSA will be
// supported").
var MachineAlgorithms = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}

// Machine verifies machine-to-machine JWTs (`Authorization: <JWT>`, no
// prefix) against the certificates of the registry:
//
//   - header alg one of MachineAlgorithms (none, HS*, PS* and any other
//     are refused before any key is looked at), typ "JWT", kid "M2M";
//   - sub is the SHA-256 or SHA-1 thumbprint of a registered certificate,
//     in either case, with or without colons; the certificate is within
//     its validity period and its key suits alg (RSA for RS*, ECDSA on
//     P-256, P-384, P-521 for ES256, ES384, ES512) and verifies the
//     signature;
//   - iss is a non-empty string, equal to the certificate's Issuer when
//     the operator recorded one;
//   - exp is required and in the future; iat is required, not more than a
//     minute in the future and not before the certificate's NotBefore; an
//     nbf likewise; exp - iat is at most MaxLife;
//   - with BindToTLS, the certificate is also the client certificate the
//     TLS layer verified for the request (contactd.PeerCertificate);
//     without it, the JWT may be signed by another registered
//     certificate than the TLS one (a provider acting for many
//     organisations);
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
	jwt.WithValidMethods(MachineAlgorithms),
	jwt.WithJSONNumber(),
	jwt.WithoutClaimsValidation(), // the time rules are checked below, without leeway on exp
)

var errMachineToken = errors.New("machine JWT refused")

// Authenticate verifies a machine JWT.
func (m *Machine) Authenticate(ctx context.Context, token string) (contactd.Caller, error) {
	refuse := func(reason string) error { return contactd.Refused(contactd.EV1020, "machine JWT: "+reason) }
	why := "" // set where the key function refuses
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
	var x *x509.Certificate
	var internal error
	_, err := machineParser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != MachineKeyID {
			why = "kid is not " + MachineKeyID
			return nil, errMachineToken
		}
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, "JWT") {
			why = "typ is not JWT"
			return nil, errMachineToken
		}
		if iss, err := claims.GetIssuer(); err != nil || iss == "" {
			why = "no iss"
			return nil, errMachineToken
		}
		sub, err := claims.GetSubject()
		if err != nil {
			why = "sub is not a string"
			return nil, errMachineToken
		}
		thumbprint, ok := contactd.NormalThumbprint(sub)
		if !ok {
			why = "sub is not a certificate thumbprint"
			return nil, errMachineToken
		}
		if m.BindToTLS && !isPeer(ctx, thumbprint) {
			why = "not signed by the connection's client certificate"
			return nil, errMachineToken
		}
		cert, err = m.Registry.Certificate(ctx, thumbprint)
		if err != nil {
			if !errors.Is(err, contactd.ErrNotRegistered) {
				internal = err
			}
			why = "unknown certificate"
			return nil, errMachineToken
		}
		if iss, _ := claims.GetIssuer(); cert.Issuer != "" && iss != cert.Issuer {
			why = "iss is not the certificate's issuer"
			return nil, errMachineToken
		}
		x, err = x509.ParseCertificate(cert.DER)
		if err != nil || now.Before(x.NotBefore) || now.After(x.NotAfter) {
			why = "certificate not valid now"
			return nil, errMachineToken
		}
		return verifyingKey(t.Method.Alg(), x.PublicKey)
	})
	if internal != nil {
		return contactd.Caller{}, fmt.Errorf("machine JWT: reading the certificate: %w", internal)
	}
	if err != nil {
		if why == "" {
			why = jwtReason(err)
		}
		return contactd.Caller{}, refuse(why)
	}
	if err := checkTimes(claims, now); err != nil {
		return contactd.Caller{}, err
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil || iat.Time.Before(x.NotBefore) {
		return contactd.Caller{}, refuse("no iat, or one before the certificate")
	}
	exp, _ := claims.GetExpirationTime() // checkTimes made sure it is there
	if life := exp.Sub(iat.Time); life > maxLife {
		return contactd.Caller{}, refuse("lives longer than --m2m-max-lifetime")
	}
	var logon string
	switch v := claims["startLogon"].(type) {
	case nil:
	case string:
		logon = v
	default:
		return contactd.Caller{}, refuse("startLogon is not a string")
	}
	return contactd.Caller{Subject: cert.Thumbprint, Thumbprint: cert.Thumbprint, Party: cert.Party, Logon: logon}, nil
}

// isPeer reports whether thumbprint (SHA-256 or SHA-1, normal form) names
// the client certificate the TLS layer verified for the request.
func isPeer(ctx context.Context, thumbprint string) bool {
	peer := contactd.PeerCertificate(ctx)
	if peer == nil {
		return false
	}
	return thumbprint == contactd.Thumbprint(peer.Raw) || thumbprint == contactd.ThumbprintSHA1(peer.Raw)
}

// machineCurves are the curves of the ES algorithms.
var machineCurves = map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}

// verifyingKey returns the certificate's key when it suits alg: RSA for
// RS*, ECDSA on the algorithm's own curve for ES*.
func verifyingKey(alg string, key any) (any, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(alg, "RS") {
			return k, nil
		}
	case *ecdsa.PublicKey:
		if curve, ok := machineCurves[alg]; ok && k.Curve == curve {
			return k, nil
		}
	}
	return nil, errMachineToken
}
