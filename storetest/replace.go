package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// replaceTests are the suite's tests of AdminStore.ReplaceCustomer.
var replaceTests = []struct {
	name string
	fn   func(t *testing.T, s contactd.Store)
}{
	{"Replace", testReplace},
	{"ReplaceRefusesAndChangesNothing", testReplaceRefuses},
	{"ReplaceUnknownCustomer", testReplaceUnknownCustomer},
	{"ReplaceIssuesIDsAboveMaxID", testReplaceIDsAboveMaxID},
	{"ReplaceEveryPhone", testReplaceEveryPhone},
	{"ConcurrentReplace", testConcurrentReplace},
}

// replaceCaller makes the replaces of the suite.
var replaceCaller = contactd.Caller{Subject: "contactd import"}

func replaceAt(t time.Time) contactd.Change {
	return contactd.Change{Time: t, Caller: replaceCaller, RequestID: "import line 1"}
}

// heldLine reads what the store holds of a customer as an import line
// says it: the customer with its records and contacts, and its accounts
// with theirs.
func heldLine(t *testing.T, s contactd.Store, id contactd.CustomerID) contactd.CustomerRecord {
	t.Helper()
	c, contacts, err := s.CustomerContacts(ctx, id)
	must(t, "CustomerContacts", err)
	r := contactd.CustomerRecord{Customer: c, Contacts: contacts}
	accounts, err := s.CustomerAccounts(ctx, c.Key)
	must(t, "CustomerAccounts", err)
	for _, a := range accounts {
		acc, contacts, err := s.AccountContacts(ctx, a.ID)
		must(t, "AccountContacts", err)
		r.Accounts = append(r.Accounts, contactd.AccountRecord{Account: acc, Contacts: contacts})
	}
	return r
}

// showLine renders a line for comparison, Updated included.
func showLine(r contactd.CustomerRecord) string {
	var b strings.Builder
	show := func(profile json.RawMessage, records []contactd.Record, contacts []contactd.Contact) {
		fmt.Fprintf(&b, " profile %s\n", profile)
		for _, rec := range records {
			fmt.Fprintf(&b, "  %s\n", showRecord(rec))
		}
		for _, c := range contacts {
			fmt.Fprintf(&b, "  %s\n", show(c))
		}
	}
	fmt.Fprintf(&b, "customer %s\n", contactd.CustomerRef(r.Customer.ID))
	show(r.Customer.Profile, r.Customer.Records, r.Contacts)
	for _, a := range r.Accounts {
		fmt.Fprintf(&b, "account %s %s %s\n", a.Account.ID, a.Account.IDType, a.Account.Type)
		show(a.Account.Profile, a.Account.Records, a.Contacts)
	}
	return b.String()
}

