package contactd

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// phoneNZ and phoneIntl build phones for the tests.
func phoneNZ(number, extension string) Phone {
	return Phone{Type: "BSN", Country: "NZ", Number: number, Extension: extension}
}

func phoneIntl(country, area, number string) Phone {
	return Phone{Type: "BSN", Country: country, AreaCode: area, Number: number}
}

func wantPhoneValid(t *testing.T, p Phone, valid bool) {
	t.Helper()
	err := ValidatePhone(p)
	if valid {
		if err != nil {
			t.Errorf("ValidatePhone(%+v) = %v, want valid", p, err)
		}
		return
	}
	if err == nil {
		t.Errorf("ValidatePhone(%+v) = nil, want CNT102", p)
		return
	}
	e, ok := err.(*Error)
	if !ok || e.Code != CNT102 || e.Field != "" {
		t.Errorf("ValidatePhone(%+v) = %#v, want *Error CNT102", p, err)
	}
}

func TestValidatePhone_Rule6(t *testing.T) {
	tests := []struct {
		name  string
		p     Phone
		valid bool
	}{
		// NZ: area code inside PhoneNumber, which starts with 0 and has 8 to 11 digits.
		{"NZ landline Wellington", phoneNZ("044451153", ""), true},
		{"NZ mobile 10 digits", phoneNZ("0276479952", ""), true},
		{"NZ with extension", phoneNZ("048997445", "04"), true},
		{"NZ mobile 9 digits", phoneNZ("027789032", ""), true},
		{"NZ Auckland", phoneNZ("093031234", ""), true},
		{"NZ Hamilton", phoneNZ("073471234", ""), true},
		{"NZ mobile 021", phoneNZ("0211234567", ""), true},
		{"NZ 8 digits", phoneNZ("08001234", ""), true},
		{"NZ 11 digits", phoneNZ("02112345678", ""), true},
		{"NZ extension 10 digits", phoneNZ("044451153", "1234567890"), true},
		{"NZ with AreaCode", Phone{Country: "NZ", AreaCode: "04", Number: "44451153"}, false},
		{"NZ with AreaCode and full number", Phone{Country: "NZ", AreaCode: "04", Number: "044451153"}, false},
		{"NZ AreaCode letter O", Phone{Country: "NZ", AreaCode: "O2", Number: "044451153"}, false},
		{"NZ no leading 0", phoneNZ("44451153", ""), false},
		{"NZ too short", phoneNZ("0444", ""), false},
		{"NZ 7 digits", phoneNZ("0444511", ""), false},
		{"NZ 12 digits", phoneNZ("021123456789", ""), false},
		{"NZ letter in number", phoneNZ("04445a153", ""), false},
		{"NZ space in number", phoneNZ("04 4451153", ""), false},
		{"NZ plus prefix", phoneNZ("+6444451153", ""), false},
		{"NZ hyphen", phoneNZ("04-4451153", ""), false},
		{"NZ full-width digits", phoneNZ("０４４４５１１５３", ""), false},
		{"NZ extension letter", phoneNZ("044451153", "12a"), false},
		{"NZ extension 11 digits", phoneNZ("044451153", "12345678901"), false},
		{"NZ empty number", phoneNZ("", ""), false},

		// Country codes: upper-case ISO 3166-1 alpha-2, plus XK and XX.
		{"unknown country ZZ", phoneIntl("ZZ", "", "12345678"), false},
		{"lower-case nz", Phone{Country: "nz", Number: "044451153"}, false},
		{"mixed-case Nz", Phone{Country: "Nz", Number: "044451153"}, false},
		{"UK is not ISO", phoneIntl("UK", "", "2071234567"), false},
		{"empty country", phoneIntl("", "", "12345678"), false},
		{"three letters", phoneIntl("NZL", "", "044451153"), false},
		{"Kosovo XK", phoneIntl("XK", "", "38123456"), true},
		{"unknown XX", phoneIntl("XX", "", "12345678"), true},

		// Required area code (AU: 2 digits).
		{"AU area 02", phoneIntl("AU", "02", "92345678"), true},
		{"AU empty area", phoneIntl("AU", "", "92345678"), false},
		{"AU area 1 digit", phoneIntl("AU", "2", "92345678"), false},
		{"AU area 3 digits", phoneIntl("AU", "021", "92345678"), false},
		{"AU area letter", phoneIntl("AU", "0A", "92345678"), false},
		{"US area 3", phoneIntl("US", "212", "5551234"), true},
		{"US area 2", phoneIntl("US", "21", "5551234"), false},
		{"AL area 1", phoneIntl("AL", "4", "2234567"), true},
		{"SM area 4", phoneIntl("SM", "0549", "123456"), true},

		// Optional area code, at most 5 digits (in the table or not).
		{"GB no area", phoneIntl("GB", "", "2071234567"), true},
		{"GB area 5", phoneIntl("GB", "01234", "567890"), true},
		{"GB area 6", phoneIntl("GB", "012345", "67890"), false},
		{"DE area 3", phoneIntl("DE", "030", "1234567"), true},
		{"DE area with space", phoneIntl("DE", "03 0", "1234567"), false},

		// PhoneNumber bounds for every country.
		{"number 1 digit", phoneIntl("GB", "", "1"), true},
		{"number 15 digits", phoneIntl("GB", "", "123456789012345"), true},
		{"number 16 digits", phoneIntl("GB", "", "1234567890123456"), false},
		{"number empty", phoneIntl("GB", "", ""), false},
		{"number with letter", phoneIntl("GB", "", "20712x4567"), false},
		{"number with NUL", phoneIntl("GB", "", "2071\x004567"), false},
		{"extension ok abroad", Phone{Country: "AU", AreaCode: "02", Number: "92345678", Extension: "123"}, true},
		{"extension with letter abroad", Phone{Country: "AU", AreaCode: "02", Number: "92345678", Extension: "12a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantPhoneValid(t, tt.p, tt.valid)
		})
	}
}

