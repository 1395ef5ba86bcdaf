package http_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scenario is one request on a fresh sandbox and the answer SANDBOX.md gives.
type scenario struct {
	name       string
	method     string
	path       string
	body       string
	wantStatus int
	wantCode   string // "" for a 200
}

func phoneBody(contactID, phone string) string {
	return `{"ContactID":` + contactID + `,"Phone":` + phone + `}`
}

const (
	nzPhoneArea04 = `{"PhoneType":"BSN","Country":"NZ","AreaCode":"04","PhoneNumber":"044451153","Extension":""}`
	nzPhoneAreaO2 = `{"PhoneType":"BSN","Country":"NZ","AreaCode":"O2","PhoneNumber":"044451153","Extension":""}`
	auPhoneNoArea = `{"PhoneType":"BSN","Country":"AU","AreaCode":"","PhoneNumber":"92345678","Extension":""}`
)

// TestSandboxScenarios holds every row of SANDBOX.md's scenario table, each
// on a fresh sandbox.
func TestSandboxScenarios(t *testing.T) {
	six := strings.TrimSuffix(strings.Repeat(nzPhone+",", 6), ",")
	scenarios := []scenario{
		{"SCNDRY for IRD customer 069096409", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone), 200, ""},
		{"SCNDRY for CST customer 1512100301", "POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "SCNDRY", nzPhone), 200, ""},
		{"SCNDRY for account 512100301INC003", "POST", "/gateway/contact/contact", contactBody(accountOwner("512100301INC003"), "SCNDRY", nzPhone), 200, ""},
		{"SCNDRY for account 069096409EMP003", "POST", "/gateway/contact/contact", contactBody(accountOwner("069096409EMP003"), "SCNDRY", nzPhone), 200, ""},
		{"PRIMRY for customer 069096409 exists", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "069096409"), "PRIMRY", nzPhone), 400, "CNT101"},
		{"PRIMRY for account 132243158FBT005 exists", "POST", "/gateway/contact/contact", contactBody(accountOwner("132243158FBT005"), "PRIMRY", nzPhone), 400, "CNT101"},
		{"SCNDRY for account 132243158FBT005 exists", "POST", "/gateway/contact/contact", contactBody(accountOwner("132243158FBT005"), "SCNDRY", nzPhone), 400, "CNT101"},
		{"KSS account is ineligible", "POST", "/gateway/contact/contact", contactBody(accountOwner("132243158KSS004"), "PRIMRY", nzPhone), 400, "ACT100"},
		{"IRD 123456789 fails the check digit", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "123456789"), "PRIMRY", nzPhone), 400, "EV2234"},
		{"read IRD 123456789", "POST", "/gateway/customer/customer", `{"CustomerID":"123456789","CustomerIDType":"IRD"}`, 400, "EV2234"},
		{"IRD of 7 digits is below the range", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "9125568"), "PRIMRY", nzPhone), 400, "EV2234"},
		{"second ACT100 example 139376056KSS004", "POST", "/gateway/contact/contact", contactBody(accountOwner("139376056KSS004"), "SCNDRY", nzPhone), 400, "ACT100"},
		{"read 139376056KSS004", "POST", "/gateway/account/account", `{"AccountID":"139376056KSS004","AccountIDType":"ACC"}`, 400, "ACT100"},
		{"list 139376056", "POST", "/gateway/account/list", `{"CustomerID":"139376056","CustomerIDType":"IRD"}`, 200, ""},
		{"CustomerIDType IRN", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRN", "069096409"), "SCNDRY", nzPhone), 400, "EV1100"},
		{"no phones", "POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY"), 400, "CNT103"},
		{"six phones", "POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", six), 400, "CNT103"},
		{"contact with NZ AreaCode 04", "POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhoneArea04), 400, "CNT102"},
		{"contact with NZ AreaCode O2", "POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhoneAreaO2), 400, "CNT102"},
		{"phone with NZ AreaCode 04", "POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhoneArea04), 400, "CNT102"},
		{"phone with NZ AreaCode O2", "POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhoneAreaO2), 400, "CNT102"},
		{"phone AU without AreaCode", "POST", "/gateway/contact/phone", phoneBody("1295148032", auPhoneNoArea), 400, "CNT102"},
		{"phone on ContactID 1234", "POST", "/gateway/contact/phone", phoneBody("1234", nzPhone), 400, "CST404"},
		{"rename 1295148032", "PUT", "/gateway/contact/contact", `{"ContactID":1295148032,"Contact":{"Name":"UpdatedName"}}`, 200, ""},
		{"phone on 1295148032", "POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhone), 200, ""},
		{"change phone 1004734460042", "PUT", "/gateway/contact/phone", `{"PhoneID":1004734460042,"Phone":{"Country":"NZ","PhoneNumber":"027789032","PhoneType":"CELL"}}`, 200, ""},
		{"delete phone 9004732142020", "DELETE", "/gateway/contact/phone", `{"PhoneID":9004732142020}`, 200, ""},
		{"delete contact 1295148032", "DELETE", "/gateway/contact/contact", `{"ContactID":1295148032}`, 200, ""},
		{"delete ceased contact 1111111111", "DELETE", "/gateway/contact/contact", `{"ContactID":1111111111}`, 400, "CST404"},
	}
	// Every operation on the EV1022 personas.
	for _, acc := range []string{"102210221INC002", "132253579INC002"} {
		scenarios = append(scenarios,
			scenario{"contact on " + acc, "POST", "/gateway/contact/contact", contactBody(accountOwner(acc), "PRIMRY", nzPhone), 403, "EV1022"},
			scenario{"read " + acc, "POST", "/gateway/account/account", `{"AccountID":"` + acc + `","AccountIDType":"ACC"}`, 403, "EV1022"})
	}
	scenarios = append(scenarios,
		scenario{"rename 1320547545", "PUT", "/gateway/contact/contact", `{"ContactID":1320547545,"Contact":{"Name":"X"}}`, 403, "EV1022"},
		scenario{"delete 1320547545", "DELETE", "/gateway/contact/contact", `{"ContactID":1320547545}`, 403, "EV1022"},
		scenario{"phone on 1320547545", "POST", "/gateway/contact/phone", phoneBody("1320547545", nzPhone), 403, "EV1022"},
		scenario{"change phone 9005454545845", "PUT", "/gateway/contact/phone", `{"PhoneID":9005454545845,"Phone":` + nzPhone + `}`, 403, "EV1022"},
		scenario{"delete phone 9005454545845", "DELETE", "/gateway/contact/phone", `{"PhoneID":9005454545845}`, 403, "EV1022"},
		scenario{"read customer 132253579", "POST", "/gateway/customer/customer", `{"CustomerID":"132253579","CustomerIDType":"IRD"}`, 403, "EV1022"},
		scenario{"list customer 132253579", "POST", "/gateway/account/list", `{"CustomerID":"132253579","CustomerIDType":"IRD"}`, 403, "EV1022"},
		// IRD's test plans send EV1022_CUSTOMER's number, whose check digit
		// fails, as it is: the sandbox counts its personas' numbers valid.
		scenario{"read customer 102210221", "POST", "/gateway/customer/customer", `{"CustomerID":"102210221","CustomerIDType":"IRD"}`, 403, "EV1022"},
		scenario{"customer contact for 102210221", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "102210221"), "PRIMRY", nzPhone), 403, "EV1022"},
		scenario{"customer contact for 132253579", "POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "132253579"), "PRIMRY", nzPhone), 403, "EV1022"},
	)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			s := newSandbox(t)
			status, body := s.do(sc.method, sc.path, sc.body)
			if sc.wantCode == "" {
				wantOK(t, status, body)
				return
			}
			e := wantError(t, status, body, sc.wantStatus, sc.wantCode)
			if sc.wantCode == "EV1022" && e.Type != "security" {
				t.Fatalf("EV1022 type %q, want security", e.Type)
			}
			if sc.name == "CustomerIDType IRN" && !strings.HasSuffix(e.Message, ": CustomerIDType") {
				t.Fatalf("message %q does not name CustomerIDType", e.Message)
			}
		})
	}
}

