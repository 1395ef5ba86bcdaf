// The client module's calls against the server of the same commit: the
// client's own tests (in its module) use fakes, these use a real sandbox.
package sandboxtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/contactd/contactd/client"
	"github.com/contactd/contactd/sandboxtest"
)

var ctx = context.Background()

func nzMobile(number string) client.Phone {
	return client.Phone{PhoneType: client.Mobile, Country: "NZ", PhoneNumber: number}
}

// newClient is a client of the sandbox with its token.
func newClient(t *testing.T, s *sandboxtest.Sandbox, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(s.URL, append([]client.Option{client.WithTokenSource(client.StaticToken(s.Token))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func findContact(cs []client.Contact, id int64) *client.Contact {
	for i := range cs {
		if cs[i].ContactID == id {
			return &cs[i]
		}
	}
	return nil
}

// TestContactLifecycle runs every contact and phone operation on a live
// sandbox and reads each change back.
func TestContactLifecycle(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s)

	id, err := c.CreateContact(ctx, client.CreateContactRequest{
		CustomerID: "069096409", CustomerIDType: client.IRD,
		Contact: client.NewContact{ContactType: client.Secondary, Name: "Ana Tane", Phone: []client.Phone{nzMobile("0211234567")}},
	})
	if err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	cust, err := c.Customer(ctx, client.IRD, "069096409")
	if err != nil {
		t.Fatalf("Customer: %v", err)
	}
	got := findContact(cust.Contact, id)
	if got == nil || got.Name != "Ana Tane" || got.ContactType != client.Secondary || len(got.Phone) != 1 ||
		got.Phone[0].Phone != nzMobile("0211234567") || got.Phone[0].PhoneID <= 0 {
		t.Fatalf("contact %d read back as %+v", id, got)
	}
	firstUpdated, err := got.UpdatedTime()
	if err != nil {
		t.Fatalf("UpdatedTime %q: %v", got.Updated, err)
	}

	au := client.Phone{PhoneType: client.Business, Country: "AU", AreaCode: "02", PhoneNumber: "92345678", Extension: "12"}
	phoneID, err := c.AddPhone(ctx, id, au)
	if err != nil {
		t.Fatalf("AddPhone: %v", err)
	}
	home := client.Phone{PhoneType: client.Home, Country: "NZ", PhoneNumber: "073471234"}
	if err := c.UpdatePhone(ctx, phoneID, home); err != nil {
		t.Fatalf("UpdatePhone: %v", err)
	}
	if err := c.RenameContact(ctx, id, "Ana Tane-Smith"); err != nil {
		t.Fatalf("RenameContact: %v", err)
	}
	cust, err = c.Customer(ctx, client.IRD, "069096409")
	if err != nil {
		t.Fatal(err)
	}
	got = findContact(cust.Contact, id)
	if got == nil || got.Name != "Ana Tane-Smith" || len(got.Phone) != 2 {
		t.Fatalf("after rename and a new phone: %+v", got)
	}
	var updated *client.PhoneRecord
	for i := range got.Phone {
		if got.Phone[i].PhoneID == phoneID {
			updated = &got.Phone[i]
		}
	}
	if updated == nil || updated.Phone != home {
		t.Fatalf("phone %d read back as %+v, want %+v", phoneID, updated, home)
	}
	if later, err := got.UpdatedTime(); err != nil || !later.After(firstUpdated) {
		t.Errorf("Updated %v did not move forward from %v (%v)", later, firstUpdated, err)
	}

	if err := c.DeletePhone(ctx, phoneID); err != nil {
		t.Fatalf("DeletePhone: %v", err)
	}
	if err := c.DeleteContact(ctx, id); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	cust, err = c.Customer(ctx, client.IRD, "069096409")
	if err != nil {
		t.Fatal(err)
	}
	if findContact(cust.Contact, id) != nil {
		t.Fatalf("contact %d still listed after delete", id)
	}
	var e *client.Error
	if err := c.DeleteContact(ctx, id); !errors.As(err, &e) || e.Code != client.CST404 {
		t.Fatalf("second delete: %v, want CST404", err)
	}
}

func TestAccountLevelContactAndReads(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s)

	// AccountIDType is filled in.
	id, err := c.CreateContact(ctx, client.CreateContactRequest{
		AccountID: "512100301INC003",
		Contact:   client.NewContact{ContactType: client.Secondary, Name: "Account Contact", Phone: []client.Phone{nzMobile("0276479952")}},
	})
	if err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	acct, err := c.Account(ctx, "512100301INC003")
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if acct.ID != "512100301INC003" || acct.IDType != client.ACC || acct.AccountType != "INC" || acct.Status == "" ||
		acct.FilingFrequency == "" || acct.Commence == "" || acct.Cease == "" {
		t.Errorf("account head: %+v", acct)
	}
	if findContact(acct.Contact, id) == nil {
		t.Errorf("account contacts %+v lack %d", acct.Contact, id)
	}
	if len(acct.Address) == 0 || acct.Address[0].AddressID == 0 {
		t.Errorf("account addresses %+v", acct.Address)
	}
	for _, k := range []string{"INC", "BankAccount"} {
		if _, ok := acct.Extra[k]; !ok {
			t.Errorf("account Extra lacks %s: %v", k, acct.Extra)
		}
	}

	refs, err := c.ListAccounts(ctx, client.CST, "1512100301")
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	want := []client.AccountRef{{ID: "512100301REB001", IDType: "ACC"}, {ID: "512100301INC003", IDType: "ACC"}, {ID: "512100301AIL023", IDType: "ACC"}}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("ListAccounts = %v, want %v", refs, want)
	}
}

// TestReadsKeepEveryField compares the client's view of a customer and an
// account, marshalled again, with the server's raw JSON: nothing is lost.
func TestReadsKeepEveryField(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s)
	cust, err := c.Customer(ctx, client.IRD, "069096409")
	if err != nil {
		t.Fatal(err)
	}
	if cust.ID != "069096409" || cust.IDType != client.IRD || cust.EntityType != "COMPNY" || cust.NZBN != "9429035383472" ||
		len(cust.Name) != 1 || cust.Name[0].Formatted != "LOOK THROUGH COMPANY LTD." {
		t.Errorf("customer head: %+v", cust)
	}
	louie := findContact(cust.Contact, 1295148032)
	if louie == nil || louie.Name != "Louie Wagner" || len(louie.Phone) != 2 || louie.Updated != "2020-07-06T14:53:36" {
		t.Errorf("contact 1295148032: %+v", louie)
	}
	if len(cust.Address) != 2 || cust.Address[0].Type != client.Physical || len(cust.BIC) != 1 || cust.BIC[0].BICCode != "A041930" {
		t.Errorf("customer addresses %+v, BIC codes %+v", cust.Address, cust.BIC)
	}
	if _, ok := cust.Extra["Indicator"]; !ok {
		t.Errorf("customer Extra lacks Indicator")
	}
	sameJSON(t, cust, raw(t, s, "/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)["Customer"])

	acct, err := c.Account(ctx, "132243158GST004")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, acct, raw(t, s, "/account/account", `{"AccountID":"132243158GST004","AccountIDType":"ACC"}`)["Account"])
}

func raw(t *testing.T, s *sandboxtest.Sandbox, path, body string) map[string]json.RawMessage {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %s", path, b)
	}
	return m
}

