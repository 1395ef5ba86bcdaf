package api

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The request definitions of the eight published YAML files.
var wantRequestNames = []string{
	"account/account_POST_Request",
	"account/list_POST_Request",
	"address/address_DELETE_Request",
	"address/address_POST_Request",
	"address/address_PUT_Request",
	"bank/bank_DELETE_Request",
	"bank/bank_POST_Request",
	"bic/bic_DELETE_Request",
	"bic/bic_POST_Request",
	"contact/contact_DELETE_Request",
	"contact/contact_POST_Request",
	"contact/contact_PUT_Request",
	"contact/phone_DELETE_Request",
	"contact/phone_POST_Request",
	"contact/phone_PUT_Request",
	"customer/customer_POST_Request",
	"name/name_DELETE_Request",
	"name/name_POST_Request",
	"name/name_PUT_Request",
	"period/list_POST_Request",
}

func TestFilesEmbedsSpecAndSamples(t *testing.T) {
	for _, name := range []string{
		"contact-2021-09-14.yaml",
		"customer-2021-09-14.yaml",
		"account-2021-09-14.yaml",
		"address-2021-09-14.yaml",
		"name-2023-07-27.yaml",
		"bank-2021-09-14.yaml",
		"bic-2021-11-29.yaml",
		"period-2021-10-28.yaml",
		"SUITE.md",
		"TEST-DETAILS.md",
		"sample-messages/contact/PUT_200_phone_request.json",
		"sample-messages/customer/POST_200_customer_response.json",
		"sample-messages/account/POST_200_list_request.json",
		"sample-messages/address/PUT_200_address_CusomerAccountLinkedToPB_request.json",
		"sample-messages/name/POST_200_name_Create_trade_name_response.json",
		"sample-messages/bank/POST_200_bank_Create_NZ_bank_account_request.json",
		"sample-messages/bic/DELETE_400_bic_BIC103_delete_with_future_date_response_payload.json",
		"sample-messages/period/POST_200_list_specific_INC_period_details_response.json",
	} {
		if _, err := fs.Stat(Files, name); err != nil {
			t.Errorf("Files lacks %s: %v", name, err)
		}
	}
}

func TestSpecFileNamesEachAPIsYAML(t *testing.T) {
	want := map[string]string{
		"account": "account-2021-09-14.yaml", "address": "address-2021-09-14.yaml",
		"bank": "bank-2021-09-14.yaml", "bic": "bic-2021-11-29.yaml",
		"contact": "contact-2021-09-14.yaml", "customer": "customer-2021-09-14.yaml",
		"name": "name-2023-07-27.yaml", "period": "period-2021-10-28.yaml",
	}
	var apis []string
	for api, file := range want {
		apis = append(apis, api)
		if got, ok := SpecFile(api); !ok || got != file {
			t.Errorf("SpecFile(%q) = %q, %v, want %q", api, got, ok, file)
		}
	}
	slices.Sort(apis)
	if got := APIs(); !slices.Equal(got, apis) {
		t.Errorf("APIs() = %q, want %q", got, apis)
	}
	for _, api := range []string{"", "phone", "*", "contact-2021-09-14"} {
		if got, ok := SpecFile(api); ok {
			t.Errorf("SpecFile(%q) = %q, want none", api, got)
		}
	}
}

func TestRequestNames(t *testing.T) {
	if got := RequestNames(); !slices.Equal(got, wantRequestNames) {
		t.Fatalf("RequestNames() = %q, want %q", got, wantRequestNames)
	}
	for _, name := range wantRequestNames {
		if s := RequestSchema(name); s.API+"/"+s.Name != name || len(s.Properties) == 0 {
			t.Errorf("RequestSchema(%q) = %+v", name, s)
		}
	}
}

// TestRequestSchemaBareNames: a bare definition name works when one API
// defines it; "list_POST_Request", defined by Account and Period, keeps
// meaning the Account API's for the callers that predate the Period API.
func TestRequestSchemaBareNames(t *testing.T) {
	for bare, want := range map[string]string{
		"contact_POST_Request": "contact/contact_POST_Request",
		"phone_PUT_Request":    "contact/phone_PUT_Request",
		"bic_POST_Request":     "bic/bic_POST_Request",
		"address_PUT_Request":  "address/address_PUT_Request",
		"list_POST_Request":    "account/list_POST_Request",
	} {
		if got, w := RequestSchema(bare), RequestSchema(want); got != w {
			t.Errorf("RequestSchema(%q) = %s/%s, want %s", bare, got.API, got.Name, want)
		}
	}
	account, period := RequestSchema("account/list_POST_Request"), RequestSchema("period/list_POST_Request")
	if account == period || account.API != "account" || period.API != "period" {
		t.Fatalf("account and period list requests are not told apart: %+v %+v", account, period)
	}
	// The Account list takes a customer, the Period list an account.
	if account.Properties[0].Name != "CustomerID" || period.Properties[0].Name != "AccountID" {
		t.Errorf("list requests: account starts with %s, period with %s", account.Properties[0].Name, period.Properties[0].Name)
	}
}

func TestRequestSchemaPanicsOnUnknownName(t *testing.T) {
	for _, name := range []string{"", "contact_POST_Response200", "contact_PATCH_Request", "Contact_POST_Request",
		"address/contact_POST_Request", "period/", "/list_POST_Request", "nope/list_POST_Request", "contact/contact_POST_Response200"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RequestSchema(%q) did not panic", name)
				}
			}()
			RequestSchema(name)
		}()
	}
}

// TestRule11PhoneRequiredOnPhonePOSTAndPUT checks the override of the YAML:
// "`Phone` is required on POST and PUT `/phone`."
func TestRule11PhoneRequiredOnPhonePOSTAndPUT(t *testing.T) {
	tests := []struct {
		def, body string
	}{
		{"phone_POST_Request", `{"ContactID":1295148032}`},
		{"phone_POST_Request", `{"ContactID":1295148032,"Phone":null}`},
		{"phone_PUT_Request", `{"PhoneID":1004734460042}`},
		{"phone_PUT_Request", `{"Phone":null,"PhoneID":1004734460042}`},
	}
	for _, tt := range tests {
		if got := RequestSchema(tt.def).Validate([]byte(tt.body)); got != "Phone" {
			t.Errorf("%s %s: Validate = %q, want Phone", tt.def, tt.body, got)
		}
	}
	for _, def := range []string{"phone_POST_Request", "phone_PUT_Request"} {
		s := RequestSchema(def)
		i := slices.IndexFunc(s.Properties, func(p *Property) bool { return p.Name == "Phone" })
		if i < 0 || !s.Properties[i].Required {
			t.Errorf("%s: Phone is not Required", def)
		}
	}
}

