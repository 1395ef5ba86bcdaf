package contactd

// The registry of parties and rights that production access is decided on
// (see access.go for the rule, docs/identity.md for the file format). This
// file holds its types, their validation and the JSON file format; stores
// keep them, and nothing here does I/O.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNotRegistered is returned for a registry entry that does not exist.
var ErrNotRegistered = errors.New("not registered")

// Logon is a person's online-services logon ("myIR logon"). Its ID is the
// subject of the OAuth tokens issued to it and the startLogon of the
// machine JWTs that act for it.
type Logon struct {
	ID   string
	Name string
}

// Ownership says that a logon owns a customer: it may act on all of the
// customer's data, customer-level and account-level.
type Ownership struct {
	Logon    string
	Customer CustomerID
}

// Delegation gives a logon access to a customer (all of its data) or to
// one account (that account's data only): exactly one of Customer and
// AccountID is set. A zero Expires never expires; otherwise the
// delegation holds before Expires.
type Delegation struct {
	Logon     string
	Customer  CustomerID
	AccountID string
	Expires   time.Time
}

// PartyKind is what a party is, and so where its rights come from.
type PartyKind string

// The party kinds.
const (
	// PartyCustomer is a customer acting through its own certificates or
	// staff logons: it may act on its own data.
	PartyCustomer PartyKind = "customer"
	// PartyIntermediary is a tax agent or other intermediary: it may act
	// for the client customers it is linked to, within each link's limits.
	PartyIntermediary PartyKind = "intermediary"
	// PartyAgency is a government agency: its agreement covers the
	// account-level data of the listed account types, of every customer,
	// and never customer-level data.
	PartyAgency PartyKind = "agency"
	// PartyProvider is a software provider: it has no rights of its own
	// and acts only for logons that consented to it (startLogon).
	PartyProvider PartyKind = "provider"
)

// PartyKinds lists the kinds.
func PartyKinds() []PartyKind {
	return []PartyKind{PartyCustomer, PartyIntermediary, PartyAgency, PartyProvider}
}

// Party is an organisation that certificates and logons act for. Customer
// is set for (only) PartyCustomer; AccountTypes for (only) PartyAgency.
type Party struct {
	ID           string
	Kind         PartyKind
	Name         string
	Customer     CustomerID
	AccountTypes []string
}

// Membership says that a logon acts for a party (an agent's staff logon
// acts for the agent): the party's rights become the logon's.
type Membership struct {
	Party string
	Logon string
}

// Link links an intermediary party to a client customer: customer-wide
// when Accounts is empty, otherwise limited to the account-level data of
// the listed accounts.
type Link struct {
	Party    string
	Customer CustomerID
	Accounts []string
}

// Certificate is a signing certificate registered to the party it acts
// for. Thumbprint is the SHA-256 of DER in upper-case hex; the sub of the
// machine JWTs the certificate signs names it by that or by its SHA-1
// thumbprint (ThumbprintSHA1). Issuer, when set, is the iss those JWTs
// must carry (a value agreed at registration); empty accepts any.
type Certificate struct {
	Thumbprint string
	Party      string
	DER        []byte
	Subject    string
	NotBefore  time.Time
	NotAfter   time.Time
	Issuer     string
}

// Consent says that a logon consents to a party acting for it: a machine
// JWT of one of the party's certificates may then name the logon as its
// startLogon. A zero Expires never expires.
type Consent struct {
	Logon   string
	Party   string
	Expires time.Time
}

// RegistryData is a set of registry entries: what an import adds, what an
// export holds, what a removal names (by each entry's key).
type RegistryData struct {
	Logons       []Logon
	Ownerships   []Ownership
	Delegations  []Delegation
	Parties      []Party
	Memberships  []Membership
	Links        []Link
	Certificates []Certificate
	Consents     []Consent
}

// Len is the number of entries.
func (d RegistryData) Len() int {
	return len(d.Logons) + len(d.Ownerships) + len(d.Delegations) + len(d.Parties) +
		len(d.Memberships) + len(d.Links) + len(d.Certificates) + len(d.Consents)
}

// Registry is what production authentication and access read.
type Registry interface {
	// Certificate returns the certificate registered with the thumbprint,
	// its SHA-256 (Thumbprint) or SHA-1 (ThumbprintSHA1) one, or
	// ErrNotRegistered.
	Certificate(ctx context.Context, thumbprint string) (Certificate, error)
	// Grants returns what the registry holds that decides the caller's
	// access to owner (see Decide). It may leave out entries that cannot
	// concern owner; an unknown logon or party has no grants.
	Grants(ctx context.Context, caller Caller, owner Owner) (Grants, error)
}

