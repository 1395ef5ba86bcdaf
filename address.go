package contactd

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Address API rules: SUITE.md rulings 1 and 2 and
// api/address-2021-09-14.yaml.

// AddressType is the type of an address: LOC (physical) and MAL (mailing)
// belong to a customer, PRFLOC and PRFMAL to an account (SUITE.md ruling 1).
type AddressType string

// The address types of the YAML.
const (
	AddressLOC    AddressType = "LOC"
	AddressMAL    AddressType = "MAL"
	AddressPRFLOC AddressType = "PRFLOC"
	AddressPRFMAL AddressType = "PRFMAL"
)

// AccountLevel reports whether the type belongs to an account (PRFLOC,
// PRFMAL) rather than to a customer.
func (t AddressType) AccountLevel() bool { return t == AddressPRFLOC || t == AddressPRFMAL }

// Physical reports whether the type is a physical address (LOC, PRFLOC),
// the kind an international bank account needs (SUITE.md ruling 4).
func (t AddressType) Physical() bool { return t == AddressLOC || t == AddressPRFLOC }

// Valid reports whether t is one of the four address types.
func (t AddressType) Valid() bool {
	return t == AddressLOC || t == AddressMAL || t == AddressPRFLOC || t == AddressPRFMAL
}

// Address is a customer's or an account's address, with the fields of the
// YAML's Address object, which as JSON (ID and DPID left out) are the
// fields the reads show, in the published order. DPID is the New Zealand
// Post delivery point of an address given as NewZealand.DPID, and 0 for an
// unverified or international address.
type Address struct {
	ID           int64 `json:"-"`
	Type         AddressType
	Street       string
	Street2      string
	Unit         string
	UnitType     string
	City         string
	State        string
	PostCode     string
	Country      string
	Attention    string
	Urbanisation string
	District     string
	SubDistrict  string
	SubProvince  string
	DPID         int64 `json:"-"`
}