// sampleCases lists every published request sample (a sample whose name
// does not say "response"), the definition it is sent to and the field
// Validate must name: "" for a valid body, else the field that the sample's
// EV1100 response names.
var sampleCases = []struct {
	file, def, want string
}{
	{"contact/DELETE_200_contact_request.json", "contact_DELETE_Request", ""},
	{"contact/DELETE_200_phone_request.json", "phone_DELETE_Request", ""},
	{"contact/DELETE_400_CST404_contact_already_been_deleted_request.json", "contact_DELETE_Request", ""},
	{"contact/POST_200_contact_TAX_Agent_Linked_CST_Customer_request.json", "contact_POST_Request", ""},
	{"contact/POST_200_contact_create_account_level_request.json", "contact_POST_Request", ""},
	{"contact/POST_200_phone_create_request.json", "phone_POST_Request", ""},
	{"contact/POST_400_EV1100_contact_CustomerIDType_not_equal_to_CST_or_IRD_request.json", "contact_POST_Request", "CustomerIDType"},
	{"contact/PUT_200_contact_request.json", "contact_PUT_Request", ""},
	{"contact/PUT_200_phone_request.json", "phone_PUT_Request", ""}, // a tab follows the object
	{"customer/POST_200_customer_request.json", "customer_POST_Request", ""},
	{"customer/POST_400_customer_CST404_non-existent_IRD_number_request.json", "customer_POST_Request", ""},
	{"customer/POST_400_customer_EV1100_hyphenated_IRD_number_request.json", "customer_POST_Request", "CustomerID"},
	{"customer/POST_400_customer_EV1100_missing_CustomerIDType_request.json", "customer_POST_Request", "CustomerIDType"},
	{"account/POST_200_Account_with_FAM_account_request.json", "account_POST_Request", ""},
	{"account/POST_200_Account_with_GST_account_request.json", "account_POST_Request", ""},
	{"account/POST_200_Account_with_INC_account_request.json", "account_POST_Request", ""},
	{"account/POST_200_list_request.json", "list_POST_Request", ""},
	{"account/POST_400_account_EV1022_request.json", "account_POST_Request", ""},
	{"account/POST_400_list_EV1100_request.json", "list_POST_Request", "CustomerIDType"},
	{"address/DELETE_200_address_LinkedIndividualWithAddress_request.json", "address/address_DELETE_Request", ""},
	{"address/POST_200_address_create_Australian_address_request.json", "address/address_POST_Request", ""},
	{"address/POST_200_address_create_NZ_address_with_DPID_request.json", "address/address_POST_Request", ""},
	{"address/POST_200_address_create_unverified_NZ_address_request.json", "address/address_POST_Request", ""},
	{"address/POST_400_address_ADR103_create_NZ_address_with_invalid_DPID_request.json", "address/address_POST_Request", ""},
	{"address/POST_400_address_EV1100_create_NZ_address_with_missing_mandatory_fields_request.json", "address/address_POST_Request", "Address"},
	{"address/PUT_200_address_CusomerAccountLinkedToPB_request.json", "address/address_PUT_Request", ""},
	{"bank/DELETE_200_Delete_bank_request.json", "bank/bank_DELETE_Request", ""},
	{"bank/DELETE_400_Delete_bank_account_provided_does_not_have_an_existing_bank_account.json", "bank/bank_DELETE_Request", ""},
	{"bank/POST_200_bank_Create_NZ_bank_account_request.json", "bank/bank_POST_Request", ""},
	{"bank/POST_200_bank_Create_NZ_credit_union_bank_account.json", "bank/bank_POST_Request", ""},
	{"bank/POST_200_bank_Create_international_bank_account_request.json", "bank/bank_POST_Request", ""},
	{"bank/POST_400_bank_no_physical_address_for_the_customer_request.json", "bank/bank_POST_Request", ""},
	{"bic/DELETE_200_Delete_bic_request_with_CST_ID.json", "bic/bic_DELETE_Request", ""},
	{"bic/DELETE_200_Delete_bic_request_with_IRD_ID.json", "bic/bic_DELETE_Request", ""},
	{"bic/DELETE_400_bic_BIC101_delete_non-existet_biccode_request_payload.json", "bic/bic_DELETE_Request", ""},
	{"bic/DELETE_400_bic_BIC103_delete_with_future_date_request_payload.json", "bic/bic_DELETE_Request", ""},
	{"bic/POST_200_Add_bic_request_with_CST_ID.json", "bic/bic_POST_Request", ""},
	{"bic/POST_200_Add_bic_request_with_IRD_ID.json", "bic/bic_POST_Request", ""},
	{"bic/POST_400_bic_BIC102_add_with_future_date_request_payload.json", "bic/bic_POST_Request", ""},
	{"name/DELETE_200_name_Delete_name_request.json", "name/name_DELETE_Request", ""},
	{"name/DELETE_400_name_CST404_record_could_not_be_located_request.json", "name/name_DELETE_Request", ""},
	{"name/POST_200_name_Create_preferred_name_request.json", "name/name_POST_Request", ""},
	{"name/POST_200_name_Create_trade_name_request.json", "name/name_POST_Request", ""},
	{"name/POST_400_name_NAM101_existing_name_of_this_type_request.json", "name/name_POST_Request", ""},
	{"name/PUT_200_name_Update_preferred_name_request.json", "name/name_PUT_Request", ""},
	{"name/PUT_200_name_Update_trade_name_request.json", "name/name_PUT_Request", ""},
	{"period/POST_200_list_non-INC_account_request.json", "period/list_POST_Request", ""},
	{"period/POST_200_list_specific_INC_period_details_request.json", "period/list_POST_Request", ""},
	{"period/POST_400_list_EV1022_access_not_permitted_request.json", "period/list_POST_Request", ""},
	{"period/POST_400_list_EV1100_invalid_From_Date_request.json", "period/list_POST_Request", "FromDate"},
}