// MinRSABits is the smallest RSA key a certificate may have.
const MinRSABits = 2048

// The lengths of the two thumbprints in hex.
const (
	thumbprintLen     = 2 * sha256.Size
	thumbprintSHA1Len = 2 * sha1.Size
)

// maxIDLen bounds logon and party IDs.
const maxIDLen = 256

// Thumbprint is the SHA-256 of a certificate's DER, in upper-case hex.
func Thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// ThumbprintSHA1 is the SHA-1 of a certificate's DER, in upper-case hex:
// the Identity and Access build pack's example names a certificate so.
// SHA-1 only names a certificate here; nothing is verified with it.
func ThumbprintSHA1(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// NormalThumbprint reads a thumbprint as a machine JWT's sub or an
// operator may write it: SHA-256 or SHA-1, upper or lower case, with or
// without colons. It returns it in upper-case hex without colons; ok is
// false for anything else.
func NormalThumbprint(s string) (normal string, ok bool) {
	s = strings.ToUpper(strings.ReplaceAll(s, ":", ""))
	if len(s) != thumbprintLen && len(s) != thumbprintSHA1Len {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return "", false
		}
	}
	return s, true
}

// ParseCertificatePEM reads the one CERTIFICATE block of a PEM text and
// returns it as a certificate registered to party. Its key must suit a
// machine JWT algorithm (the Identity and Access build pack, §2.4): RSA of
// at least MinRSABits (RS256/384/512), or ECDSA on P-256, P-384 or P-521
// (ES256/384/512).
func ParseCertificatePEM(party string, text []byte) (Certificate, error) {
	var der []byte
	rest := text
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return Certificate{}, fmt.Errorf("PEM block %q: want only a CERTIFICATE (never a private key)", b.Type)
		}
		if der != nil {
			return Certificate{}, errors.New("more than one CERTIFICATE in the PEM: register each on its own")
		}
		der = b.Bytes
	}
	if der == nil {
		return Certificate{}, errors.New("no PEM CERTIFICATE block found")
	}
	return ParseCertificateDER(party, der)
}

// ParseCertificateDER is ParseCertificatePEM for a DER certificate.
func ParseCertificateDER(party string, der []byte) (Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	switch key := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < MinRSABits {
			return Certificate{}, fmt.Errorf("certificate %s: RSA key of %d bits; at least %d needed", c.Subject, key.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		if !slices.Contains([]elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()}, key.Curve) {
			return Certificate{}, fmt.Errorf("certificate %s: ECDSA key on %s; machine JWTs are ES256, ES384 or ES512, so P-256, P-384 or P-521", c.Subject, key.Curve.Params().Name)
		}
	default:
		return Certificate{}, fmt.Errorf("certificate %s: the key is %T; machine JWTs are RS256/384/512 or ES256/384/512, so it must be RSA or ECDSA", c.Subject, c.PublicKey)
	}
	return Certificate{
		Thumbprint: Thumbprint(der),
		Party:      party,
		DER:        slices.Clone(der),
		Subject:    c.Subject.String(),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
	}, nil
}