func lastSeq(t *testing.T, s contactd.Store) int64 {
	t.Helper()
	all, err := s.Audit(ctx, contactd.AuditQuery{})
	must(t, "Audit", err)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

func recordOf(rs []contactd.Record, kind contactd.Kind, key string) (contactd.Record, bool) {
	for _, r := range rs {
		if r.Kind == kind && r.Key == key {
			return r, true
		}
	}
	return contactd.Record{}, false
}

// replaceSetup loads the dataset with records: customer A's names LGL
// and PREFER, address LOC and BIC code A041930 (with a commence date no
// line shows); account A1's bank account (with a bank name no line
// shows); account A2's contact and address, which no line of the tests
// names.
func replaceSetup(t *testing.T, s contactd.Store) {
	t.Helper()
	loadDefault(t, s)
	a, a1, a2 := customerOwner(t, s, custA), accountOwner(t, s, accA1), accountOwner(t, s, accA2)
	put(t, s, a, contactd.Record{Kind: contactd.KindName, Key: "LGL", Fields: json.RawMessage(`{"Type":"LGL","Formatted":"LOOK THROUGH LTD"}`)}, contactd.Refuse, t0)
	put(t, s, a, contactd.Record{Kind: contactd.KindName, Key: "PREFER", Fields: json.RawMessage(`{"Type":"PREFER","Formatted":"LOOK"}`)}, contactd.Refuse, t0)
	put(t, s, a, contactd.Record{Kind: contactd.KindAddress, Key: "LOC", Fields: json.RawMessage(`{"Type":"LOC","Street":"1 Queen St"}`)}, contactd.Refuse, t0)
	put(t, s, a, contactd.Record{Kind: contactd.KindBIC, Key: "A041930", Fields: json.RawMessage(`{"BICCode":"A041930","Commence":"2020-01-01"}`)}, contactd.Merge, t0)
	put(t, s, a1, contactd.Record{Kind: contactd.KindBank, Fields: json.RawMessage(`{"BankAccount":"01-0001-0000001-00","NameOnBankAccount":"LOOK","BankName":"ANZ"}`)}, contactd.Replace, t0)
	create(t, s, a1, contactd.Secondary, "Dropped", 2)
	create(t, s, a2, contactd.Primary, "GST Desk", 1)
	put(t, s, a2, contactd.Record{Kind: contactd.KindAddress, Key: "PRFMAL", Fields: json.RawMessage(`{"Type":"PRFMAL","Street":"PO Box 1"}`)}, contactd.Refuse, t0)
}

// testReplace: a replace makes the customer and the accounts its line
// names what the line says, leaves the accounts it does not name as they
// are, and audits every change and nothing else.
func testReplace(t *testing.T, s contactd.Store) {
	replaceSetup(t, s)
	before := heldLine(t, s, custA)
	var a1Before, a2Before contactd.AccountRecord
	for _, a := range before.Accounts {
		switch a.Account.ID {
		case accA1:
			a1Before = a
		case accA2:
			a2Before = a
		}
	}
	seq := lastSeq(t, s)
	lgl, _ := recordOf(before.Customer.Records, contactd.KindName, "LGL")
	prefer, _ := recordOf(before.Customer.Records, contactd.KindName, "PREFER")
	loc, _ := recordOf(before.Customer.Records, contactd.KindAddress, "LOC")
	bic, _ := recordOf(before.Customer.Records, contactd.KindBIC, "A041930")
	bank, _ := recordOf(a1Before.Account.Records, contactd.KindBank, "")
	var kept, dropped contactd.Contact // account A1's, carried and not
	for _, c := range a1Before.Contacts {
		if c.ID == seedAccount {
			kept = c
		} else {
			dropped = c
		}
	}

	const (
		newContact int64 = 7_000_000_000_001
		newPhone   int64 = 7_000_000_000_002
		newPhone2  int64 = 7_000_000_000_003
		newName    int64 = 7_000_000_000_004
		accA3            = "049091850PAY001"
	)
	line := contactd.CustomerRecord{
		Customer: contactd.Customer{ID: custA, Profile: json.RawMessage(`{"name":"LOOK THROUGH LIMITED","entity":"COMPNY"}`),
			Records: []contactd.Record{
				{ID: lgl.ID, Kind: contactd.KindName, Key: "LGL", Fields: json.RawMessage(`{"Type":"LGL","Formatted":"LOOK THROUGH LIMITED"}`)},
				{ID: prefer.ID, Kind: contactd.KindName, Key: "PREFER", Fields: prefer.Fields, Updated: prefer.Updated},
				{ID: newName, Kind: contactd.KindName, Key: "DBACST", Fields: json.RawMessage(`{"Type":"DBACST","Formatted":"LOOK"}`), Updated: seedUpdated},
				{Kind: contactd.KindBIC, Key: "A041930", Fields: json.RawMessage(`{"BICCode":"A041930"}`)},
			}},
		Contacts: []contactd.Contact{
			{ID: seedLive, Type: contactd.Secondary, Name: "Louie Wagner-Smith", Updated: seedUpdated, Phones: []contactd.Phone{
				{ID: seedPhone1, Type: "CELL", Country: "NZ", Number: "0279999999"},
				{ID: newPhone2, Type: "HOM", Country: "NZ", Number: "073470000"},
			}},
			{ID: newContact, Type: contactd.Primary, Name: "New Primary", Updated: seedUpdated, Phones: []contactd.Phone{
				{ID: newPhone, Type: "BSN", Country: "NZ", Number: "044450000"},
			}},
		},
		Accounts: []contactd.AccountRecord{
			{Account: contactd.Account{ID: accA1, IDType: "ACC", Type: "INC", Customer: custA, Profile: json.RawMessage(`{"status":"closed"}`),
				Records: []contactd.Record{{Kind: contactd.KindBank, Fields: json.RawMessage(`{"BankAccount":"02-0002-0000002-00","NameOnBankAccount":"LOOK"}`)}}},
				Contacts: []contactd.Contact{kept}},
			{Account: contactd.Account{ID: accA3, IDType: "ACC", Type: "PAY", Customer: custA, Profile: json.RawMessage(`{"status":"new"}`)}},
		},
	}
	t1 := t0.Add(time.Hour)
	must(t, "ReplaceCustomer", s.ReplaceCustomer(ctx, line, 0, replaceAt(t1)))

	after := heldLine(t, s, custA)
	if !sameJSON(after.Customer.Profile, line.Customer.Profile) {
		t.Errorf("customer profile %s, want %s", after.Customer.Profile, line.Customer.Profile)
	}

	// contacts: renamed with a phone updated, one ceased and one added;
	// a new one added as given
	if len(after.Contacts) != 2 {
		t.Fatalf("customer contacts: %s", showLine(after))
	}
	live := after.Contacts[0]
	// each change moves Updated, never more than a second past the change
	if live.ID != seedLive || live.Name != "Louie Wagner-Smith" || live.Updated.Before(t1) || live.Updated.After(t1.Add(time.Second)) {
		t.Errorf("contact %d: %s, want renamed, Updated %s or a second on", seedLive, show(live), t1)
	}
	wantPhones := []contactd.Phone{line.Contacts[0].Phones[0], line.Contacts[0].Phones[1]}
	if !slices.Equal(live.Phones, wantPhones) {
		t.Errorf("contact %d phones %+v, want %+v", seedLive, live.Phones, wantPhones)
	}
	if _, err := s.PhoneOwner(ctx, seedPhone2); code(err) != contactd.CST404 {
		t.Errorf("phone %d, which the line drops: %v, want ceased", seedPhone2, err)
	}
	wantContacts(t, "the new contact", after.Contacts[1:], line.Contacts[1])

	// records: LGL changed in place, PREFER kept, DBACST added, LOC
	// ceased, the BIC code kept with its commence date
	recs := after.Customer.Records
	if r, ok := recordOf(recs, contactd.KindName, "LGL"); !ok || r.ID != lgl.ID || !sameJSON(r.Fields, line.Customer.Records[0].Fields) || !r.Updated.Equal(t1) {
		t.Errorf("LGL name: %s, want ID %d changed at %s", showRecord(r), lgl.ID, t1)
	}
	if r, _ := recordOf(recs, contactd.KindName, "PREFER"); showRecord(r) != showRecord(prefer) {
		t.Errorf("PREFER name: %s, want kept as %s", showRecord(r), showRecord(prefer))
	}
	if r, ok := recordOf(recs, contactd.KindName, "DBACST"); !ok || r.ID != newName || !r.Updated.Equal(seedUpdated) {
		t.Errorf("DBACST name: %s, want ID %d, Updated as given", showRecord(r), newName)
	}
	if _, ok := recordOf(recs, contactd.KindAddress, "LOC"); ok {
		t.Errorf("LOC address, which the line drops, is live")
	}
	if _, _, err := s.Record(ctx, contactd.KindAddress, loc.ID); code(err) != contactd.CST404 {
		t.Errorf("address %d: %v, want ceased", loc.ID, err)
	}
	if r, _ := recordOf(recs, contactd.KindBIC, "A041930"); showRecord(r) != showRecord(bic) {
		t.Errorf("BIC code: %s, want kept as %s", showRecord(r), showRecord(bic))
	}

	// account A1: profile replaced, contact kept, bank account replaced
	var a1, a2, a3 *contactd.AccountRecord
	for i, a := range after.Accounts {
		switch a.Account.ID {
		case accA1:
			a1 = &after.Accounts[i]
		case accA2:
			a2 = &after.Accounts[i]
		case accA3:
			a3 = &after.Accounts[i]
		}
	}
	if a1 == nil || a2 == nil || a3 == nil {
		t.Fatalf("accounts after the replace:\n%s", showLine(after))
	}
	if !sameJSON(a1.Account.Profile, []byte(`{"status":"closed"}`)) {
		t.Errorf("account A1 profile %s", a1.Account.Profile)
	}
	wantContacts(t, "account A1's contact, carried unchanged", a1.Contacts, kept)
	if _, err := s.ContactOwner(ctx, dropped.ID); code(err) != contactd.CST404 || dropped.ID == 0 {
		t.Errorf("account A1's contact %d, which the line drops: %v, want ceased", dropped.ID, err)
	}
	nb, ok := recordOf(a1.Account.Records, contactd.KindBank, "")
	if !ok || nb.ID == bank.ID || nb.ID == 0 || !sameJSON(nb.Fields, line.Accounts[0].Account.Records[0].Fields) {
		t.Errorf("account A1's bank account: %s, want a new one for %s", showRecord(nb), showRecord(bank))
	}
	if _, _, err := s.Record(ctx, contactd.KindBank, bank.ID); code(err) != contactd.CST404 {
		t.Errorf("bank account %d, replaced: %v, want ceased", bank.ID, err)
	}
	// account A2, not named: as it was
	if g, w := showLine(contactd.CustomerRecord{Accounts: []contactd.AccountRecord{*a2}}), showLine(contactd.CustomerRecord{Accounts: []contactd.AccountRecord{a2Before}}); g != w {
		t.Errorf("account A2, which the line does not name:\n got %s\nwant %s", g, w)
	}
	if a3.Account.Type != "PAY" || !sameJSON(a3.Account.Profile, []byte(`{"status":"new"}`)) {
		t.Errorf("account A3, added: %+v", a3.Account)
	}

	// the audit trail: one record per change, by the replace's caller
	records, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: seq})
	must(t, "Audit", err)
	var ops []string
	for _, r := range records {
		if r.Caller != replaceCaller || r.RequestID != "import line 1" || !r.Time.Equal(t1) || r.Customer != custA {
			t.Errorf("audit %d: %+v, want the replace's caller, request, time and customer", r.Seq, r)
		}
		ops = append(ops, fmt.Sprintf("%s %d %d %d %s", r.Operation, r.ContactID, r.PhoneID, r.RecordID, r.AccountID))
	}
	want := []string{
		"profile.replace 0 0 0 ",
		"account.create 0 0 0 " + accA3,
		"profile.replace 0 0 0 " + accA1,
		"address.cease 0 0 " + fmt.Sprint(loc.ID) + " ",
		fmt.Sprintf("contact.cease %d 0 0 %s", dropped.ID, accA1),
		fmt.Sprintf("contact.rename %d 0 0 ", seedLive),
		fmt.Sprintf("phone.update %d %d 0 ", seedLive, seedPhone1),
		fmt.Sprintf("phone.cease %d %d 0 ", seedLive, seedPhone2),
		fmt.Sprintf("phone.add %d %d 0 ", seedLive, newPhone2),
		fmt.Sprintf("name.update 0 0 %d ", lgl.ID),
		fmt.Sprintf("contact.create %d 0 0 ", newContact),
		fmt.Sprintf("name.create 0 0 %d ", newName),
		fmt.Sprintf("bank.replace 0 0 %d %s", nb.ID, accA1),
	}
	slices.Sort(ops)
	slices.Sort(want)
	if !slices.Equal(ops, want) {
		t.Errorf("audit records:\n got %q\nwant %q", ops, want)
	}
	for _, r := range records {
		if r.Operation == "bank.replace" && (!strings.Contains(string(r.Before), `"BankName":"ANZ"`) || !strings.Contains(string(r.After), "02-0002")) {
			t.Errorf("bank.replace audit: before %s after %s", r.Before, r.After)
		}
	}

	// the same line again changes nothing and audits nothing
	seq = lastSeq(t, s)
	must(t, "ReplaceCustomer again", s.ReplaceCustomer(ctx, line, 0, replaceAt(t1.Add(time.Hour))))
	if again := heldLine(t, s, custA); showLine(again) != showLine(after) {
		t.Errorf("the same line again changed:\n%s\nto\n%s", showLine(after), showLine(again))
	}
	if n := lastSeq(t, s); n != seq {
		t.Errorf("the same line again wrote %d audit records", n-seq)
	}
}

