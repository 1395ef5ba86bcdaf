package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// routes is every route contactd serves, by path and methods. Each
// /gateway path is also served under /secure.
var routes = contacthttp.Routes()

// loadOpenAPI loads and validates contactd's OpenAPI 3.1 document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.ContactdOpenAPI)
	if err != nil {
		t.Fatalf("load contactd-openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("contactd-openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	return doc
}

func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[path] = append(documented[path], method)
		}
		sort.Strings(documented[path])
		secure := slices.ContainsFunc(item.Servers, func(s *openapi3.Server) bool { return s.URL == "/secure" })
		if secure != strings.HasPrefix(path, "/gateway/") {
			t.Errorf("%s: /secure server listed %v, want %v", path, secure, !secure)
		}
	}
	for path, methods := range routes {
		if !slices.Equal(documented[path], methods) {
			t.Errorf("%s: documented methods %v, served %v", path, documented[path], methods)
		}
	}
	for path := range documented {
		if _, ok := routes[path]; !ok {
			t.Errorf("%s is documented but not served", path)
		}
	}

	// The server agrees: a method a path does not serve is 405, with the
	// documented methods in Allow.
	s := newSandbox(t)
	for path, methods := range routes {
		for _, p := range []string{path, "/secure" + path} {
			if p != path && !strings.HasPrefix(path, "/gateway/") {
				continue
			}
			resp := send(t, s.URL, "PATCH", p, "", "")
			if resp.status != http.StatusMethodNotAllowed {
				t.Errorf("PATCH %s: status %d, want 405", p, resp.status)
				continue
			}
			if got := resp.header.Get("Allow"); got != strings.Join(methods, ", ") {
				t.Errorf("PATCH %s: Allow %q, want %q", p, got, strings.Join(methods, ", "))
			}
		}
	}
}

func TestPublishedSwaggerFilesServedUnchanged(t *testing.T) {
	s := newSandbox(t)
	for _, name := range []string{"contact", "customer", "account"} {
		want, err := api.Files.ReadFile(name + "-2021-09-14.yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/gateway/" + name + "/swagger.yaml", "/secure/gateway/" + name + "/swagger.yaml"} {
			resp := send(t, s.URL, "GET", path, "", "") // no credentials
			if resp.status != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, resp.status)
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/yaml" {
				t.Errorf("GET %s: Content-Type %q", path, ct)
			}
			if !bytes.Equal(resp.body, want) {
				t.Errorf("GET %s: body differs from the published file", path)
			}
		}
	}
	resp := send(t, s.URL, "GET", "/openapi.json", "", "")
	if resp.status != http.StatusOK || !bytes.Equal(resp.body, api.ContactdOpenAPI) {
		t.Errorf("GET /openapi.json: status %d, body equal %v", resp.status, bytes.Equal(resp.body, api.ContactdOpenAPI))
	}
}

// answer is a response as the test read it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request; authorization "" sends none.
func send(t *testing.T, base, method, path, authorization, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("X-Request-ID", requestID(method, path))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func requestID(method, path string) string {
	return "openapi-test-" + strings.ToLower(method) + strings.ReplaceAll(path, "/", "-")
}

// conformance checks real answers against the document and records which
// statuses each documented operation was seen to answer.
type conformance struct {
	t    *testing.T
	doc  *openapi3.T
	seen map[string]map[int]bool // "POST /gateway/contact/contact" -> statuses
}

func newConformance(t *testing.T) *conformance {
	return &conformance{t: t, doc: loadOpenAPI(t), seen: map[string]map[int]bool{}}
}

// route finds the documented operation of a request path, which may carry
// the /secure prefix its path item lists as a server.
func (c *conformance) route(method, path string) *routers.Route {
	c.t.Helper()
	template := path
	if strings.HasPrefix(path, "/secure/gateway/") {
		template = strings.TrimPrefix(path, "/secure")
	}
	item := c.doc.Paths.Value(template)
	if item == nil {
		c.t.Fatalf("%s %s: path not documented", method, path)
	}
	op := item.GetOperation(method)
	if op == nil {
		c.t.Fatalf("%s %s: method not documented", method, path)
	}
	return &routers.Route{Spec: c.doc, Path: template, PathItem: item, Method: method, Operation: op}
}

// check sends a request, requires wantStatus, validates the request (for
// a 2xx) and the answer against the document, and returns the answer.
func (c *conformance) check(base, method, path, authorization, body string, wantStatus int) answer {
	c.t.Helper()
	got := send(c.t, base, method, path, authorization, body)
	if got.status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got.status, wantStatus, got.body)
	}
	route := c.route(method, path)
	key := method + " " + route.Path
	if c.seen[key] == nil {
		c.seen[key] = map[int]bool{}
	}
	c.seen[key][got.status] = true

	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("X-Request-ID", requestID(method, path))
	in := &openapi3filter.RequestValidationInput{
		Request: req,
		Route:   route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	ctx := context.Background()
	if got.status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			c.t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 got.status,
		Header:                 got.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(got.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		c.t.Errorf("%s %s: %d answer does not match the document: %v\nbody: %s", method, path, got.status, err, got.body)
	}
	if id := got.header.Get("X-Request-ID"); id != "" && id != requestID(method, path) {
		c.t.Errorf("%s %s: X-Request-ID %q, want the request's %q", method, path, id, requestID(method, path))
	}
	return got
}

