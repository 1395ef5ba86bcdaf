package http_test

import (
	"context"
	"crypto/elliptic"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/auth/authtest"
	"github.com/contactd/contactd/sqlite"
)

// The production world of these tests: customer 049091850 with an INC and
// a GST account, one customer-level and one INC contact of two phones
// each; customer 035901981 with an INC account; and a registry holding one
// caller of each kind.
const (
	custIRD     = "049091850"
	incAccount  = "049091850INC001"
	gstAccount  = "049091850GST001"
	otherIRD    = "035901981"
	otherINC    = "035901981INC001"
	custContact = "5001" // phones 5002, 5003
	incContact  = "5011" // phones 5012, 5013
)

func productionDataset() contactd.Dataset {
	cust := contactd.CustomerID{Type: contactd.IRD, Value: custIRD}
	other := contactd.CustomerID{Type: contactd.IRD, Value: otherIRD}
	phones := func(a, b int64) []contactd.Phone {
		return []contactd.Phone{
			{ID: a, Type: "BSN", Country: "NZ", Number: "044451153"},
			{ID: b, Type: "CELL", Country: "NZ", Number: "0276479952"},
		}
	}
	return contactd.Dataset{
		Customers: []contactd.Customer{{ID: cust, Profile: []byte(`{}`)}, {ID: other, Profile: []byte(`{}`)}},
		Accounts: []contactd.Account{
			{ID: incAccount, IDType: "ACC", Type: "INC", Customer: cust},
			{ID: gstAccount, IDType: "ACC", Type: "GST", Customer: cust},
			{ID: otherINC, IDType: "ACC", Type: "INC", Customer: other},
		},
		Contacts: []contactd.SeedContact{
			{Owner: contactd.OwnerRef{Customer: cust}, Contact: contactd.Contact{ID: 5001, Type: contactd.Primary, Name: "Customer Contact", Phones: phones(5002, 5003)}},
			{Owner: contactd.OwnerRef{AccountID: incAccount}, Contact: contactd.Contact{ID: 5011, Type: contactd.Primary, Name: "INC Contact", Phones: phones(5012, 5013)}},
		},
	}
}

// world is the issuer, the signing certificates and the template database
// the production tests copy for each case.
type world struct {
	iss      *authtest.Issuer
	oauth    *auth.OAuth
	template string
	certs    map[string]*authtest.Cert // by party
	// acme's ECDSA signing certificates, by algorithm, and one whose
	// JWTs must carry the issuer "acme-payroll"
	ecCerts  map[string]*authtest.ECCert
	issuerEC *authtest.ECCert
	clientCA *authtest.CA
	serverCA *authtest.CA
	server   *authtest.Cert
	delegate string // an opaque token of the customer's delegate
}

// prodWorld builds the world for one test; the RSA keys behind it are made
// once per test binary.
func prodWorld(t *testing.T) *world {
	t.Helper()
	w := &world{certs: map[string]*authtest.Cert{}, ecCerts: map[string]*authtest.ECCert{}}
	w.iss = authtest.NewIssuer(t)
	w.clientCA = authtest.NewCA(t, "contactd test client CA", 9)
	w.serverCA = authtest.NewCA(t, "contactd test server CA", 10)
	w.server = w.serverCA.Server(t, 11)
	for i, party := range []string{"acme", "limited", "unlinked", "agency-inc", "agency-fam", "payroll"} {
		w.certs[party] = w.clientCA.Client(t, party+" signing", i+1)
	}
	w.ecCerts["ES256"] = w.clientCA.ClientEC(t, "acme ES256 signing", elliptic.P256())
	w.ecCerts["ES384"] = w.clientCA.ClientEC(t, "acme ES384 signing", elliptic.P384())
	w.ecCerts["ES512"] = w.clientCA.ClientEC(t, "acme ES512 signing", elliptic.P521())
	w.issuerEC = w.clientCA.ClientEC(t, "acme signing with an issuer", elliptic.P256())
	var err error
	w.oauth, err = auth.NewOAuth(auth.OAuthConfig{Issuer: w.iss.URL, Audience: w.iss.Audience,
		JWKSURL: w.iss.JWKSURL(), IntrospectionURL: w.iss.IntrospectionURL(),
		ClientID: w.iss.ClientID, ClientSecret: w.iss.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.oauth.Close() })
	w.template = filepath.Join(t.TempDir(), "template.db")
	if msg := buildTemplate(w); msg != "" {
		t.Fatalf("production world: %s", msg)
	}
	w.delegate = w.iss.Opaque("dan", time.Hour)
	return w
}

