package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
	"github.com/contactd/contactd/transfer"
)

// store is what the tests need of a store.
type store interface {
	contactd.Store
	contactd.CustomerLister
}

// stores opens new, empty stores of each kind; PostgreSQL when
// CONTACTD_TEST_POSTGRES names a database.
var stores = []struct {
	name string
	open func(t *testing.T) store
	// verify closes the store and checks its invariants
	verify func(t *testing.T, s store)
}{
	{"sqlite", func(t *testing.T) store {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("s%d.db", time.Now().UnixNano()))
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return sqliteFile{s, path}
	}, func(t *testing.T, s store) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := sqlite.Verify(context.Background(), s.(sqliteFile).path); err != nil {
			t.Error(err)
		}
	}},
	{"postgres", func(t *testing.T) store {
		_, u := pgtest.Schema(t)
		s, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, func(t *testing.T, s store) {
		if err := s.(*postgres.Store).Verify(context.Background()); err != nil {
			t.Error(err)
		}
	}},
}

// sqliteFile is a SQLite store with its file's name.
type sqliteFile struct {
	*sqlite.Store
	path string
}

func export(t *testing.T, s store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := transfer.Export(context.Background(), s, s, &b, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRoundTripSandboxPersonas: the personas exported, imported into an
// empty store and exported again give the same bytes, and IDs issued
// afterwards are above the imported ones.
func TestRoundTripSandboxPersonas(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			a := st.open(t)
			if err := a.Load(ctx, sandbox.Dataset()); err != nil {
				t.Fatal(err)
			}
			first := export(t, a)
			personas := len(sandbox.Dataset().Customers)
			if n := bytes.Count(first, []byte("\n")); n != personas {
				t.Fatalf("%d lines, want the %d personas:\n%s", n, personas, first)
			}
			b := st.open(t)
			var refused []string
			res, err := transfer.Import(ctx, b, bytes.NewReader(first), transfer.ImportOptions{
				Parse:   transfer.ParseOptions{IRD: sandbox.IRDRule(), Published: sandbox.PublishedRecord},
				Refused: func(line int, err error) { refused = append(refused, fmt.Sprint(line, err)) },
			})
			if err != nil || res.Imported != personas || len(refused) > 0 {
				t.Fatalf("import: %+v %v %q", res, err, refused)
			}
			second := export(t, b)
			if !bytes.Equal(first, second) {
				t.Fatalf("the second export differs:\n%s\n%s", first, second)
			}
			o, err := b.Owner(ctx, contactd.OwnerRef{Customer: contactd.CustomerID{Type: contactd.CST, Value: "1512150403"}})
			if err != nil {
				t.Fatal(err)
			}
			id, err := b.CreateContact(ctx, o, contactd.Contact{Type: contactd.Primary, Name: "New",
				Phones: []contactd.Phone{{Type: "CELL", Country: "NZ", Number: "0211234567"}}}, contactd.Change{Time: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if id <= 9005454545845 {
				t.Fatalf("new contact ID %d is not above the imported IDs", id)
			}
		})
	}
}

// line is a customer line with one account and one contact on each, IDs
// from base.
func line(ird string, base int64) string {
	return fmt.Sprintf(`{"ID":%q,"IDType":"IRD","Commence":"2000-01-01","Name":[],`+
		`"Contact":[{"ContactID":%d,"ContactType":"PRIMRY","Name":"A","Updated":"2021-01-01T00:00:00","Phone":[{"PhoneID":%d,"PhoneType":"CELL","Country":"NZ","AreaCode":"","PhoneNumber":"0211234567","Extension":""}]}],`+
		`"Accounts":[{"ID":"%sINC002","IDType":"ACC","AccountType":"INC","Status":"ACT","FilingFrequency":"ITN03C","Commence":"2010-01-01","Cease":"9999-12-31",`+
		`"Contact":[{"ContactID":%d,"ContactType":"SCNDRY","Name":"B","Updated":"2021-01-01T00:00:00","Phone":[{"PhoneID":%d,"PhoneType":"HOM","Country":"NZ","AreaCode":"","PhoneNumber":"041234567","Extension":""}]}]}]}`,
		ird, base, base+1, ird, base+2, base+3)
}

// TestImportRefusesBadLines: the good lines land; each bad one is reported
// with its line number, field and code, and nothing of it is written; a
// dry run writes nothing.
func TestImportRefusesBadLines(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			input := strings.Join([]string{
				line("069096409", 100),
				line("069096408", 200), // check digit
				"",
				line("132243158", 300),
				line("139369673", 400),
				line("132253579", 102), // contact ID 102 is line 1's account contact's
				strings.Replace(line("049091850", 500), `"ID":"049091850INC002"`, `"ID":"069096409INC002"`, 1), // account of line 1
				line("049091850", 600),
				strings.Replace(line("132244227", 700), `"Name":[],`, `"Name":[],"BIC":[{"BICCode":"A04193"},{"BICCode":"X1"}],`, 1), // BIC code
			}, "\n") + "\n"

			dry, err := transfer.Import(ctx, s, strings.NewReader(input), transfer.ImportOptions{DryRun: true})
			if err != nil || dry.Lines != 9 || dry.Refused != 2 {
				t.Fatalf("dry run: %+v %v", dry, err)
			}
			if empty, err := s.Empty(ctx); err != nil || !empty {
				t.Fatalf("the dry run wrote: empty %v %v", empty, err)
			}

			refused := map[int]*transfer.FieldError{}
			res, err := transfer.Import(ctx, s, strings.NewReader(input), transfer.ImportOptions{
				Batch: 3, // the batch of the conflicts goes line by line
				Refused: func(line int, err error) {
					var fe *transfer.FieldError
					if !errors.As(err, &fe) {
						t.Errorf("line %d: %v is not a FieldError", line, err)
					}
					refused[line] = fe
				}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Lines != 9 || res.Imported != 4 || res.Refused != 4 {
				t.Errorf("result %+v", res)
			}
			want := map[int]transfer.FieldError{
				2: {Field: "ID", Code: contactd.EV2234},
				6: {Field: "Contact[0].ContactID", Code: contactd.EV1100},
				7: {Field: "Accounts[0].ID", Code: contactd.EV1100},
				9: {Field: "BIC[1].BICCode", Code: contactd.EV1100},
			}
			for n, w := range want {
				if got := refused[n]; got == nil || got.Field != w.Field || got.Code != w.Code {
					t.Errorf("line %d: got %v, want %s %s", n, got, w.Field, w.Code)
				}
			}
			if len(refused) != len(want) {
				t.Errorf("refused lines %v", refused)
			}
			for _, id := range []string{"069096409", "132243158", "139369673", "049091850"} {
				if _, err := s.Customer(ctx, contactd.CustomerID{Type: contactd.IRD, Value: id}); err != nil {
					t.Errorf("good line's customer %s: %v", id, err)
				}
			}
			// nothing of a refused line: line 7's customer came from line 8
			// only, with its own account
			if a, err := s.Account(ctx, "049091850INC002"); err != nil || a.Customer.Value != "049091850" {
				t.Errorf("line 8's account: %+v %v", a, err)
			}
			for _, id := range []int64{500, 700} {
				if _, err := s.ContactOwner(ctx, id); contactd.ErrorCode(err) != contactd.CST404 {
					t.Errorf("a refused line's contact %d was written: %v", id, err)
				}
			}
			if _, err := s.Customer(ctx, contactd.CustomerID{Type: contactd.IRD, Value: "132244227"}); contactd.ErrorCode(err) != contactd.CST404 {
				t.Errorf("line 9's customer was written: %v", err)
			}
			st.verify(t, s)
		})
	}
}