// checkComponent validates an answer to path that the document describes
// as a component response (404, 405), which no operation lists.
func (c *conformance) checkComponent(path string, got answer, name string) {
	c.t.Helper()
	if path != "" {
		key := "* " + path
		if c.seen[key] == nil {
			c.seen[key] = map[int]bool{}
		}
		c.seen[key][got.status] = true
	}
	ref := c.doc.Components.Responses[name]
	if ref == nil || ref.Value == nil {
		c.t.Fatalf("no component response %s", name)
	}
	if err := validateComponent(ref.Value, got); err != nil {
		c.t.Errorf("%s answer to %s does not match the document: %v\nbody: %s", name, path, err, got.body)
	}
}

// validateComponent checks an answer against a component response.
func validateComponent(r *openapi3.Response, got answer) error {
	mt := r.Content.Get(got.header.Get("Content-Type"))
	if mt == nil {
		return fmt.Errorf("Content-Type %q not documented", got.header.Get("Content-Type"))
	}
	value, err := decodeJSONValue(got.body)
	if err != nil {
		return err
	}
	if err := mt.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return err
	}
	for h, hr := range r.Headers {
		if hr.Value.Required && got.header.Get(h) == "" {
			return fmt.Errorf("no %s header", h)
		}
	}
	return nil
}

func decodeJSONValue(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}