func buildTemplate(w *world) string {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, w.template)
	if err != nil {
		return err.Error()
	}
	defer s.Close()
	if err := s.Load(ctx, productionDataset()); err != nil {
		return err.Error()
	}
	cust := contactd.CustomerID{Type: contactd.IRD, Value: custIRD}
	other := contactd.CustomerID{Type: contactd.IRD, Value: otherIRD}
	d := contactd.RegistryData{
		Logons: []contactd.Logon{{ID: "olivia", Name: "Owner"}, {ID: "dan", Name: "Delegate of the customer"},
			{ID: "dora", Name: "Delegate of the INC account"}, {ID: "ed", Name: "Expired delegate"},
			{ID: "tim", Name: "Acme staff"}, {ID: "stan", Name: "Stranger"}},
		Ownerships: []contactd.Ownership{{Logon: "olivia", Customer: cust}},
		Delegations: []contactd.Delegation{
			{Logon: "dan", Customer: cust, Expires: time.Now().Add(24 * time.Hour)},
			{Logon: "dora", AccountID: incAccount},
			{Logon: "ed", Customer: cust, Expires: time.Now().Add(-time.Hour)},
		},
		Parties: []contactd.Party{
			{ID: "acme", Kind: contactd.PartyIntermediary, Name: "Acme Tax"},
			{ID: "limited", Kind: contactd.PartyIntermediary, Name: "GST-only agent"},
			{ID: "unlinked", Kind: contactd.PartyIntermediary, Name: "Agent of someone else"},
			{ID: "agency-inc", Kind: contactd.PartyAgency, AccountTypes: []string{"INC"}},
			{ID: "agency-fam", Kind: contactd.PartyAgency, AccountTypes: []string{"FAM"}},
			{ID: "payroll", Kind: contactd.PartyProvider, Name: "Payroll software"},
		},
		Memberships: []contactd.Membership{{Party: "acme", Logon: "tim"}},
		Links: []contactd.Link{
			{Party: "acme", Customer: cust},
			{Party: "limited", Customer: cust, Accounts: []string{gstAccount}},
			{Party: "unlinked", Customer: other},
		},
		Consents: []contactd.Consent{{Logon: "olivia", Party: "payroll"}},
	}
	for party, c := range w.certs {
		cert, err := contactd.ParseCertificatePEM(party, c.PEM)
		if err != nil {
			return err.Error()
		}
		d.Certificates = append(d.Certificates, cert)
	}
	for _, c := range append([]*authtest.ECCert{w.issuerEC}, w.ecCerts["ES256"], w.ecCerts["ES384"], w.ecCerts["ES512"]) {
		cert, err := contactd.ParseCertificatePEM("acme", c.PEM)
		if err != nil {
			return err.Error()
		}
		if c == w.issuerEC {
			cert.Issuer = "acme-payroll"
		}
		d.Certificates = append(d.Certificates, cert)
	}
	if err := s.ImportRegistry(ctx, d); err != nil {
		return err.Error()
	}
	return ""
}

// fresh copies the template into a new database for one case.
func (w *world) fresh(t *testing.T) *sqlite.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prod.db")
	copyFile(t, w.template, path)
	if _, err := os.Stat(w.template + "-wal"); err == nil {
		copyFile(t, w.template+"-wal", path+"-wal")
	}
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// production serves a fresh copy of the world over loopback HTTP in
// production mode.
func (w *world) production(t *testing.T) *sandboxServer {
	t.Helper()
	store := w.fresh(t)
	authn := &auth.Production{OAuth: w.oauth, Machine: &auth.Machine{Registry: store}}
	return serve(t, store, authn, auth.RegistryAccess{Registry: store})
}

