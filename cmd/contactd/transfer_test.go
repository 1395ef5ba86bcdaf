package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactd/contactd/sandbox"
)

// TestImportExportCommands: the sandbox exported, imported into a new
// file and exported again gives the same bytes; one customer's export
// comes with its audit trail; a refused line makes the exit status
// non-zero and is reported with its line, field and code.
func TestImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	sandboxDB := filepath.Join(dir, "sandbox.db")
	addr := freeAddr(t)
	stop, _ := startServe(t, nil, "--sandbox", "--addr", addr, "--db", sandboxDB)
	waitReady(t, "http://"+addr)
	if status, body := call(t, "PUT", "http://"+addr+"/gateway/contact/contact", sandboxToken(t), `{"ContactID":1295148032,"Contact":{"Name":"Exported Rename"}}`); status != 200 {
		t.Fatalf("rename: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	exportOf := func(db string, args ...string) string {
		t.Helper()
		out, errOut := &syncBuffer{}, &syncBuffer{}
		if err := run(t.Context(), append([]string{"export", "--db", db}, args...), func(string) string { return "" }, out, errOut); err != nil {
			t.Fatalf("export %v: %v %s", args, err, errOut.String())
		}
		return out.String()
	}
	first := exportOf(sandboxDB)
	file := filepath.Join(dir, "all.jsonl")
	if err := os.WriteFile(file, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	newDB := filepath.Join(dir, "new.db")
	out, err := runCmd(t, nil, "import", "--sandbox", "--db", newDB, file)
	if want := fmt.Sprintf("imported %d customers", len(sandbox.Dataset().Customers)); err != nil || !strings.Contains(out, want) {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if second := exportOf(newDB); second != first {
		t.Fatalf("export, import, export differ:\n%s\n%s", first, second)
	}

	// one customer, with its audit trail
	audit := filepath.Join(dir, "audit.jsonl")
	one := exportOf(sandboxDB, "--customer", "IRD:069096409", "--audit", audit)
	if strings.Count(one, "\n") != 1 || !strings.Contains(one, `"Name":"Exported Rename"`) || !strings.Contains(first, one) {
		t.Fatalf("one customer's export:\n%s", one)
	}
	b, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(b), &rec); err != nil || rec["operation"] != "contact.rename" || rec["customer"] != "IRD:069096409" {
		t.Fatalf("audit file: %s (%v)", b, err)
	}

	// bad lines among good ones: the exit status, the report, dry run;
	// without --sandbox, the first persona's address of UnitType BLDG (as
	// the published samples show it) breaks the Address API's rules
	lines := strings.Split(strings.TrimSpace(first), "\n")
	bad := strings.Replace(lines[1], `"ContactType":"PRIMRY"`, `"ContactType":"BOSS"`, 1)
	mixed := filepath.Join(dir, "mixed.jsonl")
	if err := os.WriteFile(mixed, []byte(lines[2]+"\n"+bad+"\n"+lines[3]+"\n"+lines[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	third := filepath.Join(dir, "third.db")
	out, err = runCmd(t, nil, "import", "--db", third, "--dry-run", mixed)
	if err == nil || !strings.Contains(out, "line 2: ContactType: EV1100") || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if _, err := os.Stat(third); err == nil {
		t.Fatal("the dry run created the database")
	}
	out, err = runCmd(t, nil, "import", "--db", third, mixed)
	if err == nil || !strings.Contains(out, "line 2: ContactType: EV1100") || !strings.Contains(out, "line 4: Accounts[0].Address[0]: ADR102") ||
		!strings.Contains(out, "imported 2 customers, merged 0, replaced 0, refused 2 of 4 lines") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := runCmd(t, nil, "export", "--db", third, "--customer", "IRD:069096409"); err == nil || !strings.Contains(out, "not held") {
		t.Fatalf("the refused line's customer: %v\n%s", err, out)
	}
	if out, err := runCmd(t, nil, "import", "--db", third, "--existing", "overwrite", mixed); err == nil || !strings.Contains(out, "refuse, merge or replace") {
		t.Fatalf("--existing overwrite: %v\n%s", err, out)
	}
}