// TestEV1100SamplesNameTheFieldTheirResponseNames ties the want of every
// EV1100 sample in sampleCases to the message of its published response.
func TestEV1100SamplesNameTheFieldTheirResponseNames(t *testing.T) {
	var n int
	for _, tt := range sampleCases {
		respFile := strings.Replace(tt.file, "_request", "_response", 1)
		if respFile == tt.file {
			continue
		}
		resp, err := Files.ReadFile(path.Join("sample-messages", respFile))
		if err != nil {
			continue // a sample without a response body
		}
		var r struct {
			Errors []struct{ Code, Message string }
		}
		if err := json.Unmarshal(resp, &r); err != nil {
			t.Fatalf("%s: %v", respFile, err)
		}
		if len(r.Errors) != 1 || r.Errors[0].Code != "EV1100" {
			if tt.want != "" {
				t.Errorf("%s: want %q but the response is not EV1100", tt.file, tt.want)
			}
			continue
		}
		n++
		_, field, _ := strings.Cut(r.Errors[0].Message, ": ")
		// The published customer and account samples name fields that
		// SPEC-README.md overrules (their shape only is binding).
		if dir := path.Dir(tt.file); dir == "customer" || dir == "account" {
			continue
		}
		if field != tt.want {
			t.Errorf("%s: the response names %q, sampleCases wants %q", tt.file, field, tt.want)
		}
	}
	if n < 5 {
		t.Errorf("only %d EV1100 samples found", n)
	}
}

func readSample(tb testing.TB, file string) []byte {
	tb.Helper()
	body, err := Files.ReadFile(path.Join("sample-messages", file))
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func TestSampleMessages(t *testing.T) {
	all, err := fs.Glob(Files, "sample-messages/*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if !strings.Contains(path.Base(f), "response") {
			files = append(files, f)
		}
	}
	var listed []string
	for _, tt := range sampleCases {
		listed = append(listed, path.Join("sample-messages", tt.file))
		t.Run(tt.file, func(t *testing.T) {
			if got := RequestSchema(tt.def).Validate(readSample(t, tt.file)); got != tt.want {
				t.Errorf("%s: Validate = %q, want %q", tt.def, got, tt.want)
			}
		})
	}
	slices.Sort(listed)
	if !slices.Equal(files, listed) {
		t.Errorf("request samples %q, sampleCases lists %q", files, listed)
	}
}

// A valid body of each request definition, with every field given.
var validBodies = map[string]string{
	"contact/contact_DELETE_Request": `{"ContactID":1295148032}`,
	"contact/contact_POST_Request": `{"CustomerID":"1512100301","CustomerIDType":"CST","AccountID":"","AccountIDType":"",
		"Contact":{"ContactType":"SCNDRY","Name":"New new Gateway","Phone":[
		{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""},
		{"PhoneType":"CELL","Country":"AU","AreaCode":"02","PhoneNumber":"12345678","Extension":"12"}]}}`,
	"contact/contact_PUT_Request":    `{"ContactID":1295148032,"Contact":{"Name":"UpdatedName"}}`,
	"contact/phone_DELETE_Request":   `{"PhoneID":9004732142020}`,
	"contact/phone_POST_Request":     `{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""}}`,
	"contact/phone_PUT_Request":      `{"PhoneID":1004734460042,"Phone":{"Country":"NZ","PhoneNumber":"027789032","PhoneType":"CELL"}}`,
	"customer/customer_POST_Request": `{"CustomerID":"069096409","CustomerIDType":"IRD"}`,
	"account/account_POST_Request":   `{"AccountID":"132243158INC002","AccountIDType":"ACC"}`,
	"account/list_POST_Request":      `{"CustomerID":"1512100301","CustomerIDType":"CST"}`,
	"address/address_DELETE_Request": `{"AddressID":1004722686772}`,
	"address/address_POST_Request": `{"CustomerID":"139369673","CustomerIDType":"IRD","AccountID":"","AccountIDType":"","Type":"MAL",
		"Address":{"Street":"1234 221B Baker Street","Street2":"12345","Unit":"1","UnitType":"UNIT","City":"Kansas","State":"US-AK",
		"PostCode":"90210-0800","Country":"US","Attention":"Dr Strange","Urbanisation":"","District":"District9",
		"SubDistrict":"SubDistrict9","SubProvince":"Province"}}`,
	"address/address_PUT_Request": `{"AddressID":1004733565010,"NewZealand":{"DPID":827994,"Attention":"Bilbo Baggins"}}`,
	"bank/bank_DELETE_Request":    `{"AccountID":"132243158INC002","AccountIDType":"ACC"}`,
	"bank/bank_POST_Request": `{"AccountID":"AS/1234","AccountIDType":"CMPF","NameOnAccount":"Test",
		"NewZealand":{"Bank":"03","Branch":"1528","Account":"00065296","Suffix":"0050","Reference":"CreditUnion"}}`,
	"bic/bic_DELETE_Request":   `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A041930","Cease":"2021-03-31"}`,
	"bic/bic_POST_Request":     `{"CustomerID":"1512100301","CustomerIDType":"CST","BICCode":"A019960","Commence":"2020-02-29"}`,
	"name/name_DELETE_Request": `{"NameID":1004723362815}`,
	"name/name_POST_Request": `{"CustomerID":"1512100301","CustomerIDType":"CST","Type":"PREFER","Unformatted":"",
		"LastName":"Banner","MiddleName":"","FirstName":"Bruce","Title":"DR","Suffix":"Jr"}`,
	"name/name_PUT_Request":    `{"NameID":1004723362815,"Unformatted":"Individual Trade Co"}`,
	"period/list_POST_Request": `{"AccountID":"KSS/12345","AccountIDType":"KSF","FromDate":"2021-01-01","ToDate":"2021-12-31"}`,
}

func TestValidBodies(t *testing.T) {
	for _, name := range wantRequestNames {
		if got := RequestSchema(name).Validate([]byte(validBodies[name])); got != "" {
			t.Errorf("%s: Validate(%s) = %q, want \"\"", name, validBodies[name], got)
		}
	}
}

// validValue generates a valid value for p, every optional field included.
func validValue(p *Property) any {
	switch p.Type {
	case "string":
		if p.Format == "date" {
			return "2021-08-31"
		}
		for _, e := range p.Enum {
			if e != "" {
				return e
			}
		}
		if p.Enum != nil {
			return ""
		}
		n := 1
		if p.MinLength != nil {
			n = max(n, *p.MinLength)
		}
		if p.MaxLength != nil {
			n = min(n, *p.MaxLength)
		}
		return strings.Repeat("7", n)
	case "number", "integer":
		return json.Number("1")
	case "boolean":
		return true
	case "object":
		return validObject(p.Properties)
	case "array":
		return []any{validValue(p.Items)}
	}
	panic("unknown type " + p.Type)
}

func validObject(props []*Property) map[string]any {
	m := make(map[string]any)
	for _, c := range props {
		m[c.Name] = validValue(c)
	}
	return m
}

