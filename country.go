package contactd

// Country data for rule 6 of api/SPEC-README.md: the ISO 3166-1 alpha-2
// code list, and the area-code table that the Contact API publishes in the
// description of the AreaCode property (api/contact-2021-09-14.yaml).
// country_test.go checks areaCodeRules against the YAML so that the two
// cannot drift apart.

// isoCountryCodes lists every officially assigned ISO 3166-1 alpha-2 code
// (249 of them), upper case, in alphabetical order.
var isoCountryCodes = [...]string{
	"AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
	"BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
	"BT", "BV", "BW", "BY", "BZ",
	"CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW",
	"CX", "CY", "CZ",
	"DE", "DJ", "DK", "DM", "DO", "DZ",
	"EC", "EE", "EG", "EH", "ER", "ES", "ET",
	"FI", "FJ", "FK", "FM", "FO", "FR",
	"GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT",
	"GU", "GW", "GY",
	"HK", "HM", "HN", "HR", "HT", "HU",
	"ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT",
	"JE", "JM", "JO", "JP",
	"KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ",
	"LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
	"MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
	"MT", "MU", "MV", "MW", "MX", "MY", "MZ",
	"NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
	"OM",
	"PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY",
	"QA",
	"RE", "RO", "RS", "RU", "RW",
	"SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
	"ST", "SV", "SX", "SY", "SZ",
	"TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ",
	"UA", "UG", "UM", "US", "UY", "UZ",
	"VA", "VC", "VE", "VG", "VI", "VN", "VU",
	"WF", "WS",
	"YE", "YT",
	"ZA", "ZM", "ZW",
}

// extraCountryCodes are not officially assigned ISO 3166-1 codes but appear
// in the published area-code table, so the API accepts them (rule 6): XK
// (Kosovo, user-assigned) and XX (unknown).
var extraCountryCodes = [...]string{"XK", "XX"}

// areaCodeRule is one row of the published area-code table. A required
// country needs an area code of exactly length digits; for the others the
// area code is optional and at most length (always 5) digits.
type areaCodeRule struct {
	required bool
	length   int
}

