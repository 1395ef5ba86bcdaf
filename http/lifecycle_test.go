package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd/auth"
)

// TestContactLifecycle follows one contact through its whole life over
// HTTP and a real database file, reading it back through the customer and
// account APIs after every step.
func TestContactLifecycle(t *testing.T) {
	s := newSandbox(t)

	// Create a customer-level contact for the CST customer.
	status, body := s.do("POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhone))
	wantOK(t, status, body)
	id := newID(t, body, "ContactID")
	if id <= 9005454545845 {
		t.Fatalf("new ContactID %d is not above every sandbox ID", id)
	}
	c := findContact(s.customerContacts("CST", "1512100301"), id)
	if c == nil || c.ContactType != "PRIMRY" || c.Name != "Test Contact" || len(c.Phone) != 1 || c.Phone[0].PhoneNumber != "044451153" {
		t.Fatalf("created contact read back as %+v", c)
	}
	for _, acc := range []string{"512100301REB001", "512100301INC003", "512100301AIL023"} {
		if findContact(s.accountContacts(acc), id) != nil {
			t.Fatalf("customer-level contact %d listed on account %s", id, acc)
		}
	}
	updated := c.Updated

	// Add a phone.
	status, body = s.do("POST", "/gateway/contact/phone", fmt.Sprintf(`{"ContactID":%d,"Phone":{"PhoneType":"CELL","Country":"AU","AreaCode":"02","PhoneNumber":"92345678","Extension":"12"}}`, id))
	wantOK(t, status, body)
	phoneID := newID(t, body, "PhoneID")
	c = findContact(s.customerContacts("CST", "1512100301"), id)
	if c == nil || len(c.Phone) != 2 || !updatedMoved(t, c.Updated, updated) {
		t.Fatalf("after adding a phone: %+v (Updated was %s)", c, updated)
	}
	updated = c.Updated

	// Rename.
	status, body = s.do("PUT", "/gateway/contact/contact", fmt.Sprintf(`{"ContactID":%d,"Contact":{"Name":"Renamed"}}`, id))
	wantOK(t, status, body)
	if len(body) != 0 {
		t.Fatalf("PUT answered a body: %s", body)
	}
	c = findContact(s.customerContacts("CST", "1512100301"), id)
	if c.Name != "Renamed" || !updatedMoved(t, c.Updated, updated) {
		t.Fatalf("after rename: %+v (Updated was %s)", c, updated)
	}
	updated = c.Updated

	// Change the new phone.
	status, body = s.do("PUT", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d,"Phone":{"PhoneType":"HOM","Country":"NZ","PhoneNumber":"073471234"}}`, phoneID))
	wantOK(t, status, body)
	c = findContact(s.customerContacts("CST", "1512100301"), id)
	var changed bool
	for _, p := range c.Phone {
		if p.PhoneID == phoneID {
			changed = p.PhoneType == "HOM" && p.Country == "NZ" && p.AreaCode == "" && p.PhoneNumber == "073471234" && p.Extension == ""
		}
	}
	if !changed || !updatedMoved(t, c.Updated, updated) {
		t.Fatalf("after changing phone %d: %+v", phoneID, c)
	}
	updated = c.Updated

	// Delete the first phone; the last one stays.
	first := c.Phone[0].PhoneID
	if first == phoneID {
		first = c.Phone[1].PhoneID
	}
	status, body = s.do("DELETE", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d}`, first))
	wantOK(t, status, body)
	c = findContact(s.customerContacts("CST", "1512100301"), id)
	if len(c.Phone) != 1 || c.Phone[0].PhoneID != phoneID || !updatedMoved(t, c.Updated, updated) {
		t.Fatalf("after deleting phone %d: %+v", first, c)
	}
	status, body = s.do("DELETE", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d}`, phoneID))
	wantError(t, status, body, 400, "CNT103")
	status, body = s.do("DELETE", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d}`, first))
	wantError(t, status, body, 400, "CST404")

	// Delete the contact: it and its phones are gone for good.
	status, body = s.do("DELETE", "/gateway/contact/contact", fmt.Sprintf(`{"ContactID":%d}`, id))
	wantOK(t, status, body)
	if findContact(s.customerContacts("CST", "1512100301"), id) != nil {
		t.Fatal("deleted contact still listed")
	}
	for _, req := range []struct{ method, path, body string }{
		{"DELETE", "/gateway/contact/contact", fmt.Sprintf(`{"ContactID":%d}`, id)},
		{"PUT", "/gateway/contact/contact", fmt.Sprintf(`{"ContactID":%d,"Contact":{"Name":"Again"}}`, id)},
		{"POST", "/gateway/contact/phone", phoneBody(fmt.Sprint(id), nzPhone)},
		{"PUT", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d,"Phone":%s}`, phoneID, nzPhone)},
		{"DELETE", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d}`, phoneID)},
	} {
		status, body := s.do(req.method, req.path, req.body)
		wantError(t, status, body, 400, "CST404")
	}

	// A new PRIMRY is allowed once the old one is ceased, with a new ID.
	status, body = s.do("POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhone))
	wantOK(t, status, body)
	if again := newID(t, body, "ContactID"); again <= phoneID || again == id {
		t.Fatalf("new contact ID %d reuses or precedes an earlier ID", again)
	}
}