// edit sets (or with del deletes) the value at path in the body v, "[]"
// standing for the first element of an array.
func edit(v any, path []string, val any, del bool) {
	for i, key := range path {
		last := i == len(path)-1
		switch c := v.(type) {
		case map[string]any:
			switch {
			case last && del:
				delete(c, key)
			case last:
				c[key] = val
			}
			v = c[key]
		case []any:
			if last {
				c[0] = val
			}
			v = c[0]
		default:
			panic("edit: no container at " + strings.Join(path[:i+1], "."))
		}
	}
}

// mutation is one change to a valid body and the field Validate must name.
type mutation struct {
	rule string
	path []string
	del  bool
	val  json.RawMessage
	want string
}

func (m mutation) String() string {
	if m.del {
		return m.rule + "/" + strings.Join(m.path, ".") + "=(absent)"
	}
	v := string(m.val)
	if len(v) > 24 {
		v = v[:24] + "..."
	}
	return m.rule + "/" + strings.Join(m.path, ".") + "=" + v
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func quoted(s string) json.RawMessage { return raw(strconv.Quote(s)) }

// wrongTypes are one JSON value of each type, by the schema type they match.
var wrongTypes = []struct {
	matches []string
	val     string
}{
	{[]string{"string"}, `"7"`},
	{[]string{"number", "integer"}, `7`},
	{[]string{"boolean"}, `true`},
	{[]string{"boolean"}, `false`},
	{[]string{"object"}, `{}`},
	{[]string{"array"}, `[]`},
}

// yamlMutations derives the cases of rules 2 and 11 from the constraints
// that the YAML (with the README's overrides) sets on each property of s.
func yamlMutations(s *Schema) []mutation {
	var ms []mutation
	add := func(rule string, path []string, val json.RawMessage, want string) {
		ms = append(ms, mutation{rule: rule, path: path, val: val, want: want})
	}
	const undefined = "Zz_undefined"
	add("undefined field", []string{undefined}, raw(`1`), undefined)
	add("undefined field null", []string{undefined}, raw(`null`), undefined)
	s.Walk(func(path []string, p *Property) {
		name := p.Name
		if path[len(path)-1] == "[]" {
			add("array element null", path, raw(`null`), name)
		} else {
			want := ""
			if p.Required {
				want = p.MissingName
			}
			ms = append(ms, mutation{rule: "required", path: path, del: true, want: want})
			add("null is absent", path, raw(`null`), want)
		}
		for _, wt := range wrongTypes {
			if !slices.Contains(wt.matches, p.Type) {
				add("wrong JSON type", path, raw(wt.val), name)
			}
		}
		if p.Type == "object" {
			add("undefined nested field", append(slices.Clone(path), undefined), raw(`"x"`), undefined)
		}
		if p.Type == "string" {
			if m := p.MaxLength; m != nil {
				if p.Enum == nil && p.Format == "" {
					add("maxLength", path, quoted(strings.Repeat("7", *m)), "")
					add("maxLength in runes", path, quoted(strings.Repeat("é", *m)), "")
					add("maxLength in runes", path, quoted(strings.Repeat("😀", *m)), "")
				}
				add("maxLength+1", path, quoted(strings.Repeat("7", *m+1)), name)
				add("maxLength+1 in runes", path, quoted(strings.Repeat("é", *m+1)), name)
			}
			if m := p.MinLength; m != nil && *m > 0 {
				add("minLength-1", path, quoted(strings.Repeat("7", *m-1)), name)
				if p.Enum == nil {
					add("minLength", path, quoted(strings.Repeat("7", *m)), "")
					add("minLength in runes", path, quoted(strings.Repeat("é", *m)), "")
				}
			}
			for _, e := range p.Enum {
				if n := utf8.RuneCountInString(e); p.MinLength != nil && n < *p.MinLength {
					// bic's CustomerIDType lists "" but needs 3 characters
					add("enum value shorter than minLength", path, quoted(e), name)
				} else {
					add("enum value", path, quoted(e), "")
				}
				if e == "" {
					continue
				}
				// The same value with its first letter escaped.
				add("enum value escaped", path, raw(`"\u00`+strconv.FormatInt(int64(e[0]), 16)+e[1:]+`"`), "")
				for _, bad := range []string{strings.ToLower(e), e + " ", " " + e, e[:len(e)-1]} {
					if !slices.Contains(p.Enum, bad) {
						add("not in enum", path, quoted(bad), name)
					}
				}
			}
			if p.Enum != nil && !slices.Contains(p.Enum, "") {
				add("empty string not in enum", path, quoted(""), name)
			}
		}
		if p.Format == "date" {
			for _, ok := range []string{"2021-08-31", "2020-02-29", "2000-02-29", "0001-01-01", "9999-12-31"} {
				add("format date", path, quoted(ok), "")
			}
			for _, bad := range []string{"", "2020-20-20", "2021-02-29", "1900-02-29", "2021-04-31", "2021-00-10", "2021-01-00",
				"2021-1-01", "21-01-01", "2021/01/01", "20210101", "2021-01-01T00:00:00", "2021-01-01Z", " 2021-01-0",
				"+021-01-01", "2021-01-+1", "２０２１-01-01", "31-08-2021"} {
				add("not format date", path, quoted(bad), name)
			}
		}
		if p.Format == "int32" {
			for _, ok := range []string{`0`, `-1`, `55`, `7449050`, `2147483647`, `-2147483648`} {
				add("format int32", path, raw(ok), "")
			}
			for _, bad := range []string{`2147483648`, `-2147483649`, `1.5`, `1.0`, `1e3`, `"55"`} {
				add("not format int32", path, raw(bad), name)
			}
		}
		if p.IsID() {
			for _, ok := range []string{`1`, `9`, `10`, `1295148032`, `9004732142020`, `9007199254740991`} {
				add("valid ID", path, raw(ok), "")
			}
			for _, bad := range []string{`0`, `-1`, `-0`, `1.5`, `1.0`, `1e3`, `1E3`, `10e0`, `0.0`, `1.5e3`, `-9007199254740991`,
				`9007199254740992`, `9007199254740993`, `10000000000000000`, `18446744073709551616`,
				`123456789012345678901234567890`, `"12"`, `""`} {
				add("invalid ID", path, raw(bad), name)
			}
		}
	})
	return ms
}

// TestRule2And11ConstraintsFromYAML mutates one field at a time of a valid
// body generated from each schema, for every constraint the YAML sets.
func TestRule2And11ConstraintsFromYAML(t *testing.T) {
	for _, name := range wantRequestNames {
		s := RequestSchema(name)
		t.Run(name, func(t *testing.T) {
			ms := yamlMutations(s)
			if len(ms) < 10 {
				t.Fatalf("only %d cases", len(ms))
			}
			base, err := json.Marshal(validObject(s.Properties))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Validate(base); got != "" {
				t.Fatalf("generated body %s: Validate = %q", base, got)
			}
			for _, m := range ms {
				body := validObject(s.Properties)
				edit(body, m.path, m.val, m.del)
				b, err := json.Marshal(body)
				if err != nil {
					t.Fatalf("%v: %v", m, err)
				}
				if got := s.Validate(b); got != m.want {
					t.Errorf("%v: Validate(%s) = %q, want %q", m, b, got, m.want)
				}
			}
		})
	}
}

// TestRule11SchemaOrderThenUndefinedFields gives two offending fields at a
// time, and an undefined one, and expects the first in schema order.
func TestRule11SchemaOrderThenUndefinedFields(t *testing.T) {
	for _, name := range wantRequestNames {
		s := RequestSchema(name)
		type prop struct {
			path []string
			p    *Property
		}
		var props []prop
		s.Walk(func(path []string, p *Property) { props = append(props, prop{path, p}) })
		wrong := func(p *Property) json.RawMessage {
			if p.Type == "string" {
				return raw(`7`)
			}
			return raw(`"7"`)
		}
		for i, a := range props {
			for _, b := range props[i+1:] {
				if len(b.path) > len(a.path) && slices.Equal(b.path[:len(a.path)], a.path) {
					continue // b is inside a
				}
				body := validObject(s.Properties)
				body["Aa_undefined"] = 1
				edit(body, b.path, wrong(b.p), false)
				edit(body, a.path, wrong(a.p), false)
				js, err := json.Marshal(body)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.Validate(js); got != a.p.Name {
					t.Errorf("%s: Validate(%s) = %q, want %q", name, js, got, a.p.Name)
				}
			}
		}
	}
}

type validateCase struct {
	def, body, want string
}

func runValidateCases(t *testing.T, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		if got := RequestSchema(tt.def).Validate([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: Validate(%s) = %q, want %q", tt.def, tt.body, got, tt.want)
		}
	}
}

func TestRule2BodyNotJSONObject(t *testing.T) {
	const del = "contact_DELETE_Request"
	runValidateCases(t, []validateCase{
		{del, ``, "body"},
		{del, ` `, "body"},
		{del, `[]`, "body"},
		{del, `[{"ContactID":1}]`, "body"},
		{del, `{`, "body"},
		{del, `}`, "body"},
		{del, `{"ContactID":1`, "body"},
		{del, `{"ContactID":1,}`, "body"},
		{del, `{"ContactID":1 "Foo":2}`, "body"},
		{del, `{"ContactID" 1}`, "body"},
		{del, `{ContactID:1}`, "body"},
		{del, `{'ContactID':1}`, "body"},
		{del, `null`, "body"},
		{del, `1`, "body"},
		{del, `"ContactID"`, "body"},
		{del, `true`, "body"},
		{del, `{"ContactID":1}x`, "body"},
		{del, `{"ContactID":1}{}`, "body"},
		{del, `{"ContactID":1} {"ContactID":1}`, "body"},
		{del, `{"ContactID":1}` + "\x00", "body"},
		{del, "\xef\xbb\xbf" + `{"ContactID":1}`, "body"}, // byte order mark
		{del, `{"ContactID":01}`, "body"},
		{del, `{"ContactID":+1}`, "body"},
		{del, `{"ContactID":1.}`, "body"},
		{del, `{"ContactID":.5}`, "body"},
		{del, `{"ContactID":1e}`, "body"},
		{del, `{"ContactID":-}`, "body"},
		{del, `{"ContactID":NaN}`, "body"},
		{del, `{"ContactID":tru}`, "body"},
		{del, `{"ContactID":nul}`, "body"},
		{del, `{"ContactID":1,"Foo":"a` + "\n" + `"}`, "body"},          // control character
		{del, `{"ContactID":1,"Foo":"\x"}`, "body"},                     // bad escape
		{del, `{"ContactID":1,"Foo":"\u12G4"}`, "body"},                 // bad \u escape
		{del, `{"ContactID":1,"Foo":"\u12"}`, "body"},                   // short \u escape
		{del, `{"ContactID":1,"Foo":"` + "\xff" + `"}`, "body"},         // not UTF-8
		{del, `{"ContactID":1,"Foo":"` + "\xed\xa0\x80" + `"}`, "body"}, // UTF-8 surrogate
		{del, `{"ContactID":1,"Foo":[1,2}`, "body"},
		{del, `{"ContactID":1,"Foo":{"a":1]}`, "body"},
		{del, "\t\r\n " + `{"ContactID":1}` + " \t\r\n", ""},
		{del, `{ "ContactID" : 1 }`, ""},
	})
}

func TestRule11BareNamesSchemaOrderAndDocumentOrder(t *testing.T) {
	const (
		post    = "contact_POST_Request"
		del     = "contact_DELETE_Request"
		phone   = `{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"044451153"}`
		contact = `{"ContactType":"PRIMRY","Phone":[` + phone + `]}`
	)
	longNumber := `{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"0444511530000000"}`
	runValidateCases(t, []validateCase{
		{del, `{"ContactID":1,"Foo":1}`, "Foo"},
		{del, `{"Foo":1}`, "ContactID"},
		{del, `{"Foo":1,"ContactID":"1"}`, "ContactID"},
		{del, `{"ContactID":null}`, "ContactID"},
		{del, `{}`, "ContactID"},
		{del, `{"contactid":1}`, "ContactID"}, // names are case-sensitive
		{del, `{"ContactID":1,"contactid":1}`, "contactid"},
		{del, `{"ContactID":1,"":1}`, EmptyFieldName},
		{del, `{"ContactID":1,"body":1}`, "body"},
		{del, `{"ContactID":1,"Foo":null}`, "Foo"},
		{del, `{"ContactID":1,"F\u00f6\"o":1}`, "Fö\"o"},
		{del, `{"\u0043ontactID":1}`, ""},
		{del, `{"ContactID":1,"a\tb\n\"\\\/\u00e9\b\f\r":1}`, "a\tb\n\"\\/é\b\f\r"},
		// The Phone of a contact: bare names, checked in place.
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[` + longNumber + `]},"Foo":1}`, "PhoneNumber"},
		{post, `{"Foo":1,"Contact":{"ContactType":"PRIMRY","Phone":[` + longNumber + `]}}`, "PhoneNumber"},
		{post, `{"Contact":{"Phone":[` + longNumber + `],"ContactType":"PRIMRY","Name":7}}`, "Name"},
		{post, `{"Contact":{"Phone":[` + longNumber + `],"ContactType":"PRIMRY"},"AccountIDType":"X"}`, "AccountIDType"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[` + phone + `,` + longNumber + `]}}`, "PhoneNumber"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[` + longNumber + `,{"PhoneType":"X","Country":"NZ","PhoneNumber":"1"}]}}`, "PhoneNumber"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[{"PhoneType":"X","Country":"NZ","PhoneNumber":"1"},` + longNumber + `]}}`, "PhoneType"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[` + phone + `,{"Country":"NZ","PhoneNumber":"1"}]}}`, "PhoneType"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[` + phone + `,null]}}`, "Phone"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[` + phone + `,"x"]}}`, "Phone"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[]}}`, ""}, // the phone count is CNT103
		{post, `{"Contact":{"ContactType":"PRIMRY"}}`, "Phone"},
		{post, `{"Contact":{"Phone":[]}}`, "ContactType"},
		{post, `{"Contact":{}}`, "ContactType"},
		{post, `{"Contact":[]}`, "Contact"},
		{post, `{"Contact":null}`, "Contact"},
		{post, `{"CustomerIDType":"ird","Contact":null}`, "CustomerIDType"},
		// Undefined fields: after every defined one, first in document order.
		{post, `{"Contact":` + contact + `,"Zz":1,"Aa":1}`, "Zz"},
		{post, `{"Contact":{"Phone":[` + phone + `],"X1":1,"ContactType":"PRIMRY"},"X2":1}`, "X1"},
		{post, `{"X2":1,"Contact":{"Phone":[` + phone + `],"X1":1,"ContactType":"PRIMRY"}}`, "X2"},
		{post, `{"Contact":{"Phone":[` + phone + `,{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"1","X3":1}],"X1":1,"ContactType":"PRIMRY"}}`, "X3"},
		{post, `{"Contact":{"Phone":[{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"1","X3":{"X4":1}}],"ContactType":"PRIMRY","X1":1}}`, "X3"},
		{post, `{"CustomerID":null,"Contact":` + contact + `}`, ""},
		{post, `{"CustomerID":null,"Contact":` + contact + `,"Name":"x"}`, "Name"}, // Name is defined only inside Contact
	})
}