// CheckSigner refuses a certificate that is not, at now, one a machine
// may sign its JWTs with: one outside its validity, or a CA's (a CA
// certificate signs certificates; registering it as a machine would let
// anyone holding its key act as that machine).
func (c Certificate) CheckSigner(now time.Time) error {
	x, err := x509.ParseCertificate(c.DER)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	switch {
	case x.IsCA || x.KeyUsage&x509.KeyUsageCertSign != 0:
		return fmt.Errorf("certificate %s is a CA certificate: register the machine's own certificate", c.Subject)
	case now.After(x.NotAfter):
		return fmt.Errorf("certificate %s expired on %s", c.Subject, x.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(x.NotBefore):
		return fmt.Errorf("certificate %s is not valid before %s", c.Subject, x.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// PEM is the certificate as a PEM text.
func (c Certificate) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// ParseCustomerRef reads a customer written as TYPE:ID ("IRD:069096409",
// "CST:1512100301"). An 8-digit IRD number is returned in its 9-digit
// form. The IRD check digit is not required: the registry may name any
// customer the store may hold.
func ParseCustomerRef(s string) (CustomerID, error) {
	typ, v, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return CustomerID{}, fmt.Errorf("customer %q: want IRD:<8 or 9 digits> or CST:<1 to 10 digits>", s)
	}
	switch CustomerIDType(strings.ToUpper(typ)) {
	case IRD:
		if (len(v) != 8 && len(v) != 9) || !digitsOnly(v) {
			return CustomerID{}, fmt.Errorf("customer %q: an IRD number is 8 or 9 digits", s)
		}
		if len(v) == 8 {
			v = "0" + v
		}
		return CustomerID{Type: IRD, Value: v}, nil
	case CST:
		if len(v) < 1 || len(v) > maxCSTLen || !digitsOnly(v) {
			return CustomerID{}, fmt.Errorf("customer %q: a CST identifier is 1 to %d digits", s, maxCSTLen)
		}
		return CustomerID{Type: CST, Value: v}, nil
	}
	return CustomerID{}, fmt.Errorf("customer %q: the type is IRD or CST", s)
}

// CustomerRef writes a customer as ParseCustomerRef reads it.
func CustomerRef(id CustomerID) string {
	if id == (CustomerID{}) {
		return ""
	}
	return string(id.Type) + ":" + id.Value
}

// checkID validates a logon or party ID: 1 to maxIDLen printable
// characters without surrounding spaces.
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%s: missing", what)
	case len(id) > maxIDLen:
		return fmt.Errorf("%s %.20q...: longer than %d bytes", what, id, maxIDLen)
	case !utf8.ValidString(id):
		return fmt.Errorf("%s %q: not UTF-8", what, id)
	case strings.TrimSpace(id) != id:
		return fmt.Errorf("%s %q: surrounding spaces", what, id)
	case strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("%s %q: control characters", what, id)
	}
	return nil
}

func checkCustomer(what string, id CustomerID) error {
	normal, err := ParseCustomerRef(CustomerRef(id))
	if err != nil || CustomerRef(id) == "" {
		return fmt.Errorf("%s: customer %q is not IRD:<9 digits> or CST:<digits>", what, CustomerRef(id))
	}
	// The stores match customers as written: "cst" or an 8-digit IRD
	// number would name nobody.
	if normal != id {
		return fmt.Errorf("%s: customer %q is not in its normal form %q", what, CustomerRef(id), CustomerRef(normal))
	}
	return nil
}

// CheckAccountID validates an account ID: 1 to 50 upper-case letters and digits.
func CheckAccountID(id string) error {
	if id == "" || len(id) > 50 || strings.IndexFunc(id, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') }) >= 0 {
		return fmt.Errorf("account %q: want 1 to 50 upper-case letters and digits", id)
	}
	return nil
}

// CheckAccountType validates an account type: 1 to 10 upper-case letters.
func CheckAccountType(t string) error {
	if t == "" || len(t) > 10 || strings.IndexFunc(t, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return fmt.Errorf("account type %q: want 1 to 10 upper-case letters (INC, GST, ...)", t)
	}
	return nil
}

// Validate checks every entry on its own; whether the logons and parties
// it names exist is the store's to check.
func (d RegistryData) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, l := range d.Logons {
		add(checkID("logon", l.ID))
	}
	for _, o := range d.Ownerships {
		add(checkID("owner: logon", o.Logon))
		add(checkCustomer("owner "+o.Logon, o.Customer))
	}
	for _, dl := range d.Delegations {
		add(checkID("delegation: logon", dl.Logon))
		what := "delegation of " + dl.Logon
		switch {
		case dl.Customer != (CustomerID{}) && dl.AccountID != "":
			add(fmt.Errorf("%s: names both a customer and an account; give one", what))
		case dl.AccountID != "":
			add(CheckAccountID(dl.AccountID))
		default:
			add(checkCustomer(what, dl.Customer))
		}
	}
	for _, p := range d.Parties {
		add(checkID("party", p.ID))
		what := "party " + p.ID
		if !slices.Contains(PartyKinds(), p.Kind) {
			add(fmt.Errorf("%s: kind %q is not one of customer, intermediary, agency, provider", what, p.Kind))
		}
		if p.Kind == PartyCustomer {
			add(checkCustomer(what, p.Customer))
		} else if p.Customer != (CustomerID{}) {
			add(fmt.Errorf("%s: only a party of kind customer names a customer", what))
		}
		if p.Kind == PartyAgency && len(p.AccountTypes) == 0 {
			add(fmt.Errorf("%s: an agency's agreement lists at least one account type", what))
		}
		if p.Kind != PartyAgency && len(p.AccountTypes) > 0 {
			add(fmt.Errorf("%s: only an agency lists account types", what))
		}
		for _, t := range p.AccountTypes {
			add(CheckAccountType(t))
		}
	}
	for _, m := range d.Memberships {
		add(checkID("member: party", m.Party))
		add(checkID("member: logon", m.Logon))
	}
	for _, l := range d.Links {
		add(checkID("link: party", l.Party))
		add(checkCustomer("link of "+l.Party, l.Customer))
		for _, a := range l.Accounts {
			add(CheckAccountID(a))
		}
	}
	for _, c := range d.Certificates {
		add(checkID("certificate: party", c.Party))
		if c.Issuer != "" {
			add(checkID("certificate of "+c.Party+": issuer", c.Issuer))
		}
		if len(c.DER) == 0 {
			add(fmt.Errorf("certificate of %s: no certificate", c.Party))
		} else if got := Thumbprint(c.DER); c.Thumbprint != got {
			add(fmt.Errorf("certificate of %s: thumbprint %s, but the certificate's is %s", c.Party, c.Thumbprint, got))
		}
	}
	for _, c := range d.Consents {
		add(checkID("consent: logon", c.Logon))
		add(checkID("consent: party", c.Party))
	}
	return errors.Join(errs...)
}

