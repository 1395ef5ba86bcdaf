package contactd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/contactd/contactd/api"
)

func mustParseNZ(t *testing.T, s string) NZBankAccount {
	t.Helper()
	a, err := ParseNZBankAccount(s)
	if err != nil {
		t.Fatalf("ParseNZBankAccount(%q): %v", s, err)
	}
	return a
}

// TestNZBankAccountCheckDigits runs the published algorithm on the
// standard's own worked examples (one per kind of algorithm it illustrates),
// the samples' numbers, and numbers that break one rule each.
func TestNZBankAccountCheckDigits(t *testing.T) {
	tests := []struct {
		name, number string
		valid        bool
	}{
		// The specification's examples, widened to the Bank API's widths.
		{"standard example 1, algorithm A", "01-0902-00068389-0000", true},
		{"standard example 2, algorithm D", "08-6523-01954512-0001", true},
		{"standard example 3, algorithm G (digit sums, suffix weighted)", "26-2600-00320871-0032", true},
		// The published samples (SUITE.md, issue 22).
		{"sample NZ account, algorithm A", "03-1528-00065296-0050", true},
		{"sample credit union account", "03-1528-00065296-0000", true},
		{"all zeros: bank 00 is not listed", "00-0000-00000000-0000", false},
		// One rule broken at a time.
		{"example 1 with a digit changed", "01-0902-00068388-0000", false},
		{"example 2 with a digit changed", "08-6523-01954513-0001", false},
		{"example 3 with the suffix changed", "26-2600-00320871-0033", false},
		{"branch outside the bank's ranges", "01-1000-00068389-0000", false},
		{"unlisted bank 05", "05-0902-00068389-0000", false},
		{"unlisted bank 99", "99-0902-00068389-0000", false},
		// Algorithm B from account base 00990000: the branch no longer counts.
		{"algorithm B", "01-0902-00990000-0000", algorithmSum("B", "01090200990000") == 0},
		{"algorithm X (bank 31): any number", "31-2800-12345678-0001", true},
		{"bank 31 branch out of range", "31-2900-12345678-0001", false},
		{"bank 09 algorithm E", "09-0000-00000000-0000", true},
		{"bank 09 branch must be 0000", "09-0001-00000000-0000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParseNZ(t, tt.number)
			err := a.Validate()
			if tt.valid {
				wantContactdError(t, err, "", "")
			} else {
				wantContactdError(t, err, BNK100, "")
			}
		})
	}
}

// algorithmSum is a second, plain reading of the weight table for one
// algorithm without digit sums: the weighted sum modulo the modulus.
func algorithmSum(name, digits14 string) int {
	alg := nzAlgorithms[name[0]]
	digits := digits14 + "0000"
	sum := 0
	for i, w := range alg.weights {
		sum += int(digits[i]-'0') * w
	}
	return sum % alg.modulus
}

// TestNZBankAccountBForLargeBases: banks marked "A or B" switch algorithm
// at account base 00990000; find a number valid under B only and check it.
func TestNZBankAccountBForLargeBases(t *testing.T) {
	var found string
	for base := 990000; base < 990100 && found == ""; base++ {
		b := fmt.Sprintf("%08d", base)
		if algorithmSum("B", "010902"+b) == 0 && algorithmSum("A", "010902"+b) != 0 {
			found = "01-0902-" + b + "-0000"
		}
	}
	if found == "" {
		t.Fatal("no number valid under B only")
	}
	wantContactdError(t, mustParseNZ(t, found).Validate(), "", "")
	// Below the threshold the same digits use A.
	var belowA string
	for base := 980000; base < 980100 && belowA == ""; base++ {
		b := fmt.Sprintf("%08d", base)
		if algorithmSum("B", "010902"+b) == 0 && algorithmSum("A", "010902"+b) != 0 {
			belowA = "01-0902-" + b + "-0000"
		}
	}
	wantContactdError(t, mustParseNZ(t, belowA).Validate(), BNK100, "")
}

// TestParseNZBankAccountForm: BB-bbbb-AAAAAAAA-SSSS exactly, digits only;
// non-digits are BNK100 (TEST-DETAILS.md).
func TestParseNZBankAccountForm(t *testing.T) {
	for _, s := range []string{"", "03-1528-0065296-0050", "03-1528-00065296-050", "3-1528-00065296-0050",
		"03 1528 00065296 0050", "0315280006529600500", "03-1528-0006529A-0050", "03-1528-00065296-0050 ",
		"０3-1528-00065296-0050", "03-15-2800065296-0050"} {
		if _, err := ParseNZBankAccount(s); err == nil {
			t.Errorf("ParseNZBankAccount(%q) accepted", s)
		} else {
			wantContactdError(t, err, BNK100, "")
		}
	}
	a := mustParseNZ(t, "03-1528-00065296-0050")
	if a != (NZBankAccount{"03", "1528", "00065296", "0050"}) || a.String() != "03-1528-00065296-0050" {
		t.Errorf("parsed %+v, String %q", a, a.String())
	}
	for _, bad := range []NZBankAccount{{"03", "1528", "0006529x", "0050"}, {"3", "1528", "00065296", "0050"},
		{"03", "1528", "00065296", "050"}, {"", "", "", ""}} {
		wantContactdError(t, bad.Validate(), BNK100, "")
	}
}