// irdGUID is the sub of the access tokens shaped like IRD's sample.
const irdGUID = "0f8fad5b-d9cb-469f-a165-70867728950e"

// irdShaped is an OAuth JWT access token shaped like IRD's sample: a GUID
// sub and the logon in startLogon.
func (w *world) irdShaped(t *testing.T, logon string) string {
	c := w.iss.Claims(irdGUID)
	c["startLogon"] = logon
	return "Bearer " + w.iss.Sign(t, "k1", c)
}

func (w *world) machine(t *testing.T, party, startLogon string) string {
	return authtest.MachineToken(t, w.certs[party], startLogon)
}

// operation is one request of the matrix; level says whose right it
// needs: "customer" (customer-level data) or "account" (the INC account's).
type operation struct {
	name, method, path, body, level string
}

func operations() []operation {
	return []operation{
		{"create customer-level contact", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", custIRD), "SCNDRY", nzPhone), "customer"},
		{"rename customer-level contact", "PUT", "/gateway/contact/contact", `{"ContactID":` + custContact + `,"Contact":{"Name":"Renamed"}}`, "customer"},
		{"delete customer-level contact", "DELETE", "/gateway/contact/contact", `{"ContactID":` + custContact + `}`, "customer"},
		{"add phone to customer-level contact", "POST", "/gateway/contact/phone", phoneBody(custContact, nzPhone), "customer"},
		{"change customer-level phone", "PUT", "/gateway/contact/phone", `{"PhoneID":5002,"Phone":{"Country":"NZ","PhoneNumber":"027789032","PhoneType":"CELL"}}`, "customer"},
		{"delete customer-level phone", "DELETE", "/gateway/contact/phone", `{"PhoneID":5002}`, "customer"},
		{"create account-level contact", "POST", "/gateway/contact/contact", contactBody(accountOwner(incAccount), "SCNDRY", nzPhone), "account"},
		{"rename account-level contact", "PUT", "/gateway/contact/contact", `{"ContactID":` + incContact + `,"Contact":{"Name":"Renamed"}}`, "account"},
		{"delete account-level contact", "DELETE", "/gateway/contact/contact", `{"ContactID":` + incContact + `}`, "account"},
		{"add phone to account-level contact", "POST", "/gateway/contact/phone", phoneBody(incContact, nzPhone), "account"},
		{"change account-level phone", "PUT", "/gateway/contact/phone", `{"PhoneID":5012,"Phone":{"Country":"NZ","PhoneNumber":"027789032","PhoneType":"CELL"}}`, "account"},
		{"delete account-level phone", "DELETE", "/gateway/contact/phone", `{"PhoneID":5012}`, "account"},
		{"read customer", "POST", "/gateway/customer/customer", `{"CustomerID":"` + custIRD + `","CustomerIDType":"IRD"}`, "customer"},
		{"read account", "POST", "/gateway/account/account", `{"AccountID":"` + incAccount + `","AccountIDType":"ACC"}`, "account"},
		{"list accounts", "POST", "/gateway/account/list", `{"CustomerID":"` + custIRD + `","CustomerIDType":"IRD"}`, "customer"},
	}
}

// TestAccessMatrix runs every operation for every kind of caller, each on
// a fresh copy of the world, over real HTTP.
func TestAccessMatrix(t *testing.T) {
	w := prodWorld(t)
	callers := []struct {
		name              string
		header            func(t *testing.T) string
		customer, account bool // may it act on customer-level and on INC data
	}{
		{"owner (OAuth JWT)", func(t *testing.T) string { return "Bearer " + w.iss.Token(t, "olivia") }, true, true},
		{"delegate of the customer (introspected token)", func(*testing.T) string { return "Bearer " + w.delegate }, true, true},
		{"delegate of the INC account (OAuth JWT)", func(t *testing.T) string { return "Bearer " + w.iss.Token(t, "dora") }, false, true},
		{"expired delegation (OAuth JWT)", func(t *testing.T) string { return "Bearer " + w.iss.Token(t, "ed") }, false, false},
		{"linked agent by logon (OAuth JWT)", func(t *testing.T) string { return "Bearer " + w.iss.Token(t, "tim") }, true, true},
		{"linked agent by certificate (machine JWT)", func(t *testing.T) string { return w.machine(t, "acme", "") }, true, true},
		{"agent limited to the GST account (machine JWT)", func(t *testing.T) string { return w.machine(t, "limited", "") }, false, false},
		{"unlinked agent (machine JWT)", func(t *testing.T) string { return w.machine(t, "unlinked", "") }, false, false},
		{"agency for INC (machine JWT)", func(t *testing.T) string { return w.machine(t, "agency-inc", "") }, false, true},
		{"agency for FAM (machine JWT)", func(t *testing.T) string { return w.machine(t, "agency-fam", "") }, false, false},
		{"stranger (OAuth JWT)", func(t *testing.T) string { return "Bearer " + w.iss.Token(t, "stan") }, false, false},
		{"provider for a consenting owner (startLogon)", func(t *testing.T) string { return w.machine(t, "payroll", "olivia") }, true, true},
		{"provider without startLogon", func(t *testing.T) string { return w.machine(t, "payroll", "") }, false, false},
		// IRD's access tokens: a GUID sub, the logon in startLogon (or, when
		// introspected, in username).
		{"owner by startLogon (OAuth JWT shaped like IRD's)", func(t *testing.T) string { return w.irdShaped(t, "olivia") }, true, true},
		{"stranger by startLogon (OAuth JWT shaped like IRD's)", func(t *testing.T) string { return w.irdShaped(t, "stan") }, false, false},
		{"delegate by username (introspection shaped like IRD's)", func(*testing.T) string {
			return "Bearer " + w.iss.OpaqueWith(irdGUID, time.Hour, map[string]any{"username": "dan"})
		}, true, true},
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			header := c.header(t)
			for _, op := range operations() {
				allowed := (op.level == "customer" && c.customer) || (op.level == "account" && c.account)
				s := w.production(t)
				status, body := s.doAuth(op.method, op.path, header, op.body)
				if allowed {
					if status != 200 {
						t.Errorf("%s: %d %s, want 200", op.name, status, body)
					}
					continue
				}
				if status != 403 || errorOf(t, body) != (apiError{"EV1022", "security", contactd.EV1022.Message()}) {
					t.Errorf("%s: %d %s, want 403 EV1022", op.name, status, body)
				}
			}
		})
	}
}

