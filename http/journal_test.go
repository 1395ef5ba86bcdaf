package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/journal"
	"github.com/contactd/contactd/sandbox"
)

// TestJournalKeepsEveryAPIRequest: accepted and refused requests are
// kept with caller, status, code and bodies; the health checks are not;
// no entry holds any of the credentials sent.
func TestJournalKeepsEveryAPIRequest(t *testing.T) {
	store := sandboxStore(t)
	j := journal.New(50)
	s := serveConfig(t, contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Logger:  discardLogger(),
		Journal: j,
	})
	badPhone := `{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","AreaCode":"","PhoneNumber":"12"}}`
	bearer := "Bearer " + s.Token
	status, body := s.doAuth("POST", "/gateway/contact/phone", bearer, badPhone)
	wantError(t, status, body, http.StatusBadRequest, "CNT102")
	status, body = s.doAuth("POST", "/secure/gateway/customer/customer", bearer, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	wantOK(t, status, body)
	s.doAuth("POST", "/gateway/account/list", "", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	s.doAuth("GET", "/gateway/contact/status", "Bearer not-a-jwt-secret", "")
	s.doAuth("GET", "/gateway/contact/status", s.Token, "") // a bare token: the sandbox takes it
	s.doAuth("GET", "/gateway/contact/nowhere", bearer, "")
	s.do("GET", "/healthz", "")
	s.do("GET", "/readyz", "")
	s.do("GET", "/gateway/contact/swagger.yaml", "")

	entries := j.List(journal.Filter{}, 0)
	type want struct {
		method, path, caller, auth string
		status                     int
		code, reqBody              string
	}
	wants := []want{
		{"GET", "/gateway/contact/nowhere", "", "Bearer", 404, "EV1100", ""},
		{"GET", "/gateway/contact/status", "sandbox:sandbox", "(bare token)", 200, "", ""},
		{"GET", "/gateway/contact/status", "", "Bearer", 400, "EV1020", ""},
		{"POST", "/gateway/account/list", "", "", 400, "EV1021", `"CustomerID":"069096409"`},
		{"POST", "/secure/gateway/customer/customer", "sandbox:sandbox", "Bearer", 200, "", `"CustomerID":"069096409"`},
		{"POST", "/gateway/contact/phone", "sandbox:sandbox", "Bearer", 400, "CNT102", `"PhoneNumber":"12"`},
	}
	if len(entries) != len(wants) {
		for _, e := range entries {
			t.Logf("%d %s %s %d", e.Seq, e.Method, e.Path, e.Status)
		}
		t.Fatalf("%d entries, want %d (health checks and documents left out)", len(entries), len(wants))
	}
	for i, w := range wants {
		e := entries[i]
		if e.Method != w.method || e.Path != w.path || e.Caller != w.caller || e.Authorization != w.auth ||
			e.Status != w.status || e.Code != w.code || !strings.Contains(string(e.RequestBody), w.reqBody) || e.RequestID == "" {
			t.Errorf("entry %d: %s %s caller %q auth %q %d %q body %s, want %+v", e.Seq, e.Method, e.Path, e.Caller, e.Authorization,
				e.Status, e.Code, e.RequestBody, w)
		}
		if e.Status != http.StatusOK && e.Message() == "" {
			t.Errorf("entry %d: no error message from %s", e.Seq, e.ResponseBody)
		}
		all := fmt.Sprintf("%+v %s %s", e, e.RequestBody, e.ResponseBody)
		for _, secret := range []string{s.Token, "not-a-jwt-secret", s.Token[:20]} {
			if strings.Contains(all, secret) {
				t.Errorf("entry %d holds credentials", e.Seq)
			}
		}
	}
	if !strings.Contains(string(entries[4].ResponseBody), `"LOOK THROUGH COMPANY LTD."`) {
		t.Errorf("the customer read's response body is not kept: %.200s", entries[4].ResponseBody)
	}
}
