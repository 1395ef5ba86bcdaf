// Package sandbox holds the published test personas that `contactd serve
// --sandbox` starts with, and the sandbox's access rule.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// outOfReach are the EV1022 personas: the sandbox caller may reach
// neither these customers nor any of their accounts, contacts or phones.
var outOfReach = map[contactd.CustomerID]bool{
	{Type: contactd.IRD, Value: "102210221"}: true,
	{Type: contactd.IRD, Value: "132253579"}: true,
}

// Access is the sandbox's access rule: every sandbox caller may act on
// every persona except the EV1022 ones. Callers that are not sandbox
// callers may act on nothing.
type Access struct{}

// Authorize implements contactd.Authorizer.
func (Access) Authorize(_ context.Context, caller contactd.Caller, o contactd.Owner) error {
	if !caller.Sandbox || outOfReach[o.Customer] {
		return contactd.Errorf(contactd.EV1022, "")
	}
	return nil
}

// persona is a customer of the sandbox with its accounts.
type persona struct {
	id       contactd.CustomerID
	profile  string
	accounts []string
}

func ird(v string) contactd.CustomerID { return contactd.CustomerID{Type: contactd.IRD, Value: v} }
func cst(v string) contactd.CustomerID { return contactd.CustomerID{Type: contactd.CST, Value: v} }

// individual is the profile of a person, with their legal name.
func individual(first, last, commence string) string {
	return fmt.Sprintf(`{"EntityType":"INDVDL","EntitySubType":"","Commence":%q,"Cease":"9999-12-31",`+
		`"Address":[%s],"Name":[{"NameID":%d,"Type":"LGL","LastName":%q,"FirstName":%q,"MiddleName":"","Title":"","Suffix":"",`+
		`"Formatted":%q,"Updated":"2020-05-21T18:02:52"}]}`,
		commence, address("LOC", 1004722686772, "3 HA CRESCENT", "WIRI", "AUCKLAND", "2104"),
		1004723443000+int64(len(first)*100+len(last)), strings.ToUpper(last), strings.ToUpper(first),
		strings.ToUpper(first+" "+last))
}

// organisation is the profile of a non-individual with its legal name.
func organisation(entity, sub, name, nzbn string) string {
	return fmt.Sprintf(`{"NZBN":%q,"EntityType":%q,"EntitySubType":%q,"Commence":"2000-01-01","Cease":"9999-12-31",`+
		`"Address":[%s],"Name":[{"NameID":%d,"Type":"LGL","LastName":"","FirstName":"","MiddleName":"","Title":"","Suffix":"",`+
		`"Formatted":%q,"Updated":"2020-07-02T15:49:03"}]}`,
		nzbn, entity, sub, address("LOC", 1004723453000+int64(len(name)), "32 ELM CRESCENT", "GLADSTONE", "INVERCARGILL", "9810"),
		1004723443833+int64(len(name)), name)
}

func address(typ string, id int64, street, suburb, city, postcode string) string {
	return fmt.Sprintf(`{"AddressID":%d,"Type":%q,"Street":%q,"Street2":"","Unit":"","UnitType":"","City":%q,"State":"",`+
		`"PostCode":%q,"Country":"NZ","Attention":"","Urbanisation":%q,"District":"","SubDistrict":"","SubProvince":"",`+
		`"Formatted":%q,"Updated":"2020-05-27T11:46:39"}`,
		id, typ, street, city, postcode, suburb, strings.Join([]string{street, suburb, city, postcode}, " "))
}

// lookThroughCompany is NON_INDIVIDUAL as the published customer sample shows it.
const lookThroughCompany = `{"NZBN":"9429035383472","EntityType":"COMPNY","EntitySubType":"CC","Commence":"2000-01-01","Cease":"9999-12-31",` +
	`"BIC":[{"BICCode":"A041930"}],"Indicator":[{"Indicator":"LOOKTH"}],"Address":[` +
	`{"AddressID":1004723453056,"Type":"LOC","Street":"32 ELM CRESCENT","Street2":"","Unit":"","UnitType":"","City":"INVERCARGILL","State":"","PostCode":"9810","Country":"NZ","Attention":"","Urbanisation":"GLADSTONE","District":"","SubDistrict":"","SubProvince":"","Formatted":"32 ELM CRESCENT GLADSTONE INVERCARGILL 9810","Updated":"2020-07-02T15:49:03"},` +
	`{"AddressID":1004722686772,"Type":"MAL","Street":"34 JOHN F KENNEDY DRIVE","Street2":"","Unit":"","UnitType":"","City":"PALMERSTON NORTH","State":"","PostCode":"4414","Country":"NZ","Attention":"","Urbanisation":"MILSON","District":"","SubDistrict":"","SubProvince":"","Formatted":"34 JOHN F KENNEDY DRIVE MILSON PALMERSTON NORTH 4414","Updated":"2020-05-21T18:02:52"}],` +
	`"Name":[{"NameID":1004723443833,"Type":"LGL","LastName":"","FirstName":"","MiddleName":"","Title":"","Suffix":"","Formatted":"LOOK THROUGH COMPANY LTD.","Updated":"2020-07-02T15:49:03"}]}`