// TestValidatePhone_Rule6AreaCodeTable checks every country of the
// published table: a required country accepts exactly its length and
// rejects one digit fewer or more and an empty area code; an optional
// country accepts none and 5 digits and rejects 6.
func TestValidatePhone_Rule6AreaCodeTable(t *testing.T) {
	const number = "12345678"
	digits := func(n int) string { return strings.Repeat("7", n) }
	for c, r := range areaCodeRules {
		if r.required {
			wantPhoneValid(t, phoneIntl(c, digits(r.length), number), true)
			wantPhoneValid(t, phoneIntl(c, digits(r.length-1), number), false)
			wantPhoneValid(t, phoneIntl(c, digits(r.length+1), number), false)
			wantPhoneValid(t, phoneIntl(c, "", number), false)
		} else {
			wantPhoneValid(t, phoneIntl(c, "", number), true)
			wantPhoneValid(t, phoneIntl(c, digits(5), number), true)
			wantPhoneValid(t, phoneIntl(c, digits(6), number), false)
		}
		wantPhoneValid(t, phoneIntl(strings.ToLower(c), digits(r.length), number), false)
	}
}

// TestValidatePhone_Rule6EveryCountry checks that every accepted country
// code outside the table and other than NZ gets the optional rule.
func TestValidatePhone_Rule6EveryCountry(t *testing.T) {
	codes := slices.Concat(isoCountryCodes[:], extraCountryCodes[:])
	for _, c := range codes {
		if _, ok := areaCodeRules[c]; ok || c == "NZ" {
			continue
		}
		wantPhoneValid(t, phoneIntl(c, "", "12345678"), true)
		wantPhoneValid(t, phoneIntl(c, "12345", "12345678"), true)
		wantPhoneValid(t, phoneIntl(c, "123456", "12345678"), false)
	}
}

// TestValidatePhone_Rule6SampleMessages checks rule 6's "every number in
// the sample messages is valid" on every phone of every published sample.
func TestValidatePhone_Rule6SampleMessages(t *testing.T) {
	var phones int
	var walk func(v any, file string)
	walk = func(v any, file string) {
		switch v := v.(type) {
		case map[string]any:
			if num, ok := v["PhoneNumber"].(string); ok {
				str := func(k string) string { s, _ := v[k].(string); return s }
				p := Phone{
					Type:      PhoneType(str("PhoneType")),
					Country:   str("Country"),
					AreaCode:  str("AreaCode"),
					Number:    num,
					Extension: str("Extension"),
				}
				phones++
				if err := ValidatePhone(p); err != nil {
					t.Errorf("%s: %+v: %v", file, p, err)
				}
			}
			for _, x := range v {
				walk(x, file)
			}
		case []any:
			for _, x := range v {
				walk(x, file)
			}
		}
	}
	root := filepath.Join("api", "sample-messages")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		walk(v, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if phones == 0 {
		t.Fatal("no phone found in the sample messages")
	}
	t.Logf("%d sample phones valid", phones)
}

func TestValidatePhone_NoAllocs(t *testing.T) {
	valid := []Phone{
		phoneNZ("048997445", "04"),
		phoneIntl("AU", "02", "92345678"),
		phoneIntl("GB", "", "2071234567"),
	}
	for _, p := range valid {
		allocs := testing.AllocsPerRun(100, func() {
			if err := ValidatePhone(p); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("ValidatePhone(%+v) allocates %v times, want 0", p, allocs)
		}
	}
}

func BenchmarkValidatePhone(b *testing.B) {
	phones := []Phone{
		phoneNZ("048997445", "04"),
		phoneIntl("AU", "02", "92345678"),
		phoneIntl("GB", "", "2071234567"),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := ValidatePhone(phones[i%len(phones)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