// TestNZBankAccountNeverLoggedInFull: log/slog writes the masked number.
func TestNZBankAccountNeverLoggedInFull(t *testing.T) {
	a := mustParseNZ(t, "03-1528-00065296-0050")
	if got := a.Masked(); got != "03-1528-****5296-0050" {
		t.Errorf("Masked() = %q", got)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("bank", "account", a, "ptr", &a)
	if strings.Contains(buf.String(), "00065296") || !strings.Contains(buf.String(), "****5296") {
		t.Errorf("log line %s", buf.String())
	}
}

// TestInternationalBankDataIsTheYAMLs: the country list and account types
// are the enums of bank_POST_Request.
func TestInternationalBankDataIsTheYAMLs(t *testing.T) {
	enums := make(map[string][]string)
	api.RequestSchema("bank/bank_POST_Request").Walk(func(path []string, p *api.Property) {
		if len(path) == 2 && path[0] == "International" {
			enums[p.Name] = p.Enum
		}
	})
	if !slices.Equal(enums["Country"], InternationalBankCountries()) {
		t.Errorf("countries %q, YAML %q", InternationalBankCountries(), enums["Country"])
	}
	var types []string
	for _, bt := range BankAccountTypes() {
		types = append(types, string(bt))
	}
	if !slices.Equal(enums["BankAccountType"], types) {
		t.Errorf("account types %q, YAML %q", types, enums["BankAccountType"])
	}
}

// TestValidateBankAccountRuling4 covers a bank POST's own rules.
func TestValidateBankAccountRuling4(t *testing.T) {
	nz := func(s, ref string) BankAccount {
		a := mustParseNZ(t, s)
		return BankAccount{NameOnAccount: "Test", NewZealand: &a, Reference: ref}
	}
	intl := func(edit func(*InternationalBankAccount)) BankAccount {
		in := &InternationalBankAccount{RoutingNumber: "242000", AccountNumber: "203330017", BankAccountType: Chequing, BankName: "ASB", Country: "AU"}
		if edit != nil {
			edit(in)
		}
		return BankAccount{NameOnAccount: "Test", International: in}
	}
	both := nz("03-1528-00065296-0050", "")
	both.International = intl(nil).International
	tests := []struct {
		name  string
		b     BankAccount
		code  Code
		field string
	}{
		{"NZ account", nz("03-1528-00065296-0050", ""), "", ""},
		{"credit union account with Reference", nz("03-1528-00065296-0000", "CreditUnion"), "", ""},
		{"Reference is neither required nor refused", nz("01-0902-00068389-0000", "X"), "", ""},
		{"invalid NZ number", nz("00-0000-00000000-0000", ""), BNK100, ""},
		{"international account", intl(nil), "", ""},
		{"savings account", intl(func(i *InternationalBankAccount) { i.BankAccountType = Savings }), "", ""},
		{"both", both, EV1100, "International"},
		{"neither", BankAccount{NameOnAccount: "Test"}, EV1100, "NewZealand"},
		{"country outside the YAML's list", intl(func(i *InternationalBankAccount) { i.Country = "US" }), EV1100, "Country"},
		{"unknown account type", intl(func(i *InternationalBankAccount) { i.BankAccountType = "X" }), EV1100, "BankAccountType"},
		{"BSB with a letter", intl(func(i *InternationalBankAccount) { i.RoutingNumber = "24200A" }), BNK100, ""},
		{"account number with a letter", intl(func(i *InternationalBankAccount) { i.AccountNumber = "2033300I7" }), BNK100, ""},
		{"bank name outside ISO-8859-8", intl(func(i *InternationalBankAccount) { i.BankName = "Zoë Bank" }), EV1100, "BankName"},
		{"Hebrew is ISO-8859-8", intl(func(i *InternationalBankAccount) { i.BankName = "בנק" }), "", ""},
		{"name on account with a control character", BankAccount{NameOnAccount: "A\tB", NewZealand: nz("03-1528-00065296-0050", "").NewZealand}, EV1100, "NameOnAccount"},
		{"name on account outside ISO-8859-8", BankAccount{NameOnAccount: "Māori", NewZealand: nz("03-1528-00065296-0050", "").NewZealand}, EV1100, "NameOnAccount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantContactdError(t, ValidateBankAccount(tt.b), tt.code, tt.field)
		})
	}
}