func TestRule11DuplicateFields(t *testing.T) {
	const post = "contact_POST_Request"
	const phone = `{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"044451153"}`
	runValidateCases(t, []validateCase{
		{"contact_DELETE_Request", `{"ContactID":1,"ContactID":1}`, "ContactID"},
		{"contact_DELETE_Request", `{"ContactID":1,"ContactID":null}`, "ContactID"},
		{"contact_DELETE_Request", `{"ContactID":1,"\u0043ontactID":2}`, "ContactID"},
		{"contact_DELETE_Request", `{"ContactID":1,"Foo":1,"Foo":2}`, "Foo"},
		{"customer_POST_Request", `{"CustomerIDType":"IRD","CustomerID":"069096409","CustomerIDType":"IRD"}`, "CustomerIDType"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Name":"a","Name":"a","Phone":[` + phone + `]},"Foo":1}`, "Name"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Name":"a","Name":"a","Phone":[{"PhoneType":"X"}]}}`, "Name"},
		{post, `{"Contact":{"ContactType":"PRIMRY","Phone":[{"PhoneType":"BSN","Country":"NZ","Country":"NZ","PhoneNumber":"1"}]}}`, "Country"},
		{post, `{"CustomerID":"1","Contact":{"ContactType":"PRIMRY","Phone":[` + phone + `]},"CustomerID":"1"}`, "CustomerID"},
	})
}

func TestRule11StringsCountRunesAndDecodeEscapes(t *testing.T) {
	const put = "contact_PUT_Request"
	name := func(s string) string { return `{"ContactID":1,"Contact":{"Name":"` + s + `"}}` }
	runValidateCases(t, []validateCase{
		{put, name(strings.Repeat(`\ud83d\ude00`, 255)), ""}, // a surrogate pair is one character
		{put, name(strings.Repeat(`\ud83d\ude00`, 256)), "Name"},
		{put, name(strings.Repeat(`\ud83d`, 255)), ""}, // a lone surrogate decodes to U+FFFD
		{put, name(strings.Repeat(`\ud83d`, 256)), "Name"},
		{put, name(strings.Repeat(`\"`, 255)), ""},
		{put, name(strings.Repeat(`\\`, 256)), "Name"},
		{put, name(strings.Repeat("日", 255)), ""},
		{put, name(strings.Repeat("日", 256)), "Name"},
		{put, name(``), "Name"},
		{put, name(`\u0000`), "Name"}, // control characters (Unicode Cc) are refused
		{put, name(`a\nb`), "Name"},
		{put, name(`a\tb`), "Name"},
		{put, name("a\x7fb"), "Name"},
		{put, name(`a\u0085b`), "Name"},
		{put, name("a\u009fb"), "Name"},
		{put, name(`a\u00a0b`), ""}, // a no-break space is not a control character
		{"phone_PUT_Request", `{"PhoneID":1,"Phone":{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"044451153","Extension":"1\u0000"}}`, "Extension"},
		{"phone_DELETE_Request", `{"PhoneID":1,"x\ud800\u0041":1}`, "x\uFFFDA"},
		{"customer_POST_Request", `{"CustomerID":"069096409","CustomerIDType":"\u0049RD"}`, ""},
		{"customer_POST_Request", `{"CustomerID":"069096409","CustomerIDType":"\u0069RD"}`, "CustomerIDType"},
		{"customer_POST_Request", `{"CustomerID":"069096409","CustomerIDType":"IRD\u0000"}`, "CustomerIDType"},
	})
}