// areaCodeRules is the published area-code table, one entry per country.
// The YAML repeats some rows (GB five times, PS twice) with identical
// values; they appear once here. NZ is not in the table: its area code is
// part of PhoneNumber (see ValidatePhone).
var areaCodeRules = map[string]areaCodeRule{
	"AD": {false, 5}, "AE": {true, 2}, "AF": {true, 3}, "AG": {true, 3}, "AI": {true, 3},
	"AL": {true, 1}, "AM": {true, 2}, "AO": {true, 2}, "AQ": {false, 5}, "AR": {true, 2},
	"AS": {true, 3}, "AT": {false, 5}, "AU": {true, 2}, "AW": {false, 5}, "AX": {false, 5},
	"AZ": {true, 2},
	"BA": {true, 2}, "BB": {true, 3}, "BD": {true, 1}, "BE": {true, 1}, "BF": {true, 4},
	"BG": {false, 5}, "BH": {true, 1}, "BI": {true, 4}, "BJ": {true, 2}, "BL": {false, 5},
	"BM": {true, 3}, "BN": {false, 5}, "BO": {true, 1}, "BQ": {false, 5}, "BR": {true, 2},
	"BS": {true, 3}, "BT": {true, 1}, "BV": {false, 5}, "BW": {false, 5}, "BY": {true, 2},
	"BZ": {false, 5},
	"CA": {true, 3}, "CC": {false, 5}, "CD": {true, 1}, "CF": {false, 5}, "CG": {true, 4},
	"CH": {true, 2}, "CI": {true, 2}, "CK": {false, 5}, "CL": {true, 2}, "CM": {false, 5},
	"CN": {false, 5}, "CO": {true, 1}, "CR": {false, 5}, "CU": {false, 5}, "CV": {true, 3},
	"CW": {false, 5}, "CX": {false, 5}, "CY": {true, 2}, "CZ": {true, 3},
	"DE": {false, 5}, "DJ": {true, 2}, "DK": {false, 5}, "DM": {true, 3}, "DO": {true, 3},
	"DZ": {true, 2},
	"EC": {true, 1}, "EE": {false, 5}, "EG": {true, 2}, "EH": {false, 5}, "ER": {true, 1},
	"ES": {false, 5}, "ET": {true, 2},
	"FI": {false, 5}, "FJ": {false, 5}, "FK": {false, 5}, "FM": {true, 3}, "FO": {false, 5},
	"FR": {true, 2},
	"GA": {true, 1}, "GB": {false, 5}, "GD": {true, 3}, "GE": {true, 3}, "GF": {true, 2},
	"GG": {false, 5}, "GH": {true, 2}, "GI": {false, 5}, "GL": {true, 2}, "GM": {false, 5},
	"GN": {false, 5}, "GP": {true, 2}, "GQ": {true, 2}, "GR": {false, 5}, "GS": {false, 5},
	"GT": {false, 5}, "GU": {true, 3}, "GW": {true, 2}, "GY": {true, 3},
	"HK": {false, 5}, "HM": {false, 5}, "HN": {false, 5}, "HR": {true, 2}, "HT": {false, 5},
	"HU": {false, 5},
	"ID": {true, 3}, "IE": {true, 3}, "IL": {true, 2}, "IM": {false, 5}, "IN": {false, 5},
	"IO": {false, 5}, "IQ": {false, 5}, "IR": {false, 5}, "IS": {false, 5}, "IT": {false, 5},
	"JE": {false, 5}, "JM": {true, 3}, "JO": {true, 1}, "JP": {true, 3},
	"KE": {true, 2}, "KG": {false, 5}, "KH": {true, 2}, "KI": {false, 5}, "KM": {true, 3},
	"KN": {true, 3}, "KP": {false, 5}, "KR": {false, 5}, "KW": {true, 3}, "KY": {true, 3},
	"KZ": {false, 5},
	"LA": {true, 2}, "LB": {true, 1}, "LC": {true, 3}, "LI": {false, 5}, "LK": {true, 3},
	"LR": {false, 5}, "LS": {true, 2}, "LT": {false, 5}, "LU": {true, 2}, "LV": {false, 5},
	"LY": {true, 3},
	"MA": {false, 5}, "MC": {false, 5}, "MD": {false, 5}, "ME": {true, 2}, "MF": {false, 5},
	"MG": {true, 2}, "MH": {false, 5}, "MK": {true, 1}, "ML": {false, 5}, "MM": {false, 5},
	"MN": {false, 5}, "MO": {false, 5}, "MP": {true, 3}, "MQ": {true, 2}, "MR": {false, 5},
	"MS": {true, 3}, "MT": {false, 5}, "MU": {false, 5}, "MV": {false, 5}, "MW": {false, 5},
	"MX": {true, 3}, "MY": {false, 5}, "MZ": {false, 5},
	"NA": {false, 5}, "NC": {false, 5}, "NE": {false, 5}, "NF": {true, 1}, "NG": {false, 5},
	"NI": {false, 5}, "NL": {false, 5}, "NO": {true, 2}, "NP": {false, 5}, "NR": {false, 5},
	"NU": {false, 5},
	"OM": {false, 5},
	"PA": {false, 5}, "PE": {false, 5}, "PF": {false, 5}, "PG": {false, 5}, "PH": {false, 5},
	"PK": {false, 5}, "PL": {true, 2}, "PM": {true, 2}, "PN": {true, 2}, "PR": {true, 3},
	"PS": {false, 5}, "PT": {false, 5}, "PW": {true, 3}, "PY": {false, 5},
	"QA": {false, 5},
	"RE": {true, 2}, "RO": {false, 5}, "RS": {false, 5}, "RU": {false, 5}, "RW": {true, 3},
	"SA": {true, 2}, "SB": {false, 5}, "SC": {false, 5}, "SD": {false, 5}, "SE": {false, 5},
	"SG": {false, 5}, "SH": {false, 5}, "SI": {false, 5}, "SJ": {true, 2}, "SK": {true, 2},
	"SL": {true, 2}, "SM": {true, 4}, "SN": {false, 5}, "SO": {true, 2}, "SR": {false, 5},
	"SS": {false, 5}, "ST": {false, 5}, "SV": {false, 5}, "SX": {false, 5}, "SY": {false, 5},
	"SZ": {true, 2},
	"TC": {true, 3}, "TD": {false, 5}, "TF": {true, 2}, "TG": {true, 3}, "TH": {false, 5},
	"TJ": {false, 5}, "TK": {false, 5}, "TL": {false, 5}, "TM": {true, 3}, "TN": {true, 2},
	"TO": {true, 2}, "TR": {true, 3}, "TT": {true, 3}, "TV": {false, 5}, "TW": {false, 5},
	"TZ": {false, 5},
	"UA": {false, 5}, "UG": {false, 5}, "UM": {true, 3}, "US": {true, 3}, "UY": {false, 5},
	"UZ": {false, 5},
	"VA": {true, 2}, "VC": {true, 3}, "VE": {true, 3}, "VG": {true, 3}, "VI": {true, 3},
	"VN": {false, 5}, "VU": {false, 5},
	"WF": {false, 5}, "WS": {false, 5},
	"XK": {false, 5}, "XX": {false, 5},
	"YE": {false, 5}, "YT": {true, 2},
	"ZA": {true, 3}, "ZM": {true, 3}, "ZW": {false, 5},
}

// maxOptionalAreaCode bounds the area code of a country whose area code is
// optional (rule 6), and is the AreaCode maxLength of the schema.
const maxOptionalAreaCode = 5

// countryInfo is what ValidatePhone needs to know about a country code.
type countryInfo struct {
	known    bool  // an accepted country code
	required bool  // area code required
	length   uint8 // exact area-code length if required, else the maximum
}

// countryTable indexes countryInfo by the two upper-case letters of a code,
// so that a lookup neither hashes nor allocates.
var countryTable = buildCountryTable()

func buildCountryTable() *[26 * 26]countryInfo {
	t := new([26 * 26]countryInfo)
	add := func(code string) {
		if i, ok := countryIndex(code); ok {
			t[i] = countryInfo{known: true, length: maxOptionalAreaCode}
		}
	}
	for _, c := range isoCountryCodes {
		add(c)
	}
	for _, c := range extraCountryCodes {
		add(c)
	}
	for c, r := range areaCodeRules {
		// Only accepted codes take a rule; country_test.go checks that
		// every country of the table is accepted.
		if i, ok := countryIndex(c); ok && t[i].known {
			t[i].required = r.required
			t[i].length = uint8(r.length)
		}
	}
	return t
}

// countryIndex maps a two-letter upper-case code to its slot in
// countryTable; ok is false for anything else (lower case included).
func countryIndex(code string) (i int, ok bool) {
	if len(code) != 2 {
		return 0, false
	}
	a, b := code[0], code[1]
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0, false
	}
	return int(a-'A')*26 + int(b-'A'), true
}

// lookupCountry returns what is known of a country code; known is false for
// a code that is not accepted.
func lookupCountry(code string) countryInfo {
	i, ok := countryIndex(code)
	if !ok {
		return countryInfo{}
	}
	return countryTable[i]
}