// TestImportExisting: a held customer is refused by default; merged, it
// gains the accounts and contacts it lacks and keeps what it holds.
func TestImportExisting(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			if _, err := transfer.Import(ctx, s, strings.NewReader(line("069096409", 100)), transfer.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			before := export(t, s)
			var refused []error
			opts := transfer.ImportOptions{Refused: func(_ int, err error) { refused = append(refused, err) }}
			res, err := transfer.Import(ctx, s, strings.NewReader(line("069096409", 100)), opts)
			if err != nil || res.Refused != 1 || !strings.Contains(fmt.Sprint(refused), "already held") {
				t.Fatalf("refuse: %+v %v %v", res, err, refused)
			}
			if !bytes.Equal(before, export(t, s)) {
				t.Fatal("a refused line changed the store")
			}
			// the same customer with a GST account and a SCNDRY contact more,
			// and its held contacts renamed (the merge keeps the held ones)
			more := strings.Replace(line("069096409", 100), `"Name":"A"`, `"Name":"Renamed"`, 1)
			more = strings.TrimSuffix(more, `]}`) + `,{"ID":"069096409GST004","IDType":"ACC","AccountType":"GST","Status":"ACT","FilingFrequency":"ITN03C","Commence":"2010-01-01","Cease":"9999-12-31","Contact":[]}]}`
			more = strings.Replace(more, `"Contact":[{"ContactID":100,`, `"Contact":[{"ContactID":900,"ContactType":"SCNDRY","Name":"C","Updated":"2021-01-01T00:00:00","Phone":[{"PhoneID":901,"PhoneType":"CELL","Country":"NZ","AreaCode":"","PhoneNumber":"0219999999","Extension":""}]},{"ContactID":100,`, 1)
			refused = nil
			opts.Existing = transfer.ExistingMerge
			res, err = transfer.Import(ctx, s, strings.NewReader(more), opts)
			if err != nil || res.Merged != 1 || res.Refused != 0 {
				t.Fatalf("merge: %+v %v %v", res, err, refused)
			}
			r, err := transfer.Read(ctx, s, contactd.CustomerID{Type: contactd.IRD, Value: "069096409"})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Contacts) != 2 || r.Contacts[0].ID != 100 || r.Contacts[0].Name != "A" || r.Contacts[1].ID != 900 {
				t.Errorf("merged contacts %+v", r.Contacts)
			}
			if len(r.Accounts) != 2 || r.Accounts[1].Account.ID != "069096409GST004" {
				t.Errorf("merged accounts %+v", r.Accounts)
			}
			// a merge that would give an owner a second contact of a type
			clash := strings.Replace(line("069096409", 100), `"ContactID":100,`, `"ContactID":950,`, 1)
			clash = strings.Replace(clash, `"PhoneID":101,`, `"PhoneID":951,`, 1)
			refused = nil
			res, err = transfer.Import(ctx, s, strings.NewReader(clash), opts)
			var fe *transfer.FieldError
			if err != nil || res.Refused != 1 || !errors.As(refused[0], &fe) || fe.Code != contactd.CNT101 || fe.Field != "Contact[0].ContactType" {
				t.Fatalf("clash: %+v %v %v", res, err, refused)
			}
		})
	}
}