// The JSON file format (docs/identity.md). Customers are written TYPE:ID,
// times in RFC 3339; a certificate is given inline as "pem" or as a
// "pemFile" path.
type (
	registryFile struct {
		Logons       []logonJSON       `json:"logons,omitempty"`
		Owners       []ownerJSON       `json:"owners,omitempty"`
		Delegations  []delegationJSON  `json:"delegations,omitempty"`
		Parties      []partyJSON       `json:"parties,omitempty"`
		Members      []memberJSON      `json:"members,omitempty"`
		Links        []linkJSON        `json:"links,omitempty"`
		Certificates []certificateJSON `json:"certificates,omitempty"`
		Consents     []consentJSON     `json:"consents,omitempty"`
	}
	logonJSON struct {
		Logon string `json:"logon"`
		Name  string `json:"name,omitempty"`
	}
	ownerJSON struct {
		Logon    string `json:"logon"`
		Customer string `json:"customer"`
	}
	delegationJSON struct {
		Logon    string     `json:"logon"`
		Customer string     `json:"customer,omitempty"`
		Account  string     `json:"account,omitempty"`
		Expires  *time.Time `json:"expires,omitempty"`
	}
	partyJSON struct {
		Party        string   `json:"party"`
		Kind         string   `json:"kind"`
		Name         string   `json:"name,omitempty"`
		Customer     string   `json:"customer,omitempty"`
		AccountTypes []string `json:"accountTypes,omitempty"`
	}
	memberJSON struct {
		Party string `json:"party"`
		Logon string `json:"logon"`
	}
	linkJSON struct {
		Party    string   `json:"party"`
		Customer string   `json:"customer"`
		Accounts []string `json:"accounts,omitempty"`
	}
	certificateJSON struct {
		Party      string `json:"party"`
		Thumbprint string `json:"thumbprint,omitempty"`
		Subject    string `json:"subject,omitempty"`
		NotAfter   string `json:"notAfter,omitempty"`
		Issuer     string `json:"issuer,omitempty"`
		PEM        string `json:"pem,omitempty"`
		PEMFile    string `json:"pemFile,omitempty"`
	}
	consentJSON struct {
		Logon   string     `json:"logon"`
		Party   string     `json:"party"`
		Expires *time.Time `json:"expires,omitempty"`
	}
)

func optTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func optCustomer(s string) (CustomerID, error) {
	if s == "" {
		return CustomerID{}, nil
	}
	return ParseCustomerRef(s)
}