// Formatted is the address on one line, as the Customer and Account reads
// show it: unit, street lines, suburb (Urbanisation), city, state, post
// code, then the country when it is not New Zealand, separated by spaces
// ("32 ELM CRESCENT GLADSTONE INVERCARGILL 9810" in the published samples).
func (a Address) Formatted() string {
	unit := ""
	if a.Unit != "" {
		unit = strings.TrimSpace(a.UnitType + " " + a.Unit)
	}
	country := ""
	if a.Country != "NZ" {
		country = a.Country
	}
	var parts []string
	for _, p := range []string{unit, a.Street, a.Street2, a.Urbanisation, a.City, a.State, a.PostCode, country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// unitTypes is the YAML's table of unit types per country (the description
// of UnitType); a country it does not list takes no unit type.
var unitTypes = map[string][]string{
	"CA": northAmericanUnitTypes,
	"US": northAmericanUnitTypes,
	"NZ": {"APARTMENT", "FLAT", "KIOSK", "NUMBER", "ROOM", "SHOP", "SUITE", "UNIT", "VILLA"},
}

var northAmericanUnitTypes = []string{"#", "APT", "BLDG", "BSMT", "DEPT", "FL", "FRNT", "HNGR", "LBBY",
	"LOT", "LOWR", "NUM", "OFC", "PH", "PIER", "REAR", "RM", "SIDE", "SLIP", "SPC", "STE", "STOP", "TRLR",
	"UNIT", "UPPR"}

// UnitTypes returns the unit types the YAML lists for a country, nil for a
// country that takes none.
func UnitTypes(country string) []string { return slices.Clone(unitTypes[country]) }

// postCodeFormats is the YAML's table of post code formats per country (the
// description of PostCode), its regular expressions as published.
var postCodeFormats = map[string]*regexp.Regexp{
	"AU": regexp.MustCompile(`^\d{4}$`),
	"CA": regexp.MustCompile(`^[A-Z]\d[A-Z]\s\d[A-Z]\d$`),
	"FI": regexp.MustCompile(`^\d{5}$`),
	"NZ": regexp.MustCompile(`^\d{4}$`),
	"PL": regexp.MustCompile(`^\d{2}-\d{3}$`),
	"PR": regexp.MustCompile(`^\d{5}-\d{2}[\w\d]{2}$`),
	"US": regexp.MustCompile(`^\d{5}-\d{2}[\w\d]{2}$`),
}

// requiredByCountry lists, per SUITE.md ruling 2, the fields a country
// needs beyond Street and City (ADR102 when missing).
var requiredByCountry = map[string][]string{
	"AU": {"Urbanisation", "State", "PostCode"},
	"CA": {"State", "PostCode"},
	"US": {"State", "PostCode"},
}

// stateFormat is an ISO 3166-2 subdivision code: country, hyphen, one to
// three letters or digits ("AU-NSW", "US-AK").
var stateFormat = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)

// ValidateAddress applies the rules of an address on an owner (a customer,
// or an account when accountOwner) after the schema, in this order:
//
//   - A type of the other level (PRFLOC on a customer, LOC on an account),
//     or no valid type: EV1100 naming Type (ruling 1).
//   - A NewZealand address (DPID set): the DPID must be a delivery point,
//     else ADR103 (see ValidDPID); its fields come from ResolveDPID.
//   - Street, City or Country empty: EV1100 naming Address (ruling 2, as
//     the published sample shows).
//   - Country not an ISO 3166-1 alpha-2 code; a country requirement missing
//     (Australia: Urbanisation, State and PostCode; Canada and the USA: State
//     and PostCode); a UnitType the YAML's table does not list for the
//     country; a PostCode that does not match the YAML's format for the
//     country; a State that is not the country's ISO 3166-2 subdivision
//     form: ADR102 ("The address provided is invalid.").
//
// That exactly one of Address and NewZealand is given is the HTTP layer's
// check (EV1100), as is the schema.
func ValidateAddress(a Address, accountOwner bool) error {
	if !a.Type.Valid() || a.Type.AccountLevel() != accountOwner {
		return Errorf(EV1100, "Type")
	}
	if a.DPID != 0 {
		if !ValidDPID(a.DPID) {
			return Errorf(ADR103, "")
		}
		return nil
	}
	if a.Street == "" || a.City == "" || a.Country == "" {
		return Errorf(EV1100, "Address")
	}
	if !lookupCountry(a.Country).known {
		return Errorf(ADR102, "")
	}
	for _, field := range requiredByCountry[a.Country] {
		if a.field(field) == "" {
			return Errorf(ADR102, "")
		}
	}
	if a.UnitType != "" && !slices.Contains(unitTypes[a.Country], a.UnitType) {
		return Errorf(ADR102, "")
	}
	if re := postCodeFormats[a.Country]; re != nil && a.PostCode != "" && !re.MatchString(a.PostCode) {
		return Errorf(ADR102, "")
	}
	if a.State != "" && (!stateFormat.MatchString(a.State) || a.State[:2] != a.Country) {
		return Errorf(ADR102, "")
	}
	return nil
}

// field returns the value of one of the fields requiredByCountry names.
func (a Address) field(name string) string {
	switch name {
	case "Urbanisation":
		return a.Urbanisation
	case "State":
		return a.State
	case "PostCode":
		return a.PostCode
	}
	panic("contactd: no address field " + name)
}

// The DPID rule of SUITE.md ruling 2 (and TEST-DETAILS.md): a DPID outside
// 55 to 7,449,050, or 82794, or 12345, is not a delivery point.
const (
	minDPID = 55
	maxDPID = 7_449_050
)

// ValidDPID reports whether dpid is a delivery point (ruling 2).
func ValidDPID(dpid int64) bool {
	return dpid >= minDPID && dpid <= maxDPID && dpid != 82794 && dpid != 12345
}

// publishedDPIDs are the delivery points of the published samples, with the
// addresses the samples show: the sample that creates a PRFMAL from DPID
// 827994 answers AddressID 1004723453056, which the Account samples show as
// this PRFMAL (their UnitType BLDG, with no Unit and not a New Zealand unit
// type, is left out).
var publishedDPIDs = map[int64]Address{
	827994: {Street: "3 HA CRESCENT", Urbanisation: "WIRI", City: "AUCKLAND", PostCode: "2104", Country: "NZ"},
}

// The parts from which ResolveDPID builds the address of any other delivery
// point: real New Zealand street names and localities.
var (
	dpidStreets = [...]string{"ELM CRESCENT", "JOHN F KENNEDY DRIVE", "QUEEN STREET", "VICTORIA STREET",
		"KAURI ROAD", "RATA STREET", "TOTARA AVENUE", "PARK ROAD", "BEACH ROAD", "HIGH STREET", "MAIN ROAD",
		"CHURCH STREET", "RIMU PLACE", "MATAI GROVE", "KOWHAI TERRACE", "PUKEKO WAY"}
	dpidLocalities = [...]struct{ suburb, city, postCode string }{
		{"TE ARO", "WELLINGTON", "6011"}, {"PONSONBY", "AUCKLAND", "1011"}, {"RICCARTON", "CHRISTCHURCH", "8011"},
		{"GLADSTONE", "INVERCARGILL", "9810"}, {"MILSON", "PALMERSTON NORTH", "4414"},
		{"HATAITAI", "WELLINGTON", "6021"}, {"WIRI", "AUCKLAND", "2104"}, {"HAMILTON EAST", "HAMILTON", "3216"},
		{"NORTH EAST VALLEY", "DUNEDIN", "9010"}, {"MOUNT MAUNGANUI", "TAURANGA", "3116"},
		{"STOKE", "NELSON", "7011"}, {"ONEKAWA", "NAPIER", "4110"},
	}
)

// dpidHouseNumbers bounds the synthetic house numbers (1 to 199).
const dpidHouseNumbers = 199

// ResolveDPID returns the New Zealand address of a delivery point, with
// DPID set and Country NZ (the caller sets ID, Type and Attention). A DPID
// that is not a delivery point (ValidDPID) is ADR103 ("The DPID provided is
// invalid."). The published samples' DPIDs resolve to the addresses the
// samples show; every other DPID to a deterministic address built from it
// (the sandbox has no NZ Post address file): the same DPID always gives the
// same address.
func ResolveDPID(dpid int64) (Address, error) {
	if !ValidDPID(dpid) {
		return Address{}, Errorf(ADR103, "")
	}
	if a, ok := publishedDPIDs[dpid]; ok {
		a.DPID = dpid
		return a, nil
	}
	n := dpid
	number := n%dpidHouseNumbers + 1
	n /= dpidHouseNumbers
	street := dpidStreets[n%int64(len(dpidStreets))]
	n /= int64(len(dpidStreets))
	loc := dpidLocalities[n%int64(len(dpidLocalities))]
	return Address{
		Street:       strconv.FormatInt(number, 10) + " " + street,
		Urbanisation: loc.suburb,
		City:         loc.city,
		PostCode:     loc.postCode,
		Country:      "NZ",
		DPID:         dpid,
	}, nil
}

// Record is the address as a record: its type is the key.
func (a Address) Record() (Record, error) {
	// The reads show an address's fields and then Formatted (AddressID and
	// Updated are the record's); one given by a DPID is kept as the address
	// it resolves to.
	fields, err := recordFields(struct {
		Address
		Formatted string
	}{a, a.Formatted()})
	return Record{ID: a.ID, Kind: KindAddress, Key: string(a.Type), Fields: fields}, err
}

// complete validates a against its owner and, for a DPID, resolves it to
// the delivery point's address (keeping a's ID, Type and Attention).
func (a Address) complete(accountOwner bool) (Address, error) {
	if err := ValidateAddress(a, accountOwner); err != nil {
		return Address{}, err
	}
	if a.DPID == 0 {
		return a, nil
	}
	resolved, err := ResolveDPID(a.DPID)
	if err != nil {
		return Address{}, err
	}
	resolved.ID, resolved.Type, resolved.Attention = a.ID, a.Type, a.Attention
	return resolved, nil
}

// CreateAddress adds an address to a customer or an account: ADR101 when
// the owner has a live address of that type (every customer has a LOC).
func (s *Service) CreateAddress(ctx context.Context, ch Change, ref OwnerRef, a Address) (int64, error) {
	return s.PutRecord(ctx, ch, ref, KindAddress, Refuse, func(o Owner) (Record, error) {
		a, err := a.complete(o.AccountLevel())
		if err != nil {
			return Record{}, err
		}
		return a.Record()
	})
}

// UpdateAddress replaces the address a.ID with a; its type stays.
func (s *Service) UpdateAddress(ctx context.Context, ch Change, a Address) error {
	return s.UpdateRecord(ctx, ch, KindAddress, a.ID, func(o Owner, old Record) (Record, error) {
		a.Type = AddressType(old.Key)
		a, err := a.complete(o.AccountLevel())
		if err != nil {
			return Record{}, err
		}
		return a.Record()
	})
}

// DeleteAddress ceases an address: ADR100 for a customer's physical (LOC)
// address, which every customer keeps (SUITE.md ruling 1).
func (s *Service) DeleteAddress(ctx context.Context, ch Change, addressID int64) error {
	return s.CeaseRecord(ctx, ch, KindAddress, addressID, func(_ Owner, r Record) error {
		if AddressType(r.Key) == AddressLOC {
			return Errorf(ADR100, "")
		}
		return nil
	})
}
