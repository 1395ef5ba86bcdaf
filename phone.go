package contactd

// Phone number validity: rule 6 of api/SPEC-README.md.

// Bounds of the phone fields. The JSON schema enforces them before
// ValidatePhone runs; ValidatePhone checks them again so that it is safe on
// its own.
const (
	maxPhoneNumberLen = 15
	maxExtensionLen   = 10
)

// The NZ rule: the area code is part of PhoneNumber, which starts with 0
// and has 8 to 11 digits.
const (
	minNZNumberLen = 8
	maxNZNumberLen = 11
)

// ValidatePhone checks a phone's number against the rules for its country
// (rule 6); *Error CNT102 when invalid.
//
// PhoneNumber (1 to 15), AreaCode and Extension (at most 10) are ASCII
// digits; AreaCode and Extension may be empty. Country is an upper-case
// ISO 3166-1 alpha-2 code, or XK or XX. For NZ the AreaCode is empty and
// PhoneNumber starts with 0 and has 8 to 11 digits. A country that the
// published area-code table marks required needs an AreaCode of exactly
// the listed length; for every other country the AreaCode is optional and
// at most 5 digits. The phone type is not checked here (the schema's enum
// does that). ValidatePhone does not allocate for a valid phone.
func ValidatePhone(p Phone) error {
	if !validPhone(&p) {
		return Errorf(CNT102, "")
	}
	return nil
}

func validPhone(p *Phone) bool {
	if len(p.Number) < 1 || len(p.Number) > maxPhoneNumberLen || !digitsOnly(p.Number) {
		return false
	}
	if len(p.Extension) > maxExtensionLen || !digitsOnly(p.Extension) {
		return false
	}
	if !digitsOnly(p.AreaCode) {
		return false
	}
	c := lookupCountry(p.Country)
	switch {
	case !c.known:
		return false
	case p.Country == "NZ":
		return p.AreaCode == "" &&
			len(p.Number) >= minNZNumberLen && len(p.Number) <= maxNZNumberLen &&
			p.Number[0] == '0'
	case c.required:
		return len(p.AreaCode) == int(c.length)
	default:
		return len(p.AreaCode) <= int(c.length)
	}
}