// TestCheckBankAddressRuling4: an international account needs the
// customer's LOC or the account's PRFLOC in its country (BNK102).
func TestCheckBankAddressRuling4(t *testing.T) {
	au := BankAccount{International: &InternationalBankAccount{Country: "AU"}}
	nzAcct := BankAccount{NewZealand: &NZBankAccount{}}
	for _, tt := range []struct {
		name  string
		b     BankAccount
		addrs []Address
		code  Code
	}{
		{"NZ account needs no address", nzAcct, nil, ""},
		{"customer LOC in AU", au, []Address{{Type: AddressLOC, Country: "AU"}}, ""},
		{"account PRFLOC in AU", au, []Address{{Type: AddressLOC, Country: "NZ"}, {Type: AddressPRFLOC, Country: "AU"}}, ""},
		{"no address", au, nil, BNK102},
		{"physical address elsewhere", au, []Address{{Type: AddressLOC, Country: "NZ"}}, BNK102},
		{"mailing addresses do not count", au, []Address{{Type: AddressMAL, Country: "AU"}, {Type: AddressPRFMAL, Country: "AU"}}, BNK102},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantContactdError(t, CheckBankAddress(tt.b, tt.addrs), tt.code, "")
		})
	}
}

// TestPublishedBankSamples decodes the published bank POSTs into
// BankAccount and expects them valid.
func TestPublishedBankSamples(t *testing.T) {
	for _, f := range []string{"POST_200_bank_Create_NZ_bank_account_request.json",
		"POST_200_bank_Create_NZ_credit_union_bank_account.json",
		"POST_200_bank_Create_international_bank_account_request.json",
		"POST_400_bank_no_physical_address_for_the_customer_request.json"} {
		data, err := api.Files.ReadFile("sample-messages/bank/" + f)
		if err != nil {
			t.Fatal(err)
		}
		var req struct {
			NameOnAccount string
			NewZealand    *struct{ Bank, Branch, Account, Suffix, Reference string }
			International *InternationalBankAccount
		}
		if err := json.Unmarshal(data, &req); err != nil {
			t.Fatal(err)
		}
		b := BankAccount{NameOnAccount: req.NameOnAccount, International: req.International}
		if n := req.NewZealand; n != nil {
			b.NewZealand = &NZBankAccount{n.Bank, n.Branch, n.Account, n.Suffix}
			b.Reference = n.Reference
		}
		if err := ValidateBankAccount(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestBankAccountRecord: the record's fields as the Account read shows
// them, then Reference and the international account; logs see the
// number masked.
func TestBankAccountRecord(t *testing.T) {
	nzAcc := NZBankAccount{"03", "1528", "00065296", "0000"}
	r, err := BankAccount{NameOnAccount: "Test", NewZealand: &nzAcc, Reference: "CreditUnion"}.Record()
	if err != nil || r.Kind != KindBank || r.Key != "" ||
		string(r.Fields) != `{"BankAccount":"03-1528-00065296-0000","NameOnBankAccount":"Test","Reference":"CreditUnion"}` {
		t.Fatalf("NZ record %+v %s %v", r, r.Fields, err)
	}
	au := BankAccount{NameOnAccount: "Test", International: &InternationalBankAccount{"242000", "203330017", Chequing, "ASB", "AU"}}
	r, err = au.Record()
	if err != nil || string(r.Fields) != `{"BankAccount":"242000-203330017","NameOnBankAccount":"Test","International":`+
		`{"RoutingNumber":"242000","AccountNumber":"203330017","BankAccountType":"C","BankName":"ASB","Country":"AU"}}` {
		t.Fatalf("international record %s %v", r.Fields, err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("bank", "nz", BankAccount{NewZealand: &nzAcc}, "au", au)
	if out := logs.String(); strings.Contains(out, "00065296") || strings.Contains(out, "203330017") || !strings.Contains(out, "****5296") {
		t.Fatalf("log %s", out)
	}
}

// TestRecordAddress: an address record reads back as the address.
func TestRecordAddress(t *testing.T) {
	a := Address{ID: 7, Type: AddressPRFLOC, Street: "1 George Street", City: "Sydney", State: "AU-NSW", PostCode: "2000",
		Country: "AU", Urbanisation: "Sydney"}
	r, err := a.Record()
	if err != nil {
		t.Fatal(err)
	}
	got, err := RecordAddress(r)
	if err != nil || got != a {
		t.Fatalf("RecordAddress = %+v, %v; want %+v", got, err, a)
	}
	if _, err := RecordAddress(Record{Fields: []byte(`[`)}); err == nil {
		t.Fatal("a broken record read back")
	}
}

func TestValidateShownBankAccount(t *testing.T) {
	tests := []struct {
		number, name string
		code         Code // "" when valid
	}{
		{"01-0902-00123456-0000", "Mary Watson", ""},
		{"242000-203330017", "Mary Watson", ""}, // an international account as the read shows it
		{"10-1000-01000000-0100", "Peter Parker", BNK100},
		{"01-0902-0012345a-0000", "Mary Watson", BNK100},
		{"0109020012345600", "Mary Watson", BNK100},
		{"24200-203330017", "Mary Watson", BNK100},
		{"242000-", "Mary Watson", BNK100},
		{"01-0902-00123456-0000", "", EV1100},
		{"01-0902-00123456-0000", "Zoë Watson", EV1100},
	}
	for _, tc := range tests {
		err := ValidateShownBankAccount(tc.number, tc.name)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s %q: %v", tc.number, tc.name, err)
			}
			continue
		}
		if ErrorCode(err) != tc.code {
			t.Errorf("%s %q: got %v, want %s", tc.number, tc.name, err, tc.code)
		}
	}
}