func TestSandboxReads(t *testing.T) {
	s := newSandbox(t)
	t.Run("customer 069096409 holds contact 1295148032 and its two phones", func(t *testing.T) {
		cs := s.customerContacts("IRD", "069096409")
		if len(cs) != 1 || cs[0].ContactID != 1295148032 {
			t.Fatalf("contacts %+v, want only 1295148032 (1578864256 is account-level)", cs)
		}
		c := cs[0]
		if c.ContactType != "PRIMRY" || c.Name != "Louie Wagner" || c.Updated != "2020-07-06T14:53:36" {
			t.Fatalf("contact %+v", c)
		}
		if len(c.Phone) != 2 || c.Phone[0].PhoneID != 1004732142021 && c.Phone[0].PhoneID != 9004732142020 {
			t.Fatalf("phones %+v", c.Phone)
		}
		ids := map[int64]string{}
		for _, p := range c.Phone {
			ids[p.PhoneID] = p.PhoneType + " " + p.Country + " " + p.PhoneNumber
		}
		if ids[9004732142020] != "CELL NZ 0276479952" || ids[1004732142021] != "BSN NZ 044451153" {
			t.Fatalf("phones %v", ids)
		}
	})
	t.Run("customer response carries the published customer fields", func(t *testing.T) {
		status, body := s.do("POST", "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
		wantOK(t, status, body)
		var r struct {
			Customer map[string]json.RawMessage
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"ID", "IDType", "NZBN", "EntityType", "EntitySubType", "Commence", "Cease", "BIC", "Indicator", "Address", "Name", "Contact"} {
			if _, ok := r.Customer[f]; !ok {
				t.Errorf("customer lacks %s: %s", f, body)
			}
		}
		if string(r.Customer["ID"]) != `"069096409"` || string(r.Customer["IDType"]) != `"IRD"` {
			t.Errorf("ID %s IDType %s", r.Customer["ID"], r.Customer["IDType"])
		}
	})
	t.Run("account 069096409INC002 holds contact 1578864256", func(t *testing.T) {
		cs := s.accountContacts("069096409INC002")
		if len(cs) != 1 || cs[0].ContactID != 1578864256 || cs[0].Name != "Peter Parker" || len(cs[0].Phone) != 1 ||
			cs[0].Phone[0].PhoneID != 1004734460042 || cs[0].Phone[0].Extension != "04" {
			t.Fatalf("contacts %+v", cs)
		}
	})
	t.Run("list 1512100301 gives its three accounts", func(t *testing.T) {
		status, body := s.do("POST", "/gateway/account/list", `{"CustomerID":"1512100301","CustomerIDType":"CST"}`)
		wantOK(t, status, body)
		const want = `{"Accounts":[{"ID":"512100301REB001","IDType":"ACC"},{"ID":"512100301INC003","IDType":"ACC"},{"ID":"512100301AIL023","IDType":"ACC"}]}`
		if string(body) != want {
			t.Fatalf("body %s, want %s", body, want)
		}
	})
	t.Run("KSS account read is ACT100", func(t *testing.T) {
		status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"132243158KSS004","AccountIDType":"ACC"}`)
		wantError(t, status, body, 400, "ACT100")
	})
	t.Run("published account samples answer with their shape", func(t *testing.T) {
		for _, id := range []string{"132243158FAM005", "132243158GST004", "132243158INC002"} {
			status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"`+id+`","AccountIDType":"ACC"}`)
			wantOK(t, status, body)
			var r struct{ Account map[string]json.RawMessage }
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"ID", "IDType", "AccountType", "FilingFrequency", "Status", "Commence", "Cease", "Address", "Contact"} {
				if _, ok := r.Account[f]; !ok {
					t.Errorf("%s lacks %s", id, f)
				}
			}
		}
	})
	t.Run("unknown IRD customer is CST404", func(t *testing.T) {
		status, body := s.do("POST", "/gateway/customer/customer", `{"CustomerID":"111111111","CustomerIDType":"IRD"}`)
		wantError(t, status, body, 400, "CST404")
	})
}