// TestOpenAPIDescribesRealAnswers sends every documented operation real
// requests on a fresh sandbox, and checks each success and error answer
// against the document.
func TestOpenAPIDescribesRealAnswers(t *testing.T) {
	c := newConformance(t)
	s := newSandbox(t)
	token := s.Token
	bearer := "Bearer " + token
	const badToken = "not-a-token"
	huge := `{"ContactID":1295148032,"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	check := func(method, path, body string, want int) answer {
		t.Helper()
		return c.check(s.URL, method, path, bearer, body, want)
	}
	auPhone := `{"PhoneType":"BSN","Country":"AU","AreaCode":"02","PhoneNumber":"92345678","Extension":""}`

	// POST /contact.
	created := check("POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone), 200)
	contactID := strconv.FormatInt(newID(t, created.body, "ContactID"), 10)
	check("POST", "/secure/gateway/contact/contact", contactBody(accountOwner("512100301INC003"), "SCNDRY", nzPhone, auPhone), 200)
	check("POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "069096409"), "PRIMRY", nzPhone), 400)        // CNT101
	check("POST", "/gateway/contact/contact", contactBody(accountOwner("132243158KSS004"), "PRIMRY", nzPhone), 400)          // ACT100
	check("POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "123456789"), "PRIMRY", nzPhone), 400)        // EV2234
	check("POST", "/gateway/contact/contact", contactBody(customerOwner("IRN", "069096409"), "SCNDRY", nzPhone), 400)        // EV1100
	check("POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY"), 400)                // CNT103
	check("POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhoneArea04), 400) // CNT102
	check("POST", "/gateway/contact/contact", contactBody(accountOwner("102210221INC002"), "PRIMRY", nzPhone), 403)
	check("POST", "/gateway/contact/contact", huge, 413)
	c.check(s.URL, "POST", "/gateway/contact/contact", "", contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone), 400)
	c.check(s.URL, "POST", "/gateway/contact/contact", badToken, contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone), 400)

	// POST, PUT and DELETE /phone.
	added := check("POST", "/gateway/contact/phone", phoneBody(contactID, auPhone), 200)
	phoneID := strconv.FormatInt(newID(t, added.body, "PhoneID"), 10)
	check("POST", "/gateway/contact/phone", phoneBody("1234", nzPhone), 400)          // CST404
	check("POST", "/gateway/contact/phone", phoneBody(contactID, auPhoneNoArea), 400) // CNT102
	check("POST", "/gateway/contact/phone", phoneBody("1320547545", nzPhone), 403)
	check("POST", "/gateway/contact/phone", huge, 413)
	c.check(s.URL, "POST", "/gateway/contact/phone", "", phoneBody(contactID, nzPhone), 400)
	check("PUT", "/gateway/contact/phone", `{"PhoneID":`+phoneID+`,"Phone":{"PhoneType":"HOM","Country":"AU","AreaCode":"03","PhoneNumber":"92345679","Extension":"12"}}`, 200)
	check("PUT", "/secure/gateway/contact/phone", `{"PhoneID":1004734460042,"Phone":{"Country":"NZ","PhoneNumber":"027789032","PhoneType":"CELL"}}`, 200)
	check("PUT", "/gateway/contact/phone", `{"PhoneID":`+phoneID+`,"Phone":`+nzPhoneArea04+`}`, 400) // CNT102
	check("PUT", "/gateway/contact/phone", `{"PhoneID":9005454545845,"Phone":`+nzPhone+`}`, 403)
	check("PUT", "/gateway/contact/phone", huge, 413)
	c.check(s.URL, "PUT", "/gateway/contact/phone", badToken, `{"PhoneID":`+phoneID+`,"Phone":`+nzPhone+`}`, 400)
	check("DELETE", "/gateway/contact/phone", `{"PhoneID":`+phoneID+`}`, 200)
	check("DELETE", "/gateway/contact/phone", `{"PhoneID":`+phoneID+`}`, 400)   // CST404: deleted
	check("DELETE", "/gateway/contact/phone", `{"PhoneID":1004734460042}`, 400) // CNT103: the last phone
	check("DELETE", "/gateway/contact/phone", `{"PhoneID":9005454545845}`, 403)
	check("DELETE", "/gateway/contact/phone", huge, 413)
	c.check(s.URL, "DELETE", "/gateway/contact/phone", "", `{"PhoneID":9004732142020}`, 400)

	// PUT and DELETE /contact.
	check("PUT", "/gateway/contact/contact", `{"ContactID":`+contactID+`,"Contact":{"Name":"Renamed Contact"}}`, 200)
	check("PUT", "/gateway/contact/contact", `{"ContactID":1111111111,"Contact":{"Name":"X"}}`, 400) // CST404
	check("PUT", "/gateway/contact/contact", `{"ContactID":"12","Contact":{"Name":"X"}}`, 400)       // EV1100
	check("PUT", "/gateway/contact/contact", `{"ContactID":1320547545,"Contact":{"Name":"X"}}`, 403)
	check("PUT", "/gateway/contact/contact", huge, 413)
	c.check(s.URL, "PUT", "/gateway/contact/contact", "", `{"ContactID":1295148032,"Contact":{"Name":"X"}}`, 400)
	check("DELETE", "/gateway/contact/contact", `{"ContactID":`+contactID+`}`, 200)
	check("DELETE", "/secure/gateway/contact/contact", `{"ContactID":`+contactID+`}`, 400) // CST404: deleted
	check("DELETE", "/gateway/contact/contact", `{"ContactID":1320547545}`, 403)
	check("DELETE", "/gateway/contact/contact", huge, 413)
	c.check(s.URL, "DELETE", "/gateway/contact/contact", badToken, `{"ContactID":1295148032}`, 400)

	// The Address, Name and BIC APIs.
	created = check("POST", "/gateway/address/address", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":827994}}`, 200)
	addressID := strconv.FormatInt(newID(t, created.body, "AddressID"), 10)
	check("POST", "/gateway/address/address", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"LOC","NewZealand":{"DPID":827994}}`, 400) // ADR101
	check("POST", "/gateway/address/address", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":12345}}`, 400)  // ADR103
	check("POST", "/gateway/address/address", `{"CustomerID":"132253579","CustomerIDType":"IRD","Type":"MAL","NewZealand":{"DPID":827994}}`, 403)
	check("PUT", "/gateway/address/address", `{"AddressID":`+addressID+`,"Address":{"Street":"1 RATA ST","City":"WELLINGTON","Country":"NZ"}}`, 200)
	check("PUT", "/gateway/address/address", `{"AddressID":`+addressID+`,"Address":{"Street":"1 MAIN ST","City":"KANSAS","Country":"US"}}`, 400) // ADR102
	check("DELETE", "/gateway/address/address", `{"AddressID":`+addressID+`}`, 200)
	check("DELETE", "/gateway/address/address", `{"AddressID":5342356299}`, 400) // ADR100
	check("DELETE", "/gateway/address/address", `{"AddressID":1004732460550}`, 403)
	created = check("POST", "/gateway/name/name", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"PREFER","FirstName":"Ana"}`, 200)
	nameID := strconv.FormatInt(newID(t, created.body, "NameID"), 10)
	check("POST", "/gateway/name/name", `{"CustomerID":"132244227","CustomerIDType":"IRD","Type":"PREFER","FirstName":"Ana"}`, 400) // NAM101
	check("PUT", "/gateway/name/name", `{"NameID":`+nameID+`,"FirstName":"Aroha"}`, 200)
	check("PUT", "/gateway/name/name", `{"NameID":1016545454547,"FirstName":"X"}`, 403)
	check("PUT", "/gateway/name/name", `{"NameID":1004723443833,"LastName":"X"}`, 400) // NAM102
	check("DELETE", "/gateway/name/name", `{"NameID":`+nameID+`}`, 200)
	check("DELETE", "/gateway/name/name", `{"NameID":1004723443833}`, 400) // NAM100
	check("POST", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960"}`, 200)
	check("POST", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960","Commence":"9999-12-31"}`, 400) // BIC102
	check("POST", "/gateway/bic/bic", `{"CustomerID":"139616936","CustomerIDType":"IRD","BICCode":"A019960"}`, 403)
	check("DELETE", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960"}`, 200)
	check("DELETE", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A019960"}`, 400)                      // BIC101
	check("DELETE", "/gateway/bic/bic", `{"CustomerID":"139369673","CustomerIDType":"IRD","BICCode":"A041930","Cease":"9999-12-31"}`, 400) // BIC103

	// The Bank and Period APIs.
	check("POST", "/gateway/bank/bank", `{"AccountID":"132245746NRT005","AccountIDType":"ACC","NameOnAccount":"Test","NewZealand":{"Bank":"03","Branch":"1528","Account":"00065296","Suffix":"0050"}}`, 200)
	check("POST", "/gateway/bank/bank", `{"AccountID":"132245746NRT005","AccountIDType":"ACC","NameOnAccount":"Test","NewZealand":{"Bank":"00","Branch":"0000","Account":"00000000","Suffix":"0000"}}`, 400) // BNK100
	check("POST", "/gateway/bank/bank", `{"AccountID":"102210221INC002","AccountIDType":"ACC","NameOnAccount":"Test","NewZealand":{"Bank":"03","Branch":"1528","Account":"00065296","Suffix":"0050"}}`, 403)
	check("DELETE", "/gateway/bank/bank", `{"AccountID":"132245746NRT005","AccountIDType":"ACC"}`, 200)
	check("DELETE", "/gateway/bank/bank", `{"AccountID":"132245746NRT005","AccountIDType":"ACC"}`, 400) // BNK101
	check("POST", "/gateway/period/list", `{"AccountID":"069096409EMP003","AccountIDType":"ACC"}`, 200)
	check("POST", "/gateway/period/list", `{"AccountID":"069096409EMP003","AccountIDType":"ACC","FromDate":"2020-06-01","ToDate":"2020-06-30"}`, 200)
	check("POST", "/gateway/period/list", `{"AccountID":"069096409EMP003","AccountIDType":"ACC","FromDate":"2020-13-01"}`, 400) // EV1100
	check("POST", "/gateway/period/list", `{"AccountID":"132243158KSS004","AccountIDType":"ACC"}`, 400)                         // ACT100
	check("POST", "/gateway/period/list", `{"AccountID":"102210221INC002","AccountIDType":"ACC"}`, 403)

	// The reads, on every persona the sandbox caller may reach.
	customers := [][2]string{{"IRD", "132243158"}, {"IRD", "069096409"}, {"IRD", "139369673"}, {"CST", "1512100301"}, {"CST", "1512150403"}}
	for _, id := range customers {
		check("POST", "/gateway/customer/customer", `{"CustomerID":"`+id[1]+`","CustomerIDType":"`+id[0]+`"}`, 200)
		check("POST", "/secure/gateway/account/list", `{"CustomerID":"`+id[1]+`","CustomerIDType":"`+id[0]+`"}`, 200)
	}
	for _, id := range []string{
		"132243158FAM005", "132243158GST004", "132243158INC003", "132243158INC002", "132243158DSB006", "132243158FBT005",
		"069096409EMP003", "069096409INC002", "139369673AIL023", "139369673INC003", "139369673REB001",
		"512100301REB001", "512100301INC003", "512100301AIL023",
	} {
		check("POST", "/gateway/account/account", `{"AccountID":"`+id+`","AccountIDType":"ACC"}`, 200)
	}
	check("POST", "/gateway/customer/customer", `{"CustomerID":"136410133","CustomerIDType":"IRD"}`, 400)   // EV2234
	check("POST", "/gateway/customer/customer", `{"CustomerID":"136-410-132","CustomerIDType":"IRD"}`, 400) // EV1100
	check("POST", "/gateway/customer/customer", `{"CustomerID":"049091850","CustomerIDType":"IRD"}`, 400)   // CST404
	check("POST", "/gateway/customer/customer", `{"CustomerID":"132253579","CustomerIDType":"IRD"}`, 403)
	check("POST", "/gateway/customer/customer", huge, 413)
	c.check(s.URL, "POST", "/gateway/customer/customer", "", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`, 400)
	check("POST", "/gateway/account/account", `{"AccountID":"132243158KSS004","AccountIDType":"ACC"}`, 400) // ACT100
	check("POST", "/gateway/account/account", `{"AccountID":"069096409INC009","AccountIDType":"ACC"}`, 400) // CST404
	check("POST", "/gateway/account/account", `{"AccountID":"069096409INC002","AccountIDType":"BAD"}`, 400) // EV1100
	check("POST", "/gateway/account/account", `{"AccountID":"102210221INC002","AccountIDType":"ACC"}`, 403)
	check("POST", "/gateway/account/account", huge, 413)
	c.check(s.URL, "POST", "/gateway/account/account", badToken, `{"AccountID":"069096409INC002","AccountIDType":"ACC"}`, 400)
	check("POST", "/gateway/account/list", `{"CustomerID":"123456789","CustomerIDType":"IRD"}`, 400) // EV2234
	check("POST", "/gateway/account/list", `{"CustomerID":"132253579","CustomerIDType":"IRD"}`, 403)
	check("POST", "/gateway/account/list", huge, 413)
	c.check(s.URL, "POST", "/gateway/account/list", "", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`, 400)

	// Status, documents and probes.
	for _, name := range []string{"contact", "customer", "account", "address", "name", "bic", "bank", "period"} {
		check("GET", "/gateway/"+name+"/status", "", 200)
		check("GET", "/secure/gateway/"+name+"/status", "", 200)
		c.check(s.URL, "GET", "/gateway/"+name+"/status", "", "", 400)
		c.check(s.URL, "GET", "/gateway/"+name+"/status", badToken, "", 400)
		c.check(s.URL, "GET", "/gateway/"+name+"/swagger.yaml", "", "", 200)
		c.check(s.URL, "GET", "/secure/gateway/"+name+"/swagger.yaml", "", "", 200)
	}
	c.check(s.URL, "GET", "/openapi.json", "", "", 200)
	c.check(s.URL, "GET", "/healthz", "", "", 200)
	c.check(s.URL, "GET", "/readyz", "", "", 200)
	c.check(s.URL, "HEAD", "/healthz", "", "", 200)
	c.check(s.URL, "HEAD", "/readyz", "", "", 200)

	// 404 and 405 answer in the envelope the components describe.
	c.checkComponent("", send(t, s.URL, "GET", "/gateway/contact/nothing", bearer, ""), "NotFound")
	for path := range routes {
		c.checkComponent(path, send(t, s.URL, "PATCH", path, bearer, ""), "MethodNotAllowed")
	}

	// A failing database: EU6001 on every API operation that reaches it,
	// 503 from /readyz.
	broken := brokenServer(t)
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "069096409"), "SCNDRY", nzPhone)},
		{"PUT", "/gateway/contact/contact", `{"ContactID":1295148032,"Contact":{"Name":"X"}}`},
		{"DELETE", "/gateway/contact/contact", `{"ContactID":1295148032}`},
		{"POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhone)},
		{"PUT", "/gateway/contact/phone", `{"PhoneID":9004732142020,"Phone":` + nzPhone + `}`},
		{"DELETE", "/gateway/contact/phone", `{"PhoneID":9004732142020}`},
		{"POST", "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
		{"POST", "/gateway/account/account", `{"AccountID":"069096409INC002","AccountIDType":"ACC"}`},
		{"POST", "/gateway/account/list", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`},
	} {
		c.check(broken.URL, r.method, r.path, "Bearer "+broken.Token, r.body, 500)
	}
	c.check(broken.URL, "GET", "/readyz", "", "", 503)
	c.check(broken.URL, "HEAD", "/readyz", "", "", 503)

	// Every documented operation was seen to succeed, and each one, or at
	// least its path where the operation documents no error, to fail.
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			statuses := c.seen[method+" "+path]
			var ok, failed bool
			for status := range statuses {
				ok = ok || status < 300
				failed = failed || status >= 400
			}
			if !failed && !documentsErrors(op) {
				failed = len(c.seen["* "+path]) > 0
			}
			if !ok || !failed {
				t.Errorf("%s %s: checked statuses %v, want a success and an error", method, path, statuses)
			}
		}
	}
}

func documentsErrors(op *openapi3.Operation) bool {
	for code := range op.Responses.Map() {
		if code >= "4" {
			return true
		}
	}
	return false
}

// brokenServer is a sandbox whose database is closed: every store call
// fails. Its log is discarded.
func brokenServer(t *testing.T) *sandboxServer {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "broken.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	store.Close()
	srv := httptest.NewServer(contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Logger:  slog.New(slog.DiscardHandler),
	}))
	t.Cleanup(srv.Close)
	token, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &sandboxServer{t: t, URL: srv.URL, Token: token, Store: store}
}

// TestOpenAPIValidationCatchesDrift makes sure the checks above can fail:
// answers that differ from the document in small ways are refused.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	c := newConformance(t)
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/gateway/contact/contact", 200, `{"ContactID":"12"}`},
		{"POST", "/gateway/contact/contact", 200, `{"ContactID":12,"PhoneID":13}`},
		{"POST", "/gateway/contact/phone", 200, `{"PhoneID":0}`},
		{"POST", "/gateway/contact/contact", 400, `{"errors":[{"code":"EV1022","type":"security","message":"Access is not permitted for the requester to perform this operation for the submitted identifier"}]}`},
		{"POST", "/gateway/contact/contact", 400, `{"errors":[{"code":"CNT101","type":"validation","message":"There is an existing contact."}]}`},
		{"POST", "/gateway/contact/contact", 400, `{"errors":[{"code":"EV1021","type":"validation","message":"No OAuth or JWT token is present as an HTTP header"}]}`},
		{"POST", "/gateway/customer/customer", 200, `{"Customer":{"ID":"069096409","IDType":"IRD","Commence":"2000-01-01","Name":[],"Contact":[{"ContactID":1,"ContactType":"PRIMRY","Name":"A","Updated":"2020-07-06 14:53:36","Phone":[]}]}}`},
		{"POST", "/gateway/account/list", 200, `{"Accounts":[{"ID":"512100301REB001"}]}`},
		{"POST", "/gateway/contact/contact", 418, `{}`},
	} {
		route := c.route(tc.method, tc.path)
		in := &openapi3filter.RequestValidationInput{Request: httptest.NewRequest(tc.method, tc.path, nil), Route: route}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: tc.status, Header: jsonHeader,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		out.SetBodyBytes([]byte(tc.body))
		if err := openapi3filter.ValidateResponse(context.Background(), out); err == nil {
			t.Errorf("%s %s %d %s: accepted", tc.method, tc.path, tc.status, tc.body)
		}
	}
	notAllowed := c.doc.Components.Responses["MethodNotAllowed"].Value
	got := answer{405, jsonHeader, []byte(`{"errors":[{"code":"EV1100","type":"validation","message":"Invalid input parameters. Please check documentation: method"}]}`)}
	if err := validateComponent(notAllowed, got); err == nil {
		t.Error("a 405 without Allow: accepted")
	}
}
