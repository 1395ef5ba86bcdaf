package api

import (
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The request definitions of the three published YAML files.
var wantRequestNames = []string{
	"account_POST_Request",
	"contact_DELETE_Request",
	"contact_POST_Request",
	"contact_PUT_Request",
	"customer_POST_Request",
	"list_POST_Request",
	"phone_DELETE_Request",
	"phone_POST_Request",
	"phone_PUT_Request",
}

func TestFilesEmbedsSpecAndSamples(t *testing.T) {
	for _, name := range []string{
		"contact-2021-09-14.yaml",
		"customer-2021-09-14.yaml",
		"account-2021-09-14.yaml",
		"sample-messages/contact/PUT_200_phone_request.json",
		"sample-messages/customer/POST_200_customer_response.json",
		"sample-messages/account/POST_200_list_request.json",
	} {
		if _, err := fs.Stat(Files, name); err != nil {
			t.Errorf("Files lacks %s: %v", name, err)
		}
	}
}

func TestRequestNames(t *testing.T) {
	if got := RequestNames(); !slices.Equal(got, wantRequestNames) {
		t.Fatalf("RequestNames() = %q, want %q", got, wantRequestNames)
	}
	for _, name := range wantRequestNames {
		if s := RequestSchema(name); s.Name != name || len(s.Properties) == 0 {
			t.Errorf("RequestSchema(%q) = %+v", name, s)
		}
	}
}

func TestRequestSchemaPanicsOnUnknownName(t *testing.T) {
	for _, name := range []string{"", "contact_POST_Response200", "contact_PATCH_Request", "Contact_POST_Request"} {
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

// sampleCases lists every published *_request.json sample, the definition
// it is sent to and the field Validate must name.
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
	files, err := fs.Glob(Files, "sample-messages/*/*_request.json")
	if err != nil {
		t.Fatal(err)
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
	"contact_DELETE_Request": `{"ContactID":1295148032}`,
	"contact_POST_Request": `{"CustomerID":"1512100301","CustomerIDType":"CST","AccountID":"","AccountIDType":"",
		"Contact":{"ContactType":"SCNDRY","Name":"New new Gateway","Phone":[
		{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""},
		{"PhoneType":"CELL","Country":"AU","AreaCode":"02","PhoneNumber":"12345678","Extension":"12"}]}}`,
	"contact_PUT_Request":   `{"ContactID":1295148032,"Contact":{"Name":"UpdatedName"}}`,
	"phone_DELETE_Request":  `{"PhoneID":9004732142020}`,
	"phone_POST_Request":    `{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"044451153","Extension":""}}`,
	"phone_PUT_Request":     `{"PhoneID":1004734460042,"Phone":{"Country":"NZ","PhoneNumber":"027789032","PhoneType":"CELL"}}`,
	"customer_POST_Request": `{"CustomerID":"069096409","CustomerIDType":"IRD"}`,
	"account_POST_Request":  `{"AccountID":"132243158INC002","AccountIDType":"ACC"}`,
	"list_POST_Request":     `{"CustomerID":"1512100301","CustomerIDType":"CST"}`,
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
				want = name
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
				if p.Enum == nil {
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
				add("enum value", path, quoted(e), "")
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
	return schemas, err
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