// everyEndpoint is one valid request per API operation.
var everyEndpoint = []struct{ method, path, body string }{
	{"POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhone)},
	{"PUT", "/gateway/contact/contact", `{"ContactID":1295148032,"Contact":{"Name":"X"}}`},
	{"DELETE", "/gateway/contact/contact", `{"ContactID":1295148032}`},
	{"POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhone)},
	{"PUT", "/gateway/contact/phone", `{"PhoneID":9004732142020,"Phone":` + nzPhone + `}`},
	{"DELETE", "/gateway/contact/phone", `{"PhoneID":9004732142020}`},
	{"GET", "/gateway/contact/status", ""},
	{"GET", "/gateway/customer/status", ""},
	{"GET", "/gateway/account/status", ""},
	{"POST", "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
	{"POST", "/gateway/address/address", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":4242}}`},
	{"PUT", "/gateway/address/address", `{"AddressID":5342356299,"NewZealand":{"DPID":4242}}`},
	{"DELETE", "/gateway/address/address", `{"AddressID":1004722686772}`},
	{"GET", "/gateway/address/status", ""},
	{"POST", "/gateway/name/name", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"DBACST","Unformatted":"X"}`},
	{"PUT", "/gateway/name/name", `{"NameID":1004723099665,"FirstName":"X"}`},
	{"DELETE", "/gateway/name/name", `{"NameID":1004723362815}`},
	{"GET", "/gateway/name/status", ""},
	{"POST", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960"}`},
	{"DELETE", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A041930"}`},
	{"GET", "/gateway/bic/status", ""},
	{"POST", "/gateway/bank/bank", `{"AccountID":"132245746NRT005","AccountIDType":"ACC","NameOnAccount":"X",` +
		`"NewZealand":{"Bank":"03","Branch":"1528","Account":"00065296","Suffix":"0050"}}`},
	{"DELETE", "/gateway/bank/bank", `{"AccountID":"132243158INC002","AccountIDType":"ACC"}`},
	{"GET", "/gateway/bank/status", ""},
	{"POST", "/gateway/period/list", `{"AccountID":"132244081INC002","AccountIDType":"ACC"}`},
	{"GET", "/gateway/period/status", ""},
	{"POST", "/gateway/account/account", `{"AccountID":"069096409INC002","AccountIDType":"ACC"}`},
	{"POST", "/gateway/account/list", `{"CustomerID":"1512100301","CustomerIDType":"CST"}`},
	{"POST", "/secure/gateway/contact/phone", phoneBody("1295148032", nzPhone)},
}

func jwtPart(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sandboxJWT(claims map[string]any) string {
	return jwtPart(map[string]any{"alg": "RS256", "typ": "JWT", "kid": "M2M"}) + "." + jwtPart(claims) + ".c2lnbmF0dXJl"
}

// TestSandboxTokens: no header is EV1021 and an expired or malformed token
// EV1020, on every operation, before anything else is looked at.
func TestSandboxTokens(t *testing.T) {
	s := newSandbox(t)
	now := time.Now().Unix()
	refused := map[string]string{
		"expired":               sandboxJWT(map[string]any{"exp": now - 1}),
		"no exp":                sandboxJWT(map[string]any{"sub": "x"}),
		"exp not a number":      sandboxJWT(map[string]any{"exp": fmt.Sprint(now + 600)}),
		"iat in the future":     sandboxJWT(map[string]any{"exp": now + 600, "iat": now + 3600}),
		"nbf in the future":     sandboxJWT(map[string]any{"exp": now + 600, "nbf": now + 3600}),
		"not a token":           "hello",
		"two parts":             "eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9",
		"payload not an object": jwtPart(map[string]any{"alg": "none"}) + "." + base64.RawURLEncoding.EncodeToString([]byte(`[1]`)) + ".",
	}
	// No token is present in these: EV1021 like no header at all.
	absent := []string{"", "Bearer ", "Bearer", "bearer \t "}
	for _, ep := range everyEndpoint {
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			for _, h := range absent {
				status, body := s.doAuth(ep.method, ep.path, h, ep.body)
				wantError(t, status, body, http.StatusBadRequest, "EV1021")
			}
			for name, tok := range refused {
				status, body := s.doAuth(ep.method, ep.path, tok, ep.body)
				if status != http.StatusBadRequest || errorOf(t, body).Code != "EV1020" {
					t.Errorf("%s: status %d body %s, want 400 EV1020", name, status, body)
				}
			}
		})
	}
	t.Run("accepted forms", func(t *testing.T) {
		valid := sandboxJWT(map[string]any{"exp": now + 600, "iat": now, "sub": "ABC"})
		for _, h := range []string{valid, "Bearer " + valid, "bearer " + valid, s.Token} {
			status, body := s.doAuth("GET", "/gateway/contact/status", h, "")
			if status != 200 || string(body) != "OK" {
				t.Errorf("%q: status %d body %q, want 200 OK", h, status, body)
			}
		}
	})
}
