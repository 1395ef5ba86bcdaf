package contactd

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

const contactSpecPath = "api/contact-2021-09-14.yaml"

// areaCodeDescRe finds each AreaCode property of the YAML with its
// single-quoted, one-line description and its maxLength.
var areaCodeDescRe = regexp.MustCompile(`(?m)^[ \t]*AreaCode:[ \t]*\n[ \t]*type: string[ \t]*\n[ \t]*description: '([^\n]*)'[ \t]*\n[ \t]*maxLength: (\d+)`)

// areaCodeRowRe matches one data row of the table; the header row uses th.
var areaCodeRowRe = regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>`)

var (
	countryCellRe = regexp.MustCompile(`^[A-Z]{2}$`)
	tableRowCount = regexp.MustCompile(`<tr>`)
)

// parseAreaCodeTables returns each AreaCode table of the spec as a map,
// failing on a malformed row or on two rows of a country that disagree.
func parseAreaCodeTables(t *testing.T) []map[string]areaCodeRule {
	t.Helper()
	raw, err := os.ReadFile(contactSpecPath)
	if err != nil {
		t.Fatalf("read spec: %v", err)
	}
	descs := areaCodeDescRe.FindAllStringSubmatch(string(raw), -1)
	if len(descs) == 0 {
		t.Fatalf("no AreaCode description found in %s", contactSpecPath)
	}
	var tables []map[string]areaCodeRule
	for n, d := range descs {
		desc := d[1]
		if ml, _ := strconv.Atoi(d[2]); ml != maxOptionalAreaCode {
			t.Errorf("table %d: AreaCode maxLength %s, want %d", n, d[2], maxOptionalAreaCode)
		}
		rows := areaCodeRowRe.FindAllStringSubmatch(desc, -1)
		// Every <tr> but the header must be a well-formed data row, so
		// that the regexp cannot silently skip one.
		if trs := len(tableRowCount.FindAllStringIndex(desc, -1)); trs != len(rows)+1 {
			t.Errorf("table %d: %d <tr> but %d data rows matched (+1 header)", n, trs, len(rows))
		}
		table := map[string]areaCodeRule{}
		for _, r := range rows {
			country, req, length := r[1], r[2], r[3]
			if !countryCellRe.MatchString(country) {
				t.Errorf("table %d: bad country cell %q", n, country)
				continue
			}
			var rule areaCodeRule
			switch req {
			case "True":
				rule.required = true
			case "False":
			default:
				t.Errorf("table %d: %s: bad required cell %q", n, country, req)
				continue
			}
			rule.length, err = strconv.Atoi(length)
			if err != nil {
				t.Errorf("table %d: %s: bad length cell %q", n, country, length)
				continue
			}
			if prev, dup := table[country]; dup && prev != rule {
				t.Errorf("table %d: %s listed twice with different rules: %+v and %+v", n, country, prev, rule)
			}
			table[country] = rule
		}
		tables = append(tables, table)
	}
	return tables
}

func TestCountryAreaCodeTableMatchesSpec(t *testing.T) {
	tables := parseAreaCodeTables(t)
	t.Logf("%d AreaCode tables in the spec, %d countries in each", len(tables), len(tables[0]))
	for n, spec := range tables {
		for c, want := range spec {
			got, ok := areaCodeRules[c]
			if !ok {
				t.Errorf("table %d: %s %+v is in the spec but not in areaCodeRules", n, c, want)
			} else if got != want {
				t.Errorf("table %d: %s is %+v in areaCodeRules, %+v in the spec", n, c, got, want)
			}
		}
		for c, got := range areaCodeRules {
			if _, ok := spec[c]; !ok {
				t.Errorf("table %d: %s %+v is in areaCodeRules but not in the spec", n, c, got)
			}
		}
	}
}

// TestCountryAreaCodeTableShape checks what ValidatePhone assumes of the
// table: a required length is 1 to 5, and an optional country allows 5.
func TestCountryAreaCodeTableShape(t *testing.T) {
	for c, r := range areaCodeRules {
		if r.required && (r.length < 1 || r.length > maxOptionalAreaCode) {
			t.Errorf("%s: required length %d outside 1..%d", c, r.length, maxOptionalAreaCode)
		}
		if !r.required && r.length != maxOptionalAreaCode {
			t.Errorf("%s: optional length %d, want %d", c, r.length, maxOptionalAreaCode)
		}
	}
	if _, ok := areaCodeRules["NZ"]; ok {
		t.Error("NZ is in areaCodeRules; ValidatePhone's NZ rule would need revisiting")
	}
}

func TestCountryISOList(t *testing.T) {
	if len(isoCountryCodes) != 249 {
		t.Errorf("%d ISO 3166-1 codes, want 249", len(isoCountryCodes))
	}
	if !slices.IsSorted(isoCountryCodes[:]) {
		t.Error("isoCountryCodes is not sorted")
	}
	if len(slices.Compact(slices.Clone(isoCountryCodes[:]))) != len(isoCountryCodes) {
		t.Error("isoCountryCodes has duplicates")
	}
	for _, c := range isoCountryCodes {
		if !countryCellRe.MatchString(c) {
			t.Errorf("bad ISO code %q", c)
		}
	}
	for _, c := range extraCountryCodes {
		if slices.Contains(isoCountryCodes[:], c) {
			t.Errorf("extra code %s is already an ISO code", c)
		}
	}
	for _, c := range []string{"NZ", "AU", "GB", "US", "AQ", "BV", "SS", "SX", "BQ"} {
		if !slices.Contains(isoCountryCodes[:], c) {
			t.Errorf("ISO code %s missing", c)
		}
	}
}

// TestCountryTableCountriesAreAccepted checks that every country of the
// published table is an ISO code or one of the accepted extras (XK, XX),
// and reports the ISO codes the table leaves out (they get the optional
// rule, except NZ which has its own).
func TestCountryTableCountriesAreAccepted(t *testing.T) {
	for c := range areaCodeRules {
		if !slices.Contains(isoCountryCodes[:], c) && !slices.Contains(extraCountryCodes[:], c) {
			t.Errorf("table country %s is neither ISO 3166-1 nor an accepted extra", c)
		}
	}
	var missing []string
	for _, c := range isoCountryCodes {
		if _, ok := areaCodeRules[c]; !ok {
			missing = append(missing, c)
		}
	}
	t.Logf("ISO codes not in the area-code table: %v", missing)
	for _, c := range extraCountryCodes {
		if _, ok := areaCodeRules[c]; !ok {
			t.Errorf("extra code %s is not in the table; why is it accepted?", c)
		}
	}
}

func TestCountryLookup(t *testing.T) {
	tests := []struct {
		code  string
		known bool
	}{
		{"NZ", true}, {"AU", true}, {"XK", true}, {"XX", true}, {"GB", true},
		{"nz", false}, {"Nz", false}, {"nZ", false}, {"ZZ", false}, {"UK", false},
		{"EU", false}, {"", false}, {"N", false}, {"NZL", false}, {"N1", false},
		{"@A", false}, {"[A", false}, {"Ñ", false},
	}
	for _, tt := range tests {
		if got := lookupCountry(tt.code).known; got != tt.known {
			t.Errorf("lookupCountry(%q).known = %v, want %v", tt.code, got, tt.known)
		}
	}
	// The lookup table agrees with the lists for every two-letter code.
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			c := string([]rune{a, b})
			want := slices.Contains(isoCountryCodes[:], c) || slices.Contains(extraCountryCodes[:], c)
			info := lookupCountry(c)
			if info.known != want {
				t.Errorf("lookupCountry(%s).known = %v, want %v", c, info.known, want)
			}
			if r, ok := areaCodeRules[c]; ok && (info.required != r.required || int(info.length) != r.length) {
				t.Errorf("lookupCountry(%s) = %+v, table says %+v", c, info, r)
			}
		}
	}
}
