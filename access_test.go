package contactd_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cust := contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	other := contactd.CustomerID{Type: contactd.IRD, Value: "035901981"}
	customerLevel := contactd.Owner{CustomerKey: 1, Customer: cust}
	inc := contactd.Owner{CustomerKey: 1, Customer: cust, AccountKey: 10, AccountID: "049091850INC001", AccountType: "INC"}
	gst := contactd.Owner{CustomerKey: 1, Customer: cust, AccountKey: 11, AccountID: "049091850GST001", AccountType: "GST"}
	otherINC := contactd.Owner{CustomerKey: 2, Customer: other, AccountKey: 20, AccountID: "035901981INC001", AccountType: "INC"}

	logon := contactd.Caller{Subject: "ana", Logon: "ana"}
	party := contactd.Caller{Subject: "TP", Thumbprint: "TP", Party: "acme"}
	onBehalf := contactd.Caller{Subject: "TP", Thumbprint: "TP", Party: "acme", Logon: "ana"}
	sandbox := contactd.Caller{Sandbox: true, Subject: "sandbox"}

	type want struct{ customer, inc, gst, otherINC bool }
	for _, tc := range []struct {
		name   string
		caller contactd.Caller
		g      contactd.Grants
		want   want
	}{
		{"owner", logon, contactd.Grants{Customers: []contactd.CustomerID{cust}}, want{true, true, true, false}},
		{"delegate of the customer", logon, contactd.Grants{Delegations: []contactd.Delegation{{Logon: "ana", Customer: cust}}}, want{true, true, true, false}},
		{"delegate until tomorrow", logon, contactd.Grants{Delegations: []contactd.Delegation{{Logon: "ana", Customer: cust, Expires: now.Add(24 * time.Hour)}}}, want{true, true, true, false}},
		{"delegation expiring now", logon, contactd.Grants{Delegations: []contactd.Delegation{{Logon: "ana", Customer: cust, Expires: now}}}, want{}},
		{"expired delegation", logon, contactd.Grants{Delegations: []contactd.Delegation{{Logon: "ana", Customer: cust, Expires: now.Add(-time.Second)}}}, want{}},
		{"delegate of one account", logon, contactd.Grants{Delegations: []contactd.Delegation{{Logon: "ana", AccountID: inc.AccountID}}}, want{false, true, false, false}},
		{"customer-wide link", party, contactd.Grants{Links: []contactd.Link{{Party: "acme", Customer: cust}}}, want{true, true, true, false}},
		{"link limited to INC", party, contactd.Grants{Links: []contactd.Link{{Party: "acme", Customer: cust, Accounts: []string{inc.AccountID}}}}, want{false, true, false, false}},
		{"link limited to another customer's account", party, contactd.Grants{Links: []contactd.Link{{Party: "acme", Customer: cust, Accounts: []string{otherINC.AccountID}}}}, want{}},
		{"agency for INC", party, contactd.Grants{AccountTypes: []string{"INC"}}, want{false, true, false, true}},
		{"agency for FAM", party, contactd.Grants{AccountTypes: []string{"FAM"}}, want{}},
		{"nothing", logon, contactd.Grants{}, want{}},
		{"startLogon with consent", onBehalf, contactd.Grants{Customers: []contactd.CustomerID{cust},
			Consents: []contactd.Consent{{Logon: "ana", Party: "acme"}}}, want{true, true, true, false}},
		{"startLogon without consent", onBehalf, contactd.Grants{Customers: []contactd.CustomerID{cust}}, want{}},
		{"startLogon, consent to another party", onBehalf, contactd.Grants{Customers: []contactd.CustomerID{cust},
			Consents: []contactd.Consent{{Logon: "ana", Party: "other"}}}, want{}},
		{"startLogon, consent of another logon", onBehalf, contactd.Grants{Customers: []contactd.CustomerID{cust},
			Consents: []contactd.Consent{{Logon: "bob", Party: "acme"}}}, want{}},
		{"startLogon, expired consent", onBehalf, contactd.Grants{Customers: []contactd.CustomerID{cust},
			Consents: []contactd.Consent{{Logon: "ana", Party: "acme", Expires: now.Add(-time.Minute)}}}, want{}},
		{"sandbox caller with grants", sandbox, contactd.Grants{Customers: []contactd.CustomerID{cust}}, want{}},
		{"anonymous caller with grants", contactd.Caller{}, contactd.Grants{Customers: []contactd.CustomerID{cust}}, want{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				o    contactd.Owner
				want bool
			}{{"customer-level", customerLevel, tc.want.customer}, {"INC", inc, tc.want.inc}, {"GST", gst, tc.want.gst}, {"other customer's INC", otherINC, tc.want.otherINC}} {
				err := contactd.Decide(tc.caller, tc.g, c.o, now)
				if c.want && err != nil {
					t.Errorf("%s: refused: %v", c.name, err)
				}
				if !c.want && contactd.ErrorCode(err) != contactd.EV1022 {
					t.Errorf("%s: got %v, want EV1022", c.name, err)
				}
			}
		})
	}
}

func TestPeerCertificateContext(t *testing.T) {
	ctx := context.Background()
	if contactd.PeerCertificate(ctx) != nil {
		t.Fatal("a bare context has a peer certificate")
	}
	c := &x509.Certificate{Raw: []byte{1, 2, 3}}
	if got := contactd.PeerCertificate(contactd.WithPeerCertificate(ctx, c)); got != c {
		t.Fatalf("got %v", got)
	}
}