// testReplaceRefuses: a line with an ID another owner holds, a ceased
// one, or a contact of another type under a held ID is refused, naming
// the item at fault, and changes nothing.
func testReplaceRefuses(t *testing.T, s contactd.Store) {
	replaceSetup(t, s)
	b := customerOwner(t, s, custB)
	other := create(t, s, b, contactd.Primary, "Beta Person", 1)
	otherRec := put(t, s, b, contactd.Record{Kind: contactd.KindName, Key: "LGL", Fields: json.RawMessage(`{"Type":"LGL","Formatted":"BETA"}`)}, contactd.Refuse, t0)
	base := heldLine(t, s, custA)
	seq := lastSeq(t, s)

	// every case changes the profile too: a refusal must undo it
	changed := func(edit func(l *contactd.CustomerRecord)) contactd.CustomerRecord {
		l := heldLine(t, s, custA)
		l.Customer.Profile = json.RawMessage(`{"name":"CHANGED"}`)
		edit(&l)
		return l
	}
	newContact := func(id int64, typ contactd.ContactType, phoneID int64) contactd.Contact {
		return contactd.Contact{ID: id, Type: typ, Name: "X", Phones: []contactd.Phone{{ID: phoneID, Type: "CELL", Country: "NZ", Number: "0271234567"}}}
	}
	for _, tc := range []struct {
		name  string
		line  contactd.CustomerRecord
		item  string
		field string
	}{
		{"contact ID of another customer", changed(func(l *contactd.CustomerRecord) {
			l.Contacts = []contactd.Contact{newContact(other, contactd.Primary, 8_000_000_000_001)}
		}), "contact", "ContactID"},
		{"ceased contact ID", changed(func(l *contactd.CustomerRecord) {
			l.Contacts = append(l.Contacts, newContact(seedCeased, contactd.Primary, 8_000_000_000_002))
		}), "contact", "ContactID"},
		{"contact type changed", changed(func(l *contactd.CustomerRecord) {
			l.Contacts[0].Type = contactd.Primary
		}), "contact", "ContactType"},
		{"phone ID of another contact", changed(func(l *contactd.CustomerRecord) {
			l.Contacts = append(l.Contacts, newContact(8_000_000_000_003, contactd.Primary, seedAccountPh))
		}), "phone", "PhoneID"},
		{"record ID of another customer", changed(func(l *contactd.CustomerRecord) {
			l.Customer.Records = append(l.Customer.Records, contactd.Record{ID: otherRec, Kind: contactd.KindName, Key: "DBACST",
				Fields: json.RawMessage(`{"Type":"DBACST","Formatted":"X"}`)})
		}), "record", "ID"},
		{"account of another customer", changed(func(l *contactd.CustomerRecord) {
			l.Accounts = append(l.Accounts, contactd.AccountRecord{Account: contactd.Account{ID: accB1, IDType: "KSF", Type: "INC", Customer: custA}})
		}), "account", "ID"},
	} {
		err := s.ReplaceCustomer(ctx, tc.line, 0, replaceAt(t0.Add(time.Hour)))
		var rr *contactd.ReplaceRefusal
		if !errors.As(err, &rr) || rr.Err.Code != contactd.EV1100 || rr.Item != tc.item || rr.Field != tc.field {
			t.Errorf("%s: %v (%+v), want a refusal EV1100 of the %s's %s", tc.name, err, rr, tc.item, tc.field)
		}
		if after := heldLine(t, s, custA); showLine(after) != showLine(base) {
			t.Errorf("%s: the refused line changed\n%s\nto\n%s", tc.name, showLine(base), showLine(after))
		}
		if n := lastSeq(t, s); n != seq {
			t.Errorf("%s: the refused line wrote %d audit records", tc.name, n-seq)
		}
	}
}