var personas = []persona{
	{ird("132243158"), individual("Peter", "Parker", "2010-01-01"),
		[]string{"132243158FAM005", "132243158GST004", "132243158INC003", "132243158INC002", "132243158DSB006", "132243158FBT005", "132243158KSS004"}},
	{ird("069096409"), lookThroughCompany, []string{"069096409EMP003", "069096409INC002"}},
	{ird("139369673"), individual("Mary", "Watson", "2012-04-01"), []string{"139369673AIL023", "139369673INC003", "139369673REB001"}},
	{cst("1512100301"), organisation("COMPNY", "CC", "TAX AGENT CLIENT LIMITED", "9429041000001"), []string{"512100301REB001", "512100301INC003", "512100301AIL023"}},
	{cst("1512150403"), organisation("TRUST", "", "CST IDENTIFIED TRUST", ""), nil},
	// EV1022_CUSTOMER: its IRD number fails the check digit, yet IRD's
	// test plans send it as it is; IRDRule lets it through.
	{ird("102210221"), organisation("COMPNY", "CC", "RESTRICTED ACCESS LIMITED", ""), []string{"102210221INC002"}},
	{ird("132253579"), individual("Restricted", "Person", "2015-01-01"), []string{"132253579INC002"}},
	// The other ACT100 example of IRD's test data page (TEST-DETAILS.md);
	// SANDBOX.md does not list it.
	{ird("139376056"), individual("Kiri", "Sinclair", "2016-07-01"), []string{"139376056KSS004"}},
}

// IRDRule is the sandbox's IRD number rule: its personas' numbers count as
// valid, also those whose check digit fails (102210221), because IRD's
// test plans send them as they are. Every other number keeps the rule.
func IRDRule() contactd.IRDRule {
	r := contactd.IRDRule{Personas: map[string]bool{}}
	for _, p := range personas {
		if p.id.Type == contactd.IRD {
			r.Personas[p.id.Value] = true
		}
	}
	return r
}

// accountProfile is a plausible account of its type, shaped like the
// published account samples.
func accountProfile(accountType, holder string) string {
	var extra string
	switch accountType {
	case "INC":
		extra = `,"INC":{"ExemptionReason":"CharOrg","ProvTaxMethod":"AIM","ProvTaxRatio":0.0,"GroupMember":false,"GroupRepresentative":false,"ICAGroup":false,"ICAMember":false,"TransTasman":false,"AgentNonResidentInsurer":false,"BalanceDate":"31-Mar"}`
	case "FAM":
		extra = `,"WFFTC":{"PaymentFrequency":"FAM1A","CurrentPayer":"IRD"}`
	case "GST":
		extra = `,"GST":{"AccountingBasis":"INV","GroupMember":false,"GroupRepresentative":false}`
	}
	return fmt.Sprintf(`{"FilingFrequency":"ITN03C","Status":"ACT","FilingChannel":"API","BankAccount":"10-1000-01000000-0100",`+
		`"NameOnBankAccount":%q,"Commence":"2010-01-01","Cease":"9999-12-31","Address":[%s]%s}`,
		holder, address("PRFMAL", 1004723453056, "3 HA CRESCENT", "WIRI", "AUCKLAND", "2104"), extra)
}

