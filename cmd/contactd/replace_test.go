package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactd/contactd/postgres/pgtest"
)

// importLine is a customer line with one account and one contact on each,
// IDs from base.
func importLine(ird string, base int64) string {
	return fmt.Sprintf(`{"ID":%q,"IDType":"IRD","Commence":"2000-01-01","Name":[],`+
		`"Contact":[{"ContactID":%d,"ContactType":"PRIMRY","Name":"A","Updated":"2021-01-01T00:00:00","Phone":[{"PhoneID":%d,"PhoneType":"CELL","Country":"NZ","AreaCode":"","PhoneNumber":"0211234567","Extension":""}]}],`+
		`"Accounts":[{"ID":"%sINC002","IDType":"ACC","AccountType":"INC","Status":"ACT","FilingFrequency":"ITN03C","Commence":"2010-01-01","Cease":"9999-12-31",`+
		`"Contact":[{"ContactID":%d,"ContactType":"SCNDRY","Name":"B","Updated":"2021-01-01T00:00:00","Phone":[{"PhoneID":%d,"PhoneType":"HOM","Country":"NZ","AreaCode":"","PhoneNumber":"041234567","Extension":""}]}]}]}`,
		ird, base, base+1, ird, base+2, base+3)
}

// TestImportReplaceCommand: `contactd import --existing replace` replaces
// a held customer (audited, as the import's change), refuses a line with
// an ID another customer holds naming its field, counts both in its
// result line, and with --dry-run writes nothing; on SQLite and
// PostgreSQL.
func TestImportReplaceCommand(t *testing.T) {
	for _, db := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "contactd.db") }},
		{"PostgreSQL", func(t *testing.T) string { _, u := pgtest.Schema(t); return u }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dir := t.TempDir()
			dbURL := db.url(t)
			write := func(name string, lines ...string) string {
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				return path
			}
			first := write("first.jsonl", importLine("069096409", 100), importLine("132243158", 104))
			if out, err := runCmd(t, nil, "import", "--db", dbURL, first); err != nil || !strings.Contains(out, "imported 2 customers, merged 0, replaced 0, refused 0 of 2 lines") {
				t.Fatalf("import: %v\n%s", err, out)
			}
			// A: contact 100 renamed, a BIC code added, its account's contact
			// dropped; B: with contact 100, which A holds
			a := strings.Replace(importLine("069096409", 100), `"Name":"A"`, `"Name":"Renamed"`, 1)
			a = strings.Replace(a, `"Name":[],`, `"Name":[],"BIC":[{"BICCode":"A041930"}],`, 1)
			a = a[:strings.LastIndex(a, `"Contact":[`)] + `"Contact":[]}]}`
			b := strings.Replace(importLine("132243158", 104), `"ContactID":104,`, `"ContactID":100,`, 1)
			second := write("second.jsonl", a, b)

			exportA := func() string {
				t.Helper()
				out, err := runCmd(t, nil, "export", "--db", dbURL, "--customer", "IRD:069096409")
				if err != nil {
					t.Fatalf("export: %v\n%s", err, out)
				}
				return out
			}
			before := exportA()
			out, err := runCmd(t, nil, "import", "--db", dbURL, second)
			if err == nil || !strings.Contains(out, "line 1: ID: EV1100") || !strings.Contains(out, "--existing=replace") {
				t.Fatalf("import without --existing: %v\n%s", err, out)
			}
			out, err = runCmd(t, nil, "import", "--db", dbURL, "--existing", "replace", "--dry-run", second)
			if err != nil || !strings.Contains(out, "dry run") || exportA() != before {
				t.Fatalf("dry run: %v\n%s", err, out)
			}
			out, err = runCmd(t, nil, "import", "--db", dbURL, "--existing", "replace", second)
			if err == nil || !strings.Contains(out, "line 2: Contact[0].ContactID: EV1100") ||
				!strings.Contains(out, "imported 0 customers, merged 0, replaced 1, refused 1 of 2 lines") {
				t.Fatalf("import --existing replace: %v\n%s", err, out)
			}
			after := exportA()
			if !strings.Contains(after, `"Name":"Renamed"`) || !strings.Contains(after, `"BICCode":"A041930"`) ||
				!strings.HasSuffix(strings.TrimSpace(after), `"Contact":[]}]}`) {
				t.Errorf("A after the replace:\n%s", after)
			}
			out, err = runCmd(t, nil, "audit", "--db", dbURL, "--customer", "IRD:069096409", "--format", "json")
			if err != nil || strings.Count(out, `"contactd import"`) != 3 ||
				!strings.Contains(out, `"contact.rename"`) || !strings.Contains(out, `"contact.cease"`) || !strings.Contains(out, `"bic.create"`) {
				t.Errorf("audit of A: %v\n%s", err, out)
			}
			// the same file again: A is as its line says, B still refused
			out, err = runCmd(t, nil, "import", "--db", dbURL, "--existing", "replace", second)
			if err == nil || !strings.Contains(out, "replaced 1, refused 1 of 2 lines") || exportA() != after {
				t.Fatalf("import --existing replace again: %v\n%s", err, out)
			}
		})
	}
}