// ecSign is a machine JWT of an ECDSA certificate with the given iss.
func ecSign(t *testing.T, c *authtest.ECCert, alg, iss string) string {
	claims := authtest.MachineClaims(c.Thumbprint(), "", time.Now(), 9*time.Minute)
	claims["iss"] = iss
	return authtest.Sign(t, jwt.GetSigningMethod(alg), c.Key, "M2M", claims)
}

// TestMachineJWTForms: every form of machine JWT the Identity and Access
// build pack (§2.4) allows is served over HTTP: RS256/384/512 and
// ES256/384/512 from registered certificates, sub as the SHA-256 or SHA-1
// thumbprint in either case with or without colons, a life of up to 8
// hours, the iss recorded with the certificate.
func TestMachineJWTForms(t *testing.T) {
	w := prodWorld(t)
	s := w.production(t)
	acme := w.certs["acme"]
	now := time.Now()
	tp, sha1tp := acme.Thumbprint(), contactd.ThumbprintSHA1(acme.Cert.Raw)
	rsWith := func(method jwt.SigningMethod, sub string, life time.Duration) string {
		c := authtest.MachineClaims(sub, "", now, life)
		c["iss"] = "acme-tax"
		return authtest.Sign(t, method, acme.Key, "M2M", c)
	}
	colons := func(hex string) string {
		var parts []string
		for i := 0; i < len(hex); i += 2 {
			parts = append(parts, hex[i:i+2])
		}
		return strings.Join(parts, ":")
	}
	forms := map[string]string{
		"RS256":                       rsWith(jwt.SigningMethodRS256, tp, 9*time.Minute),
		"RS384":                       rsWith(jwt.SigningMethodRS384, tp, 9*time.Minute),
		"RS512":                       rsWith(jwt.SigningMethodRS512, tp, 9*time.Minute),
		"lower-case sub":              rsWith(jwt.SigningMethodRS256, strings.ToLower(tp), 9*time.Minute),
		"sub with colons":             rsWith(jwt.SigningMethodRS256, colons(tp), 9*time.Minute),
		"SHA-1 sub":                   rsWith(jwt.SigningMethodRS256, sha1tp, 9*time.Minute),
		"SHA-1 sub, lower case":       rsWith(jwt.SigningMethodRS256, strings.ToLower(sha1tp), 9*time.Minute),
		"SHA-1 sub with colons":       rsWith(jwt.SigningMethodRS256, colons(strings.ToLower(sha1tp)), 9*time.Minute),
		"the build pack's 2 h 46 min": rsWith(jwt.SigningMethodRS256, tp, 2*time.Hour+46*time.Minute),
		"a life of 8 hours":           rsWith(jwt.SigningMethodRS256, tp, 8*time.Hour),
		"the recorded iss":            ecSign(t, w.issuerEC, "ES256", "acme-payroll"),
	}
	for alg, c := range w.ecCerts {
		forms[alg] = ecSign(t, c, alg, "acme-tax")
	}
	for name, token := range forms {
		status, body := s.doAuth("PUT", "/gateway/contact/contact", token, `{"ContactID":`+custContact+`,"Contact":{"Name":"Renamed"}}`)
		if status != 200 {
			t.Errorf("%s: %d %s, want 200", name, status, body)
		}
	}
}

