package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
	"github.com/contactd/contactd/sandbox"
)

// sampleLine is the published customer read's answer as an import line,
// with one account shaped like the published GST account answer.
func sampleLine(t *testing.T) []byte {
	t.Helper()
	var customer struct{ Customer json.RawMessage }
	var account struct{ Account map[string]json.RawMessage }
	for file, v := range map[string]any{
		"sample-messages/customer/POST_200_customer_response.json":                &customer,
		"sample-messages/account/POST_200_Account_with_GST_account_response.json": &account,
	} {
		b, err := api.Files.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	// the account's own contact, with IDs apart from the customer's
	account.Account["ID"] = json.RawMessage(`"069096409GST004"`)
	// contactd's IDs are unique across contacts, phones and records: the
	// samples give the customer's and the account's address one ID
	account.Account["Address"] = json.RawMessage(strings.Replace(string(account.Account["Address"]), "1004723453056", "1004723453057", 1))
	account.Account["Contact"] = json.RawMessage(`[{"ContactID":77,"ContactType":"PRIMRY","Name":"Ana","Updated":"2021-01-02T03:04:05",
		"Phone":[{"PhoneID":78,"PhoneType":"HOM","Country":"AU","AreaCode":"02","PhoneNumber":"92345678","Extension":""}]}]`)
	acc, err := json.Marshal(account.Account)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, customer.Customer); err != nil {
		t.Fatal(err)
	}
	line := b.Bytes()
	return append(line[:len(line)-1], []byte(`,"Accounts":[`+string(acc)+`]}`)...)
}

// sandboxParse are the options of an import of the sandbox's data.
var sandboxParse = ParseOptions{IRD: sandbox.IRDRule(), Published: sandbox.PublishedRecord}

