package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditCommand lists, as a table and as JSON lines, the changes made
// over HTTP to a sandbox, filtered by customer and by contact.
func TestAuditCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "audit.db")
	addr := freeAddr(t)
	stop, _ := startServe(t, map[string]string{"CONTACTD_SANDBOX": "true"}, "--addr", addr, "--db", db)
	waitReady(t, "http://"+addr)
	token := sandboxToken(t)
	if status, body := call(t, "PUT", "http://"+addr+"/gateway/contact/contact", token, `{"ContactID":1295148032,"Contact":{"Name":"Audited Rename"}}`); status != 200 {
		t.Fatalf("rename: %d %s", status, body)
	}
	if status, body := call(t, "DELETE", "http://"+addr+"/gateway/contact/phone", token, `{"PhoneID":1004734460042}`); status != 400 {
		t.Fatalf("deleting the last phone: %d %s", status, body)
	}
	if status, body := call(t, "PUT", "http://"+addr+"/gateway/name/name", token, `{"NameID":1004723099665,"FirstName":"Pete","LastName":"Parker"}`); status != 200 {
		t.Fatalf("name update: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	audit := func(args ...string) string {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"audit", "--db", db}, args...), func(string) string { return "" }, &out, &errOut); err != nil {
			t.Fatalf("audit %v: %v %s", args, err, errOut.String())
		}
		return out.String()
	}
	table := audit("--customer", "IRD:069096409")
	if !strings.Contains(table, "contact.rename") || !strings.Contains(table, "Audited Rename") || !strings.Contains(table, "sandbox sandbox") {
		t.Fatalf("table:\n%s", table)
	}
	lines := strings.Split(strings.TrimSpace(audit("--contact", "1295148032", "--format", "json")), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one record for contact 1295148032, got %q", lines)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["operation"] != "contact.rename" || rec["customer"] != "IRD:069096409" {
		t.Fatalf("json line %s (%v)", lines[0], err)
	}
	lines = strings.Split(strings.TrimSpace(audit("--record", "1004723099665", "--format", "json")), "\n")
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &rec) != nil || rec["operation"] != "name.update" ||
		rec["record_id"] != float64(1004723099665) || rec["customer"] != "IRD:132243158" || !strings.Contains(lines[0], `"FirstName":"Pete"`) {
		t.Fatalf("the name's trail: %q", lines)
	}
	if table := audit("--customer", "IRD:132243158"); !strings.Contains(table, "name.update") || !strings.Contains(table, "1004723099665") {
		t.Fatalf("the customer's table does not show its name's change:\n%s", table)
	}
	if out := audit("--customer", "CST:1512100301"); !strings.Contains(out, "(no records)") {
		t.Fatalf("another customer's trail: %s", out)
	}
	if err := run(context.Background(), []string{"audit", "--db", db, "--from", "yesterday"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("bad --from: %v", err)
	}
}