// ParseRegistry reads the JSON registry file. readFile reads a
// certificate's pemFile (nil refuses pemFile). Unknown fields are errors;
// every entry is validated.
func ParseRegistry(b []byte, readFile func(name string) ([]byte, error)) (RegistryData, error) {
	var f registryFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return RegistryData{}, fmt.Errorf("registry file: %w", err)
	}
	if dec.More() {
		return RegistryData{}, errors.New("registry file: more than one JSON value")
	}
	var d RegistryData
	var errs []error
	cust := func(what, s string) CustomerID {
		id, err := optCustomer(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		return id
	}
	for _, l := range f.Logons {
		d.Logons = append(d.Logons, Logon{ID: l.Logon, Name: l.Name})
	}
	for _, o := range f.Owners {
		if o.Customer == "" {
			errs = append(errs, fmt.Errorf("owner %s: customer missing", o.Logon))
		}
		d.Ownerships = append(d.Ownerships, Ownership{Logon: o.Logon, Customer: cust("owner "+o.Logon, o.Customer)})
	}
	for _, dl := range f.Delegations {
		d.Delegations = append(d.Delegations, Delegation{Logon: dl.Logon, Customer: cust("delegation of "+dl.Logon, dl.Customer),
			AccountID: dl.Account, Expires: optTime(dl.Expires)})
	}
	for _, p := range f.Parties {
		d.Parties = append(d.Parties, Party{ID: p.Party, Kind: PartyKind(p.Kind), Name: p.Name,
			Customer: cust("party "+p.Party, p.Customer), AccountTypes: p.AccountTypes})
	}
	for _, m := range f.Members {
		d.Memberships = append(d.Memberships, Membership(m))
	}
	for _, l := range f.Links {
		if l.Customer == "" {
			errs = append(errs, fmt.Errorf("link of %s: customer missing", l.Party))
		}
		d.Links = append(d.Links, Link{Party: l.Party, Customer: cust("link of "+l.Party, l.Customer), Accounts: l.Accounts})
	}
	for _, c := range f.Certificates {
		text := []byte(c.PEM)
		switch {
		case c.PEM != "" && c.PEMFile != "":
			errs = append(errs, fmt.Errorf("certificate of %s: give pem or pemFile, not both", c.Party))
			continue
		case c.PEMFile != "" && readFile == nil:
			errs = append(errs, fmt.Errorf("certificate of %s: pemFile is not allowed here", c.Party))
			continue
		case c.PEMFile != "":
			var err error
			if text, err = readFile(c.PEMFile); err != nil {
				errs = append(errs, fmt.Errorf("certificate of %s: %w", c.Party, err))
				continue
			}
		}
		cert, err := ParseCertificatePEM(c.Party, text)
		if err != nil {
			errs = append(errs, fmt.Errorf("certificate of %s: %w", c.Party, err))
			continue
		}
		cert.Issuer = c.Issuer
		if c.Thumbprint != "" && !strings.EqualFold(c.Thumbprint, cert.Thumbprint) {
			errs = append(errs, fmt.Errorf("certificate of %s: thumbprint %s given, but the certificate's is %s", c.Party, c.Thumbprint, cert.Thumbprint))
			continue
		}
		d.Certificates = append(d.Certificates, cert)
	}
	for _, c := range f.Consents {
		d.Consents = append(d.Consents, Consent{Logon: c.Logon, Party: c.Party, Expires: optTime(c.Expires)})
	}
	if err := errors.Join(errors.Join(errs...), d.Validate()); err != nil {
		return RegistryData{}, err
	}
	return d, nil
}

// FormatRegistry writes d in the JSON registry file format, certificates
// inline.
func FormatRegistry(d RegistryData) ([]byte, error) {
	var f registryFile
	for _, l := range d.Logons {
		f.Logons = append(f.Logons, logonJSON{Logon: l.ID, Name: l.Name})
	}
	for _, o := range d.Ownerships {
		f.Owners = append(f.Owners, ownerJSON{Logon: o.Logon, Customer: CustomerRef(o.Customer)})
	}
	for _, dl := range d.Delegations {
		f.Delegations = append(f.Delegations, delegationJSON{Logon: dl.Logon, Customer: CustomerRef(dl.Customer),
			Account: dl.AccountID, Expires: timePtr(dl.Expires)})
	}
	for _, p := range d.Parties {
		f.Parties = append(f.Parties, partyJSON{Party: p.ID, Kind: string(p.Kind), Name: p.Name,
			Customer: CustomerRef(p.Customer), AccountTypes: p.AccountTypes})
	}
	for _, m := range d.Memberships {
		f.Members = append(f.Members, memberJSON(m))
	}
	for _, l := range d.Links {
		f.Links = append(f.Links, linkJSON{Party: l.Party, Customer: CustomerRef(l.Customer), Accounts: l.Accounts})
	}
	for _, c := range d.Certificates {
		f.Certificates = append(f.Certificates, certificateJSON{Party: c.Party, Thumbprint: c.Thumbprint, Subject: c.Subject,
			NotAfter: c.NotAfter.UTC().Format(time.RFC3339), Issuer: c.Issuer, PEM: string(c.PEM())})
	}
	for _, c := range d.Consents {
		f.Consents = append(f.Consents, consentJSON{Logon: c.Logon, Party: c.Party, Expires: timePtr(c.Expires)})
	}
	return json.MarshalIndent(f, "", "  ")
}
