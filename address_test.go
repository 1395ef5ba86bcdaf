package contactd

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/contactd/contactd/api"
)

func TestAddressTypeLevels(t *testing.T) {
	for _, tt := range []struct {
		t                        AddressType
		valid, account, physical bool
	}{
		{AddressLOC, true, false, true},
		{AddressMAL, true, false, false},
		{AddressPRFLOC, true, true, true},
		{AddressPRFMAL, true, true, false},
		{"loc", false, false, false},
		{"", false, false, false},
	} {
		if tt.t.Valid() != tt.valid || tt.t.AccountLevel() != tt.account || tt.t.Physical() != tt.physical {
			t.Errorf("%q: Valid %v AccountLevel %v Physical %v", tt.t, tt.t.Valid(), tt.t.AccountLevel(), tt.t.Physical())
		}
	}
	// The YAML's Type enum lists exactly these four.
	if got := addressProperty(t, "Type").Enum; !slices.Equal(got, []string{"LOC", "MAL", "PRFLOC", "PRFMAL"}) {
		t.Errorf("YAML address types %q", got)
	}
}

// addressProperty returns a property of address_POST_Request: a top-level
// one, or one of its Address object.
func addressProperty(t *testing.T, name string) *api.Property {
	t.Helper()
	var found *api.Property
	api.RequestSchema("address/address_POST_Request").Walk(func(path []string, p *api.Property) {
		if p.Name == name && found == nil {
			found = p
		}
	})
	if found == nil {
		t.Fatalf("address_POST_Request has no %s", name)
	}
	return found
}

// TestUnitTypesAreTheYAMLsTable reads the table in the description of
// UnitType so that unitTypes cannot drift from it.
func TestUnitTypesAreTheYAMLsTable(t *testing.T) {
	row := regexp.MustCompile(`<tr><td>([A-Z]{2})</td><td>([^<]+)</td>`)
	want := make(map[string][]string)
	for _, m := range row.FindAllStringSubmatch(addressProperty(t, "UnitType").Description, -1) {
		want[m[1]] = append(want[m[1]], m[2])
	}
	if len(want) != len(unitTypes) {
		t.Errorf("YAML lists unit types for %d countries, unitTypes for %d", len(want), len(unitTypes))
	}
	for country, types := range want {
		got := UnitTypes(country)
		slices.Sort(got)
		slices.Sort(types)
		if !slices.Equal(got, types) {
			t.Errorf("%s: UnitTypes = %q, YAML %q", country, got, types)
		}
	}
}

// TestPostCodeFormatsAreTheYAMLsTable reads the table in the description of
// PostCode.
func TestPostCodeFormatsAreTheYAMLsTable(t *testing.T) {
	row := regexp.MustCompile(`<tr><td>([A-Z]{2})</td><td>(True|False)</td><td>([^<]+)</td>`)
	rows := row.FindAllStringSubmatch(addressProperty(t, "PostCode").Description, -1)
	if len(rows) != len(postCodeFormats) {
		t.Errorf("YAML lists %d post code formats, postCodeFormats %d", len(rows), len(postCodeFormats))
	}
	for _, m := range rows {
		if re := postCodeFormats[m[1]]; re == nil || re.String() != m[3] {
			t.Errorf("%s: format %v, YAML %s", m[1], re, m[3])
		}
	}
}

// validAddress is a valid unverified address in country c.
func validAddress(c string) Address {
	a := Address{Type: AddressMAL, Street: "1234 South Court", City: "City", Country: c}
	switch c {
	case "AU":
		a.Urbanisation, a.State, a.PostCode = "Sydney", "AU-NSW", "4375"
	case "US":
		a.State, a.PostCode = "US-AK", "90210-0800"
	case "CA":
		a.State, a.PostCode = "CA-ON", "K1A 0B1"
	}
	return a
}