func TestParseSample(t *testing.T) {
	// The samples hold values the rules refuse, which production refuses
	// and the sandbox's data accepts: the account's UnitType BLDG, not a
	// New Zealand one, and its bank account, whose check digits fail.
	var fe *FieldError
	if _, err := Parse(sampleLine(t), ParseOptions{}); !errors.As(err, &fe) || fe.Field != "Accounts[0].Address[0]" || fe.Code != contactd.ADR102 {
		t.Errorf("production, the sample's PRFMAL: %v", err)
	}
	noBLDG := bytes.Replace(sampleLine(t), []byte(`"UnitType":"BLDG"`), []byte(`"UnitType":""`), 1)
	if _, err := Parse(noBLDG, ParseOptions{}); !errors.As(err, &fe) || fe.Field != "Accounts[0].BankAccount" || fe.Code != contactd.BNK100 {
		t.Errorf("production, the sample's bank account: %v", err)
	}
	r, err := Parse(sampleLine(t), sandboxParse)
	if err != nil {
		t.Fatal(err)
	}
	if r.Customer.ID != (contactd.CustomerID{Type: contactd.IRD, Value: "069096409"}) {
		t.Errorf("customer %+v", r.Customer.ID)
	}
	if len(r.Contacts) != 2 || r.Contacts[0].ID != 1295148032 || r.Contacts[1].Phones[0].Extension != "04" {
		t.Errorf("contacts %+v", r.Contacts)
	}
	if got := contactd.FormatUpdated(r.Contacts[0].Updated); got != "2020-07-06T14:53:36" {
		t.Errorf("Updated %s", got)
	}
	if len(r.Accounts) != 1 || r.Accounts[0].Account.Type != "GST" || len(r.Accounts[0].Contacts) != 1 {
		t.Fatalf("accounts %+v", r.Accounts)
	}
	// the profile keeps the published fields no update API manages; names,
	// addresses and BIC codes are records
	for _, field := range []string{`"NZBN":"9429035383472"`, `"Indicator":[{"Indicator":"LOOKTH"}]`} {
		if !bytes.Contains(r.Customer.Profile, []byte(field)) {
			t.Errorf("customer profile lacks %s: %s", field, r.Customer.Profile)
		}
	}
	kinds := map[contactd.Kind]int{}
	for _, rec := range r.Customer.Records {
		kinds[rec.Kind]++
		if rec.Kind == contactd.KindName && (rec.ID != 1004723443833 || rec.Key != "LGL" || contactd.FormatUpdated(rec.Updated) != "2020-07-02T15:49:03") {
			t.Errorf("name record %+v", rec)
		}
	}
	if kinds[contactd.KindName] != 1 || kinds[contactd.KindAddress] != 2 || kinds[contactd.KindBIC] != 1 {
		t.Errorf("customer records %+v", r.Customer.Records)
	}
	var bank bool
	for _, rec := range r.Accounts[0].Account.Records {
		bank = bank || rec.Kind == contactd.KindBank && string(rec.Fields) == `{"BankAccount":"10-1000-01000000-0100","NameOnBankAccount":"Peter Parker"}`
	}
	if !bank {
		t.Errorf("account records %+v", r.Accounts[0].Account.Records)
	}
	for _, field := range []string{`"ID"`, `"Contact"`, `"Accounts"`, `"Name"`, `"Address"`, `"BIC"`, `"BankAccount"`} {
		if bytes.Contains(r.Customer.Profile, []byte(field+":")) {
			t.Errorf("customer profile holds the managed field %s", field)
		}
	}
	if !bytes.Contains(r.Accounts[0].Account.Profile, []byte(`"GST":{"AccountingBasis":"INV"`)) {
		t.Errorf("account profile %s", r.Accounts[0].Account.Profile)
	}
	// Append writes what Parse reads, and Parse reads what Append wrote
	// (records in a read carry their IDs as stored)
	line, err := Append(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(bytes.TrimSuffix(line, []byte("\n")), sandboxParse)
	if err != nil {
		t.Fatalf("%v\n%s", err, line)
	}
	line2, _ := Append(nil, again)
	if !bytes.Equal(line, line2) {
		t.Errorf("not stable:\n%s\n%s", line, line2)
	}
}

// TestParseRefusals: each rule of the API refuses a line with the field and
// the published code.
func TestParseRefusals(t *testing.T) {
	const phone = `{"PhoneID":11,"PhoneType":"CELL","Country":"NZ","AreaCode":"","PhoneNumber":"0211234567","Extension":""}`
	contact := func(id, typ, phones string) string {
		return `{"ContactID":` + id + `,"ContactType":"` + typ + `","Name":"A","Updated":"2021-01-01T00:00:00","Phone":[` + phones + `]}`
	}
	customer := func(id, contacts, accounts string) string {
		return `{"ID":"` + id + `","IDType":"IRD","Commence":"2000-01-01","Name":[],"Contact":[` + contacts + `],"Accounts":[` + accounts + `]}`
	}
	account := func(id, typ, contacts string) string {
		return `{"ID":"` + id + `","IDType":"ACC","AccountType":"` + typ + `","Status":"ACT","FilingFrequency":"ITN03C","Commence":"2010-01-01","Cease":"9999-12-31","Contact":[` + contacts + `]}`
	}
	good := customer("069096409", contact("10", "PRIMRY", phone), account("069096409INC002", "INC", ""))
	if _, err := Parse([]byte(good), ParseOptions{}); err != nil {
		t.Fatalf("the good line: %v", err)
	}
	var six []string
	for _, id := range []string{"21", "22", "23", "24", "25", "26"} {
		six = append(six, strings.Replace(phone, "11", id, 1))
	}
	sixPhones := strings.Join(six, ",")
	tests := []struct {
		name, line, field string
		code              contactd.Code
	}{
		{"not JSON", `{"ID":`, "body", contactd.EV1100},
		{"check digit", customer("069096408", "", ""), "ID", contactd.EV2234},
		{"hyphenated IRD", customer("069-096-409", "", ""), "ID", contactd.EV1100},
		{"unknown field", strings.Replace(good, `"Commence"`, `"Colour":1,"Commence"`, 1), "Colour", contactd.EV1100},
		{"required field missing", strings.Replace(good, `"Commence":"2000-01-01",`, ``, 1), "Commence", contactd.EV1100},
		{"enum", customer("069096409", contact("10", "THIRD", phone), ""), "ContactType", contactd.EV1100},
		{"length", customer("069096409", strings.Replace(contact("10", "PRIMRY", phone), `"A"`, `"`+strings.Repeat("x", 256)+`"`, 1), ""), "Name", contactd.EV1100},
		{"two contacts of a type", customer("069096409", contact("10", "PRIMRY", phone)+","+contact("12", "PRIMRY", strings.Replace(phone, "11", "13", 1)), ""), "Contact[1].ContactType", contactd.CNT101},
		{"no phone", customer("069096409", contact("10", "PRIMRY", ""), ""), "Contact[0].Phone", contactd.CNT103},
		{"six phones", customer("069096409", contact("10", "PRIMRY", sixPhones), ""), "Contact[0].Phone", contactd.CNT103},
		{"phone invalid for its country", customer("069096409", contact("10", "PRIMRY", strings.Replace(phone, "0211234567", "211234567", 1)), ""), "Contact[0].Phone[0]", contactd.CNT102},
		{"ID twice", customer("069096409", contact("11", "PRIMRY", phone), ""), "Contact[0].Phone[0].PhoneID", contactd.EV1100},
		{"Updated not the published form", customer("069096409", strings.Replace(contact("10", "PRIMRY", phone), "2021-01-01T00:00:00", "2021-01-01 00:00", 1), ""), "Contact[0].Updated", contactd.EV1100},
		{"contacts on a KSS account", customer("069096409", "", account("069096409KSS004", "KSS", contact("10", "PRIMRY", phone))), "Accounts[0].Contact", contactd.ACT100},
		{"account type not its ID's", customer("069096409", "", account("069096409INC002", "GST", "")), "Accounts[0].AccountType", contactd.EV1100},
		{"account twice", customer("069096409", "", account("069096409INC002", "INC", "")+","+account("069096409INC002", "INC", "")), "Accounts[1].ID", contactd.EV1100},
		{"account ID type", customer("069096409", "", strings.Replace(account("069096409INC002", "INC", ""), `"ACC"`, `"XYZ"`, 1)), "IDType", contactd.EV1100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.line), ParseOptions{})
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a FieldError, got %v", err)
			}
			if fe.Field != tc.field || fe.Code != tc.code {
				t.Fatalf("got %s %s (%v), want %s %s", fe.Field, fe.Code, err, tc.field, tc.code)
			}
		})
	}
	// the sandbox's rule lets its personas' numbers through, and only those
	if _, err := Parse([]byte(customer("102210221", "", "")), ParseOptions{IRD: sandbox.IRDRule()}); err != nil {
		t.Errorf("sandbox: %v", err)
	}
	for _, opts := range []ParseOptions{{}, {IRD: sandbox.IRDRule()}} {
		id := "102210221"
		if opts.IRD.Personas != nil {
			id = "069096408"
		}
		var fe *FieldError
		if _, err := Parse([]byte(customer(id, "", "")), opts); !errors.As(err, &fe) || fe.Code != contactd.EV2234 {
			t.Errorf("%s, personas %v: %v", id, opts.IRD.Personas != nil, err)
		}
	}
}