// TestImportRecordsWithoutID: a record the reads show no ID for (a BIC
// code) gets an ID that no later line's contact or phone carries.
func TestImportRecordsWithoutID(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			first := strings.Replace(line("069096409", 100), `"Name":[],`, `"Name":[],"BIC":[{"BICCode":"A041930"}],`, 1)
			input := first + "\n" + line("132243158", 104) + "\n" + line("139369673", 108) + "\n"
			var refused []error
			res, err := transfer.Import(ctx, s, strings.NewReader(input), transfer.ImportOptions{Batch: 1,
				Refused: func(_ int, err error) { refused = append(refused, err) }})
			if err != nil || res.Imported != 3 || len(refused) > 0 {
				t.Fatalf("%+v %v %v", res, err, refused)
			}
			c, _, err := s.CustomerContacts(ctx, contactd.CustomerID{Type: contactd.IRD, Value: "069096409"})
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Records) != 1 || c.Records[0].Kind != contactd.KindBIC || c.Records[0].ID <= 111 {
				t.Fatalf("records %+v: want the BIC code with an ID above the file's", c.Records)
			}
			st.verify(t, s)
		})
	}
}

// TestImportReplace: a held customer replaced becomes what its line says,
// audited as the import's changes; a line with an ID another customer
// holds is refused naming the field and changes nothing; a new customer
// is imported; a dry run writes nothing.
func TestImportReplace(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			if _, err := transfer.Import(ctx, s, strings.NewReader(line("069096409", 100)+"\n"+line("132243158", 104)+"\n"), transfer.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			a := contactd.CustomerID{Type: contactd.IRD, Value: "069096409"}
			b := contactd.CustomerID{Type: contactd.IRD, Value: "132243158"}
			heldB, err := transfer.Read(ctx, s, b)
			if err != nil {
				t.Fatal(err)
			}
			// A: contact 100 renamed, a BIC code added, the account's contact
			// dropped, the profile changed
			replaced := strings.Replace(line("069096409", 100), `"Name":"A"`, `"Name":"Renamed"`, 1)
			replaced = strings.Replace(replaced, `"Commence":"2000-01-01","Name":[],`, `"Commence":"2001-01-01","Name":[],"BIC":[{"BICCode":"A041930"}],`, 1)
			replaced = replaced[:strings.LastIndex(replaced, `"Contact":[`)] + `"Contact":[]}]}`
			// B: with contact 100, which A holds
			clash := strings.Replace(line("132243158", 104), `"ContactID":104,`, `"ContactID":100,`, 1)
			input := replaced + "\n" + clash + "\n" + line("139369673", 108) + "\n"

			dry := export(t, s)
			res, err := transfer.Import(ctx, s, strings.NewReader(input), transfer.ImportOptions{DryRun: true, Existing: transfer.ExistingReplace})
			if err != nil || res.Imported != 3 || res.Replaced != 0 {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			if !bytes.Equal(dry, export(t, s)) {
				t.Fatal("a dry run with --existing replace changed the store")
			}

			seq := lastAudit(t, s)
			var refused []string
			res, err = transfer.Import(ctx, s, strings.NewReader(input), transfer.ImportOptions{Existing: transfer.ExistingReplace,
				Refused: func(line int, err error) { refused = append(refused, fmt.Sprint(line, ": ", err)) }})
			if err != nil || res.Replaced != 1 || res.Imported != 1 || res.Refused != 1 || res.Lines != 3 {
				t.Fatalf("replace: %+v %v %q", res, err, refused)
			}
			if len(refused) != 1 || !strings.HasPrefix(refused[0], "2: Contact[0].ContactID: EV1100") || !strings.Contains(refused[0], "another owner") {
				t.Errorf("refused %q, want line 2's Contact[0].ContactID", refused)
			}
			r, err := transfer.Read(ctx, s, a)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Contacts) != 1 || r.Contacts[0].ID != 100 || r.Contacts[0].Name != "Renamed" {
				t.Errorf("A's contacts %+v", r.Contacts)
			}
			if len(r.Accounts) != 1 || len(r.Accounts[0].Contacts) != 0 {
				t.Errorf("A's accounts %+v, want its one account without contacts", r.Accounts)
			}
			if len(r.Customer.Records) != 1 || r.Customer.Records[0].Key != "A041930" || !strings.Contains(string(r.Customer.Profile), "2001-01-01") {
				t.Errorf("A: records %+v, profile %s", r.Customer.Records, r.Customer.Profile)
			}
			if got, err := transfer.Read(ctx, s, b); err != nil || fmt.Sprint(got) != fmt.Sprint(heldB) {
				t.Errorf("the refused line's customer changed: %+v %v", got, err)
			}
			audit, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: seq})
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, rec := range audit {
				if rec.Caller != transfer.ImportCaller || rec.RequestID != "import line 1" {
					t.Errorf("audit %+v: want the import's caller and line 1", rec)
				}
				ops = append(ops, rec.Operation)
			}
			if want := "profile.replace contact.cease contact.rename bic.create"; strings.Join(ops, " ") != want {
				t.Errorf("audit operations %q, want %q", ops, want)
			}
			st.verify(t, s)
		})
	}
}