// TestValidateAddressRulings1And2 covers the address rules: level of the
// type, missing street or city, per-country requirements, unit types, post
// codes, states and DPIDs.
func TestValidateAddressRulings1And2(t *testing.T) {
	with := func(c string, edit func(*Address)) Address {
		a := validAddress(c)
		edit(&a)
		return a
	}
	tests := []struct {
		name    string
		a       Address
		account bool
		code    Code
		field   string
	}{
		{"NZ unverified", validAddress("NZ"), false, "", ""},
		{"AU with Urbanisation, State and PostCode", validAddress("AU"), false, "", ""},
		{"US", validAddress("US"), false, "", ""},
		{"CA", validAddress("CA"), false, "", ""},
		{"a country without rules", validAddress("DE"), false, "", ""},
		// Ruling 1: the type's level must be the owner's.
		{"account type on a customer", with("NZ", func(a *Address) { a.Type = AddressPRFLOC }), false, EV1100, "Type"},
		{"customer type on an account", with("NZ", func(a *Address) { a.Type = AddressLOC }), true, EV1100, "Type"},
		{"account type on an account", with("NZ", func(a *Address) { a.Type = AddressPRFMAL }), true, "", ""},
		{"no type", with("NZ", func(a *Address) { a.Type = "" }), false, EV1100, "Type"},
		// Ruling 2: Street and City, which every country needs, name Address.
		{"no Street", with("NZ", func(a *Address) { a.Street = "" }), false, EV1100, "Address"},
		{"no City", with("AU", func(a *Address) { a.City = "" }), false, EV1100, "Address"},
		{"no Country", with("NZ", func(a *Address) { a.Country = "" }), false, EV1100, "Address"},
		{"unknown country", with("NZ", func(a *Address) { a.Country = "ZZ" }), false, ADR102, ""},
		{"lower-case country", with("NZ", func(a *Address) { a.Country = "nz" }), false, ADR102, ""},
		{"AU without Urbanisation", with("AU", func(a *Address) { a.Urbanisation = "" }), false, ADR102, ""},
		{"AU without State", with("AU", func(a *Address) { a.State = "" }), false, ADR102, ""},
		{"AU without PostCode", with("AU", func(a *Address) { a.PostCode = "" }), false, ADR102, ""},
		{"CA without State", with("CA", func(a *Address) { a.State = "" }), false, ADR102, ""},
		{"CA without PostCode", with("CA", func(a *Address) { a.PostCode = "" }), false, ADR102, ""},
		{"US without State", with("US", func(a *Address) { a.State = "" }), false, ADR102, ""},
		{"US without PostCode", with("US", func(a *Address) { a.PostCode = "" }), false, ADR102, ""},
		{"NZ without PostCode", with("NZ", func(a *Address) { a.PostCode = "" }), false, "", ""},
		// Unit types per the YAML's table.
		{"APT in the US", with("US", func(a *Address) { a.UnitType, a.Unit = "APT", "4" }), false, "", ""},
		{"APT in NZ", with("NZ", func(a *Address) { a.UnitType, a.Unit = "APT", "4" }), false, ADR102, ""},
		{"FLAT in NZ", with("NZ", func(a *Address) { a.UnitType, a.Unit = "FLAT", "4" }), false, "", ""},
		{"FLAT in the US", with("US", func(a *Address) { a.UnitType = "FLAT" }), false, ADR102, ""},
		{"UNIT in AU, a country without unit types", with("AU", func(a *Address) { a.UnitType = "UNIT" }), false, ADR102, ""},
		{"# in CA", with("CA", func(a *Address) { a.UnitType = "#" }), false, "", ""},
		// Post codes per the YAML's table.
		{"NZ post code of 5 digits", with("NZ", func(a *Address) { a.PostCode = "55120" }), false, ADR102, ""},
		{"AU post code with a letter", with("AU", func(a *Address) { a.PostCode = "437A" }), false, ADR102, ""},
		{"US ZIP without +4, as the YAML's format requires", with("US", func(a *Address) { a.PostCode = "90210" }), false, ADR102, ""},
		{"CA post code lower case", with("CA", func(a *Address) { a.PostCode = "k1a 0b1" }), false, ADR102, ""},
		{"PL post code", with("PL", func(a *Address) { a.PostCode = "00-950" }), false, "", ""},
		{"a post code where no format is published", with("GB", func(a *Address) { a.PostCode = "SW1A 1AA" }), false, "", ""},
		// States are ISO 3166-2 subdivisions of the address's country.
		{"state of another country", with("US", func(a *Address) { a.State = "CA-ON" }), false, ADR102, ""},
		{"state not ISO 3166-2", with("AU", func(a *Address) { a.State = "NSW" }), false, ADR102, ""},
		// DPIDs (ruling 2): the delivery point range.
		{"DPID", Address{Type: AddressMAL, DPID: 827994}, false, "", ""},
		{"DPID 55", Address{Type: AddressPRFMAL, DPID: 55}, true, "", ""},
		{"DPID 54", Address{Type: AddressMAL, DPID: 54}, false, ADR103, ""},
		{"DPID 82794", Address{Type: AddressMAL, DPID: 82794}, false, ADR103, ""},
		{"DPID of the wrong level", Address{Type: AddressPRFMAL, DPID: 827994}, false, EV1100, "Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantContactdError(t, ValidateAddress(tt.a, tt.account), tt.code, tt.field)
		})
	}
}

// TestDPIDRangeRuling2: 55 to 7,449,050 but 82794 and 12345.
func TestDPIDRangeRuling2(t *testing.T) {
	for _, tt := range []struct {
		dpid int64
		ok   bool
	}{
		{55, true}, {56, true}, {827994, true}, {7449050, true}, {82793, true}, {82795, true}, {12344, true},
		{54, false}, {0, false}, {-55, false}, {7449051, false}, {82794, false}, {12345, false}, {1 << 40, false},
	} {
		if got := ValidDPID(tt.dpid); got != tt.ok {
			t.Errorf("ValidDPID(%d) = %v", tt.dpid, got)
		}
		a, err := ResolveDPID(tt.dpid)
		if !tt.ok {
			wantContactdError(t, err, ADR103, "")
			continue
		}
		wantContactdError(t, err, "", "")
		if a.DPID != tt.dpid || a.Country != "NZ" {
			t.Errorf("ResolveDPID(%d) = %+v", tt.dpid, a)
		}
	}
}