// AccountType is the type an account ID names in its letters
// (132243158INC002 is an INC account).
func AccountType(accountID string) string {
	start := strings.IndexFunc(accountID, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if start < 0 {
		return ""
	}
	end := start
	for end < len(accountID) && accountID[end] >= 'A' && accountID[end] <= 'Z' {
		end++
	}
	return accountID[start:end]
}

// nz reads a time in New Zealand local time, as the samples give them.
func nz(s string) time.Time {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func nzPhone(id int64, typ contactd.PhoneType, number, ext string) contactd.Phone {
	return contactd.Phone{ID: id, Type: typ, Country: "NZ", Number: number, Extension: ext}
}

func customerOwner(id contactd.CustomerID) contactd.OwnerRef { return contactd.OwnerRef{Customer: id} }
func accountOwner(id string) contactd.OwnerRef               { return contactd.OwnerRef{AccountID: id} }

// contacts are the contacts of SANDBOX.md's table.
var contacts = []contactd.SeedContact{
	{Owner: customerOwner(ird("069096409")), Contact: contactd.Contact{ID: 1295148032, Type: contactd.Primary, Name: "Louie Wagner",
		Updated: nz("2020-07-06T14:53:36"), Phones: []contactd.Phone{
			nzPhone(9004732142020, "CELL", "0276479952", ""), nzPhone(1004732142021, "BSN", "044451153", "")}}},
	{Owner: accountOwner("069096409INC002"), Contact: contactd.Contact{ID: 1578864256, Type: contactd.Secondary, Name: "Peter Parker",
		Updated: nz("2020-07-08T10:30:24"), Phones: []contactd.Phone{nzPhone(1004734460042, "BSN", "048997445", "04")}}},
	{Owner: customerOwner(ird("069096409")), Ceased: true, Contact: contactd.Contact{ID: 1111111111, Type: contactd.Secondary,
		Name: "Deleted Contact", Updated: nz("2020-06-01T09:00:00")}},
	{Owner: accountOwner("132243158FBT005"), Contact: contactd.Contact{ID: 2000000011, Type: contactd.Primary, Name: "Primary Contact",
		Updated: nz("2021-03-01T09:00:00"), Phones: []contactd.Phone{nzPhone(2000000111, "BSN", "093031234", "")}}},
	{Owner: accountOwner("132243158FBT005"), Contact: contactd.Contact{ID: 2000000012, Type: contactd.Secondary, Name: "Secondary Contact",
		Updated: nz("2021-03-01T09:00:00"), Phones: []contactd.Phone{nzPhone(2000000112, "HOM", "073471234", "")}}},
	{Owner: customerOwner(ird("102210221")), Contact: contactd.Contact{ID: 1320547545, Type: contactd.Primary, Name: "Restricted Contact",
		Updated: nz("2021-03-01T09:00:00"), Phones: []contactd.Phone{nzPhone(9005454545845, "CELL", "0211234567", "")}}},
}

// holder is the name on an account's bank account.
func holder(p persona) string {
	var v struct{ Name []struct{ Formatted string } }
	if err := json.Unmarshal([]byte(p.profile), &v); err != nil || len(v.Name) == 0 {
		panic(fmt.Sprintf("sandbox persona %s: bad profile: %v", p.id.Value, err))
	}
	return v.Name[0].Formatted
}

// Dataset returns the personas of SANDBOX.md, ready for Store.Load. The
// customers' and accounts' keys are given (1, 2, ... in order), so that a
// reset gives each the key it had: a write that resolved its owner just
// before a reset still names the same persona after it.
func Dataset() contactd.Dataset {
	var d contactd.Dataset
	for _, p := range personas {
		d.Customers = append(d.Customers, contactd.Customer{Key: int64(len(d.Customers) + 1), ID: p.id, Profile: json.RawMessage(p.profile)})
		for _, id := range p.accounts {
			typ := AccountType(id)
			d.Accounts = append(d.Accounts, contactd.Account{Key: int64(len(d.Accounts) + 1), ID: id, IDType: contactd.AccountIDTypeACC, Type: typ,
				Customer: p.id, Profile: json.RawMessage(accountProfile(typ, holder(p)))})
		}
	}
	d.Contacts = append(d.Contacts, contacts...)
	return d
}

// Seed loads the personas into an empty store and leaves a store that
// already holds data as it is, so a sandbox database lives across restarts.
// It reports whether it loaded.
func Seed(ctx context.Context, s contactd.Store) (bool, error) {
	empty, err := s.Empty(ctx)
	if err != nil || !empty {
		return false, err
	}
	if err := s.Load(ctx, Dataset()); err != nil {
		return false, fmt.Errorf("load sandbox personas: %w", err)
	}
	return true, nil
}

// Resetter is a store that can be put back to a dataset: every data table
// emptied and the dataset loaded, in one transaction, the schema and the
// ID sequence kept. The SQLite and PostgreSQL stores are.
type Resetter interface {
	Reset(ctx context.Context, d contactd.Dataset) error
}

// Reset puts the store back to the personas, in one transaction: a
// request sees the personas as they were before or as published, never a
// mix. IDs issued before it are not issued again: a contact created after
// a reset gets a higher ID than any before it.
//
// It refuses a store holding a customer that is not a persona: a reset
// deletes everything, and a database with other customers is not a
// sandbox's (a mistyped --db).
func Reset(ctx context.Context, s contactd.Store) error {
	r, ok := s.(Resetter)
	if !ok {
		return errors.New("sandbox reset: this store cannot be reset")
	}
	if l, ok := s.(interface {
		Customers(ctx context.Context, limit int) ([]contactd.Customer, error)
	}); ok {
		held, err := l.Customers(ctx, len(personas)+1)
		if err != nil {
			return fmt.Errorf("sandbox reset: %w", err)
		}
		for _, c := range held {
			if !isPersona(c.ID) {
				return fmt.Errorf("sandbox reset refused: the database holds customer %s %s, which is no sandbox persona; a reset would delete it", c.ID.Type, c.ID.Value)
			}
		}
	}
	if err := r.Reset(ctx, Dataset()); err != nil {
		return fmt.Errorf("sandbox reset: %w", err)
	}
	return nil
}

func isPersona(id contactd.CustomerID) bool {
	for _, p := range personas {
		if p.id == id {
			return true
		}
	}
	return false
}