// TestAccountLevelContactIsSeparateOwner: a customer's PRIMRY does not
// block its account's PRIMRY, and each is listed only at its own level.
func TestAccountLevelContactIsSeparateOwner(t *testing.T) {
	s := newSandbox(t)
	status, body := s.do("POST", "/gateway/contact/contact", contactBody(accountOwner("069096409EMP003"), "PRIMRY", nzPhone))
	wantOK(t, status, body)
	id := newID(t, body, "ContactID")
	if findContact(s.accountContacts("069096409EMP003"), id) == nil {
		t.Fatal("account-level contact not listed on its account")
	}
	if findContact(s.customerContacts("IRD", "069096409"), id) != nil {
		t.Fatal("account-level contact listed on the customer")
	}
	if findContact(s.accountContacts("069096409INC002"), id) != nil {
		t.Fatal("account-level contact listed on another account")
	}
}

// parallel runs n requests at once and counts answers by code ("" for 200).
func parallel(s *sandboxServer, n int, req func(i int) (method, path, body string)) map[string]int {
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, path, body := req(i)
			<-start
			status, resp := s.do(method, path, body)
			code := ""
			if status != http.StatusOK {
				code = errorOf(s.t, resp).Code
			}
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

func TestConcurrentWritesKeepInvariants(t *testing.T) {
	t.Run("50 PRIMRY contacts for one owner: one wins", func(t *testing.T) {
		s := newSandbox(t)
		counts := parallel(s, 50, func(int) (string, string, string) {
			return "POST", "/gateway/contact/contact", contactBody(accountOwner("512100301INC003"), "PRIMRY", nzPhone)
		})
		if counts[""] != 1 || counts["CNT101"] != 49 {
			t.Fatalf("answers %v, want 1 success and 49 CNT101", counts)
		}
		var primaries int
		for _, c := range s.accountContacts("512100301INC003") {
			if c.ContactType == "PRIMRY" {
				primaries++
			}
		}
		if primaries != 1 {
			t.Fatalf("%d live PRIMRY contacts", primaries)
		}
	})
	t.Run("20 phones on a contact with one: it ends with five", func(t *testing.T) {
		s := newSandbox(t)
		counts := parallel(s, 20, func(int) (string, string, string) {
			return "POST", "/gateway/contact/phone", phoneBody("1578864256", nzPhone)
		})
		if counts[""] != 4 || counts["CNT103"] != 16 {
			t.Fatalf("answers %v, want 4 successes and 16 CNT103", counts)
		}
		if c := findContact(s.accountContacts("069096409INC002"), 1578864256); len(c.Phone) != 5 {
			t.Fatalf("contact has %d phones, want 5", len(c.Phone))
		}
	})
	t.Run("deleting every phone at once leaves one", func(t *testing.T) {
		s := newSandbox(t)
		status, body := s.do("POST", "/gateway/contact/contact", contactBody(customerOwner("CST", "1512100301"), "PRIMRY", nzPhone, nzPhone, nzPhone, nzPhone, nzPhone))
		wantOK(t, status, body)
		id := newID(t, body, "ContactID")
		c := findContact(s.customerContacts("CST", "1512100301"), id)
		if len(c.Phone) != 5 {
			t.Fatalf("created with %d phones", len(c.Phone))
		}
		counts := parallel(s, 5, func(i int) (string, string, string) {
			return "DELETE", "/gateway/contact/phone", fmt.Sprintf(`{"PhoneID":%d}`, c.Phone[i].PhoneID)
		})
		if counts[""] != 4 || counts["CNT103"] != 1 {
			t.Fatalf("answers %v, want 4 successes and 1 CNT103", counts)
		}
		if c := findContact(s.customerContacts("CST", "1512100301"), id); len(c.Phone) != 1 {
			t.Fatalf("contact has %d phones, want 1", len(c.Phone))
		}
	})
	t.Run("deleting a contact while phones are added to it", func(t *testing.T) {
		s := newSandbox(t)
		counts := parallel(s, 11, func(i int) (string, string, string) {
			if i == 5 {
				return "DELETE", "/gateway/contact/contact", `{"ContactID":1295148032}`
			}
			return "POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhone)
		})
		if counts[""]+counts["CNT103"]+counts["CST404"] != 11 || counts[""] < 1 {
			t.Fatalf("answers %v", counts)
		}
		if findContact(s.customerContacts("IRD", "069096409"), 1295148032) != nil {
			t.Fatal("deleted contact still listed")
		}
	})
}

func TestProductionModeRefusesEveryToken(t *testing.T) {
	sb := newSandbox(t)
	s := serve(t, sb.Store, auth.Unconfigured{}, auth.DenyAll{})
	for _, ep := range everyEndpoint {
		status, body := s.do(ep.method, ep.path, ep.body)
		wantError(t, status, body, http.StatusBadRequest, "EV1020")
		status, body = s.doAuth(ep.method, ep.path, "", ep.body)
		wantError(t, status, body, http.StatusBadRequest, "EV1021")
	}
}

func TestHTTPEdges(t *testing.T) {
	s := newSandbox(t)
	t.Run("healthz and readyz need no credentials", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			status, body := s.doAuth("GET", p, "", "")
			if status != 200 || string(body) != "OK" {
				t.Errorf("%s: %d %q", p, status, body)
			}
		}
	})
	t.Run("wrong method is 405 in the envelope", func(t *testing.T) {
		status, body := s.do("GET", "/gateway/contact/contact", "")
		wantError(t, status, body, http.StatusMethodNotAllowed, "EV1100")
	})
	t.Run("unknown path is 404 in the envelope", func(t *testing.T) {
		status, body := s.do("POST", "/gateway/contact/nothing", "{}")
		wantError(t, status, body, http.StatusNotFound, "EV1100")
	})
	t.Run("a body over 64 KiB is 413", func(t *testing.T) {
		big := `{"ContactID":1295148032,"Contact":{"Name":"` + strings.Repeat("a", 70<<10) + `"}}`
		status, body := s.do("PUT", "/gateway/contact/contact", big)
		wantError(t, status, body, http.StatusRequestEntityTooLarge, "EV1100")
	})
	t.Run("not JSON names body", func(t *testing.T) {
		for _, b := range []string{"", "nope", "[]", `{"ContactID":1295148032`, "null"} {
			status, body := s.do("DELETE", "/gateway/contact/contact", b)
			e := wantError(t, status, body, 400, "EV1100")
			if e.Message != "Invalid input parameters. Please check documentation: body" {
				t.Errorf("%q: message %q", b, e.Message)
			}
		}
	})
	t.Run("owner rule names its field", func(t *testing.T) {
		cases := map[string]string{
			`"CustomerID":"069096409","CustomerIDType":"IRD","AccountID":"069096409INC002","AccountIDType":"ACC"`: "AccountID",
			`"CustomerID":"","CustomerIDType":""`:              "CustomerID",
			`"CustomerID":"069096409"`:                         "CustomerIDType",
			`"CustomerIDType":"IRD"`:                           "CustomerID",
			`"AccountID":"069096409INC002"`:                    "AccountIDType",
			`"AccountIDType":"ACC"`:                            "AccountID",
			`"CustomerID":"0136410132","CustomerIDType":"IRD"`: "CustomerID",
			`"CustomerID":"136-410-13","CustomerIDType":"IRD"`: "CustomerID",
			`"CustomerID":"15121003a1","CustomerIDType":"CST"`: "CustomerID",
			`"CustomerID":"069096409","CustomerIDType":"irn"`:  "CustomerIDType",
		}
		for owner, field := range cases {
			status, body := s.do("POST", "/gateway/contact/contact", contactBody(owner, "SCNDRY", nzPhone))
			e := wantError(t, status, body, 400, "EV1100")
			if !strings.HasSuffix(e.Message, ": "+field) {
				t.Errorf("%s: message %q, want it to name %s", owner, e.Message, field)
			}
		}
	})
	t.Run("an 8-digit IRD number is its 9-digit form", func(t *testing.T) {
		// 69096409 is customer 069096409.
		status, body := s.do("POST", "/gateway/contact/contact", contactBody(customerOwner("IRD", "69096409"), "PRIMRY", nzPhone))
		wantError(t, status, body, 400, "CNT101")
	})
	t.Run("IDs must be positive integers below 2^53", func(t *testing.T) {
		for _, id := range []string{`"1295148032"`, "1.5", "0", "-1", "9007199254740992", "1e3"} {
			status, body := s.do("DELETE", "/gateway/contact/contact", `{"ContactID":`+id+`}`)
			e := wantError(t, status, body, 400, "EV1100")
			if !strings.HasSuffix(e.Message, ": ContactID") {
				t.Errorf("%s: message %q", id, e.Message)
			}
		}
		status, body := s.do("DELETE", "/gateway/contact/contact", `{"ContactID":9007199254740991}`)
		wantError(t, status, body, 400, "CST404")
	})
	t.Run("Phone is required on POST and PUT /phone", func(t *testing.T) {
		status, body := s.do("POST", "/gateway/contact/phone", `{"ContactID":1295148032}`)
		wantError(t, status, body, 400, "EV1100")
		status, body = s.do("PUT", "/gateway/contact/phone", `{"PhoneID":9004732142020,"Phone":null}`)
		wantError(t, status, body, 400, "EV1100")
	})
	t.Run("a rejected request changes nothing", func(t *testing.T) {
		before := s.customerContacts("IRD", "069096409")
		s.do("PUT", "/gateway/contact/contact", `{"ContactID":1295148032,"Contact":{"Name":""}}`)
		s.do("POST", "/gateway/contact/phone", phoneBody("1295148032", nzPhoneArea04))
		after := s.customerContacts("IRD", "069096409")
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatalf("before %+v\nafter %+v", before, after)
		}
	})
}

// updatedMoved reports whether Updated, as the read API shows it, is no
// earlier than before and at most one second ahead of the clock: a change
// moves it a second on, but only as far as that (README, Decisions).
func updatedMoved(t *testing.T, now, before string) bool {
	t.Helper()
	u, err := time.ParseInLocation("2006-01-02T15:04:05", now, nzTime(t))
	if err != nil {
		t.Fatal(err)
	}
	return now >= before && u.Before(time.Now().Add(time.Second))
}

func nzTime(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
