package contactd

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/contactd/contactd/api"
)

// yamlCodeRow is one row of a YAML's error table: <td>CODE</td><td>message</td>.
var yamlCodeRow = regexp.MustCompile(`<td>([A-Z]{2,3}[0-9]{3,4})</td><td>([^<]*)</td>`)

// yamlMessages reads every error table of the embedded YAMLs: code -> the
// messages given for it (one, when the YAMLs agree).
func yamlMessages(t *testing.T) map[Code][]string {
	t.Helper()
	files, err := fs.Glob(api.Files, "*.yaml")
	if err != nil || len(files) != 8 {
		t.Fatalf("YAML files %q: %v", files, err)
	}
	got := make(map[Code][]string)
	for _, f := range files {
		data, err := api.Files.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range yamlCodeRow.FindAllStringSubmatch(string(data), -1) {
			c := Code(m[1])
			if !slices.Contains(got[c], m[2]) {
				got[c] = append(got[c], m[2])
			}
		}
	}
	return got
}

// TestCatalogueMessagesAreTheYAMLs: every code of the catalogue has the one
// message every YAML gives it, and every code a YAML lists is in the
// catalogue but BIC000 (see Codes).
func TestCatalogueMessagesAreTheYAMLs(t *testing.T) {
	published := yamlMessages(t)
	for _, c := range Codes() {
		msgs := published[c]
		if len(msgs) != 1 {
			t.Errorf("%s: the YAMLs give %q", c, msgs)
			continue
		}
		if c.Message() != msgs[0] {
			t.Errorf("%s: Message() = %q, the YAMLs say %q", c, c.Message(), msgs[0])
		}
	}
	for c := range published {
		if !slices.Contains(Codes(), c) && c != "BIC000" {
			t.Errorf("%s is in a YAML but not in Codes()", c)
		}
	}
}

// TestCatalogueMessagesMatchTestDetails compares the catalogue with IRD's
// error table in TEST-DETAILS.md. It drops the final full stop of some
// messages, shortens EV1100's to "Invalid input parameters" and has no text
// for BIC101-BIC103 and NAM102: the YAML wins.
func TestCatalogueMessagesMatchTestDetails(t *testing.T) {
	data, err := api.Files.ReadFile("TEST-DETAILS.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "|||||ACT100|") })
	if i < 0 || i+1 >= len(lines) {
		t.Fatal("TEST-DETAILS.md: no error table")
	}
	cell := func(s string) string {
		return strings.TrimSpace(strings.ReplaceAll(s, "<br/>", ""))
	}
	codes, texts := strings.Split(lines[i], "|"), strings.Split(lines[i+1], "|")
	found := 0
	for j, c := range codes {
		code := Code(cell(c))
		if code == "" || j >= len(texts) {
			continue
		}
		text := cell(texts[j])
		if text == "" {
			if !slices.Contains([]Code{BIC101, BIC102, BIC103}, code) {
				t.Errorf("%s: TEST-DETAILS.md gives no text", code)
			}
			continue
		}
		found++
		if !slices.Contains(Codes(), code) {
			t.Errorf("%s: in TEST-DETAILS.md, not in Codes()", code)
			continue
		}
		if code == EV1100 && text == "Invalid input parameters" {
			continue
		}
		if strings.TrimSuffix(code.Message(), ".") != strings.TrimSuffix(text, ".") {
			t.Errorf("%s: Message() = %q, TEST-DETAILS.md says %q", code, code.Message(), text)
		}
	}
	if found < 19 {
		t.Errorf("only %d messages in TEST-DETAILS.md", found)
	}
}

// TestCatalogueMessagesMatchPublishedSamples: every error a published
// response sample shows has the catalogue's code, type and message (EV1100
// followed by the field).
func TestCatalogueMessagesMatchPublishedSamples(t *testing.T) {
	files, err := fs.Glob(api.Files, "sample-messages/*/*response*.json")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, f := range files {
		data, err := api.Files.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Errors []struct{ Code, Type, Message string }
		}
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, e := range r.Errors {
			n++
			c := Code(e.Code)
			if !slices.Contains(Codes(), c) {
				t.Errorf("%s: code %s not in Codes()", f, c)
			}
			msg := e.Message
			if c == EV1100 {
				msg, _, _ = strings.Cut(msg, ": ")
			}
			if msg != c.Message() || e.Type != c.Type() {
				t.Errorf("%s: %s %q %q, catalogue says %q %q", f, c, e.Type, e.Message, c.Type(), c.Message())
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d errors in the samples", n)
	}
}

func TestCodesAreUniqueAndHaveMessages(t *testing.T) {
	seen := make(map[Code]bool)
	for _, c := range Codes() {
		if seen[c] {
			t.Errorf("%s listed twice", c)
		}
		seen[c] = true
		if c.Message() == "" {
			t.Errorf("%s has no message", c)
		}
	}
	if len(seen) != len(messages) {
		t.Errorf("Codes() lists %d codes, messages holds %d", len(seen), len(messages))
	}
}