func lastAudit(t *testing.T, s store) int64 {
	t.Helper()
	all, err := s.Audit(context.Background(), contactd.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

// TestImportKeepsPostponedFieldsAsWritten: a bank account (written after
// every line, from a temporary file) keeps &, < and > as the line gives
// them, so that its export is the line's bytes.
func TestImportKeepsPostponedFieldsAsWritten(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			in := strings.Replace(line("069096409", 100), `"Status":"ACT",`,
				`"Status":"ACT","BankAccount":"03-1528-00065296-0050","NameOnBankAccount":"Smith & Sons <Ltd>",`, 1)
			if res, err := transfer.Import(ctx, s, strings.NewReader(in+"\n"), transfer.ImportOptions{}); err != nil || res.Imported != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			out := string(export(t, s))
			if !strings.Contains(out, `"NameOnBankAccount":"Smith & Sons <Ltd>"`) {
				t.Fatalf("export %s: want the bank account's name as written", out)
			}
		})
	}
}

// TestImportReplacesInLineOrder: replaces run at once, but the lines of
// one customer are applied in their order, so the last one wins, whatever
// the other customers' lines around them.
func TestImportReplacesInLineOrder(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			s := st.open(t)
			irds := []string{"069096409", "132243158", "139369673", "148882495", "108882409", "068882311"}
			var in strings.Builder
			for i, ird := range irds {
				fmt.Fprintln(&in, line(ird, int64(100+10*i)))
			}
			if res, err := transfer.Import(ctx, s, strings.NewReader(in.String()), transfer.ImportOptions{}); err != nil || res.Imported != len(irds) {
				t.Fatalf("%+v %v", res, err)
			}
			in.Reset()
			for round := 1; round <= 5; round++ {
				for i, ird := range irds {
					fmt.Fprintln(&in, strings.Replace(line(ird, int64(100+10*i)), `"Name":"A"`, fmt.Sprintf(`"Name":"Round %d"`, round), 1))
				}
			}
			res, err := transfer.Import(ctx, s, strings.NewReader(in.String()), transfer.ImportOptions{Existing: transfer.ExistingReplace})
			if err != nil || res.Replaced != 5*len(irds) || res.Refused != 0 {
				t.Fatalf("%+v %v", res, err)
			}
			for _, ird := range irds {
				r, err := transfer.Read(ctx, s, contactd.CustomerID{Type: contactd.IRD, Value: ird})
				if err != nil || len(r.Contacts) != 1 || r.Contacts[0].Name != "Round 5" {
					t.Fatalf("%s: %+v %v: want the last line's name", ird, r.Contacts, err)
				}
			}
			st.verify(t, s)
		})
	}
}
