package contactd

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

// Bank API rules: SUITE.md ruling 4 and api/bank-2021-09-14.yaml.
//
// New Zealand bank account numbers are checked with the check-digit
// algorithm that Inland Revenue publishes for software vendors ("Bank account
// number validation" in its RWT and NRWT certificate filing specification,
// 2020 edition): the bank must be listed and the branch within the bank's
// ranges; the digits, weighted per algorithm, must sum to a multiple of the
// algorithm's modulus. It is written here by hand: no maintained Go module
// implements it (the module list and the documentation index hold none; the
// published implementations are PHP, Ruby, Python, JavaScript and C#).

// NZBankAccount is a New Zealand bank account number in its four parts, as
// the Bank API takes them: Bank (2 digits), Branch (4), Account (the account
// base, 8) and Suffix (4), each written with leading zeros to its full width.
type NZBankAccount struct {
	Bank, Branch, Account, Suffix string
}

// The widths of the parts, which the YAML sets as minLength and maxLength.
const (
	nzBankLen    = 2
	nzBranchLen  = 4
	nzAccountLen = 8
	nzSuffixLen  = 4
	// nzBankAccountLen is the length of BB-bbbb-AAAAAAAA-SSSS.
	nzBankAccountLen = nzBankLen + nzBranchLen + nzAccountLen + nzSuffixLen + 3
)

// ParseNZBankAccount parses a number written as the Account read shows it,
// BB-bbbb-AAAAAAAA-SSSS (03-1528-00065296-0050). Any other form is BNK100;
// ParseNZBankAccount does not check the number itself (see Validate).
func ParseNZBankAccount(s string) (NZBankAccount, error) {
	if len(s) != nzBankAccountLen || s[2] != '-' || s[7] != '-' || s[16] != '-' {
		return NZBankAccount{}, Errorf(BNK100, "")
	}
	a := NZBankAccount{Bank: s[0:2], Branch: s[3:7], Account: s[8:16], Suffix: s[17:21]}
	if !a.wellFormed() {
		return NZBankAccount{}, Errorf(BNK100, "")
	}
	return a, nil
}

// String writes the number BB-bbbb-AAAAAAAA-SSSS, as the Account read's
// BankAccount field shows it. Do not log it: log the account itself, whose
// LogValue masks the account base.
func (a NZBankAccount) String() string {
	return a.Bank + "-" + a.Branch + "-" + a.Account + "-" + a.Suffix
}

// Masked writes the number with all but the last four digits of the account
// base hidden (03-1528-****5296-0050), fit for logs and the console.
func (a NZBankAccount) Masked() string {
	masked := "****"
	if len(a.Account) == nzAccountLen {
		masked += a.Account[4:]
	}
	return a.Bank + "-" + a.Branch + "-" + masked + "-" + a.Suffix
}

// LogValue makes log/slog write the masked number: logs never hold a full
// bank account number.
func (a NZBankAccount) LogValue() slog.Value { return slog.StringValue(a.Masked()) }

// wellFormed reports whether every part has its full width of ASCII digits.
func (a NZBankAccount) wellFormed() bool {
	return len(a.Bank) == nzBankLen && len(a.Branch) == nzBranchLen &&
		len(a.Account) == nzAccountLen && len(a.Suffix) == nzSuffixLen &&
		digitsOnly(a.Bank) && digitsOnly(a.Branch) && digitsOnly(a.Account) && digitsOnly(a.Suffix)
}

// Validate checks the number with the published algorithm; *Error BNK100
// ("The bank account provided is invalid.") when a part is not all digits
// or not of its full width, the bank is not listed, the branch is outside
// the bank's ranges, or the check sum fails. 00-0000-00000000-0000 is
// invalid: bank 00 is not listed.
func (a NZBankAccount) Validate() error {
	if !a.wellFormed() || !validNZBankNumber(a) {
		return Errorf(BNK100, "")
	}
	return nil
}

// branchRange is an inclusive range of branch numbers.
type branchRange struct{ lo, hi int }

// nzBank is one row of the published bank table: the branch ranges of a
// bank, and its algorithm; algorithm 0 means "A when the account base is
// below 00990000, else B".
type nzBank struct {
	branches  []branchRange
	algorithm byte
}

