package sandbox

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/contactd/contactd"
)

func TestAccountTypeFromID(t *testing.T) {
	for id, want := range map[string]string{
		"132243158INC002": "INC", "069096409EMP003": "EMP", "512100301REB001": "REB", "132243158KSS004": "KSS", "12345": "", "": "",
	} {
		if got := AccountType(id); got != want {
			t.Errorf("AccountType(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestDatasetIsSandboxMD: the personas hold what SANDBOX.md lists and the
// second ACT100 example of TEST-DETAILS.md (customer 139376056, account
// 139376056KSS004), with profiles that are JSON objects and IRD numbers
// that pass their check (but the EV1022 persona whose check digit fails).
func TestDatasetIsSandboxMD(t *testing.T) {
	d := Dataset()
	if len(d.Customers) != 8 || len(d.Accounts) != 18 || len(d.Contacts) != 6 {
		t.Fatalf("%d customers, %d accounts, %d contacts; want SANDBOX.md's 7, 17, 6 and one ACT100 customer with its account", len(d.Customers), len(d.Accounts), len(d.Contacts))
	}
	last := d.Accounts[len(d.Accounts)-1]
	if last.ID != "139376056KSS004" || last.Type != "KSS" || last.Customer != (contactd.CustomerID{Type: contactd.IRD, Value: "139376056"}) {
		t.Errorf("the ACT100 account: %+v", last)
	}
	for _, c := range d.Customers {
		var obj map[string]any
		if err := json.Unmarshal(c.Profile, &obj); err != nil {
			t.Errorf("customer %s: profile is not a JSON object: %v", c.ID.Value, err)
		}
		if c.ID.Type == contactd.IRD && contactd.ValidIRD(c.ID.Value) == (c.ID.Value == "102210221") {
			t.Errorf("customer %s: check digit valid=%v", c.ID.Value, contactd.ValidIRD(c.ID.Value))
		}
	}
	for _, a := range d.Accounts {
		var obj map[string]any
		if err := json.Unmarshal(a.Profile, &obj); err != nil || a.Type == "" || a.IDType != "ACC" {
			t.Errorf("account %s: type %q, profile %v", a.ID, a.Type, err)
		}
	}
	for _, c := range d.Contacts {
		if !c.Ceased {
			for _, p := range c.Contact.Phones {
				if err := contactd.ValidatePhone(p); err != nil {
					t.Errorf("contact %d phone %d: %v", c.Contact.ID, p.ID, err)
				}
			}
		}
	}
}

// TestIRDRuleLetsOnlyPersonasThrough: the EV1022 persona's number counts
// as valid in the sandbox; IRD_FAILED_CHECK_DIGIT's 123456789, which is
// no customer, stays EV2234.
func TestIRDRuleLetsOnlyPersonasThrough(t *testing.T) {
	r := IRDRule()
	if _, err := r.ParseCustomerID(contactd.IRD, "102210221"); err != nil {
		t.Errorf("102210221: %v", err)
	}
	if _, err := r.ParseCustomerID(contactd.IRD, "123456789"); contactd.ErrorCode(err) != contactd.EV2234 {
		t.Errorf("123456789: %v, want EV2234", err)
	}
	for _, c := range Dataset().Customers {
		if _, err := r.ParseCustomerID(c.ID.Type, c.ID.Value); err != nil {
			t.Errorf("persona %s: %v", c.ID.Value, err)
		}
	}
}

func TestAccessRefusesOnlyTheEV1022Personas(t *testing.T) {
	ctx := context.Background()
	sandboxCaller := contactd.Caller{Sandbox: true, Subject: "x"}
	for _, c := range Dataset().Customers {
		err := Access{}.Authorize(ctx, sandboxCaller, contactd.Owner{Customer: c.ID})
		refused := contactd.ErrorCode(err) == contactd.EV1022
		if refused != outOfReach[c.ID] {
			t.Errorf("customer %s: refused=%v", c.ID.Value, refused)
		}
	}
	if err := (Access{}).Authorize(ctx, contactd.Caller{Logon: "someone"}, contactd.Owner{Customer: Dataset().Customers[0].ID}); contactd.ErrorCode(err) != contactd.EV1022 {
		t.Errorf("a caller that is not a sandbox caller was let in: %v", err)
	}
}