func testReplaceUnknownCustomer(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	line := contactd.CustomerRecord{Customer: contactd.Customer{ID: contactd.CustomerID{Type: contactd.IRD, Value: "136410132"}}}
	wantCode(t, "ReplaceCustomer of a customer not held", s.ReplaceCustomer(ctx, line, 0, replaceAt(t0)), contactd.CST404)
}

// testReplaceIDsAboveMaxID: a record a replace adds without an ID takes
// one above maxID and above every ID of the line.
func testReplaceIDsAboveMaxID(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	const maxID = 9_500_000_000_000 // above every ID of the dataset
	line := heldLine(t, s, custA)
	line.Customer.Records = append(line.Customer.Records, contactd.Record{Kind: contactd.KindBIC, Key: "A041930",
		Fields: json.RawMessage(`{"BICCode":"A041930"}`)})
	must(t, "ReplaceCustomer", s.ReplaceCustomer(ctx, line, maxID, replaceAt(t0)))
	after := heldLine(t, s, custA)
	r, ok := recordOf(after.Customer.Records, contactd.KindBIC, "A041930")
	if !ok || r.ID <= maxID {
		t.Errorf("the BIC code added: %s, want an ID above %d", showRecord(r), maxID)
	}
	id := create(t, s, customerOwner(t, s, custA), contactd.Primary, "After", 1)
	if id <= r.ID {
		t.Errorf("a contact created after the replace took ID %d, not above %d", id, r.ID)
	}
}