// nzBanks is the published table of bank IDs, branch ranges and algorithms.
var nzBanks = map[int]nzBank{
	1:  {[]branchRange{{1, 999}, {1100, 1199}, {1800, 1899}}, 0},
	2:  {[]branchRange{{1, 999}, {1200, 1299}}, 0},
	3:  {[]branchRange{{1, 999}, {1300, 1399}, {1500, 1599}, {1700, 1799}, {1900, 1999}, {7350, 7399}}, 0},
	4:  {[]branchRange{{2020, 2024}}, 0},
	6:  {[]branchRange{{1, 999}, {1400, 1499}}, 0},
	8:  {[]branchRange{{6500, 6599}}, 'D'},
	9:  {[]branchRange{{0, 0}}, 'E'},
	10: {[]branchRange{{5165, 5169}}, 0},
	11: {[]branchRange{{5000, 6499}, {6600, 8999}}, 0},
	12: {[]branchRange{{3000, 3299}, {3400, 3499}, {3600, 3699}}, 0},
	13: {[]branchRange{{4900, 4999}}, 0},
	14: {[]branchRange{{4700, 4799}}, 0},
	15: {[]branchRange{{3900, 3999}}, 0},
	16: {[]branchRange{{4400, 4499}}, 0},
	17: {[]branchRange{{3300, 3399}}, 0},
	18: {[]branchRange{{3500, 3599}}, 0},
	19: {[]branchRange{{4600, 4649}}, 0},
	20: {[]branchRange{{4100, 4199}}, 0},
	21: {[]branchRange{{4800, 4899}}, 0},
	22: {[]branchRange{{4000, 4049}}, 0},
	23: {[]branchRange{{3700, 3799}}, 0},
	24: {[]branchRange{{4300, 4349}}, 0},
	25: {[]branchRange{{2500, 2599}}, 'F'},
	26: {[]branchRange{{2600, 2699}}, 'G'},
	27: {[]branchRange{{3800, 3849}}, 0},
	28: {[]branchRange{{2100, 2149}}, 'G'},
	29: {[]branchRange{{2150, 2299}}, 'G'},
	30: {[]branchRange{{2900, 2949}}, 0},
	31: {[]branchRange{{2800, 2849}}, 'X'},
	33: {[]branchRange{{6700, 6799}}, 'F'},
	35: {[]branchRange{{2400, 2499}}, 0},
	38: {[]branchRange{{9000, 9499}}, 0},
}

// nzAlgorithm is one row of the published weight table: a weight for each of
// the 18 digits (bank 2, branch 4, account base 8, suffix 4) and the
// modulus. Algorithm C is published but used by no bank, so it is left out.
type nzAlgorithm struct {
	weights [18]int
	modulus int
	// digitSum adds the digits of each product, and again the digits of
	// that sum, before summing (algorithms E and G).
	digitSum bool
}

var nzAlgorithms = map[byte]nzAlgorithm{
	'A': {[18]int{0, 0, 6, 3, 7, 9, 0, 0, 10, 5, 8, 4, 2, 1, 0, 0, 0, 0}, 11, false},
	'B': {[18]int{0, 0, 0, 0, 0, 0, 0, 0, 10, 5, 8, 4, 2, 1, 0, 0, 0, 0}, 11, false},
	'D': {[18]int{0, 0, 0, 0, 0, 0, 0, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0}, 11, false},
	'E': {[18]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 4, 3, 2, 0, 0, 0, 1}, 11, true},
	'F': {[18]int{0, 0, 0, 0, 0, 0, 0, 1, 7, 3, 1, 7, 3, 1, 0, 0, 0, 0}, 10, false},
	'G': {[18]int{0, 0, 0, 0, 0, 0, 0, 1, 3, 7, 1, 3, 7, 1, 0, 3, 7, 1}, 10, true},
	'X': {[18]int{}, 1, false}, // bank 31: every number is valid
}

// abThreshold is the account base from which banks marked "A or B" use B.
const abThreshold = 990000

// validNZBankNumber applies the published algorithm to a well-formed number.
func validNZBankNumber(a NZBankAccount) bool {
	bank, ok := nzBanks[atoi(a.Bank)]
	if !ok {
		return false
	}
	branch := atoi(a.Branch)
	inRange := false
	for _, r := range bank.branches {
		inRange = inRange || r.lo <= branch && branch <= r.hi
	}
	if !inRange {
		return false
	}
	name := bank.algorithm
	if name == 0 {
		name = 'A'
		if atoi(a.Account) >= abThreshold {
			name = 'B'
		}
	}
	alg := nzAlgorithms[name]
	digits := a.Bank + a.Branch + a.Account + a.Suffix
	sum := 0
	for i, w := range alg.weights {
		p := int(digits[i]-'0') * w
		if alg.digitSum {
			// At most 9*10 = 90: two digit sums bring it to one digit.
			p = p/10 + p%10
			p = p/10 + p%10
		}
		sum += p
	}
	return sum%alg.modulus == 0
}

// atoi converts a string of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// InternationalBankAccount is a refund bank account outside New Zealand, as
// the Bank API's International object gives it.
type InternationalBankAccount struct {
	RoutingNumber   string
	AccountNumber   string
	BankAccountType BankAccountType
	BankName        string
	Country         string
}

// BankAccountType is the type of an international bank account.
type BankAccountType string

