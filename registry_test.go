package contactd_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth/authtest"
)

func TestParseCustomerRef(t *testing.T) {
	for in, want := range map[string]contactd.CustomerID{
		"IRD:49091850":    {Type: contactd.IRD, Value: "049091850"},
		"IRD:136410132":   {Type: contactd.IRD, Value: "136410132"},
		"ird:136410132":   {Type: contactd.IRD, Value: "136410132"},
		"CST:1512100301":  {Type: contactd.CST, Value: "1512100301"},
		" CST:7 ":         {Type: contactd.CST, Value: "7"},
		"IRD:102210221":   {Type: contactd.IRD, Value: "102210221"}, // fails the check digit: still a name
		"IRD:136-410-132": {},
		"IRD:9125568":     {},
		"CST:15121003011": {},
		"CST:":            {},
		"ACC:1":           {},
		"136410132":       {},
		"":                {},
	} {
		got, err := contactd.ParseCustomerRef(in)
		if want == (contactd.CustomerID{}) {
			if err == nil {
				t.Errorf("%q: accepted as %v", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
		if back, _ := contactd.ParseCustomerRef(contactd.CustomerRef(got)); back != got {
			t.Errorf("%q: does not round-trip: %q", in, contactd.CustomerRef(got))
		}
	}
}

func TestThumbprint(t *testing.T) {
	der := []byte("not really a certificate")
	sum := sha256.Sum256(der)
	want := strings.ToUpper(hex.EncodeToString(sum[:]))
	if got := contactd.Thumbprint(der); got != want || len(got) != 64 {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestNormalThumbprint(t *testing.T) {
	c := authtest.SelfSigned(t, "acme signing", 1)
	sha256tp, sha1tp := contactd.Thumbprint(c.Cert.Raw), contactd.ThumbprintSHA1(c.Cert.Raw)
	if len(sha1tp) != 40 {
		t.Fatalf("SHA-1 thumbprint %s", sha1tp)
	}
	colons := func(s string) string {
		var parts []string
		for i := 0; i < len(s); i += 2 {
			parts = append(parts, s[i:i+2])
		}
		return strings.Join(parts, ":")
	}
	for _, tp := range []string{sha256tp, sha1tp} {
		for _, written := range []string{tp, strings.ToLower(tp), colons(tp), colons(strings.ToLower(tp))} {
			if got, ok := contactd.NormalThumbprint(written); !ok || got != tp {
				t.Errorf("NormalThumbprint(%s) = %s, %v; want %s", written, got, ok, tp)
			}
		}
	}
	for _, bad := range []string{"", sha256tp[:63], sha1tp + "0", strings.Replace(sha1tp, sha1tp[:1], "G", 1), " " + sha1tp, sha256tp[:32]} {
		if got, ok := contactd.NormalThumbprint(bad); ok {
			t.Errorf("NormalThumbprint(%q) = %s, accepted", bad, got)
		}
	}
}

func TestParseCertificatePEM(t *testing.T) {
	c := authtest.SelfSigned(t, "acme signing", 1)
	cert, err := contactd.ParseCertificatePEM("acme", c.PEM)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Thumbprint != c.Thumbprint() || cert.Party != "acme" || !strings.Contains(cert.Subject, "acme signing") {
		t.Fatalf("got %+v", cert)
	}
	if string(cert.PEM()) != string(c.PEM) {
		t.Fatal("PEM does not round-trip")
	}

	smallKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	selfSign := func(pub, priv any) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "x"},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	// ES256, ES384 and ES512 (the Identity and Access build pack, §2.4).
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, _ := ecdsa.GenerateKey(curve, rand.Reader)
		if _, err := contactd.ParseCertificatePEM("acme", selfSign(&k.PublicKey, k)); err != nil {
			t.Errorf("ECDSA %s: %v", curve.Params().Name, err)
		}
	}
	for name, text := range map[string][]byte{
		"ECDSA P-224":     selfSign(&p224.PublicKey, p224),
		"Ed25519":         selfSign(edKey.Public(), edKey),
		"RSA 1024":        selfSign(&smallKey.PublicKey, smallKey),
		"private key":     append(append([]byte{}, c.PEM...), c.KeyPEM(t)...),
		"two":             append(append([]byte{}, c.PEM...), c.PEM...),
		"nothing":         []byte("hello"),
		"not a cert":      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}),
		"empty":           nil,
		"only a key":      c.KeyPEM(t),
		"truncated block": c.PEM[:len(c.PEM)/2],
	} {
		if _, err := contactd.ParseCertificatePEM("acme", text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRegistryFileRoundTrip(t *testing.T) {
	c := authtest.SelfSigned(t, "acme signing", 1)
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/acme.pem", c.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	file := `{
  "logons": [{"logon": "ana.tane", "name": "Ana Tane"}, {"logon": "tim.agent"}],
  "owners": [{"logon": "ana.tane", "customer": "IRD:49091850"}],
  "delegations": [
    {"logon": "tim.agent", "customer": "CST:1512100301", "expires": "2027-03-31T11:00:00Z"},
    {"logon": "tim.agent", "account": "049091850INC001"}
  ],
  "parties": [
    {"party": "acme-tax", "kind": "intermediary", "name": "Acme Tax Ltd"},
    {"party": "msd", "kind": "agency", "accountTypes": ["FAM", "INC"]},
    {"party": "look-through", "kind": "customer", "customer": "IRD:069096409"},
    {"party": "payroll-app", "kind": "provider"}
  ],
  "members": [{"party": "acme-tax", "logon": "tim.agent"}],
  "links": [
    {"party": "acme-tax", "customer": "IRD:049091850"},
    {"party": "acme-tax", "customer": "IRD:035901981", "accounts": ["035901981INC001"]}
  ],
  "certificates": [{"party": "acme-tax", "pemFile": "acme.pem", "issuer": "acme-payroll-app"}],
  "consents": [{"logon": "ana.tane", "party": "payroll-app", "expires": null}]
}`
	read := func(name string) ([]byte, error) { return os.ReadFile(dir + "/" + name) }
	d, err := contactd.ParseRegistry([]byte(file), read)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 14 || d.Ownerships[0].Customer.Value != "049091850" || d.Certificates[0].Thumbprint != c.Thumbprint() ||
		d.Certificates[0].Issuer != "acme-payroll-app" || !d.Delegations[0].Expires.Equal(time.Date(2027, 3, 31, 11, 0, 0, 0, time.UTC)) || !d.Consents[0].Expires.IsZero() {
		t.Fatalf("parsed %+v", d)
	}
	out, err := contactd.FormatRegistry(d)
	if err != nil {
		t.Fatal(err)
	}
	again, err := contactd.ParseRegistry(out, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(d, again) {
		t.Fatalf("round trip differs:\n%+v\n%+v", d, again)
	}
	if _, err := contactd.ParseRegistry([]byte(file), nil); err == nil {
		t.Fatal("pemFile accepted without a file reader")
	}
}

func TestRegistryFileRefusals(t *testing.T) {
	for name, file := range map[string]string{
		"unknown field":           `{"logons": [{"logon": "a", "nick": "b"}]}`,
		"unknown section":         `{"users": []}`,
		"empty logon":             `{"logons": [{"logon": ""}]}`,
		"spaces":                  `{"logons": [{"logon": " a"}]}`,
		"control":                 `{"logons": [{"logon": "a\u0007"}]}`,
		"bad customer":            `{"owners": [{"logon": "a", "customer": "IRD:1"}]}`,
		"owner without customer":  `{"owners": [{"logon": "a"}]}`,
		"delegation to both":      `{"delegations": [{"logon": "a", "customer": "CST:1", "account": "X1"}]}`,
		"delegation to nothing":   `{"delegations": [{"logon": "a"}]}`,
		"lower-case account":      `{"delegations": [{"logon": "a", "account": "x1"}]}`,
		"bad expiry":              `{"delegations": [{"logon": "a", "customer": "CST:1", "expires": "tomorrow"}]}`,
		"unknown kind":            `{"parties": [{"party": "p", "kind": "bank"}]}`,
		"agency without types":    `{"parties": [{"party": "p", "kind": "agency"}]}`,
		"types for intermediary":  `{"parties": [{"party": "p", "kind": "intermediary", "accountTypes": ["INC"]}]}`,
		"customer party no cust":  `{"parties": [{"party": "p", "kind": "customer"}]}`,
		"intermediary with cust":  `{"parties": [{"party": "p", "kind": "intermediary", "customer": "CST:1"}]}`,
		"bad account type":        `{"parties": [{"party": "p", "kind": "agency", "accountTypes": ["inc"]}]}`,
		"link without customer":   `{"links": [{"party": "p"}]}`,
		"certificate not PEM":     `{"certificates": [{"party": "p", "pem": "hello"}]}`,
		"certificate both":        `{"certificates": [{"party": "p", "pem": "x", "pemFile": "y"}]}`,
		"two values":              `{} {}`,
		"not an object":           `[]`,
		"consent without a party": `{"consents": [{"logon": "a"}]}`,
	} {
		if _, err := contactd.ParseRegistry([]byte(file), nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := authtest.SelfSigned(t, "x", 1)
	cert, _ := contactd.ParseCertificatePEM("p", c.PEM)
	bad := contactd.RegistryData{Certificates: []contactd.Certificate{cert}}
	bad.Certificates[0].Thumbprint = strings.Repeat("0", 64)
	if err := bad.Validate(); err == nil {
		t.Error("a certificate with a wrong thumbprint validated")
	}
	for _, issuer := range []string{" acme", "acme\n", strings.Repeat("i", 257)} {
		withIssuer := cert
		withIssuer.Issuer = issuer
		if err := (contactd.RegistryData{Certificates: []contactd.Certificate{withIssuer}}).Validate(); err == nil {
			t.Errorf("issuer %.20q validated", issuer)
		}
	}
	// The stores match customers as written, so only the normal form is
	// taken from a caller that builds RegistryData itself.
	for _, id := range []contactd.CustomerID{{Type: "cst", Value: "2"}, {Type: contactd.IRD, Value: "69096409"}} {
		d := contactd.RegistryData{Ownerships: []contactd.Ownership{{Logon: "a", Customer: id}}}
		if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "normal form") {
			t.Errorf("customer %+v: %v", id, err)
		}
	}
	if !errors.Is(errors.Join(contactd.ErrNotRegistered), contactd.ErrNotRegistered) {
		t.Fatal("unreachable")
	}
}
