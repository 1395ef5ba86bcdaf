package contactd

import (
	"errors"
	"testing"
	"time"
)

// FuzzSuiteRules feeds arbitrary strings to the parsers and validators of
// the suite's rules: none may panic, and every error they return must be an
// *Error of the catalogue, so that the API answers 400 and never 500.
func FuzzSuiteRules(f *testing.F) {
	f.Add("03-1528-00065296-0050", "AU", "2021-08-31", int64(827994))
	f.Add("00-0000-00000000-0000", "US", "9999-12-31", int64(82794))
	f.Add("26-2600-00320871-0032", "NZ", "2020-20-20", int64(-1))
	f.Fuzz(func(t *testing.T, s, country, date string, dpid int64) {
		now := time.Date(2021, 8, 31, 0, 0, 0, 0, time.UTC)
		check := func(what string, err error) {
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.Code.Message() == "") {
				t.Fatalf("%s: error %v is not of the catalogue", what, err)
			}
		}
		a, err := ParseNZBankAccount(s)
		check("ParseNZBankAccount", err)
		if err == nil {
			if a.String() != s {
				t.Fatalf("ParseNZBankAccount(%q).String() = %q", s, a.String())
			}
			check("Validate", a.Validate())
		}
		check("ValidateBankAccount", ValidateBankAccount(BankAccount{NameOnAccount: s,
			International: &InternationalBankAccount{RoutingNumber: s, AccountNumber: date, BankAccountType: BankAccountType(country), BankName: s, Country: country}}))
		addr := Address{Type: AddressType(country), Street: s, City: date, Country: country, State: s, PostCode: date, UnitType: s, Urbanisation: s}
		check("ValidateAddress", ValidateAddress(addr, false))
		addr.Type = AddressLOC
		check("ValidateAddress", ValidateAddress(addr, false))
		r, err := ResolveDPID(dpid)
		check("ResolveDPID", err)
		if err == nil {
			r.Type = AddressMAL
			r.DPID = 0
			check("ValidateAddress(ResolveDPID)", ValidateAddress(r, false))
			if ValidateAddress(r, false) != nil {
				t.Fatalf("ResolveDPID(%d) = %+v is not valid", dpid, r)
			}
		}
		check("ValidateNewName", ValidateNewName(Name{Type: NameType(country), Unformatted: s, LastName: date}, true))
		check("ValidateNewName", ValidateNewName(Name{Type: NamePreferred, FirstName: s}, true))
		_, err = BICCommence(date, now)
		check("BICCommence", err)
		_, err = ParseBICCode(s)
		check("ParseBICCode", err)
		pr, err := ParsePeriodRange(date, s)
		check("ParsePeriodRange", err)
		if err == nil {
			ListPeriods(SynthesizePeriods(country, s, now), pr)
		}
	})
}
