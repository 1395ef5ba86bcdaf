package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

var ctx = context.Background()

func testEmpty(t *testing.T, s contactd.Store) {
	empty, err := s.Empty(ctx)
	must(t, "Empty", err)
	if !empty {
		t.Fatal("a new store is not Empty")
	}
	loadDefault(t, s)
	empty, err = s.Empty(ctx)
	must(t, "Empty", err)
	if empty {
		t.Error("Empty after Load")
	}
}

func testPing(t *testing.T, s contactd.Store) {
	must(t, "Ping", s.Ping(ctx))
}

func testCustomerAndAccount(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	d := dataset()

	a, err := s.Customer(ctx, custA)
	must(t, "Customer", err)
	if a.ID != custA || a.Key == 0 || !sameJSON(a.Profile, d.Customers[0].Profile) {
		t.Errorf("Customer(A) = %+v (profile %s)", a, a.Profile)
	}
	b, err := s.Customer(ctx, custB)
	must(t, "Customer", err)
	if b.ID != custB || b.Key == 0 || b.Key == a.Key {
		t.Errorf("Customer(B) = %+v, A's key %d", b, a.Key)
	}
	_, err = s.Customer(ctx, contactd.CustomerID{Type: contactd.IRD, Value: "035901981"})
	wantCode(t, "Customer(unknown)", err, contactd.CST404)
	// the same value under the other type is another customer
	_, err = s.Customer(ctx, contactd.CustomerID{Type: contactd.CST, Value: custA.Value})
	wantCode(t, "Customer(A's value as CST)", err, contactd.CST404)

	acc, err := s.Account(ctx, accA1)
	must(t, "Account", err)
	if acc.ID != accA1 || acc.IDType != "ACC" || acc.Type != "INC" || acc.Customer != custA || acc.Key == 0 ||
		!sameJSON(acc.Profile, d.Accounts[0].Profile) {
		t.Errorf("Account(A1) = %+v (profile %s)", acc, acc.Profile)
	}
	_, err = s.Account(ctx, "049091850INC999")
	wantCode(t, "Account(unknown)", err, contactd.CST404)
	_, _, err = s.AccountContacts(ctx, "049091850INC999")
	wantCode(t, "AccountContacts(unknown)", err, contactd.CST404)
	_, _, err = s.CustomerContacts(ctx, contactd.CustomerID{Type: contactd.IRD, Value: "035901981"})
	wantCode(t, "CustomerContacts(unknown)", err, contactd.CST404)
	c, cs, err := s.CustomerContacts(ctx, custA)
	must(t, "CustomerContacts", err)
	if c.ID != custA || c.Key != a.Key || !sameJSON(c.Profile, a.Profile) || cs == nil {
		t.Errorf("CustomerContacts(A) = %+v (profile %s), %v", c, c.Profile, cs)
	}
	acc2, cs, err := s.AccountContacts(ctx, accA1)
	must(t, "AccountContacts", err)
	if acc2.ID != acc.ID || acc2.Key != acc.Key || acc2.Type != acc.Type || acc2.Owner() != acc.Owner() ||
		!sameJSON(acc2.Profile, acc.Profile) || cs == nil {
		t.Errorf("AccountContacts(A1) = %+v (profile %s), %v; Account gives %+v", acc2, acc2.Profile, cs, acc)
	}

	list, err := s.CustomerAccounts(ctx, a.Key)
	must(t, "CustomerAccounts(A)", err)
	var got []string
	for _, x := range list {
		got = append(got, x.ID+"/"+x.Type+"/"+string(x.Customer.Value))
		if x.Key == 0 || x.IDType != "ACC" {
			t.Errorf("CustomerAccounts(A): %+v", x)
		}
	}
	if want := []string{accA1 + "/INC/" + custA.Value, accA2 + "/GST/" + custA.Value}; !equalStrings(got, want) {
		t.Errorf("CustomerAccounts(A) = %v, want %v (the order they were added)", got, want)
	}
	c, err = s.Customer(ctx, custB)
	must(t, "Customer", err)
	list, err = s.CustomerAccounts(ctx, c.Key)
	must(t, "CustomerAccounts(B)", err)
	if len(list) != 1 || list[0].ID != accB1 || list[0].IDType != contactd.AccountIDTypeKSF {
		t.Errorf("CustomerAccounts(B) = %+v", list)
	}
	// an account's owner carries the type of its ID
	if o := accountOwner(t, s, accB1); o.AccountIDType != contactd.AccountIDTypeKSF || o != list[0].Owner() {
		t.Errorf("Owner(account B1) = %+v, want ID type KSF", o)
	}
	// a customer without accounts
	load(t, s, contactd.Dataset{Customers: []contactd.Customer{{ID: contactd.CustomerID{Type: contactd.CST, Value: "77"}, Profile: json.RawMessage(`{}`)}}})
	c, err = s.Customer(ctx, contactd.CustomerID{Type: contactd.CST, Value: "77"})
	must(t, "Customer", err)
	list, err = s.CustomerAccounts(ctx, c.Key)
	must(t, "CustomerAccounts(no accounts)", err)
	if len(list) != 0 {
		t.Errorf("CustomerAccounts(no accounts) = %+v", list)
	}
	_, err = s.CustomerAccounts(ctx, a.Key+b.Key+c.Key+1000)
	wantCode(t, "CustomerAccounts(unknown key)", err, contactd.CST404)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testOwner(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	a, err := s.Customer(ctx, custA)
	must(t, "Customer", err)
	acc, err := s.Account(ctx, accA2)
	must(t, "Account", err)

	o := customerOwner(t, s, custA)
	if want := (contactd.Owner{CustomerKey: a.Key, Customer: custA}); o != want {
		t.Errorf("Owner(customer A) = %+v, want %+v", o, want)
	}
	if o.AccountLevel() {
		t.Error("customer owner is account-level")
	}
	o = accountOwner(t, s, accA2)
	if want := acc.Owner(); o != want || acc.CustomerKey != a.Key || o.AccountType != "GST" || !o.AccountLevel() {
		t.Errorf("Owner(account A2) = %+v, want %+v", o, want)
	}
	if o.AccountKey == 0 || o.AccountKey == accountOwner(t, s, accA1).AccountKey {
		t.Errorf("account keys: A2 %d, A1 %d", o.AccountKey, accountOwner(t, s, accA1).AccountKey)
	}

	for _, ref := range []contactd.OwnerRef{
		{Customer: contactd.CustomerID{Type: contactd.IRD, Value: "035901981"}},
		{Customer: contactd.CustomerID{Type: contactd.CST, Value: custA.Value}},
		{Customer: contactd.CustomerID{Type: contactd.IRD, Value: custB.Value}},
		{AccountID: "049091850INC999"},
		{AccountID: "049091850inc002"},
	} {
		_, err := s.Owner(ctx, ref)
		wantCode(t, "Owner(unknown)", err, contactd.CST404)
	}
}

func testContactAndPhoneOwner(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	ownA1 := accountOwner(t, s, accA1)

	for _, tc := range []struct {
		id   int64
		want contactd.Owner
	}{{seedLive, ownA}, {seedAccount, ownA1}} {
		o, err := s.ContactOwner(ctx, tc.id)
		must(t, "ContactOwner", err)
		if o != tc.want {
			t.Errorf("ContactOwner(%d) = %+v, want %+v", tc.id, o, tc.want)
		}
	}
	for _, tc := range []struct {
		id   int64
		want contactd.Owner
	}{{seedPhone1, ownA}, {seedPhone2, ownA}, {seedAccountPh, ownA1}} {
		o, err := s.PhoneOwner(ctx, tc.id)
		must(t, "PhoneOwner", err)
		if o != tc.want {
			t.Errorf("PhoneOwner(%d) = %+v, want %+v", tc.id, o, tc.want)
		}
	}
	// unknown, ceased, and IDs of the other kind
	for _, id := range []int64{0, -1, 1234, seedCeased, seedPhone1, contactd.MaxID} {
		_, err := s.ContactOwner(ctx, id)
		wantCode(t, "ContactOwner", err, contactd.CST404)
	}
	for _, id := range []int64{0, -1, 1234, seedCeasedPhone, seedLive, contactd.MaxID} {
		_, err := s.PhoneOwner(ctx, id)
		wantCode(t, "PhoneOwner", err, contactd.CST404)
	}
}

func testCreateAndRead(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	ownA1 := accountOwner(t, s, accA1)
	ownA2 := accountOwner(t, s, accA2)
	ownB := customerOwner(t, s, custB)

	want := contactd.Contact{Type: contactd.Primary, Name: "Ana Tane", Phones: []contactd.Phone{
		{Type: "CELL", Country: "NZ", Number: "0211234567"},
		{Type: "BSN", Country: "AU", AreaCode: "02", Number: "98765432", Extension: "123"},
		{Type: "BSNFAX", Country: "US", AreaCode: "212", Number: "5550100"},
	}}
	id, err := s.CreateContact(ctx, ownA, want, At(t0.Add(500*time.Millisecond)))
	must(t, "CreateContact", err)
	if id <= 0 || id > contactd.MaxID {
		t.Fatalf("ContactID %d", id)
	}
	accID, err := s.CreateContact(ctx, ownA2, contactd.Contact{Type: contactd.Secondary, Name: "GST person", Phones: phones(1)}, At(t0))
	must(t, "CreateContact(account)", err)
	if accID == id {
		t.Fatalf("two contacts got ID %d", id)
	}

	// customer level: the seeded SCNDRY and the new PRIMRY, in ID order
	got := contacts(t, s, ownA)
	if len(got) != 2 {
		t.Fatalf("Contacts(A) = %v, want 2 contacts", ids(got))
	}
	seed := dataset().Contacts[0].Contact
	var c contactd.Contact
	if got[0].ID == seedLive {
		c = got[1]
		wantContacts(t, "Contacts(A)", got[:1], seed)
	} else {
		c = got[0]
		wantContacts(t, "Contacts(A)", got[1:], seed)
	}
	if got[0].ID >= got[1].ID {
		t.Errorf("Contacts(A) not in ID order: %v", ids(got))
	}
	if c.ID != id || c.Type != want.Type || c.Name != want.Name || !c.Updated.Truncate(time.Second).Equal(t0) {
		t.Errorf("new contact = %s", show(c))
	}
	if len(c.Phones) != len(want.Phones) {
		t.Fatalf("new contact phones = %+v", c.Phones)
	}
	seen := map[int64]bool{id: true}
	for i, p := range c.Phones {
		if p.ID <= 0 || p.ID > contactd.MaxID || seen[p.ID] {
			t.Errorf("phone %d: ID %d not positive, below 2^53 and unique", i, p.ID)
		}
		seen[p.ID] = true
		if i > 0 && p.ID <= c.Phones[i-1].ID {
			t.Errorf("phones not in ID order: %v", phoneIDs(c))
		}
		q := want.Phones[i]
		q.ID = p.ID
		if p != q {
			t.Errorf("phone %d = %+v, want %+v", i, p, q)
		}
		o, err := s.PhoneOwner(ctx, p.ID)
		must(t, "PhoneOwner", err)
		if o != ownA {
			t.Errorf("PhoneOwner(%d) = %+v, want %+v", p.ID, o, ownA)
		}
	}
	o, err := s.ContactOwner(ctx, id)
	must(t, "ContactOwner", err)
	if o != ownA {
		t.Errorf("ContactOwner(new) = %+v, want %+v", o, ownA)
	}

	// account level: each account lists only its own contacts
	if got := ids(contacts(t, s, ownA2)); len(got) != 1 || got[0] != accID {
		t.Errorf("Contacts(A2) = %v, want [%d]", got, accID)
	}
	if got := ids(contacts(t, s, ownA1)); len(got) != 1 || got[0] != seedAccount {
		t.Errorf("Contacts(A1) = %v, want [%d]", got, seedAccount)
	}
	o, err = s.ContactOwner(ctx, accID)
	must(t, "ContactOwner", err)
	if o != ownA2 {
		t.Errorf("ContactOwner(account contact) = %+v, want %+v", o, ownA2)
	}
	// other owners see none of it
	if got := contacts(t, s, ownB); len(got) != 0 {
		t.Errorf("Contacts(B) = %v, want none", ids(got))
	}
	if got := contacts(t, s, accountOwner(t, s, accB1)); len(got) != 0 {
		t.Errorf("Contacts(B1) = %v, want none", ids(got))
	}
}

func testOneLiveContactPerType(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	ownA2 := accountOwner(t, s, accA2)
	ownB := customerOwner(t, s, custB)

	// the ceased seeded PRIMRY does not block a new one
	primary := create(t, s, ownA, contactd.Primary, "First", 1)
	for _, typ := range []contactd.ContactType{contactd.Primary, contactd.Secondary} {
		_, err := s.CreateContact(ctx, ownA, contactd.Contact{Type: typ, Name: "Second", Phones: phones(2)}, At(t0))
		wantCode(t, "CreateContact(second "+string(typ)+")", err, contactd.CNT101)
	}
	// a refused create leaves nothing behind
	if got := ids(contacts(t, s, ownA)); len(got) != 2 {
		t.Errorf("Contacts(A) after CNT101 = %v", got)
	}
	// a customer-level PRIMRY does not block an account-level one, nor
	// another customer's; an account's PRIMRY does not block another account's
	create(t, s, ownA2, contactd.Primary, "Account primary", 1)
	create(t, s, ownA2, contactd.Secondary, "Account secondary", 1)
	create(t, s, ownB, contactd.Primary, "B primary", 1)
	_, err := s.CreateContact(ctx, ownA2, contactd.Contact{Type: contactd.Primary, Name: "again", Phones: phones(1)}, At(t0))
	wantCode(t, "CreateContact(second account PRIMRY)", err, contactd.CNT101)
	// account A1 holds the seeded PRIMRY
	_, err = s.CreateContact(ctx, accountOwner(t, s, accA1), contactd.Contact{Type: contactd.Primary, Name: "again", Phones: phones(1)}, At(t0))
	wantCode(t, "CreateContact(A1 PRIMRY over seeded)", err, contactd.CNT101)

	// after ceasing, a new PRIMRY is allowed, with a new ID
	must(t, "CeaseContact", s.CeaseContact(ctx, primary, At(t0)))
	again := create(t, s, ownA, contactd.Primary, "Replacement", 1)
	if again == primary {
		t.Errorf("the replacement reused ID %d", primary)
	}
	_, err = s.CreateContact(ctx, ownA, contactd.Contact{Type: contactd.Primary, Name: "third", Phones: phones(1)}, At(t0))
	wantCode(t, "CreateContact(PRIMRY over replacement)", err, contactd.CNT101)
}

func testCreatePhoneCount(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	for _, n := range []int{0, 6, 7} {
		_, err := s.CreateContact(ctx, ownB, contactd.Contact{Type: contactd.Primary, Name: "x", Phones: phones(n)}, At(t0))
		wantCode(t, "CreateContact with phones", err, contactd.CNT103)
	}
	if got := contacts(t, s, ownB); len(got) != 0 {
		t.Errorf("a refused create left %v", ids(got))
	}
	id := create(t, s, ownB, contactd.Primary, "five", 5)
	if c := contact(t, s, ownB, id); len(c.Phones) != 5 {
		t.Errorf("contact created with 5 phones has %d", len(c.Phones))
	}
}

func testRename(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	must(t, "RenameContact", s.RenameContact(ctx, seedLive, "Louie W. Wagner", At(t0)))
	c := contact(t, s, ownA, seedLive)
	want := dataset().Contacts[0].Contact
	want.Name = "Louie W. Wagner"
	want.Updated = t0
	wantContacts(t, "after rename", []contactd.Contact{c}, want)

	for _, id := range []int64{0, 1234, seedCeased, seedPhone1} {
		wantCode(t, "RenameContact(unknown or ceased)", s.RenameContact(ctx, id, "x", At(t0)), contactd.CST404)
	}
}

func testCeaseContact(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	id := create(t, s, ownA, contactd.Primary, "Short lived", 3)
	ps := phoneIDs(contact(t, s, ownA, id))
	all := append([]int64{seedPhone1, seedPhone2}, ps...)

	must(t, "CeaseContact", s.CeaseContact(ctx, id, At(t0)))
	if got := ids(contacts(t, s, ownA)); len(got) != 1 || got[0] != seedLive {
		t.Errorf("Contacts(A) after cease = %v, want [%d]", got, seedLive)
	}
	_, err := s.ContactOwner(ctx, id)
	wantCode(t, "ContactOwner(ceased)", err, contactd.CST404)
	wantCode(t, "CeaseContact(again)", s.CeaseContact(ctx, id, At(t0)), contactd.CST404)
	wantCode(t, "RenameContact(ceased)", s.RenameContact(ctx, id, "x", At(t0)), contactd.CST404)
	_, err = s.AddPhone(ctx, id, phone(9), At(t0))
	wantCode(t, "AddPhone(ceased contact)", err, contactd.CST404)
	for _, p := range ps {
		_, err := s.PhoneOwner(ctx, p)
		wantCode(t, "PhoneOwner(phone of ceased contact)", err, contactd.CST404)
		q := phone(8)
		q.ID = p
		wantCode(t, "UpdatePhone(phone of ceased contact)", s.UpdatePhone(ctx, q, At(t0)), contactd.CST404)
		wantCode(t, "CeasePhone(phone of ceased contact)", s.CeasePhone(ctx, p, At(t0)), contactd.CST404)
	}

	// ceasing the seeded contact too leaves the customer with none; its
	// last phones go with it
	must(t, "CeaseContact(seeded)", s.CeaseContact(ctx, seedLive, At(t0)))
	if got := contacts(t, s, ownA); len(got) != 0 {
		t.Errorf("Contacts(A) = %v, want none", ids(got))
	}
	for _, p := range all {
		_, err := s.PhoneOwner(ctx, p)
		wantCode(t, "PhoneOwner(phone of ceased contact)", err, contactd.CST404)
	}
	for _, cid := range []int64{0, 1234, seedCeased, seedAccountPh} {
		wantCode(t, "CeaseContact(unknown or ceased)", s.CeaseContact(ctx, cid, At(t0)), contactd.CST404)
	}
	// the account's contact is untouched
	if got := ids(contacts(t, s, accountOwner(t, s, accA1))); len(got) != 1 {
		t.Errorf("Contacts(A1) = %v", got)
	}
}

func testAddPhoneUpToFive(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	added := map[int64]bool{}
	for i := 3; i <= contactd.MaxPhones; i++ { // the seeded contact has 2
		p := phone(i)
		p.Extension = "7"
		id, err := s.AddPhone(ctx, seedLive, p, At(t0))
		must(t, "AddPhone", err)
		if id <= 0 || id > contactd.MaxID || added[id] {
			t.Errorf("AddPhone: ID %d", id)
		}
		added[id] = true
		o, err := s.PhoneOwner(ctx, id)
		must(t, "PhoneOwner", err)
		if o != ownA {
			t.Errorf("PhoneOwner(new) = %+v", o)
		}
	}
	_, err := s.AddPhone(ctx, seedLive, phone(6), At(t0))
	wantCode(t, "AddPhone(sixth)", err, contactd.CNT103)
	c := contact(t, s, ownA, seedLive)
	if len(c.Phones) != contactd.MaxPhones {
		t.Fatalf("phones = %+v, want 5", c.Phones)
	}
	for i, p := range c.Phones {
		if i > 0 && p.ID <= c.Phones[i-1].ID {
			t.Errorf("phones not in ID order: %v", phoneIDs(c))
		}
		if i >= 2 {
			want := phone(i + 1)
			want.Extension = "7"
			want.ID = p.ID
			if p != want || !added[p.ID] {
				t.Errorf("phone %d = %+v, want %+v", i, p, want)
			}
		}
	}
	// after a cease there is room for one again
	must(t, "CeasePhone", s.CeasePhone(ctx, seedPhone1, At(t0)))
	_, err = s.AddPhone(ctx, seedLive, phone(7), At(t0))
	must(t, "AddPhone after cease", err)
	_, err = s.AddPhone(ctx, seedLive, phone(8), At(t0))
	wantCode(t, "AddPhone(sixth again)", err, contactd.CNT103)

	for _, id := range []int64{0, 1234, seedCeased, seedPhone2} {
		_, err := s.AddPhone(ctx, id, phone(1), At(t0))
		wantCode(t, "AddPhone(unknown or ceased contact)", err, contactd.CST404)
	}
}

func testCeasePhoneDownToOne(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	id := create(t, s, ownB, contactd.Secondary, "Many phones", 5)
	ps := phoneIDs(contact(t, s, ownB, id))
	for i, p := range ps[:4] {
		must(t, "CeasePhone", s.CeasePhone(ctx, p, At(t0)))
		if got := phoneIDs(contact(t, s, ownB, id)); !equalIDs(got, ps[i+1:]) {
			t.Errorf("phones after ceasing %d = %v, want %v", p, got, ps[i+1:])
		}
		_, err := s.PhoneOwner(ctx, p)
		wantCode(t, "PhoneOwner(ceased)", err, contactd.CST404)
		wantCode(t, "CeasePhone(again)", s.CeasePhone(ctx, p, At(t0)), contactd.CST404)
		q := phone(1)
		q.ID = p
		wantCode(t, "UpdatePhone(ceased)", s.UpdatePhone(ctx, q, At(t0)), contactd.CST404)
	}
	wantCode(t, "CeasePhone(last)", s.CeasePhone(ctx, ps[4], At(t0)), contactd.CNT103)
	if got := phoneIDs(contact(t, s, ownB, id)); !equalIDs(got, ps[4:]) {
		t.Errorf("phones after refused cease = %v, want %v", got, ps[4:])
	}
	// the seeded account contact has one phone
	wantCode(t, "CeasePhone(seeded last)", s.CeasePhone(ctx, seedAccountPh, At(t0)), contactd.CNT103)
	for _, p := range []int64{0, 1234, seedCeasedPhone, seedLive} {
		wantCode(t, "CeasePhone(unknown or ceased)", s.CeasePhone(ctx, p, At(t0)), contactd.CST404)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testUpdatePhone(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownA := customerOwner(t, s, custA)
	// every field changes, the extension is cleared and an area code set
	p := contactd.Phone{ID: seedPhone2, Type: "BSNFAX", Country: "AU", AreaCode: "03", Number: "91234567"}
	must(t, "UpdatePhone", s.UpdatePhone(ctx, p, At(t0)))
	c := contact(t, s, ownA, seedLive)
	want := dataset().Contacts[0].Contact
	want.Phones[1] = p
	want.Updated = t0
	wantContacts(t, "after UpdatePhone", []contactd.Contact{c}, want)

	// and back: the area code is cleared
	p = contactd.Phone{ID: seedPhone2, Type: "HOM", Country: "NZ", Number: "093031234", Extension: "99"}
	must(t, "UpdatePhone", s.UpdatePhone(ctx, p, At(t0)))
	c = contact(t, s, ownA, seedLive)
	if c.Phones[1] != p {
		t.Errorf("phone = %+v, want %+v", c.Phones[1], p)
	}
	o, err := s.PhoneOwner(ctx, seedPhone2)
	must(t, "PhoneOwner", err)
	if o != ownA {
		t.Errorf("PhoneOwner after update = %+v", o)
	}
	for _, id := range []int64{0, 1234, seedCeasedPhone, seedLive} {
		q := p
		q.ID = id
		wantCode(t, "UpdatePhone(unknown or ceased)", s.UpdatePhone(ctx, q, At(t0)), contactd.CST404)
	}
}

func testUpdatedMovesForward(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	ownB := customerOwner(t, s, custB)
	now := t0.Add(250 * time.Millisecond)
	id, err := s.CreateContact(ctx, ownB, contactd.Contact{Type: contactd.Primary, Name: "Tick", Phones: phones(2)}, At(now))
	must(t, "CreateContact", err)
	c := contact(t, s, ownB, id)
	if !c.Updated.Truncate(time.Second).Equal(t0) {
		t.Errorf("Updated after create = %v, want %v", c.Updated, t0)
	}
	first := c.Phones[0].ID
	prev := c.Updated
	// step makes a change at now and checks the Updated it leaves: want
	// (whole seconds), which is never before the previous one.
	step := func(what string, now, want time.Time, change func(now time.Time) error) {
		t.Helper()
		must(t, what, change(now))
		got := contact(t, s, ownB, id).Updated
		if got.Before(prev) {
			t.Errorf("%s at %v: Updated %v moved back from %v", what, now, got, prev)
		}
		if !got.Truncate(time.Second).Equal(want) {
			t.Errorf("%s at %v: Updated %v, want %v", what, now, got, want)
		}
		prev = got
	}
	// The first change in the second of the last one moves Updated a
	// second on, so that a client sees it; the ones after it keep it
	// there, one second ahead of the clock at most, however many there are.
	var added int64
	step("RenameContact", now, t0.Add(time.Second), func(now time.Time) error { return s.RenameContact(ctx, id, "Tock", At(now)) })
	for range 5 {
		step("AddPhone", now, t0.Add(time.Second), func(now time.Time) error {
			var err error
			added, err = s.AddPhone(ctx, id, phone(7), At(now))
			return err
		})
		step("UpdatePhone", now, t0.Add(time.Second), func(now time.Time) error {
			p := phone(8)
			p.ID = first
			return s.UpdatePhone(ctx, p, At(now))
		})
		step("CeasePhone", now, t0.Add(time.Second), func(now time.Time) error { return s.CeasePhone(ctx, added, At(now)) })
		step("RenameContact", now, t0.Add(time.Second), func(now time.Time) error { return s.RenameContact(ctx, id, "Tock", At(now)) })
	}
	// the next second's change catches up with it, and moves it on
	step("RenameContact(next second)", now.Add(time.Second), t0.Add(2*time.Second), func(now time.Time) error { return s.RenameContact(ctx, id, "Tack", At(now)) })
	// a clock that went back leaves it where it is
	step("RenameContact(earlier now)", t0.Add(-time.Hour), t0.Add(2*time.Second), func(now time.Time) error { return s.RenameContact(ctx, id, "Back", At(now)) })
	// a later now is taken as it is
	step("RenameContact(later now)", t0.Add(time.Hour+300*time.Millisecond), t0.Add(time.Hour), func(now time.Time) error { return s.RenameContact(ctx, id, "Later", At(now)) })
	step("CeasePhone(same second)", t0.Add(time.Hour+600*time.Millisecond), t0.Add(time.Hour+time.Second), func(now time.Time) error {
		var err error
		if added, err = s.AddPhone(ctx, id, phone(7), At(now)); err != nil {
			return err
		}
		return s.CeasePhone(ctx, added, At(now))
	})
	// a refused change does not move it
	_, err = s.CreateContact(ctx, ownB, contactd.Contact{Type: contactd.Primary, Name: "dup", Phones: phones(1)}, At(t0.Add(2*time.Hour)))
	wantCode(t, "CreateContact(dup)", err, contactd.CNT101)
	if got := contact(t, s, ownB, id).Updated; !got.Equal(prev) {
		t.Errorf("Updated moved to %v on a refused create", got)
	}
	// an untouched contact keeps its Updated
	if got := contact(t, s, customerOwner(t, s, custA), seedLive).Updated; !got.Equal(seedUpdated) {
		t.Errorf("seeded Updated = %v, want %v", got, seedUpdated)
	}
}

func testClaimMode(t *testing.T, s contactd.Store) {
	claim := func(sandbox, want bool) {
		t.Helper()
		got, err := s.ClaimMode(ctx, sandbox)
		must(t, "ClaimMode", err)
		if got != want {
			t.Errorf("ClaimMode(sandbox %v) = %v, want %v", sandbox, got, want)
		}
	}
	// The first claim on an empty database records it; later ones keep it.
	claim(true, true)
	claim(false, true)
	loadDefault(t, s)
	claim(false, true)
	claim(true, true)
}

// testClaimModeOfData: a database that holds customers before any mode is
// recorded is taken for production, whatever the first claim asks.
func testClaimModeOfData(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	for _, sandbox := range []bool{true, false, true} {
		got, err := s.ClaimMode(ctx, sandbox)
		must(t, "ClaimMode", err)
		if got {
			t.Errorf("ClaimMode(sandbox %v) on a database of customers = sandbox", sandbox)
		}
	}
}

func testClaimModeProduction(t *testing.T, s contactd.Store) {
	for _, sandbox := range []bool{false, true} {
		got, err := s.ClaimMode(ctx, sandbox)
		must(t, "ClaimMode", err)
		if got {
			t.Errorf("ClaimMode(sandbox %v) after production claimed it = sandbox", sandbox)
		}
	}
}