// TestRule11IDs spells out rule 11's IDs on each ID of the API; the YAML
// driven test covers the same ground for every int64 property.
func TestRule11IDs(t *testing.T) {
	for _, tt := range []struct{ def, field string }{
		{"contact_DELETE_Request", "ContactID"},
		{"phone_DELETE_Request", "PhoneID"},
	} {
		for _, id := range []string{`1`, `9007199254740991`} {
			runValidateCases(t, []validateCase{{tt.def, `{"` + tt.field + `":` + id + `}`, ""}})
		}
		for _, id := range []string{`"12"`, `1.5`, `1.0`, `0`, `-1`, `1e3`, `9007199254740992`, `true`, `{}`, `[1]`} {
			runValidateCases(t, []validateCase{{tt.def, `{"` + tt.field + `":` + id + `}`, tt.field}})
		}
	}
}

// TestRule2NestingLimitMatchesEncodingJSON: an undefined field may nest as
// deep as encoding/json accepts; deeper is not JSON for it, so "body".
func TestRule2NestingLimitMatchesEncodingJSON(t *testing.T) {
	s := RequestSchema("contact_DELETE_Request")
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		// The body object is level 1, so Foo's value opens depth-1 arrays.
		body := `{"ContactID":1,"Foo":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
		want := "Foo"
		if !json.Valid([]byte(body)) {
			want = "body"
		}
		if depth > maxDepth && want != "body" {
			t.Errorf("encoding/json accepts depth %d", depth)
		}
		if got := s.Validate([]byte(body)); got != want {
			t.Errorf("depth %d: Validate = %q, want %q", depth, got, want)
		}
	}
}

func TestValidateIsReusableAndConcurrent(t *testing.T) {
	s := RequestSchema("contact_POST_Request")
	good := readSample(t, "contact/POST_200_contact_TAX_Agent_Linked_CST_Customer_request.json")
	bad := readSample(t, "contact/POST_400_EV1100_contact_CustomerIDType_not_equal_to_CST_or_IRD_request.json")
	big := []byte(`{"Contact":{"ContactType":"PRIMRY","Phone":[]},"Foo":[` + strings.Repeat(`"\u0041",`, 5000) + `1]}`)
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- true }()
			for range 50 {
				if got := s.Validate(good); got != "" {
					t.Errorf("good: %q", got)
				}
				if got := s.Validate(big); got != "Foo" {
					t.Errorf("big: %q", got)
				}
				if got := s.Validate(bad); got != "CustomerIDType" {
					t.Errorf("bad: %q", got)
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}

// parseTestSpec parses a synthetic Swagger document whose operation /x takes
// definition x_Request.
func parseTestSpec(defs string) (map[string]*Schema, error) {
	doc := `swagger: '2.0'
paths:
  /x:
    post:
      parameters:
        - name: body
          in: body
          schema:
            $ref: '#/definitions/x_Request'
definitions:
` + defs
	schemas := make(map[string]*Schema)
	err := parseSpec("test.yaml", []byte(doc), schemas)
	// Key by bare name, as every synthetic spec is API "test".
	bare := make(map[string]*Schema)
	for key, s := range schemas {
		if key != "test/"+s.Name || s.API != "test" {
			return nil, fmt.Errorf("schema %s keyed %s", s.Name, key)
		}
		bare[s.Name] = s
	}
	return bare, err
}

func TestParseSpecTypesAndRefs(t *testing.T) {
	schemas, err := parseTestSpec(`
  x_Request:
    type: object
    required: [Flag, Inner]
    properties:
      Flag: {type: boolean}
      Count: {type: integer}
      Amount: {type: number}
      Inner: {$ref: '#/definitions/Inner'}
      Tags: {type: array, items: {type: string, maxLength: 2}}
  Inner:
    type: object
    required: [ID]
    properties:
      ID: {type: integer, format: int64}
`)
	if err != nil {
		t.Fatal(err)
	}
	s := schemas["x_Request"]
	if len(schemas) != 1 || s == nil {
		t.Fatalf("schemas = %v", schemas)
	}
	var walked []string
	s.Walk(func(path []string, p *Property) { walked = append(walked, strings.Join(path, ".")+":"+p.Name) })
	want := []string{"Flag:Flag", "Count:Count", "Amount:Amount", "Inner:Inner", "Inner.ID:ID", "Tags:Tags", "Tags.[]:Tags"}
	if !slices.Equal(walked, want) {
		t.Errorf("Walk visits %q, want %q", walked, want)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"Flag":true,"Inner":{"ID":5}}`, ""},
		{`{"Flag":false,"Count":-3,"Amount":-1.5e3,"Inner":{"ID":5},"Tags":["ab",""]}`, ""},
		{`{"Flag":1,"Inner":{"ID":5}}`, "Flag"},
		{`{"Flag":"true","Inner":{"ID":5}}`, "Flag"},
		{`{"Flag":true,"Count":1.0,"Inner":{"ID":5}}`, "Count"},
		{`{"Flag":true,"Count":1e2,"Inner":{"ID":5}}`, "Count"},
		{`{"Flag":true,"Amount":"1","Inner":{"ID":5}}`, "Amount"},
		{`{"Flag":true,"Inner":{"ID":0}}`, "ID"},
		{`{"Flag":true,"Inner":{}}`, "ID"},
		{`{"Flag":true,"Inner":{"ID":1},"Tags":["abc"]}`, "Tags"},
		{`{"Flag":true,"Inner":{"ID":1},"Tags":[1]}`, "Tags"},
		{`{"Flag":true,"Inner":{"ID":1},"Tags":[{"a":1}]}`, "Tags"},
	} {
		if got := s.Validate([]byte(tt.body)); got != tt.want {
			t.Errorf("Validate(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestParseSpecRefusesWhatItCannotEnforce(t *testing.T) {
	for _, defs := range []string{
		"  x_Request: {type: object, properties: {A: {type: string, pattern: '^a$'}}}\n",
		"  x_Request: {type: object, properties: {A: {type: array, items: {type: string}, minItems: 1}}}\n",
		"  x_Request: {type: object, properties: {A: {type: integer, maximum: 3}}}\n",
		"  x_Request: {type: object, properties: {A: {type: integer, enum: [1, 2]}}}\n",
		"  x_Request: {type: object, properties: {A: {type: number, maxLength: 3}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, maxLength: -1}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, maxLength: 2, minLength: 3}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, maxLength: x}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, enum: []}}}\n",
		"  x_Request: {type: object, properties: {A: {description: no type}}}\n",
		"  x_Request: {type: object, properties: {A: {type: file}}}\n",
		"  x_Request: {type: object, properties: {A: {type: array}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, items: {type: string}}}}\n",
		"  x_Request: {type: object, required: [B], properties: {A: {type: string}}}\n",
		"  x_Request: {type: object, properties: {A: {$ref: '#/definitions/Missing'}}}\n",
		"  x_Request: {type: object, properties: {A: {$ref: 'other.yaml#/definitions/A'}}}\n",
		"  x_Request: {type: object, properties: {A: {$ref: '#/definitions/x_Request'}}}\n", // a cycle
		"  x_Request: {type: string}\n",
		"  x_Request: {type: object, properties: {A: {type: string}, A: {type: number}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, format: int64}}}\n",
		"  x_Request: {type: object, properties: {A: {type: number, format: date}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, format: date-time}}}\n",
		"  x_Request: {type: object, properties: {A: {type: string, format: email}}}\n",
	} {
		if _, err := parseTestSpec(defs); err == nil {
			t.Errorf("parseSpec accepted %s", defs)
		}
	}
	if err := applyOverrides(map[string]*Schema{}, map[string][]string{"x_Request": {"A"}}); err == nil {
		t.Error("applyOverrides accepted a missing definition")
	}
	schemas, err := parseTestSpec("  x_Request: {type: object, properties: {A: {type: string}}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := applyOverrides(schemas, map[string][]string{"x_Request": {"B"}}); err == nil {
		t.Error("applyOverrides accepted a missing field")
	}
	if err := applyOverrides(schemas, map[string][]string{"x_Request": {"A"}}); err != nil || !schemas["x_Request"].Properties[0].Required {
		t.Errorf("applyOverrides: %v", err)
	}
	if err := applyMissingNames(schemas, map[string][]string{"x_Request": {"A"}}); err == nil {
		t.Error("applyMissingNames accepted a field that is not an object")
	}
	if err := applyMissingNames(schemas, map[string][]string{"y_Request": {"A"}}); err == nil {
		t.Error("applyMissingNames accepted a missing definition")
	}
}

// TestSuiteRuling2MissingAddressFieldNamesAddress: "A field the schema
// requires ... missing from Address is EV1100 whose message names Address";
// every other fault inside Address still names its own field.
func TestSuiteRuling2MissingAddressFieldNamesAddress(t *testing.T) {
	const (
		post = "address/address_POST_Request"
		put  = "address/address_PUT_Request"
	)
	addr := func(fields string) string {
		return `{"CustomerID":"139369673","CustomerIDType":"IRD","Type":"MAL","Address":{` + fields + `}}`
	}
	runValidateCases(t, []validateCase{
		{post, addr(`"Street":"1 A St","City":"Wellington","Country":"NZ"`), ""},
		{post, addr(`"City":"Wellington","Country":"NZ"`), "Address"},
		{post, addr(`"Street":null,"City":"Wellington","Country":"NZ"`), "Address"},
		{post, addr(`"Street":"1 A St","Country":"NZ"`), "Address"},
		{post, addr(`"Street":"1 A St","City":"Wellington"`), "Address"},
		{post, addr(``), "Address"},
		{post, addr(`"Street":"","City":"Wellington","Country":"NZ"`), "Street"}, // minLength, not missing
		{post, addr(`"Street":"1 A St","City":"Wellington","Country":"NZL"`), "Country"},
		{post, addr(`"Street":7,"City":"Wellington","Country":"NZ"`), "Street"},
		{post, addr(`"Street":"1 A St","City":"Wellington","Country":"NZ","UnitType":"apt"`), "UnitType"},
		{post, addr(`"Street":"1 A St","City":"Wellington","Country":"NZ","Suburb":"x"`), "Suburb"},
		{put, `{"AddressID":1,"Address":{"Street":"1 A St","Country":"NZ"}}`, "Address"},
		// Only Address: a missing DPID of NewZealand names DPID.
		{post, `{"CustomerID":"139369673","CustomerIDType":"IRD","Type":"MAL","NewZealand":{}}`, "DPID"},
		{post, `{"CustomerID":"139369673","CustomerIDType":"IRD","NewZealand":{"DPID":1}}`, "Type"},
	})
}

// TestFormatsOfTheSuite spells out the formats the new YAMLs use: "date"
// (BIC Commence and Cease, Period FromDate and ToDate: SUITE.md ruling 6,
// anything but YYYY-MM-DD is EV1100) and "int32" (the DPID).
func TestFormatsOfTheSuite(t *testing.T) {
	const period = "period/list_POST_Request"
	list := func(from string) string {
		return `{"AccountID":"132244081INC002","AccountIDType":"ACC","FromDate":` + from + `}`
	}
	dpid := func(d string) string { return `{"AddressID":1,"NewZealand":{"DPID":` + d + `}}` }
	runValidateCases(t, []validateCase{
		{period, list(`"2021-01-01"`), ""},
		{period, list(`"2020-20-20"`), "FromDate"},
		{period, list(`"2021-02-29"`), "FromDate"},
		{period, list(`"2024-02-29"`), ""},
		{period, list(`"01/01/2021"`), "FromDate"},
		{period, list(`""`), "FromDate"},
		{period, list(`"2021-01-01"`), ""}, // escapes decode first
		{period, `{"AccountID":"132244081INC002","AccountIDType":"ACC","ToDate":"2021-13-01"}`, "ToDate"},
		{"bic/bic_POST_Request", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960","Commence":"9999-12-31"}`, ""},
		{"bic/bic_DELETE_Request", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960","Cease":"2021-8-31"}`, "Cease"},
		{"address/address_PUT_Request", dpid(`827994`), ""},
		{"address/address_PUT_Request", dpid(`-5`), ""}, // a DPID out of range is ADR103, not EV1100
		{"address/address_PUT_Request", dpid(`827994.5`), "DPID"},
		{"address/address_PUT_Request", dpid(`4294967296`), "DPID"},
		{"address/address_PUT_Request", dpid(`"827994"`), "DPID"},
	})
}

func TestIsDate(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"2021-08-31", true}, {"2000-02-29", true}, {"1900-02-28", true}, {"0000-01-01", true},
		{"1900-02-29", false}, {"2021-06-31", false}, {"2021-12-32", false}, {"2021-13-01", false},
		{"2021-08-3", false}, {"2021-08-311", false}, {"2021_08_31", false}, {"2021-0a-31", false}, {"", false},
	} {
		if got := IsDate(tt.s); got != tt.want {
			t.Errorf("IsDate(%q) = %v, want %v", tt.s, got, tt.want)
		}
		if got := IsDate([]byte(tt.s)); got != tt.want {
			t.Errorf("IsDate([]byte(%q)) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func BenchmarkValidateContactPOST(b *testing.B) {
	s := RequestSchema("contact_POST_Request")
	body := readSample(b, "contact/POST_200_contact_TAX_Agent_Linked_CST_Customer_request.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if got := s.Validate(body); got != "" {
			b.Fatal(got)
		}
	}
}
