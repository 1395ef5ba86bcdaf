package contactd

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/contactd/contactd/api"
)

// TestNameTypesOfTheYAML: the Name API's POST enum is PREFER and DBACST;
// the Customer read's adds LGL.
func TestNameTypesOfTheYAML(t *testing.T) {
	var post []string
	api.RequestSchema("name/name_POST_Request").Walk(func(path []string, p *api.Property) {
		if p.Name == "Type" {
			post = p.Enum
		}
	})
	slices.Sort(post)
	if want := []string{string(NameTrade), string(NamePreferred)}; !slices.Equal(post, want) {
		t.Errorf("YAML name types %q, want %q", post, want)
	}
}

// TestValidateNewNameRuling3: PREFER only for individuals, DBACST for
// anyone, LGL never; the fields each type takes.
func TestValidateNewNameRuling3(t *testing.T) {
	prefer := Name{Type: NamePreferred, LastName: "Banner", FirstName: "Bruce"}
	trade := Name{Type: NameTrade, Unformatted: "Individual Trade Co"}
	with := func(n Name, edit func(*Name)) Name { edit(&n); return n }
	tests := []struct {
		name       string
		n          Name
		individual bool
		code       Code
		field      string
	}{
		{"preferred name of an individual", prefer, true, "", ""},
		{"preferred name of a non-individual", prefer, false, EV1100, "Type"},
		{"trade name of an individual", trade, true, "", ""},
		{"trade name of a non-individual", trade, false, "", ""},
		{"legal name", Name{Type: NameLegal, Unformatted: "X LTD"}, false, NAM102, ""},
		{"unknown type", Name{Type: "PRF", LastName: "X"}, true, EV1100, "Type"},
		{"preferred name with first name only", with(prefer, func(n *Name) { n.LastName = "" }), true, "", ""},
		{"preferred name with last name only", with(prefer, func(n *Name) { n.FirstName = "" }), true, "", ""},
		{"preferred name without a name", with(prefer, func(n *Name) { n.FirstName, n.LastName, n.Title = "", " ", "DR" }), true, EV1100, "LastName"},
		{"preferred name with Unformatted", with(prefer, func(n *Name) { n.Unformatted = "X" }), true, EV1100, "Unformatted"},
		{"trade name without Unformatted", with(trade, func(n *Name) { n.Unformatted = "" }), true, EV1100, "Unformatted"},
		{"trade name with a first name", with(trade, func(n *Name) { n.FirstName = "X" }), true, EV1100, "FirstName"},
		{"trade name with a title", with(trade, func(n *Name) { n.Title = "DR" }), true, EV1100, "Title"},
		{"Latin-1 is EBCDIC", with(prefer, func(n *Name) { n.FirstName = "Zoë" }), true, "", ""},
		{"macron is not EBCDIC", with(prefer, func(n *Name) { n.LastName = "Māori" }), true, EV1100, "LastName"},
		{"control character", with(trade, func(n *Name) { n.Unformatted = "A\nB" }), true, EV1100, "Unformatted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantContactdError(t, ValidateNewName(tt.n, tt.individual), tt.code, tt.field)
		})
	}
}

// TestLegalNameCanBeNeitherUpdatedNorDeleted: NAM102 on PUT (the YAML),
// NAM100 on DELETE (ruling 3, TEST-DETAILS.md).
func TestLegalNameCanBeNeitherUpdatedNorDeleted(t *testing.T) {
	wantContactdError(t, ValidateNameUpdate(Name{Type: NameLegal, Unformatted: "X"}), NAM102, "")
	wantContactdError(t, ValidateNameUpdate(Name{Type: NamePreferred, FirstName: "Steve", Title: "WGCDR"}), "", "")
	wantContactdError(t, ValidateNameUpdate(Name{Type: NameTrade, FirstName: "Steve"}), EV1100, "Unformatted")
	wantContactdError(t, CanDeleteName(NameLegal), NAM100, "")
	wantContactdError(t, CanDeleteName(NamePreferred), "", "")
	wantContactdError(t, CanDeleteName(NameTrade), "", "")
}

func TestNameFormatted(t *testing.T) {
	for _, tt := range []struct {
		n    Name
		want string
	}{
		{Name{Type: NameLegal, Unformatted: "LOOK THROUGH COMPANY LTD."}, "LOOK THROUGH COMPANY LTD."},
		{Name{Type: NamePreferred, Title: "WGCDR", FirstName: "Steve", MiddleName: "G", LastName: "Roger", Suffix: "Jr"}, "WGCDR Steve G Roger Jr"},
		{Name{Type: NamePreferred, FirstName: "Bruce", LastName: "Banner"}, "Bruce Banner"},
	} {
		if got := tt.n.Formatted(); got != tt.want {
			t.Errorf("Formatted() = %q, want %q", got, tt.want)
		}
	}
}

// TestPublishedNameSamples: the published POSTs and PUTs pass the rules
// (the PUTs update the PREFER name 1004723099665, SUITE.md).
func TestPublishedNameSamples(t *testing.T) {
	for _, tt := range []struct {
		file       string
		individual bool
		putType    NameType
	}{
		{"POST_200_name_Create_preferred_name_request.json", true, ""},
		{"POST_200_name_Create_trade_name_request.json", true, ""},
		{"POST_400_name_NAM101_existing_name_of_this_type_request.json", true, ""},
		{"PUT_200_name_Update_preferred_name_request.json", true, NamePreferred},
		{"PUT_200_name_Update_trade_name_request.json", true, NamePreferred},
	} {
		data, err := api.Files.ReadFile("sample-messages/name/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		var n Name
		if err := json.Unmarshal(data, &n); err != nil {
			t.Fatal(err)
		}
		if tt.putType != "" {
			n.Type = tt.putType
			wantContactdError(t, ValidateNameUpdate(n), "", "")
			continue
		}
		wantContactdError(t, ValidateNewName(n, tt.individual), "", "")
	}
}

func TestValidateLegalName(t *testing.T) {
	tests := []struct {
		name  string
		n     Name
		field string // "" when valid
	}{
		{"an organisation's", Name{Type: NameLegal, Unformatted: "LOOK THROUGH COMPANY LTD."}, ""},
		{"a person's", Name{Type: NameLegal, FirstName: "MARY", LastName: "WATSON"}, ""},
		{"blank", Name{Type: NameLegal, Unformatted: "  "}, "Unformatted"},
		{"both", Name{Type: NameLegal, Unformatted: "MARY WATSON", LastName: "WATSON"}, "Unformatted"},
		{"a title only", Name{Type: NameLegal, Title: "DR"}, "LastName"},
		{"not EBCDIC", Name{Type: NameLegal, FirstName: "MARY", LastName: "ŁÓDŹ"}, "LastName"},
	}
	for _, tc := range tests {
		err := ValidateLegalName(tc.n)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EV1100 || e.Field != tc.field {
			t.Errorf("%s: got %v, want EV1100 naming %s", tc.name, err, tc.field)
		}
	}
}