func sameJSON(t *testing.T, v any, want json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("marshalled again:\n%s\nserver sent:\n%s", b, want)
	}
}

func TestStatus(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s)
	for _, api := range []string{client.ContactAPI, client.CustomerAPI, client.AccountAPI} {
		if err := c.Status(ctx, api); err != nil {
			t.Errorf("Status(%s): %v", api, err)
		}
	}
	if err := c.Status(ctx, "bill"); err == nil {
		t.Error("Status(bill): no error")
	}
}

func TestSecureBaseURL(t *testing.T) {
	s := sandboxtest.Start(t)
	base := strings.TrimSuffix(s.URL, "/gateway")
	for _, u := range []string{base + "/secure/gateway", base + "/secure/gateway/", base} {
		c, err := client.New(u, client.WithTokenSource(client.StaticToken("Bearer "+s.Token)))
		if err != nil {
			t.Fatalf("New(%q): %v", u, err)
		}
		if _, err := c.ListAccounts(ctx, client.IRD, "069096409"); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"", "127.0.0.1:8080/gateway", "ftp://host/gateway", "http:///gateway", "http://host/gateway?x=1", "http://u:p@host/gateway"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
}

// TestErrors maps each refusal of the API to its *Error.
func TestErrors(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s)
	noToken, err := client.New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	badToken := newClient(t, s, client.WithTokenSource(client.StaticToken("not-a-token")))
	owner := func(idType, id string) client.CreateContactRequest {
		return client.CreateContactRequest{CustomerID: id, CustomerIDType: idType,
			Contact: client.NewContact{ContactType: client.Secondary, Name: "X", Phone: []client.Phone{nzMobile("0211234567")}}}
	}
	primary := owner(client.IRD, "069096409")
	primary.Contact.ContactType = client.Primary
	noPhones := owner(client.CST, "1512100301")
	noPhones.Contact.Phone = nil
	kss := client.CreateContactRequest{AccountID: "132243158KSS004", Contact: owner("", "").Contact}

	tests := []struct {
		name       string
		call       func() error
		status     int
		code       client.ErrorCode
		typ        string
		message    string
		field      string
		checkField bool
	}{
		{"second PRIMRY", func() error { _, err := c.CreateContact(ctx, primary); return err }, 400, client.CNT101, "validation",
			"There is an existing contact of this type.", "", false},
		{"unknown contact", func() error { _, err := c.AddPhone(ctx, 1234, nzMobile("0211234567")); return err }, 400, client.CST404, "validation",
			"A record could not be located for the given identifier.", "", false},
		{"CustomerIDType IRN", func() error { _, err := c.CreateContact(ctx, owner("IRN", "069096409")); return err }, 400, client.EV1100, "validation",
			"Invalid input parameters. Please check documentation: CustomerIDType", "CustomerIDType", true},
		{"IRD check digit", func() error { _, err := c.Customer(ctx, client.IRD, "136410133"); return err }, 400, client.EV2234, "validation",
			"IR number failed check digit", "", false},
		{"KSS account", func() error { _, err := c.CreateContact(ctx, kss); return err }, 400, client.ACT100, "validation",
			"This account type is not eligible to be used in this service.", "", false},
		{"no phones", func() error { _, err := c.CreateContact(ctx, noPhones); return err }, 400, client.CNT103, "validation",
			"There must be between 1 and 5 phone numbers on a contact.", "", false},
		{"AU without area code", func() error {
			_, err := c.AddPhone(ctx, 1295148032, client.Phone{PhoneType: client.Business, Country: "AU", PhoneNumber: "92345678"})
			return err
		}, 400, client.CNT102, "validation", "The phone number provided is invalid.", "", false},
		{"out of reach", func() error { _, err := c.Account(ctx, "102210221INC002"); return err }, 403, client.EV1022, "security",
			"Access is not permitted for the requester to perform this operation for the submitted identifier", "", false},
		{"no token source", func() error { return noToken.Status(ctx, client.ContactAPI) }, 400, client.EV1021, "security",
			"No OAuth or JWT token is present as an HTTP header", "", false},
		{"bad token", func() error { return badToken.DeletePhone(ctx, 9004732142020) }, 400, client.EV1020, "security",
			"Authentication failure means the token (JWT or OAuth) provided is not valid", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *client.Error", err, err)
			}
			if e.Status != tc.status || e.Code != tc.code || e.Type != tc.typ || e.Message != tc.message {
				t.Errorf("got %+v, want %d %s %s %q", *e, tc.status, tc.code, tc.typ, tc.message)
			}
			if e.Field() != tc.field {
				t.Errorf("Field() = %q, want %q", e.Field(), tc.field)
			}
			if !strings.Contains(err.Error(), string(tc.code)) || !errors.Is(err, tc.code) {
				t.Errorf("Error() = %q lacks the code", err.Error())
			}
		})
	}
}

// TestRequestIDAndCodes: contactd keeps the caller's X-Request-ID and sends
// it back, on success and on a refusal, which errors.Is matches by code.
func TestRequestIDAndCodes(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s, client.WithUserAgent("sandboxtest/1"))
	var info client.CallInfo
	if _, err := c.ListAccounts(client.ContextWithCallInfo(client.ContextWithRequestID(ctx, "vendor-trace-1"), &info), client.IRD, "069096409"); err != nil {
		t.Fatal(err)
	}
	if info != (client.CallInfo{RequestID: "vendor-trace-1", Status: 200, Attempts: 1}) {
		t.Errorf("CallInfo %+v", info)
	}
	err := c.DeleteContact(client.ContextWithCallInfo(ctx, &info), 123)
	if !errors.Is(err, client.CST404) || errors.Is(err, client.CNT101) {
		t.Fatalf("error %v, want CST404", err)
	}
	var e *client.Error
	if !errors.As(err, &e) || e.RequestID == "" || e.RequestID != info.RequestID || info.Status != 400 {
		t.Errorf("error's request %q, CallInfo %+v", e.RequestID, info)
	}
}