// TestParseRecordRules: names, addresses, BIC codes and bank accounts are
// checked with the rules of the Name, Address, BIC and Bank APIs, and a
// line breaking one is refused with the field and the published code.
func TestParseRecordRules(t *testing.T) {
	addr := func(id, typ, street, unitType, city, postCode, country, state string) string {
		return `{"AddressID":` + id + `,"Type":"` + typ + `","Street":"` + street + `","Street2":"","Unit":"","UnitType":"` + unitType +
			`","City":"` + city + `","State":"` + state + `","PostCode":"` + postCode + `","Country":"` + country +
			`","Attention":"","Urbanisation":"","District":"","SubDistrict":"","SubProvince":"","Formatted":"X","Updated":"2021-01-01T00:00:00"}`
	}
	nzAddr := func(id, typ string) string { return addr(id, typ, "1 QUEEN STREET", "", "AUCKLAND", "1010", "NZ", "") }
	name := func(id, typ, first, last, formatted string) string {
		return `{"NameID":` + id + `,"Type":"` + typ + `","LastName":"` + last + `","FirstName":"` + first +
			`","MiddleName":"","Title":"","Suffix":"","Formatted":"` + formatted + `","Updated":"2021-01-01T00:00:00"}`
	}
	customer := func(entity, names, addresses, bic, accounts string) string {
		return `{"ID":"069096409","IDType":"IRD","EntityType":"` + entity + `","Commence":"2000-01-01","BIC":[` + bic + `],"Address":[` + addresses +
			`],"Name":[` + names + `],"Contact":[],"Accounts":[` + accounts + `]}`
	}
	account := func(bank, addresses string) string {
		return `{"ID":"069096409INC002","IDType":"ACC","AccountType":"INC","Status":"ACT","FilingFrequency":"ITN03C",` + bank +
			`"Commence":"2010-01-01","Cease":"9999-12-31","Address":[` + addresses + `],"Contact":[]}`
	}
	bank := func(number, holder string) string {
		return `"BankAccount":"` + number + `","NameOnBankAccount":"` + holder + `",`
	}
	legal := name("1", "LGL", "MARY", "WATSON", "MARY WATSON")
	good := customer("INDVDL", legal+","+name("2", "PREFER", "MOLLY", "WATSON", "MOLLY WATSON")+","+name("3", "DBACST", "", "", "WATSON WORKS"),
		nzAddr("4", "LOC")+","+addr("5", "MAL", "1 RIDEAU STREET", "APT", "OTTAWA", "K1N 5Y1", "CA", "CA-ON"), `{"BICCode":"A041930"}`,
		account(bank("01-0902-00123456-0000", "Mary Watson"), nzAddr("6", "PRFMAL")))
	if _, err := Parse([]byte(good), ParseOptions{}); err != nil {
		t.Fatalf("the good line: %v", err)
	}
	noAccount := func(names, addresses, bic string) string { return customer("INDVDL", names, addresses, bic, "") }
	withAccount := func(bankFields, addresses string) string {
		return customer("INDVDL", legal, nzAddr("4", "LOC"), "", account(bankFields, addresses))
	}
	tests := []struct {
		name, line, field string
		code              contactd.Code
	}{
		{"NZ unit type not NZ's", noAccount(legal, addr("4", "LOC", "1 QUEEN STREET", "APT", "AUCKLAND", "1010", "NZ", ""), ""), "Address[0]", contactd.ADR102},
		{"NZ post code", noAccount(legal, addr("4", "LOC", "1 QUEEN STREET", "", "AUCKLAND", "101", "NZ", ""), ""), "Address[0]", contactd.ADR102},
		{"AU without its state", noAccount(legal, addr("4", "LOC", "1 GEORGE STREET", "", "SYDNEY", "2000", "AU", ""), ""), "Address[0]", contactd.ADR102},
		{"unknown country", noAccount(legal, addr("4", "LOC", "1 QUEEN STREET", "", "AUCKLAND", "1010", "ZZ", ""), ""), "Address[0]", contactd.ADR102},
		{"no city", noAccount(legal, addr("4", "LOC", "1 QUEEN STREET", "", "", "1010", "NZ", ""), ""), "Address[0].City", contactd.EV1100},
		{"account's address type on a customer", noAccount(legal, nzAddr("4", "PRFLOC"), ""), "Type", contactd.EV1100}, // the read schema's enum
		{"customer's address type on an account", withAccount("", nzAddr("6", "MAL")), "Type", contactd.EV1100},
		{"two addresses of a type", noAccount(legal, nzAddr("4", "LOC")+","+nzAddr("5", "LOC"), ""), "Address[1].Type", contactd.ADR101},
		{"legal name blank", noAccount(name("1", "LGL", "", "", " "), "", ""), "Name[0].Formatted", contactd.EV1100},
		{"legal name not EBCDIC", noAccount(name("1", "LGL", "", "", "ŁÓDŹ LTD"), "", ""), "Name[0].Formatted", contactd.EV1100},
		{"legal name without first or last name", noAccount(strings.Replace(name("1", "LGL", "", "", "DR"), `"Title":""`, `"Title":"DR"`, 1), "", ""), "Name[0].LastName", contactd.EV1100},
		{"preferred name of a company", customer("COMPNY", legal+","+name("2", "PREFER", "MOLLY", "WATSON", "MOLLY WATSON"), "", "", ""), "Name[1].Type", contactd.EV1100},
		{"preferred name without parts", noAccount(legal+","+name("2", "PREFER", "", "", "MOLLY"), "", ""), "Name[1].Formatted", contactd.EV1100},
		{"trade name with parts", noAccount(legal+","+name("3", "DBACST", "MOLLY", "", "MOLLY"), "", ""), "Name[1].FirstName", contactd.EV1100},
		{"two legal names", noAccount(legal+","+strings.Replace(legal, `"NameID":1`, `"NameID":2`, 1), "", ""), "Name[1].Type", contactd.NAM101},
		{"BIC code", noAccount(legal, "", `{"BICCode":"a041930"}`), "BIC[0].BICCode", contactd.EV1100},
		{"BIC code twice", noAccount(legal, "", `{"BICCode":"A041930"},{"BICCode":"A041930"}`), "BIC[1].BICCode", contactd.EV1100},
		{"bank account check digits", withAccount(bank("10-1000-01000000-0100", "Mary Watson"), ""), "Accounts[0].BankAccount", contactd.BNK100},
		{"bank account form", withAccount(bank("0109020012345600", "Mary Watson"), ""), "Accounts[0].BankAccount", contactd.BNK100},
		{"bank account without its holder", withAccount(`"BankAccount":"01-0902-00123456-0000",`, ""), "Accounts[0].NameOnBankAccount", contactd.EV1100},
		{"holder not ISO-8859-8", withAccount(bank("01-0902-00123456-0000", "Zoë Watson"), ""), "Accounts[0].NameOnBankAccount", contactd.EV1100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, opts := range []ParseOptions{{}, sandboxParse} {
				_, err := Parse([]byte(tc.line), opts)
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("sandbox %v: want a FieldError, got %v", opts.Published != nil, err)
				}
				if fe.Field != tc.field || fe.Code != tc.code {
					t.Fatalf("sandbox %v: got %s %s (%v), want %s %s", opts.Published != nil, fe.Field, fe.Code, err, tc.field, tc.code)
				}
			}
		})
	}
	// the sandbox accepts its own records only: the BLDG PRFMAL of the
	// personas, but not another address of UnitType BLDG in New Zealand
	persona := withAccount(bank("10-1000-01000000-0100", "Peter Parker"),
		`{"AddressID":6,"Type":"PRFMAL","Street":"3 HA CRESCENT","Street2":"","Unit":"","UnitType":"BLDG","City":"AUCKLAND","State":"","PostCode":"2104","Country":"NZ","Attention":"","Urbanisation":"WIRI","District":"","SubDistrict":"","SubProvince":"","Formatted":"3 HA CRESCENT WIRI AUCKLAND 2104","Updated":"2021-01-01T00:00:00"}`)
	if _, err := Parse([]byte(persona), sandboxParse); err != nil {
		t.Errorf("the sandbox's own records: %v", err)
	}
	other := strings.Replace(persona, `"Street":"3 HA CRESCENT"`, `"Street":"5 HA CRESCENT"`, 1)
	var fe *FieldError
	if _, err := Parse([]byte(other), sandboxParse); !errors.As(err, &fe) || fe.Code != contactd.ADR102 {
		t.Errorf("another BLDG address in the sandbox: %v", err)
	}
}

// TestProfileKeptAsWritten: profile and record fields are kept byte for
// byte, escapes included, only compacted, so that an export imports to
// the same bytes.
func TestProfileKeptAsWritten(t *testing.T) {
	line := `{ "ID" : "069096409", "IDType":"IRD", "Commence":"2000-01-01",
		"Name": [ {"NameID":1,"Type":"LGL","Formatted":"A \u0026 B \"C\" \\ é","Updated":"2020-01-01T00:00:00"} ],
		"Contact":[], "Accounts":[] }`
	r, err := Parse([]byte(line), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Commence":"2000-01-01"}`; string(r.Customer.Profile) != want {
		t.Fatalf("profile\n%s\nwant\n%s", r.Customer.Profile, want)
	}
	want := `{"Type":"LGL","Formatted":"A \u0026 B \"C\" \\ é"}`
	if len(r.Customer.Records) != 1 || string(r.Customer.Records[0].Fields) != want {
		t.Fatalf("name record %+v\nwant fields\n%s", r.Customer.Records, want)
	}
}
