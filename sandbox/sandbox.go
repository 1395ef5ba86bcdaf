// Package sandbox holds the published test personas that `contactd serve
// --sandbox` starts with, and the sandbox's access rule.
//
// The personas are those of SANDBOX.md, of SUITE.md's "Personas the suite
// adds" and of every published sample and TEST-DETAILS.md, with the data
// the samples show; api/SANDBOX-SUITE.md lists them and the decisions
// taken where the sources disagree. Every record ID the sources publish is
// kept; the others are invented, from 1004800000001 on, a block no source
// uses.
package sandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/contactd/contactd"
)

// outOfReach are the EV1022 personas: the sandbox caller may reach
// neither these customers nor any of their accounts, contacts, phones or
// records.
var outOfReach = map[contactd.CustomerID]bool{
	{Type: contactd.IRD, Value: "102210221"}: true,
	{Type: contactd.IRD, Value: "132253579"}: true,
	{Type: contactd.IRD, Value: "139616936"}: true,
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

// persona is a customer of the sandbox with its records and accounts.
type persona struct {
	id contactd.CustomerID
	// profile holds what no update API manages (entity type, NZBN,
	// dates, indicators); Commence is also its accounts' commence date.
	profile  profile
	records  []contactd.Record
	accounts []account
}

// profile is the stored Customer profile, in the published sample's order.
type profile struct {
	NZBN          string `json:",omitempty"`
	EntityType    string
	EntitySubType string
	Commence      string
	Cease         string
	Indicator     []indicator `json:",omitempty"`
}

type indicator struct{ Indicator string }

// account is an account of a persona with its records (addresses, refund
// bank account).
type account struct {
	id string
	// idType and typ are the type of the ID (ACC when "") and the account
	// type (the letters of an ACC ID when "").
	idType, typ string
	// filing overrides the filing frequency its type implies, where a
	// published sample shows another one.
	filing  string
	records []contactd.Record
}

func ird(v string) contactd.CustomerID { return contactd.CustomerID{Type: contactd.IRD, Value: v} }
func cst(v string) contactd.CustomerID { return contactd.CustomerID{Type: contactd.CST, Value: v} }

func individual(commence string) profile {
	return profile{EntityType: "INDVDL", Commence: commence, Cease: "9999-12-31"}
}

func organisation(nzbn, entity, sub, commence string) profile {
	return profile{NZBN: nzbn, EntityType: entity, EntitySubType: sub, Commence: commence, Cease: "9999-12-31"}
}

// nz reads a time in New Zealand local time, as the samples give them.
func nz(s string) time.Time {
	t, err := contactd.ParseUpdated(s)
	if err != nil {
		panic(err)
	}
	return t
}

// seeded is the Updated time of the records whose time no sample shows.
const seeded = "2021-03-01T09:00:00"

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// nameFields are a name's fields in the published order (the Name element
// without NameID and Updated).
type nameFields struct{ Type, LastName, FirstName, MiddleName, Title, Suffix, Formatted string }

// person is a name of a person, formatted as the published samples do:
// the parts in capitals, first name first.
func person(id int64, typ, first, middle, last, updated string) contactd.Record {
	parts := strings.Fields(strings.ToUpper(first + " " + middle + " " + last))
	return contactd.Record{ID: id, Kind: contactd.KindName, Key: typ, Updated: nz(updated),
		Fields: mustJSON(nameFields{Type: typ, LastName: strings.ToUpper(last), FirstName: strings.ToUpper(first),
			MiddleName: strings.ToUpper(middle), Formatted: strings.Join(parts, " ")})}
}

// entityName is a name of a non-individual, or a trade name: only the
// formatted name, as the published customer sample shows it.
func entityName(id int64, typ, formatted, updated string) contactd.Record {
	return contactd.Record{ID: id, Kind: contactd.KindName, Key: typ, Updated: nz(updated),
		Fields: mustJSON(nameFields{Type: typ, Formatted: formatted})}
}

// addressFields are an address's fields in the published order (the
// Address element without AddressID and Updated).
type addressFields struct {
	Type, Street, Street2, Unit, UnitType, City, State, PostCode, Country, Attention, Urbanisation string
	District, SubDistrict, SubProvince, Formatted                                                  string
}

// place is a New Zealand street address.
type place struct{ street, suburb, city, postCode string }

// address is an NZ address of the type at the place, formatted as the
// published samples do.
func address(id int64, typ string, p place, unitType, updated string) contactd.Record {
	return contactd.Record{ID: id, Kind: contactd.KindAddress, Key: typ, Updated: nz(updated),
		Fields: mustJSON(addressFields{Type: typ, Street: p.street, UnitType: unitType, City: p.city, PostCode: p.postCode,
			Country: "NZ", Urbanisation: p.suburb, Formatted: strings.Join([]string{p.street, p.suburb, p.city, p.postCode}, " ")})}
}

// bic is a live BIC code of a customer since commence.
func bic(id int64, code, commence string) contactd.Record {
	return contactd.Record{ID: id, Kind: contactd.KindBIC, Key: code, Updated: nz(commence + "T09:00:00"),
		Fields: mustJSON(struct{ BICCode, Commence string }{code, commence})}
}

// bank is an account's refund bank account (BB-bbbb-AAAAAAAA-SSSS).
func bank(id int64, number, holder string) contactd.Record {
	return contactd.Record{ID: id, Kind: contactd.KindBank, Updated: nz(seeded),
		Fields: mustJSON(struct{ BankAccount, NameOnBankAccount string }{number, holder})}
}

// incPeriod is an income tax year ending on 31 March of year, as filed.
func incPeriod(year int, filed bool, inc contactd.IncomeTaxPeriod) contactd.Period {
	end := contactd.Date{Year: year, Month: time.March, Day: 31}
	inc.BalanceDate = end
	return contactd.Period{AccountType: "INC", FilingFrequency: "ITN03N", PeriodBegin: contactd.Date{Year: year - 1, Month: time.April, Day: 1},
		PeriodEnd: end, NoticeOfAssessmentIssued: filed, ReturnData: filed, INC: &inc}
}

// payrollMonths are the monthly PSOIM periods of 2020 from January to
// through, as the published EMP period sample shows them.
func payrollMonths(through time.Month) []contactd.Period {
	var periods []contactd.Period
	for m := time.January; m <= through; m++ {
		begin := contactd.Date{Year: 2020, Month: m, Day: 1}
		periods = append(periods, contactd.Period{AccountType: "EMP", FilingFrequency: "PSOIM", PeriodBegin: begin,
			PeriodEnd: contactd.Date{Year: 2020, Month: m + 1, Day: 1}.AddDays(-1)})
	}
	return periods
}

// periods are the periods records of the personas' accounts whose periods a
// published sample shows, with their record IDs from firstID on.
func periods(firstID int64, ps ...contactd.Period) []contactd.Record {
	var records []contactd.Record
	for i, p := range ps {
		r, err := p.Record(firstID + int64(i))
		if err != nil {
			panic(err)
		}
		r.Updated = nz(seeded)
		records = append(records, r)
	}
	return records
}

// The places of the personas' addresses.
var (
	haCrescent   = place{"3 HA CRESCENT", "WIRI", "AUCKLAND", "2104"}
	elmCrescent  = place{"32 ELM CRESCENT", "GLADSTONE", "INVERCARGILL", "9810"}
	kennedyDrive = place{"34 JOHN F KENNEDY DRIVE", "MILSON", "PALMERSTON NORTH", "4414"}
)

// individualWith is an individual persona with a legal name (ID id) and a
// LOC address (ID id+1), and accounts with nothing of their own.
func individualWith(irdNumber, commence string, id int64, first, last string, loc place, accounts ...string) persona {
	p := persona{id: ird(irdNumber), profile: individual(commence), records: []contactd.Record{
		person(id, "LGL", first, "", last, seeded), address(id+1, "LOC", loc, "", seeded)}}
	for _, a := range accounts {
		p.accounts = append(p.accounts, account{id: a})
	}
	return p
}

// holding adds records to the persona's account.
func (p persona) holding(accountID string, records ...contactd.Record) persona {
	p.accounts = slices.Clone(p.accounts)
	for i := range p.accounts {
		if p.accounts[i].id == accountID {
			p.accounts[i].records = append(slices.Clip(p.accounts[i].records), records...)
		}
	}
	return p
}

// with adds records to the persona.
func (p persona) with(records ...contactd.Record) persona {
	p.records = append(slices.Clip(p.records), records...)
	return p
}

// filing sets the filing frequency of the persona's account.
func (p persona) filing(accountID, frequency string) persona {
	p.accounts = slices.Clone(p.accounts)
	for i := range p.accounts {
		if p.accounts[i].id == accountID {
			p.accounts[i].filing = frequency
		}
	}
	return p
}

var personas = []persona{
	// INDIVIDUAL (SANDBOX.md; SUITE.md). The account samples show
	// 132243158FAM005 and GST004 with a PRFMAL and Peter Parker's bank
	// account; the PRFMAL's published ID is 069096409's LOC, so theirs
	// are invented (api/SANDBOX-SUITE.md).
	{id: ird("132243158"), profile: individual("2010-01-01"),
		records: []contactd.Record{
			person(1004800000001, "LGL", "Peter", "", "Parker", "2020-05-21T18:02:52"),
			person(1004723099665, "PREFER", "Pete", "", "Parker", "2020-05-21T18:02:52"),
			entityName(1004723362815, "DBACST", "PARKER PHOTOGRAPHY", "2020-05-21T18:02:52"),
			address(5342356299, "LOC", haCrescent, "", "2020-05-21T18:02:52"),
		},
		accounts: []account{
			{id: "132243158FAM005", records: []contactd.Record{
				address(1004800000002, "PRFMAL", haCrescent, "BLDG", "2020-05-27T11:46:39"),
				bank(1004800000003, "10-1000-01000000-0100", "Peter Parker")}},
			{id: "132243158GST004", records: []contactd.Record{
				address(1004800000004, "PRFMAL", haCrescent, "BLDG", "2020-05-27T11:46:39"),
				bank(1004800000005, "10-1000-01000000-0100", "Peter Parker")}},
			{id: "132243158INC003", records: []contactd.Record{bank(1004800000006, "10-1000-01000000-0100", "Peter Parker")}},
			// the published address samples create its PRFLOC and PRFMAL
			{id: "132243158INC002", records: []contactd.Record{bank(1004800000007, "10-1000-01000000-0100", "Peter Parker")}},
			{id: "132243158DSB006"}, // BNK102: no physical address abroad
			{id: "132243158FBT005"}, // BNK101, BNK102, CNT101
			{id: "132243158KSS004"}, // ACT100
		}},
	// NON_INDIVIDUAL: as the published Customer sample shows it.
	{id: ird("069096409"),
		profile: profile{NZBN: "9429035383472", EntityType: "COMPNY", EntitySubType: "CC", Commence: "2000-01-01",
			Cease: "9999-12-31", Indicator: []indicator{{"LOOKTH"}}},
		records: []contactd.Record{
			bic(1004800000010, "A041930", "2000-01-01"),
			address(1004723453056, "LOC", elmCrescent, "", "2020-07-02T15:49:03"),
			address(1004722686772, "MAL", kennedyDrive, "", "2020-05-21T18:02:52"),
			entityName(1004723443833, "LGL", "LOOK THROUGH COMPANY LTD.", "2020-07-02T15:49:03"),
		},
		accounts: []account{
			{id: "069096409EMP003", records: periods(1004800000200, payrollMonths(time.June)...)},
			{id: "069096409INC002", records: []contactd.Record{
				address(1004733565010, "PRFMAL", kennedyDrive, "", "2020-07-02T15:49:03"),
				bank(1004800000011, "01-0902-00123456-0000", "LOOK THROUGH COMPANY LTD.")}},
		}},
	// ANOTHER_CUSTOMER
	{id: ird("139369673"), profile: individual("2012-04-01"),
		records: []contactd.Record{
			person(1004800000020, "LGL", "Mary", "", "Watson", seeded),
			address(5341463520, "LOC", place{"12 KARAKA STREET", "NEWTOWN", "WELLINGTON", "6021"}, "", seeded),
			bic(1004800000021, "A041930", "2012-04-01"),
		},
		accounts: []account{
			{id: "139369673AIL023"},
			{id: "139369673INC003", records: []contactd.Record{bank(1004800000022, "03-1528-00123468-0000", "Mary Watson")}},
			{id: "139369673REB001"},
		}},
	// the customer linked to a tax agent: an individual (SUITE.md)
	{id: cst("1512100301"), profile: individual("2015-04-01"),
		records: []contactd.Record{
			person(1004800000030, "LGL", "Robert", "Bruce", "Banner", seeded),
			address(1004800000031, "LOC", place{"7 RATA ROAD", "ROTOKAURI", "HAMILTON", "3200"}, "", seeded),
			bic(1004800000032, "N731115", "2015-04-01"),
		},
		accounts: []account{
			{id: "512100301REB001"}, // BNK101
			{id: "512100301INC003", records: []contactd.Record{
				address(1004800000034, "PRFMAL", place{"PO BOX 4410", "HAMILTON CENTRAL", "HAMILTON", "3240"}, "", seeded),
				bank(1004800000033, "01-0113-00123453-0000", "Bruce Banner")}},
			{id: "512100301AIL023"},
		}},
	// CUSTOMER_WITH_CST_ID
	{id: cst("1512150403"), profile: organisation("", "TRUST", "", "2000-01-01"),
		records: []contactd.Record{
			entityName(1004800000040, "LGL", "CST IDENTIFIED TRUST", seeded),
			address(1004800000041, "LOC", place{"15 TOTARA AVENUE", "NEW LYNN", "AUCKLAND", "0600"}, "", seeded),
		}},
	// EV1022_CUSTOMER: its IRD number fails the check digit, so it is
	// reached through its account, contact, phone and records.
	// TEST-DETAILS.md gives it AddressIDs 5342123299, 1004732460550,
	// 1004785546432 and NameID 1016545454547.
	{id: ird("102210221"), profile: organisation("", "COMPNY", "CC", "2000-01-01"),
		records: []contactd.Record{
			entityName(1016545454547, "LGL", "RESTRICTED ACCESS LIMITED", seeded),
			address(5342123299, "LOC", place{"1 WILLIS STREET", "TE ARO", "WELLINGTON", "6011"}, "", seeded),
			address(1004732460550, "MAL", place{"PO BOX 1022", "TE ARO", "WELLINGTON", "6140"}, "", seeded),
			bic(1004800000050, "M696200", "2000-01-01"),
		},
		accounts: []account{
			{id: "102210221INC002", records: []contactd.Record{
				address(1004785546432, "PRFMAL", place{"PO BOX 1022", "TE ARO", "WELLINGTON", "6140"}, "", seeded),
				bank(1004800000051, "01-0902-00123464-0000", "RESTRICTED ACCESS LIMITED")}},
		}},
	// EV1022 (the account samples)
	individualWith("132253579", "2015-01-01", 1004800000060, "Restricted", "Person",
		place{"9 KOWHAI STREET", "RICHMOND", "CHRISTCHURCH", "8013"}, "132253579INC002"),
	// EV1022 (TEST-DETAILS.md, BIC)
	individualWith("139616936", "2016-04-01", 1004800000070, "Guarded", "Person",
		place{"21 MATAI CRESCENT", "BELFAST", "CHRISTCHURCH", "8051"}).
		with(bic(1004800000072, "A019960", "2016-04-01")),
	// individuals with only a legal name and a LOC (SUITE.md): the
	// DBACST sample (132244227) and the BIC102 sample (132245721)
	individualWith("132244227", "2014-04-01", 1004800000080, "Ivy", "Tradewell", place{"5 NIKAU PLACE", "TAKAPUNA", "AUCKLAND", "0622"}),
	individualWith("132245721", "2014-04-01", 1004800000090, "Carl", "Early", place{"40 TAWA DRIVE", "ALBANY", "AUCKLAND", "0632"}),
	individualWith("132244263", "2014-04-01", 1004800000100, "Nora", "Plain", place{"8 PUKEKO LANE", "PAPAMOA", "TAURANGA", "3118"}),
	// the NAM101 sample: a live PREFER
	individualWith("139390032", "2013-04-01", 1004800000110, "Michael", "Tester",
		place{"17 KAURI STREET", "MOUNT EDEN", "AUCKLAND", "1024"}).
		with(person(1004800000112, "PREFER", "Mike", "", "Tester", seeded)),
	// the DPID sample: a LOC, no MAL, an account without a PRFMAL
	individualWith("139369823", "2012-04-01", 1004800000120, "Bilbo", "Baggins",
		place{"1 HOBBITON LANE", "HINUERA", "MATAMATA", "3472"}, "139369823INC002"),
	// the list EV1100 and customer EV1100 samples
	individualWith("132243050", "2011-04-01", 1004800000130, "Grace", "Field",
		place{"26 RIMU ROAD", "KELBURN", "WELLINGTON", "6012"}, "132243050INC003"),
	// the NZ bank account sample (132245746NRT005)
	individualWith("132245746", "2011-04-01", 1004800000140, "Tomas", "Visitor",
		place{"3 HINAU STREET", "RICCARTON", "CHRISTCHURCH", "8041"}, "132245746INC002", "132245746NRT005"),
	// the INC period sample, whose period files ITN03N
	individualWith("132244081", "2011-04-01", 1004800000150, "Agnes", "Period",
		place{"11 MIRO STREET", "TAIHAPE", "TAIHAPE", "4720"}, "132244081INC002").
		filing("132244081INC002", "ITN03N").
		holding("132244081INC002", periods(1004800000210,
			incPeriod(2019, true, contactd.IncomeTaxPeriod{}),
			incPeriod(2020, true, contactd.IncomeTaxPeriod{Prov: []contactd.ProvisionalTax{{Method: "STD", Amount: 4800,
				Commence: contactd.Date{Year: 2019, Month: time.April, Day: 1}, Cease: contactd.Date{Year: 2020, Month: time.March, Day: 31}}}}),
			// as the published sample shows it
			incPeriod(2021, false, contactd.IncomeTaxPeriod{ExtensionOfTimeStatus: "D", ExtensionOfTime: true, ExtensionOfTimeType: "Agent",
				FilingGroup: "IITSG3", DeferredDate: contactd.Date{Year: 2021, Month: time.April, Day: 15},
				Prov: []contactd.ProvisionalTax{{Method: "STD", Amount: 5500,
					Commence: contactd.Date{Year: 2020, Month: time.April, Day: 1}, Cease: contactd.Date{Year: 9999, Month: time.December, Day: 31}}}}),
		)...),
	// the period EV1100 sample
	individualWith("132246831", "2011-04-01", 1004800000160, "Dara", "Wrongdate",
		place{"2 TITOKI STREET", "MASTERTON", "MASTERTON", "5810"}, "132246831INC002"),
	// a fund manager whose accounts are named by a complying fund ID
	// (CMPF) and a KiwiSaver scheme ID (KSF), as SUITE.md's examples
	{id: ird("139400011"), profile: organisation("9429041000011", "COMPNY", "CC", "2008-04-01"),
		records: []contactd.Record{
			entityName(1004800000180, "LGL", "HARBOUR SAVERS LIMITED", seeded),
			address(1004800000181, "LOC", place{"88 THE TERRACE", "WELLINGTON CENTRAL", "WELLINGTON", "6011"}, "", seeded),
		},
		accounts: []account{
			{id: "AS/1234", idType: contactd.AccountIDTypeCMPF, typ: "PIE"},
			{id: "KSS/12345", idType: contactd.AccountIDTypeKSF, typ: "KSF"},
		}},
	// TEST-DETAILS.md's second ACT100 example
	individualWith("139376056", "2012-04-01", 1004800000170, "Kiri", "Saver",
		place{"6 MAHOE STREET", "ONERAHI", "WHANGAREI", "0110"}, "139376056KSS004"),
}

// accountProfile is the stored profile of an account of its type, shaped
// like the published account samples: what no update API manages.
func accountProfile(a account, accountType, commence string) json.RawMessage {
	filing := a.filing
	if filing == "" {
		filing = "ITN03C" // as the published account samples show, whatever the type
		if accountType == "EMP" {
			filing = "PSOIM" // as the published period sample shows
		}
	}
	var extra string
	switch accountType {
	case "INC":
		extra = `,"INC":{"ExemptionReason":"CharOrg","ProvTaxMethod":"AIM","ProvTaxRatio":0.0,"GroupMember":false,"GroupRepresentative":false,"ICAGroup":false,"ICAMember":false,"TransTasman":false,"AgentNonResidentInsurer":false,"BalanceDate":"31-Mar"}`
	case "FAM":
		extra = `,"WFFTC":{"PaymentFrequency":"FAM1A","CurrentPayer":"IRD"}`
	case "GST":
		extra = `,"GST":{"AccountingBasis":"INV","GroupMember":false,"GroupRepresentative":false}`
	}
	return json.RawMessage(fmt.Sprintf(`{"FilingFrequency":%q,"Status":"ACT","FilingChannel":"API","Commence":%q,"Cease":"9999-12-31"%s}`,
		filing, commence, extra))
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

// Dataset returns the personas, ready for Store.Load. The customers' and
// accounts' keys are given (1, 2, ... in order), so that a reset gives each
// the key it had: a write that resolved its owner just before a reset still
// names the same persona after it.
func Dataset() contactd.Dataset {
	var d contactd.Dataset
	for _, p := range personas {
		d.Customers = append(d.Customers, contactd.Customer{Key: int64(len(d.Customers) + 1), ID: p.id, Profile: mustJSON(p.profile)})
		for _, r := range p.records {
			d.Records = append(d.Records, contactd.SeedRecord{Owner: customerOwner(p.id), Record: r})
		}
		for _, a := range p.accounts {
			typ, idType := cmp.Or(a.typ, AccountType(a.id)), cmp.Or(a.idType, contactd.AccountIDTypeACC)
			d.Accounts = append(d.Accounts, contactd.Account{Key: int64(len(d.Accounts) + 1), ID: a.id, IDType: idType, Type: typ,
				Customer: p.id, Profile: accountProfile(a, typ, p.profile.Commence)})
			for _, r := range a.records {
				d.Records = append(d.Records, contactd.SeedRecord{Owner: accountOwner(a.id), Record: r})
			}
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

// PublishedRecord reports whether r, by its kind, key and fields (compared
// as JSON values; its ID and Updated aside), is a record of the personas.
// The personas hold a few values the API's rules refuse, because the
// published samples show them (an NZ address of UnitType BLDG, the bank
// account 10-1000-01000000-0100, whose check digits fail): an import of the
// sandbox's own data accepts them (transfer.ParseOptions.Published), as
// IRDRule accepts the personas' numbers.
func PublishedRecord(r contactd.Record) bool {
	v, ok := recordValue(r)
	return ok && publishedRecords()[v]
}

// publishedRecords are the personas' records as recordValue writes them.
var publishedRecords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, sr := range Dataset().Records {
		if v, ok := recordValue(sr.Record); ok {
			m[v] = true
		}
	}
	return m
})

// recordValue is a record's kind, key and fields, the fields re-encoded
// with their members in sorted order, so that the same values written in
// another order or spacing compare equal.
func recordValue(r contactd.Record) (string, bool) {
	var fields any
	if err := json.Unmarshal(r.Fields, &fields); err != nil {
		return "", false
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return "", false
	}
	return string(r.Kind) + "\x00" + r.Key + "\x00" + string(b), true
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