// The international bank account types of the YAML.
const (
	Chequing BankAccountType = "C"
	Savings  BankAccountType = "S"
)

// InternationalBankCountries returns the countries, ISO 3166-1 alpha-2, in
// which the Bank API accepts an international bank account: the YAML's
// enum of International.Country.
func InternationalBankCountries() []string { return []string{"AU"} }

// BankAccountTypes returns the international bank account types of the
// YAML, in its order.
func BankAccountTypes() []BankAccountType { return []BankAccountType{Chequing, Savings} }

// BankAccount is an account's refund bank account: exactly one of
// NewZealand and International is set. Reference is the reference of a
// credit union or building society account, kept as given (SUITE.md
// ruling 4: contactd neither requires nor refuses it).
type BankAccount struct {
	ID            int64
	NameOnAccount string
	NewZealand    *NZBankAccount
	Reference     string
	International *InternationalBankAccount
}

// routingNumberLen is the YAML's length of RoutingNumber, an Australian BSB.
const routingNumberLen = 6

// ValidateBankAccount applies the rules of a bank POST after the schema:
//
//   - NewZealand and International both given is EV1100 naming
//     International, neither is EV1100 naming NewZealand ("Either a
//     NewZealand object or International object must be provided, but not
//     both").
//   - NameOnAccount and BankName must be non-empty and "only contain
//     characters in the ISO-8859-8 character set" (control characters are
//     refused too): else EV1100 naming the field.
//   - A New Zealand number must pass NZBankAccount.Validate: BNK100.
//   - An international account must be in a country of
//     InternationalBankCountries and of a type of BankAccountTypes (EV1100
//     naming Country or BankAccountType); its RoutingNumber (the Australian
//     BSB) is 6 digits and its AccountNumber digits only, else BNK100.
//
// The address rule of international accounts needs the owner's addresses:
// see CheckBankAddress.
func ValidateBankAccount(b BankAccount) error {
	switch {
	case b.NewZealand != nil && b.International != nil:
		return Errorf(EV1100, "International")
	case b.NewZealand == nil && b.International == nil:
		return Errorf(EV1100, "NewZealand")
	}
	if !iso88598(b.NameOnAccount) {
		return Errorf(EV1100, "NameOnAccount")
	}
	if b.NewZealand != nil {
		return b.NewZealand.Validate()
	}
	in := b.International
	switch {
	case !slices.Contains(InternationalBankCountries(), in.Country):
		return Errorf(EV1100, "Country")
	case !slices.Contains(BankAccountTypes(), in.BankAccountType):
		return Errorf(EV1100, "BankAccountType")
	case !iso88598(in.BankName):
		return Errorf(EV1100, "BankName")
	case len(in.RoutingNumber) != routingNumberLen || !digitsOnly(in.RoutingNumber) ||
		in.AccountNumber == "" || !digitsOnly(in.AccountNumber):
		return Errorf(BNK100, "")
	}
	return nil
}

// ValidateShownBankAccount checks a refund bank account as the Account
// read shows it, which is all an import is given of one: number is its
// BankAccount (as BankAccount.Number writes it) and name its
// NameOnBankAccount. The name is checked as ValidateBankAccount checks
// NameOnAccount (EV1100 naming NameOnAccount); a New Zealand number
// (BB-bbbb-AAAAAAAA-SSSS) must pass NZBankAccount.Validate, and any other
// is an international one, RoutingNumber-AccountNumber, whose routing
// number must be 6 digits and account number digits, as ValidateBankAccount
// requires; else BNK100.
func ValidateShownBankAccount(number, name string) error {
	if !iso88598(name) {
		return Errorf(EV1100, "NameOnAccount")
	}
	if len(number) == nzBankAccountLen && number[2] == '-' {
		nz, err := ParseNZBankAccount(number)
		if err != nil {
			return err
		}
		return nz.Validate()
	}
	routing, account, ok := strings.Cut(number, "-")
	if !ok || len(routing) != routingNumberLen || !digitsOnly(routing) || account == "" || !digitsOnly(account) {
		return Errorf(BNK100, "")
	}
	return nil
}

// CheckBankAddress applies the address rule of SUITE.md ruling 4 to a
// valid bank account: an international account needs a physical address
// (the customer's LOC or the account's PRFLOC) in its Country, else BNK102
// ("There is no physical address for the customer or account for the
// provided country."). addresses are the live addresses of the customer and
// of the account; addresses of other types are ignored. A New Zealand
// account needs none.
func CheckBankAddress(b BankAccount, addresses []Address) error {
	if b.International == nil {
		return nil
	}
	for _, a := range addresses {
		if (a.Type == AddressLOC || a.Type == AddressPRFLOC) && a.Country == b.International.Country {
			return nil
		}
	}
	return Errorf(BNK102, "")
}