// testReplaceEveryPhone: five phones replaced by five others, and five by
// one, keep 1 to 5 live phones at every step, as the database holds.
func testReplaceEveryPhone(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	a := customerOwner(t, s, custA)
	id := create(t, s, a, contactd.Primary, "Five", 5)
	for round, n := range []int{5, 1, 5} {
		line := heldLine(t, s, custA)
		for i := range line.Contacts {
			if line.Contacts[i].ID != id {
				continue
			}
			line.Contacts[i].Phones = nil
			for j := range n {
				p := phone(100*round + j)
				p.ID = int64(9_600_000_000_000 + 100*round + j)
				line.Contacts[i].Phones = append(line.Contacts[i].Phones, p)
			}
		}
		must(t, fmt.Sprint("ReplaceCustomer, round ", round), s.ReplaceCustomer(ctx, line, 0, replaceAt(t0.Add(time.Duration(round+1)*time.Hour))))
		contacts, err := s.Contacts(ctx, a)
		must(t, "Contacts", err)
		for _, c := range contacts {
			if c.ID == id && (len(c.Phones) != n || c.Phones[0].ID != int64(9_600_000_000_000+100*round)) {
				t.Errorf("round %d: phones %+v, want the line's %d", round, c.Phones, n)
			}
		}
	}
}

