package storetest

import (
	"context"
	"crypto/elliptic"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth/authtest"
)

// RegistryStore is a store that also keeps the registry of parties and
// rights that production access reads.
type RegistryStore interface {
	contactd.Registry
	ImportRegistry(ctx context.Context, d contactd.RegistryData) error
	RemoveRegistry(ctx context.Context, d contactd.RegistryData) error
	ExportRegistry(ctx context.Context) (contactd.RegistryData, error)
}

// RunRegistry runs the registry's conformance suite; open returns a fresh,
// empty store that the test's cleanup closes.
func RunRegistry(t *testing.T, open func(t *testing.T) RegistryStore) {
	t.Run("ImportExportRemove", func(t *testing.T) { testRegistryImportExportRemove(t, open) })
	t.Run("Grants", func(t *testing.T) { testRegistryGrants(t, open) })
	t.Run("Errors", func(t *testing.T) { testRegistryErrors(t, open) })
	t.Run("Certificates", func(t *testing.T) { testRegistryCertificates(t, open) })
}

// testRegistryCertificates: RSA and ECDSA certificates, found by their
// SHA-256 and SHA-1 thumbprints, with the issuer agreed at registration,
// which registering again replaces.
func testRegistryCertificates(t *testing.T, open func(t *testing.T) RegistryStore) {
	ctx := context.Background()
	s := open(t)
	ca := authtest.NewCA(t, "storetest CA", 3)
	rsaCert, err := contactd.ParseCertificatePEM("acme", ca.Client(t, "acme rsa", 1).PEM)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert.Issuer = "acme-payroll-app"
	ecCert, err := contactd.ParseCertificatePEM("acme", ca.ClientEC(t, "acme ec", elliptic.P384()).PEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportRegistry(ctx, contactd.RegistryData{
		Parties:      []contactd.Party{{ID: "acme", Kind: contactd.PartyIntermediary}},
		Certificates: []contactd.Certificate{rsaCert, ecCert},
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []contactd.Certificate{rsaCert, ecCert} {
		for _, tp := range []string{want.Thumbprint, contactd.ThumbprintSHA1(want.DER)} {
			got, err := s.Certificate(ctx, tp)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("Certificate(%s) = %+v, %v; want %+v", tp, got, err, want)
			}
		}
	}
	if _, err := s.Certificate(ctx, strings.Repeat("A", 40)); !errors.Is(err, contactd.ErrNotRegistered) {
		t.Errorf("an unknown SHA-1 thumbprint: %v", err)
	}
	if got, _ := s.ExportRegistry(ctx); len(got.Certificates) != 2 || got.Certificates[0].Issuer+got.Certificates[1].Issuer != "acme-payroll-app" {
		t.Errorf("exported %+v", got.Certificates)
	}

	// Registering again replaces the issuer, or clears it.
	for _, issuer := range []string{"acme-other-app", ""} {
		again := rsaCert
		again.Issuer = issuer
		if err := s.ImportRegistry(ctx, contactd.RegistryData{Certificates: []contactd.Certificate{again}}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Certificate(ctx, rsaCert.Thumbprint); err != nil || got.Issuer != issuer {
			t.Errorf("issuer after registering again with %q: %+v, %v", issuer, got, err)
		}
	}

	// Removal by either thumbprint.
	if err := s.RemoveRegistry(ctx, contactd.RegistryData{Certificates: []contactd.Certificate{{Thumbprint: contactd.ThumbprintSHA1(ecCert.DER)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Certificate(ctx, ecCert.Thumbprint); !errors.Is(err, contactd.ErrNotRegistered) {
		t.Errorf("after removal by SHA-1: %v", err)
	}
	if _, err := s.Certificate(ctx, rsaCert.Thumbprint); err != nil {
		t.Errorf("the other certificate: %v", err)
	}
}

func ref(t *testing.T, s string) contactd.CustomerID {
	t.Helper()
	id, err := contactd.ParseCustomerRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testRegistryImportExportRemove(t *testing.T, open func(t *testing.T) RegistryStore) {
	ctx := context.Background()
	s := open(t)
	c := authtest.SelfSigned(t, "acme", 1)
	cert, err := contactd.ParseCertificatePEM("acme", c.PEM)
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	d := contactd.RegistryData{
		Logons:      []contactd.Logon{{ID: "ana", Name: "Ana"}, {ID: "tim"}},
		Ownerships:  []contactd.Ownership{{Logon: "ana", Customer: ref(t, "IRD:49091850")}},
		Delegations: []contactd.Delegation{{Logon: "tim", AccountID: "049091850INC001", Expires: expires}, {Logon: "tim", Customer: ref(t, "CST:12")}},
		Parties: []contactd.Party{
			{ID: "acme", Kind: contactd.PartyIntermediary, Name: "Acme"},
			{ID: "msd", Kind: contactd.PartyAgency, AccountTypes: []string{"FAM", "INC"}},
			{ID: "self", Kind: contactd.PartyCustomer, Customer: ref(t, "IRD:049091850")},
		},
		Memberships:  []contactd.Membership{{Party: "acme", Logon: "tim"}},
		Links:        []contactd.Link{{Party: "acme", Customer: ref(t, "IRD:049091850")}, {Party: "acme", Customer: ref(t, "CST:12"), Accounts: []string{"A1", "B2"}}},
		Certificates: []contactd.Certificate{cert},
		Consents:     []contactd.Consent{{Logon: "ana", Party: "acme", Expires: expires}},
	}
	if err := s.ImportRegistry(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportRegistry(ctx, d); err != nil {
		t.Fatalf("importing again: %v", err)
	}
	got, err := s.ExportRegistry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := d
	want.Links = []contactd.Link{d.Links[1], d.Links[0]} // key order: CST before IRD
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("export:\n%+v\nwant\n%+v", got, want)
	}

	// Replacing: a link's accounts, an agency's types, a name.
	if err := s.ImportRegistry(ctx, contactd.RegistryData{
		Logons:  []contactd.Logon{{ID: "tim", Name: "Tim Agent"}},
		Parties: []contactd.Party{{ID: "msd", Kind: contactd.PartyAgency, AccountTypes: []string{"GST"}}},
		Links:   []contactd.Link{{Party: "acme", Customer: ref(t, "CST:12")}},
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ExportRegistry(ctx)
	if got.Logons[1].Name != "Tim Agent" || !reflect.DeepEqual(got.Parties[1].AccountTypes, []string{"GST"}) || got.Links[0].Accounts != nil {
		t.Fatalf("not replaced: %+v", got)
	}

	for name, bad := range map[string]contactd.RegistryData{
		"owner of an unknown logon":   {Ownerships: []contactd.Ownership{{Logon: "nobody", Customer: ref(t, "CST:1")}}},
		"member of an unknown party":  {Memberships: []contactd.Membership{{Party: "nobody", Logon: "ana"}}},
		"link of an agency":           {Links: []contactd.Link{{Party: "msd", Customer: ref(t, "CST:1")}}},
		"agency turned intermediary":  {Parties: []contactd.Party{{ID: "msd", Kind: contactd.PartyIntermediary}}},
		"certificate to another":      {Certificates: []contactd.Certificate{{Thumbprint: cert.Thumbprint, Party: "msd", DER: cert.DER}}},
		"consent to an unknown party": {Consents: []contactd.Consent{{Logon: "ana", Party: "nobody"}}},
		"invalid":                     {Logons: []contactd.Logon{{ID: ""}}},
	} {
		if err := s.ImportRegistry(ctx, bad); err == nil {
			t.Errorf("%s: imported", name)
		}
	}
	// A failed import changes nothing.
	if err := s.ImportRegistry(ctx, contactd.RegistryData{
		Logons:     []contactd.Logon{{ID: "half"}},
		Ownerships: []contactd.Ownership{{Logon: "nobody", Customer: ref(t, "CST:1")}},
	}); err == nil {
		t.Fatal("imported")
	}
	if got, _ := s.ExportRegistry(ctx); len(got.Logons) != 2 {
		t.Fatalf("a failed import left %v", got.Logons)
	}

	// Removal by key; removing a party removes what names it.
	if err := s.RemoveRegistry(ctx, contactd.RegistryData{Parties: []contactd.Party{{ID: "acme"}}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ExportRegistry(ctx)
	if len(got.Links) != 0 || len(got.Memberships) != 0 || len(got.Certificates) != 0 || len(got.Consents) != 0 || len(got.Parties) != 2 {
		t.Fatalf("after removing acme: %+v", got)
	}
	if _, err := s.Certificate(ctx, cert.Thumbprint); !errors.Is(err, contactd.ErrNotRegistered) {
		t.Fatalf("certificate after removal: %v", err)
	}
	err = s.RemoveRegistry(ctx, contactd.RegistryData{Logons: []contactd.Logon{{ID: "ana"}, {ID: "nobody"}}})
	if !errors.Is(err, contactd.ErrNotRegistered) || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("removing an unknown logon: %v", err)
	}
	if got, _ := s.ExportRegistry(ctx); len(got.Logons) != 2 {
		t.Fatal("a failed removal removed something")
	}
}

// testRegistryErrors checks what each failed import or removal says, and
// that both stores say it alike.
func testRegistryErrors(t *testing.T, open func(t *testing.T) RegistryStore) {
	cert, err := contactd.ParseCertificatePEM("acme", authtest.SelfSigned(t, "acme", 1).PEM)
	if err != nil {
		t.Fatal(err)
	}
	ctx, s := context.Background(), open(t)
	cst1, cst2 := ref(t, "CST:1"), ref(t, "CST:2")
	if err := s.ImportRegistry(ctx, contactd.RegistryData{
		Logons:      []contactd.Logon{{ID: "ana"}, {ID: "tim"}},
		Ownerships:  []contactd.Ownership{{Logon: "ana", Customer: cst1}},
		Delegations: []contactd.Delegation{{Logon: "tim", AccountID: "A1"}, {Logon: "tim", Customer: cst1, Expires: time.Unix(2000000000, 0)}},
		Parties: []contactd.Party{
			{ID: "acme", Kind: contactd.PartyIntermediary},
			{ID: "msd", Kind: contactd.PartyAgency, AccountTypes: []string{"INC"}},
		},
		Memberships:  []contactd.Membership{{Party: "acme", Logon: "tim"}},
		Links:        []contactd.Link{{Party: "acme", Customer: cst1, Accounts: []string{"A1"}}},
		Certificates: []contactd.Certificate{cert},
		Consents:     []contactd.Consent{{Logon: "ana", Party: "acme"}},
	}); err != nil {
		t.Fatal(err)
	}
	before, err := s.ExportRegistry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(what string) {
		t.Helper()
		if got, _ := s.ExportRegistry(ctx); !reflect.DeepEqual(got, before) {
			t.Errorf("%s changed the registry:\n%+v", what, got)
		}
	}

	tp := cert.Thumbprint
	for _, tc := range []struct {
		name          string
		d             contactd.RegistryData
		want          string
		notRegistered bool
	}{
		{"owner of an unknown logon", contactd.RegistryData{Ownerships: []contactd.Ownership{{Logon: "nobody", Customer: cst1}}},
			`owner nobody of CST:1: logon "nobody": not registered`, true},
		{"delegation of an unknown logon", contactd.RegistryData{Delegations: []contactd.Delegation{{Logon: "nobody", AccountID: "A1"}}},
			`delegation of nobody: logon "nobody": not registered`, true},
		{"unknown member", contactd.RegistryData{Memberships: []contactd.Membership{{Party: "acme", Logon: "nobody"}}},
			`member nobody of acme: logon "nobody": not registered`, true},
		{"member of an unknown party", contactd.RegistryData{Memberships: []contactd.Membership{{Party: "nobody", Logon: "ana"}}},
			`member ana of nobody: party "nobody": not registered`, true},
		{"link of an unknown party", contactd.RegistryData{Links: []contactd.Link{{Party: "nobody", Customer: cst1}}},
			`link of nobody to CST:1: party "nobody": not registered`, true},
		{"link of an agency", contactd.RegistryData{Links: []contactd.Link{{Party: "msd", Customer: cst1}}},
			`link of msd to CST:1: the party is agency; only intermediaries are linked to clients`, false},
		{"agency turned intermediary", contactd.RegistryData{Parties: []contactd.Party{{ID: "msd", Kind: contactd.PartyIntermediary}}},
			`party "msd" is registered as agency; a party's kind never changes (remove it first)`, false},
		{"certificate of an unknown party", contactd.RegistryData{Certificates: []contactd.Certificate{{Thumbprint: tp, Party: "nobody", DER: cert.DER}}},
			`certificate ` + tp + `: party "nobody": not registered`, true},
		{"certificate to another", contactd.RegistryData{Certificates: []contactd.Certificate{{Thumbprint: tp, Party: "msd", DER: cert.DER}}},
			`certificate ` + tp + ` is registered to party "acme"; remove it before registering it to "msd"`, false},
		{"consent of an unknown logon", contactd.RegistryData{Consents: []contactd.Consent{{Logon: "nobody", Party: "acme"}}},
			`consent of nobody to acme: logon "nobody": not registered`, true},
		{"consent to an unknown party", contactd.RegistryData{Consents: []contactd.Consent{{Logon: "ana", Party: "nobody"}}},
			`consent of ana to nobody: party "nobody": not registered`, true},
		{"owner of a lower-case customer type", contactd.RegistryData{Ownerships: []contactd.Ownership{{Logon: "ana", Customer: contactd.CustomerID{Type: "cst", Value: "2"}}}},
			`owner ana: customer "cst:2" is not in its normal form "CST:2"`, false},
	} {
		err := s.ImportRegistry(ctx, tc.d)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, contactd.ErrNotRegistered) != tc.notRegistered {
			t.Errorf("%s: %v; want %q (not registered: %v)", tc.name, err, tc.want, tc.notRegistered)
		}
		unchanged(tc.name)
	}

	// Every entry that is not registered is named, in removal order.
	err = s.RemoveRegistry(ctx, contactd.RegistryData{
		Logons:       []contactd.Logon{{ID: "nobody"}},
		Ownerships:   []contactd.Ownership{{Logon: "ana", Customer: cst2}},
		Delegations:  []contactd.Delegation{{Logon: "tim", AccountID: "B2"}},
		Parties:      []contactd.Party{{ID: "nobody"}},
		Memberships:  []contactd.Membership{{Party: "msd", Logon: "ana"}},
		Links:        []contactd.Link{{Party: "acme", Customer: cst2}},
		Certificates: []contactd.Certificate{{Thumbprint: strings.Repeat("0", 64)}},
		Consents:     []contactd.Consent{{Logon: "tim", Party: "acme"}},
	})
	want := strings.Join([]string{
		"consent of tim to acme: not registered",
		"certificate " + strings.Repeat("0", 64) + ": not registered",
		"link of acme to CST:2: not registered",
		"member ana of msd: not registered",
		"delegation of tim to B2: not registered",
		"owner ana of CST:2: not registered",
		`party "nobody": not registered`,
		`logon "nobody": not registered`,
	}, "\n")
	if err == nil || !errors.Is(err, contactd.ErrNotRegistered) || !strings.HasSuffix(err.Error(), ": "+want) {
		t.Errorf("removing what is not registered: %v; want it to end\n%s", err, want)
	}
	unchanged("a failed removal")

	// Each kind by its key; the logons and parties stay.
	if err := s.RemoveRegistry(ctx, contactd.RegistryData{
		Ownerships:   before.Ownerships,
		Delegations:  []contactd.Delegation{{Logon: "tim", AccountID: "A1"}, {Logon: "tim", Customer: cst1}},
		Memberships:  before.Memberships,
		Links:        []contactd.Link{{Party: "acme", Customer: cst1}},
		Certificates: []contactd.Certificate{{Thumbprint: tp}},
		Consents:     before.Consents,
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ExportRegistry(ctx)
	if !reflect.DeepEqual(got, contactd.RegistryData{Logons: before.Logons, Parties: before.Parties}) {
		t.Errorf("after removing all but the logons and parties: %+v", got)
	}
}

func testRegistryGrants(t *testing.T, open func(t *testing.T) RegistryStore) {
	ctx := context.Background()
	s := open(t)
	c := authtest.SelfSigned(t, "acme", 1)
	cert, _ := contactd.ParseCertificatePEM("acme", c.PEM)
	cust, other := ref(t, "IRD:049091850"), ref(t, "IRD:035901981")
	exp := time.Unix(2000000000, 0).UTC()
	if err := s.ImportRegistry(ctx, contactd.RegistryData{
		Logons:      []contactd.Logon{{ID: "ana"}, {ID: "tim"}, {ID: "eve"}},
		Ownerships:  []contactd.Ownership{{Logon: "ana", Customer: cust}, {Logon: "ana", Customer: other}},
		Delegations: []contactd.Delegation{{Logon: "eve", AccountID: "049091850INC001", Expires: exp}, {Logon: "eve", AccountID: "035901981INC001"}},
		Parties: []contactd.Party{
			{ID: "acme", Kind: contactd.PartyIntermediary},
			{ID: "msd", Kind: contactd.PartyAgency, AccountTypes: []string{"INC", "FAM"}},
			{ID: "self", Kind: contactd.PartyCustomer, Customer: cust},
		},
		Memberships:  []contactd.Membership{{Party: "acme", Logon: "tim"}, {Party: "msd", Logon: "tim"}},
		Links:        []contactd.Link{{Party: "acme", Customer: cust, Accounts: []string{"049091850GST001"}}, {Party: "acme", Customer: other}},
		Certificates: []contactd.Certificate{cert},
		Consents:     []contactd.Consent{{Logon: "ana", Party: "acme"}},
	}); err != nil {
		t.Fatal(err)
	}
	custLevel := contactd.Owner{CustomerKey: 1, Customer: cust}
	inc := contactd.Owner{CustomerKey: 1, Customer: cust, AccountKey: 3, AccountID: "049091850INC001", AccountType: "INC"}
	for _, tc := range []struct {
		name   string
		caller contactd.Caller
		owner  contactd.Owner
		want   contactd.Grants
	}{
		{"owner, customer-level", contactd.Caller{Logon: "ana"}, custLevel, contactd.Grants{Customers: []contactd.CustomerID{cust}}},
		{"delegate, INC", contactd.Caller{Logon: "eve"}, inc, contactd.Grants{Delegations: []contactd.Delegation{{Logon: "eve", AccountID: "049091850INC001", Expires: exp}}}},
		{"delegate, customer-level", contactd.Caller{Logon: "eve"}, custLevel, contactd.Grants{}},
		{"agent staff, INC", contactd.Caller{Logon: "tim"}, inc, contactd.Grants{
			Links: []contactd.Link{{Party: "acme", Customer: cust, Accounts: []string{"049091850GST001"}}}, AccountTypes: []string{"INC"}}},
		{"certificate of acme, customer-level", contactd.Caller{Thumbprint: cert.Thumbprint, Party: "acme"}, custLevel, contactd.Grants{
			Links: []contactd.Link{{Party: "acme", Customer: cust, Accounts: []string{"049091850GST001"}}}}},
		{"certificate for ana", contactd.Caller{Thumbprint: cert.Thumbprint, Party: "acme", Logon: "ana"}, inc, contactd.Grants{
			Customers: []contactd.CustomerID{cust}, Consents: []contactd.Consent{{Logon: "ana", Party: "acme"}}}},
		{"certificate for eve, no consent", contactd.Caller{Thumbprint: cert.Thumbprint, Party: "acme", Logon: "eve"}, inc, contactd.Grants{
			Delegations: []contactd.Delegation{{Logon: "eve", AccountID: "049091850INC001", Expires: exp}}}},
		{"customer party", contactd.Caller{Party: "self", Thumbprint: "X"}, inc, contactd.Grants{Customers: []contactd.CustomerID{cust}}},
		{"agency party, customer-level", contactd.Caller{Party: "msd", Thumbprint: "X"}, custLevel, contactd.Grants{}},
		{"unknown logon", contactd.Caller{Logon: "nobody"}, inc, contactd.Grants{}},
		{"sandbox", contactd.Caller{Sandbox: true, Logon: "ana"}, inc, contactd.Grants{}},
	} {
		got, err := s.Grants(ctx, tc.caller, tc.owner)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}