// TestAccessOrderOfChecks: the access check keeps its place in the
// published order, after existence and before eligibility and the phone
// rules, for production callers too.
func TestAccessOrderOfChecks(t *testing.T) {
	w := prodWorld(t)
	s := w.production(t)
	stranger := "Bearer " + w.iss.Token(t, "stan")
	owner := "Bearer " + w.iss.Token(t, "olivia")
	status, body := s.doAuth("PUT", "/gateway/contact/contact", stranger, `{"ContactID":999999,"Contact":{"Name":"x"}}`)
	wantError(t, status, body, 400, "CST404")
	status, body = s.doAuth("PUT", "/gateway/contact/contact", stranger, `{"ContactID":"x"}`)
	wantError(t, status, body, 400, "EV1100")
	status, body = s.doAuth("POST", "/gateway/contact/phone", stranger, phoneBody(custContact, `{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"1"}`))
	wantError(t, status, body, 403, "EV1022")
	status, body = s.doAuth("POST", "/gateway/contact/phone", owner, phoneBody(custContact, `{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"1"}`))
	wantError(t, status, body, 400, "CNT102")
	// Production keeps the check digit for every number, the sandbox
	// personas' too.
	status, body = s.doAuth("POST", "/gateway/customer/customer", owner, `{"CustomerID":"102210221","CustomerIDType":"IRD"}`)
	wantError(t, status, body, 400, "EV2234")
	status, body = s.doAuth("POST", "/gateway/contact/contact", owner, contactBody(customerOwner("IRD", "102210221"), "SCNDRY", nzPhone))
	wantError(t, status, body, 400, "EV2234")
	// The status endpoints check credentials only.
	for _, h := range []string{owner, stranger, w.machine(t, "unlinked", "")} {
		status, body = s.doAuth("GET", "/gateway/contact/status", h, "")
		if status != 200 || string(body) != "OK" {
			t.Errorf("status with valid credentials: %d %s", status, body)
		}
	}
}

