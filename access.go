package contactd

// The one access decision of production mode, for every endpoint, the
// read side included. It is a pure function over what the registry holds
// for the caller; the Authorizer that loads it lives in package auth.

import (
	"context"
	"crypto/x509"
	"slices"
	"time"
)

// Grants are the registry entries that can decide a caller's access: the
// rights of the logon or party that decides, and, for a certificate acting
// for a startLogon, that logon's consents.
type Grants struct {
	// Customers the decider owns: a logon's own customers, and the
	// customer a PartyCustomer is.
	Customers []CustomerID
	// Delegations to the logon.
	Delegations []Delegation
	// Links of the intermediaries the decider is or acts for.
	Links []Link
	// AccountTypes the agreements of the agencies the decider is or acts
	// for cover.
	AccountTypes []string
	// Consents of the startLogon (only read for a machine caller with a
	// startLogon).
	Consents []Consent
}

// Decide is the access rule. Who decides:
//
//   - an OAuth caller: its logon;
//   - a machine caller without startLogon: its certificate's party;
//   - a machine caller with startLogon: that logon, and only while the
//     logon consents (unexpired) to the certificate's party acting for it.
//
// The decider may act on owner's data when
//
//   - it owns the customer (all the customer's data);
//   - it holds an unexpired delegation of the customer (all its data) or
//     of that account (that account's data only);
//   - it is or acts for an intermediary linked to the customer:
//     customer-wide links cover all the customer's data, links limited to
//     accounts only the account-level data of those accounts;
//   - it is or acts for an agency whose agreement covers the account's
//     type: account-level data only, never customer-level.
//
// Everyone else, sandbox callers included, gets EV1022. A delegation or
// consent holds strictly before its Expires.
func Decide(c Caller, g Grants, o Owner, now time.Time) error {
	if allowed(c, g, o, now) {
		return nil
	}
	return Errorf(EV1022, "")
}

func allowed(c Caller, g Grants, o Owner, now time.Time) bool {
	if c.Sandbox || (c.Logon == "" && c.Party == "") {
		return false
	}
	if c.Thumbprint != "" && c.Logon != "" && !consented(g.Consents, c.Logon, c.Party, now) {
		return false
	}
	if slices.Contains(g.Customers, o.Customer) {
		return true
	}
	for _, d := range g.Delegations {
		if !live(d.Expires, now) {
			continue
		}
		if d.AccountID != "" {
			if o.AccountLevel() && d.AccountID == o.AccountID {
				return true
			}
		} else if d.Customer == o.Customer {
			return true
		}
	}
	for _, l := range g.Links {
		if l.Customer != o.Customer {
			continue
		}
		if len(l.Accounts) == 0 || (o.AccountLevel() && slices.Contains(l.Accounts, o.AccountID)) {
			return true
		}
	}
	return o.AccountLevel() && slices.Contains(g.AccountTypes, o.AccountType)
}

// consented reports whether logon holds an unexpired consent to party.
func consented(cs []Consent, logon, party string, now time.Time) bool {
	if party == "" {
		return false
	}
	for _, c := range cs {
		if c.Logon == logon && c.Party == party && live(c.Expires, now) {
			return true
		}
	}
	return false
}

func live(expires, now time.Time) bool { return expires.IsZero() || now.Before(expires) }

type peerCertificateKey struct{}

// WithPeerCertificate returns ctx carrying the client certificate that the
// TLS layer verified for the request. The HTTP layer sets it, and only
// for a verified chain; an authenticator may bind a token to it.
func WithPeerCertificate(ctx context.Context, cert *x509.Certificate) context.Context {
	return context.WithValue(ctx, peerCertificateKey{}, cert)
}

// PeerCertificate is the verified TLS client certificate of the request,
// or nil.
func PeerCertificate(ctx context.Context) *x509.Certificate {
	c, _ := ctx.Value(peerCertificateKey{}).(*x509.Certificate)
	return c
}