// testConcurrentReplace: replaces of one customer racing, each with a
// primary contact, a DBACST name and a bank account of its own, all
// succeed and leave one live contact of each type and one live record of
// each kind and key: the last one's.
func testConcurrentReplace(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	const n = 10
	errs := make([]error, n)
	run(n, func(i int) {
		base := int64(9_000_000_000_000 + 10*i)
		line := contactd.CustomerRecord{
			Customer: contactd.Customer{ID: custA, Profile: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), Records: []contactd.Record{
				{ID: base + 1, Kind: contactd.KindName, Key: "DBACST", Fields: json.RawMessage(fmt.Sprintf(`{"Type":"DBACST","Formatted":"N%d"}`, i))},
			}},
			Contacts: []contactd.Contact{{ID: base + 2, Type: contactd.Primary, Name: fmt.Sprint("P", i), Phones: []contactd.Phone{
				{ID: base + 3, Type: "CELL", Country: "NZ", Number: fmt.Sprintf("027%07d", i)}}}},
			Accounts: []contactd.AccountRecord{{Account: contactd.Account{ID: accA1, IDType: "ACC", Type: "INC", Customer: custA,
				Records: []contactd.Record{{Kind: contactd.KindBank, Fields: json.RawMessage(fmt.Sprintf(`{"BankAccount":"01-0001-000000%d-00","NameOnBankAccount":"N"}`, i))}}}}},
		}
		errs[i] = s.ReplaceCustomer(ctx, line, 0, replaceAt(t0.Add(time.Duration(i)*time.Second)))
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("replace %d: %v", i, err)
		}
	}
	after := heldLine(t, s, custA)
	if len(after.Contacts) != 1 || after.Contacts[0].Type != contactd.Primary {
		t.Fatalf("customer contacts after the race:\n%s", showLine(after))
	}
	last := (after.Contacts[0].ID - 9_000_000_000_002) / 10
	if len(after.Customer.Records) != 1 || after.Customer.Records[0].ID != 9_000_000_000_001+10*last {
		t.Errorf("customer records after the race, the last replace %d's contact live:\n%s", last, showLine(after))
	}
	if !sameJSON(after.Customer.Profile, []byte(fmt.Sprintf(`{"n":%d}`, last))) {
		t.Errorf("profile %s, want the last replace's (%d)", after.Customer.Profile, last)
	}
	for _, a := range after.Accounts {
		if a.Account.ID != accA1 {
			continue
		}
		if len(a.Account.Records) != 1 || !strings.Contains(string(a.Account.Records[0].Fields), fmt.Sprintf("000000%d-00", last)) {
			t.Errorf("account A1's records after the race, the last replace %d's:\n%s", last, showLine(after))
		}
		wantContacts(t, "account A1's contacts, a replace naming it without them ceases them", a.Contacts)
	}
}
