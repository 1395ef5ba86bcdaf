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

func TestParseSample(t *testing.T) {
	r, err := Parse(sampleLine(t), ParseOptions{})
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
	again, err := Parse(bytes.TrimSuffix(line, []byte("\n")), ParseOptions{})
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