// TestTokenAttacks: every forged, stale or misused credential is refused
// with EV1020 (EV1022 where the identity is valid but the right is
// missing), and none is ever served.
func TestTokenAttacks(t *testing.T) {
	w := prodWorld(t)
	s := w.production(t)
	acme := w.certs["acme"]
	tp := acme.Thumbprint()
	now := time.Now()
	good := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := authtest.MachineClaims(tp, "", now, 9*time.Minute)
		if edit != nil {
			edit(c)
		}
		return c
	}
	rs := func(c jwt.MapClaims) string { return authtest.Sign(t, jwt.SigningMethodRS256, acme.Key, "M2M", c) }
	pubDER, _ := x509.MarshalPKIXPublicKey(&acme.Key.PublicKey)
	unregistered := authtest.SelfSigned(t, "unregistered", 12)
	issuerPub, _ := x509.MarshalPKIXPublicKey(&w.iss.SigningKey("k1").PublicKey)
	sandboxToken, _ := auth.NewSandboxToken(now)
	revoked := w.iss.Opaque("olivia", time.Hour)
	// oauthWith is the owner's OAuth token with one claim changed.
	oauthWith := func(claim string, v any) string {
		c := w.iss.Claims("olivia")
		c[claim] = v
		return "Bearer " + w.iss.Sign(t, "k1", c)
	}
	w.iss.Revoke(revoked)

	attacks := []struct {
		name, header string
		status       int
		code         string
	}{
		{"alg none", authtest.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "M2M", good(nil)), 400, "EV1020"},
		{"HS256 keyed with the certificate's PEM", authtest.Sign(t, jwt.SigningMethodHS256, acme.PEM, "M2M", good(nil)), 400, "EV1020"},
		{"HS256 keyed with the certificate's public key", authtest.Sign(t, jwt.SigningMethodHS256, pubDER, "M2M", good(nil)), 400, "EV1020"},
		{"PS256 with the certificate's own key", authtest.Sign(t, jwt.SigningMethodPS256, acme.Key, "M2M", good(nil)), 400, "EV1020"},
		{"wrong sub (an unregistered certificate)", authtest.Sign(t, jwt.SigningMethodRS256, unregistered.Key, "M2M",
			authtest.MachineClaims(unregistered.Thumbprint(), "", now, 9*time.Minute)), 400, "EV1020"},
		{"wrong sub (another registered certificate)", rs(good(func(c jwt.MapClaims) { c["sub"] = w.certs["unlinked"].Thumbprint() })), 400, "EV1020"},
		{"signature from another key", authtest.Sign(t, jwt.SigningMethodRS256, unregistered.Key, "M2M", good(nil)), 400, "EV1020"},
		{"expired", rs(good(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })), 400, "EV1020"},
		{"iat in the future", rs(good(func(c jwt.MapClaims) { c["iat"] = now.Add(2 * time.Minute).Unix() })), 400, "EV1020"},
		{"a life of 9 hours", rs(good(func(c jwt.MapClaims) { c["exp"] = now.Add(9 * time.Hour).Unix() })), 400, "EV1020"},
		{"no iss", rs(good(func(c jwt.MapClaims) { delete(c, "iss") })), 400, "EV1020"},
		{"no typ", authtest.Sign(t, jwt.SigningMethodRS256, acme.Key, "M2M", good(nil), "typ", nil), 400, "EV1020"},
		{"iat before the certificate's NotBefore", rs(good(func(c jwt.MapClaims) {
			c["iat"] = acme.Cert.NotBefore.Add(-time.Minute).Unix()
		})), 400, "EV1020"},
		{"iss other than the recorded one", ecSign(t, w.issuerEC, "ES256", "someone-else"), 400, "EV1020"},
		{"ES512 naming the P-384 certificate", authtest.Sign(t, jwt.SigningMethodES512, w.ecCerts["ES512"].Key, "M2M",
			authtest.MachineClaims(w.ecCerts["ES384"].Thumbprint(), "", now, 9*time.Minute)), 400, "EV1020"},
		{"HS384 keyed with the certificate's PEM", authtest.Sign(t, jwt.SigningMethodHS384, acme.PEM, "M2M", good(nil)), 400, "EV1020"},
		{"kid other than M2M", authtest.Sign(t, jwt.SigningMethodRS256, acme.Key, "k1", good(nil)), 400, "EV1020"},
		{"startLogon without consent", w.machine(t, "payroll", "dan"), 403, "EV1022"},
		{"startLogon of an unknown logon", w.machine(t, "payroll", "nobody"), 403, "EV1022"},
		{"garbage", "garbage", 400, "EV1020"},
		{"garbage Bearer", "Bearer garbage", 400, "EV1020"},
		{"empty Bearer", "Bearer", 400, "EV1021"},
		{"empty Bearer with spaces", "Bearer    ", 400, "EV1021"},
		{"sandbox token", sandboxToken, 400, "EV1020"},
		{"sandbox token as Bearer", "Bearer " + sandboxToken, 400, "EV1020"},
		{"OAuth alg none", "Bearer " + authtest.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "k1", w.iss.Claims("olivia")), 400, "EV1020"},
		{"OAuth HS256 keyed with the issuer's public key", "Bearer " + authtest.Sign(t, jwt.SigningMethodHS256, issuerPub, "k1", w.iss.Claims("olivia")), 400, "EV1020"},
		{"OAuth signed by another key", "Bearer " + authtest.Sign(t, jwt.SigningMethodRS256, unregistered.Key, "k1", w.iss.Claims("olivia")), 400, "EV1020"},
		{"OAuth wrong issuer", oauthWith("iss", "https://evil.example"), 400, "EV1020"},
		{"OAuth wrong audience", oauthWith("aud", "other-api"), 400, "EV1020"},
		{"OAuth expired", oauthWith("exp", now.Add(-time.Minute).Unix()), 400, "EV1020"},
		{"OAuth not yet valid", oauthWith("nbf", now.Add(5*time.Minute).Unix()), 400, "EV1020"},
		{"OAuth token without Bearer", w.iss.Token(t, "olivia"), 400, "EV1020"},
		{"revoked opaque token", "Bearer " + revoked, 400, "EV1020"},
	}
	rename := func(name string) string { return `{"ContactID":` + custContact + `,"Contact":{"Name":"` + name + `"}}` }
	for _, a := range attacks {
		status, body := s.doAuth("PUT", "/gateway/contact/contact", a.header, rename("Attacked"))
		if status != a.status || errorOf(t, body).Code != a.code {
			t.Errorf("%s: %d %s, want %d %s", a.name, status, body, a.status, a.code)
		}
		for _, read := range []struct{ path, body string }{
			{"/gateway/customer/customer", `{"CustomerID":"` + custIRD + `","CustomerIDType":"IRD"}`},
			{"/gateway/account/account", `{"AccountID":"` + incAccount + `","AccountIDType":"ACC"}`},
		} {
			if status, body := s.doAuth("POST", read.path, a.header, read.body); status == 200 {
				t.Errorf("%s: %s served: %s", a.name, read.path, body)
			}
		}
	}
	status, body := s.doAuth("PUT", "/gateway/contact/contact", "", rename("Attacked"))
	wantError(t, status, body, 400, "EV1021")

	// Nothing was changed, and the genuine credentials still work.
	owner := "Bearer " + w.iss.Token(t, "olivia")
	status, body = s.doAuth("POST", "/gateway/customer/customer", owner, `{"CustomerID":"`+custIRD+`","CustomerIDType":"IRD"}`)
	if status != 200 || strings.Contains(string(body), "Attacked") || !strings.Contains(string(body), "Customer Contact") {
		t.Fatalf("after the attacks: %d %s", status, body)
	}
	for _, h := range []string{rs(good(nil)), w.machine(t, "payroll", "olivia")} {
		status, body = s.doAuth("PUT", "/gateway/contact/contact", h, rename("Genuine"))
		wantOK(t, status, body)
	}
}