// TestResolveDPIDPublishedAndDeterministic: the sample's DPID gives the
// address its sample shows; others give valid NZ addresses, always the same,
// and different DPIDs mostly different ones.
func TestResolveDPIDPublishedAndDeterministic(t *testing.T) {
	a, err := ResolveDPID(827994)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Formatted(); got != "3 HA CRESCENT WIRI AUCKLAND 2104" {
		t.Errorf("DPID 827994 is %q, want the sample's 3 HA CRESCENT WIRI AUCKLAND 2104", got)
	}
	seen := make(map[string]int64)
	for _, dpid := range []int64{55, 56, 100, 1000, 12346, 82795, 500000, 1234567, 7449050} {
		a, err := ResolveDPID(dpid)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ResolveDPID(dpid)
		if a != b {
			t.Errorf("ResolveDPID(%d) not deterministic: %+v, %+v", dpid, a, b)
		}
		plain := a
		plain.DPID = 0
		plain.Type = AddressLOC
		if err := ValidateAddress(plain, false); err != nil {
			t.Errorf("ResolveDPID(%d) = %+v is not a valid address: %v", dpid, a, err)
		}
		if other, dup := seen[a.Formatted()]; dup {
			t.Errorf("DPIDs %d and %d resolve to %q", other, dpid, a.Formatted())
		}
		seen[a.Formatted()] = dpid
	}
}

// TestAddressFormattedAsTheSamplesShow compares with the published Customer
// sample's Formatted lines.
func TestAddressFormattedAsTheSamplesShow(t *testing.T) {
	for _, tt := range []struct {
		a    Address
		want string
	}{
		{Address{Street: "32 ELM CRESCENT", Urbanisation: "GLADSTONE", City: "INVERCARGILL", PostCode: "9810", Country: "NZ"},
			"32 ELM CRESCENT GLADSTONE INVERCARGILL 9810"},
		{Address{Street: "34 JOHN F KENNEDY DRIVE", Urbanisation: "MILSON", City: "PALMERSTON NORTH", PostCode: "4414", Country: "NZ"},
			"34 JOHN F KENNEDY DRIVE MILSON PALMERSTON NORTH 4414"},
		{Address{Unit: "4", UnitType: "FLAT", Street: "1 A ST", City: "NELSON", Country: "NZ"}, "FLAT 4 1 A ST NELSON"},
		{Address{UnitType: "UNIT", Street: "1 A ST", City: "KANSAS", State: "US-AK", PostCode: "90210-0800", Country: "US"},
			"1 A ST KANSAS US-AK 90210-0800 US"},
	} {
		if got := tt.a.Formatted(); got != tt.want {
			t.Errorf("Formatted() = %q, want %q", got, tt.want)
		}
	}
}

// TestPublishedAddressSamples runs the domain rules over the published
// address requests and expects what their responses show.
func TestPublishedAddressSamples(t *testing.T) {
	for _, tt := range []struct {
		file  string
		typ   AddressType // for the PUT: the type of the address it updates (SUITE.md)
		code  Code
		field string
	}{
		{"POST_200_address_create_Australian_address_request.json", "", "", ""},
		{"POST_200_address_create_unverified_NZ_address_request.json", "", "", ""},
		{"POST_200_address_create_NZ_address_with_DPID_request.json", "", "", ""},
		{"POST_400_address_ADR103_create_NZ_address_with_invalid_DPID_request.json", "", ADR103, ""},
		{"POST_400_address_EV1100_create_NZ_address_with_missing_mandatory_fields_request.json", "", EV1100, "Address"},
		{"PUT_200_address_CusomerAccountLinkedToPB_request.json", AddressPRFMAL, "", ""},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var req struct {
				AccountID  string
				Type       AddressType
				Address    *Address
				NewZealand *struct{ DPID int64 }
			}
			data, err := api.Files.ReadFile("sample-messages/address/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &req); err != nil {
				t.Fatal(err)
			}
			typ := req.Type
			if tt.typ != "" {
				typ = tt.typ
			}
			var a Address
			if req.NewZealand != nil {
				a, err = ResolveDPID(req.NewZealand.DPID)
				if err != nil {
					wantContactdError(t, err, tt.code, tt.field)
					return
				}
			} else {
				a = *req.Address
			}
			a.Type = typ
			wantContactdError(t, ValidateAddress(a, req.AccountID != "" || tt.typ.AccountLevel()), tt.code, tt.field)
		})
	}
}