// iso88598 reports whether s is non-empty and every character is a
// printable one of ISO-8859-8, as the YAML requires of NameOnAccount and
// BankName.
func iso88598(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if _, ok := charmap.ISO8859_8.EncodeRune(r); !ok || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// internationalFields are an international account's fields as its record
// keeps them.
type internationalFields struct {
	RoutingNumber   string
	AccountNumber   string
	BankAccountType BankAccountType
	BankName        string
	Country         string
}

// bankFields are a refund bank account's fields as its record keeps them:
// BankAccount and NameOnBankAccount as the Account read shows them, then
// the credit union Reference and the international account, when given.
type bankFields struct {
	BankAccount       string
	NameOnBankAccount string
	Reference         string               `json:",omitempty"`
	International     *internationalFields `json:",omitempty"`
}

// Number is the account number as the Account read's BankAccount shows it:
// BB-bbbb-AAAAAAAA-SSSS for a New Zealand account; for an international one
// (which the published shape does not cover) the routing number and the
// account number, as an Australian BSB and account are written
// ("242000-203330017").
func (b BankAccount) Number() string {
	if b.NewZealand != nil {
		return b.NewZealand.String()
	}
	return b.International.RoutingNumber + "-" + b.International.AccountNumber
}

// LogValue makes log/slog write the account with its number masked: logs
// never hold a full bank account number.
func (b BankAccount) LogValue() slog.Value {
	if b.NewZealand != nil {
		return slog.GroupValue(slog.Any("NewZealand", *b.NewZealand))
	}
	if b.International != nil {
		n := b.International.AccountNumber
		return slog.GroupValue(slog.String("Country", b.International.Country),
			slog.String("AccountNumber", "****"+n[max(0, len(n)-4):]))
	}
	return slog.GroupValue()
}

// Record is the bank account as a record of kind bank, key "".
func (b BankAccount) Record() (Record, error) {
	f := bankFields{BankAccount: b.Number(), NameOnBankAccount: b.NameOnAccount, Reference: b.Reference}
	if in := b.International; in != nil {
		f.International = &internationalFields{in.RoutingNumber, in.AccountNumber, in.BankAccountType, in.BankName, in.Country}
	}
	fields, err := recordFields(f)
	return Record{ID: b.ID, Kind: KindBank, Fields: fields}, err
}

// RecordAddress reads an address record's fields back into an Address.
func RecordAddress(r Record) (Address, error) {
	var a Address
	if err := json.Unmarshal(r.Fields, &a); err != nil {
		return Address{}, fmt.Errorf("address record %d: %w", r.ID, err)
	}
	a.ID = r.ID
	return a, nil
}

// physicalAddresses returns the live addresses of an account's customer and
// of the account itself, the ones CheckBankAddress looks at.
func (s *Service) physicalAddresses(ctx context.Context, o Owner) ([]Address, error) {
	c, _, err := s.Store.CustomerContacts(ctx, o.Customer)
	if err != nil {
		return nil, err
	}
	a, _, err := s.Store.AccountContacts(ctx, o.AccountID)
	if err != nil {
		return nil, err
	}
	var addresses []Address
	for _, r := range append(slices.Clip(c.Records), a.Records...) {
		if r.Kind != KindAddress {
			continue
		}
		addr, err := RecordAddress(r)
		if err != nil {
			return nil, err
		}
		addresses = append(addresses, addr)
	}
	return addresses, nil
}

// AddBankAccount gives an account its refund bank account, replacing the
// live one (which is ceased and stays in the audit trail), after
// ValidateBankAccount and CheckBankAddress.
func (s *Service) AddBankAccount(ctx context.Context, ch Change, ref OwnerRef, b BankAccount) (int64, error) {
	return s.PutRecord(ctx, ch, ref, KindBank, Replace, func(o Owner) (Record, error) {
		if !o.AccountLevel() {
			return Record{}, Errorf(EV1100, "AccountID") // bank accounts are account-level
		}
		if err := ValidateBankAccount(b); err != nil {
			return Record{}, err
		}
		if b.International != nil {
			addresses, err := s.physicalAddresses(ctx, o)
			if err != nil {
				return Record{}, err
			}
			if err := CheckBankAddress(b, addresses); err != nil {
				return Record{}, err
			}
		}
		return b.Record()
	})
}

// DeleteBankAccount ceases an account's refund bank account: BNK101 when
// it has none.
func (s *Service) DeleteBankAccount(ctx context.Context, ch Change, ref OwnerRef) error {
	return s.CeaseRecordByKey(ctx, ch, ref, KindBank, "", BNK101, func(o Owner) error {
		if !o.AccountLevel() {
			return Errorf(EV1100, "AccountID")
		}
		return nil
	})
}
