package storetest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

// textInputs are names a caller may send: each is either refused by the
// request validator before any store sees it, or must come back from
// every store exactly as sent.
var textInputs = []string{
	"Ana Tane",
	"O'Brien \"Junior\" \\ / %_ ; -- DROP TABLE contact",
	"Māori Ōtautahi 日本語 Ελληνικά עברית العربية",
	"emoji 😀👩‍👩‍👧 and a combining e\u0301",
	"a\u00a0no-break space, a\u2028line separator, a\u200bzero width space",
	"\ufffd replacement, \U0010FFFD last plane",
	strings.Repeat("😀", 255), // the longest name, in 4-byte characters
	" leading and trailing spaces ",
	"nul \u0000 inside",
	"tab\tinside",
	"new\nline",
	"carriage\rreturn",
	"escape \u001b[31m",
	"delete \u007f",
	"C1 \u0085 next line",
	"C1 \u009b CSI",
}

// testTextInputs runs textInputs through the request validator and then,
// for those it accepts, through the store: created, renamed and read back.
func testTextInputs(t *testing.T, s contactd.Store) {
	loadDefault(t, s)
	owner := customerOwner(t, s, custB)
	post := api.RequestSchema("contact_POST_Request")
	var live int64
	for i, name := range textInputs {
		body, err := json.Marshal(map[string]any{"CustomerID": custB.Value, "CustomerIDType": string(custB.Type),
			"Contact": map[string]any{"ContactType": "PRIMRY", "Name": name,
				"Phone": []map[string]string{{"PhoneType": "BSN", "Country": "NZ", "PhoneNumber": "044451153"}}}})
		if err != nil {
			t.Fatal(err)
		}
		refused := post.Validate(body)
		control := strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f })
		switch {
		case control && refused != "Name":
			t.Errorf("input %d %q: validator answered %q, want Name refused", i, name, refused)
			continue
		case control:
			continue
		case refused != "":
			t.Errorf("input %d %q: refused naming %q", i, name, refused)
			continue
		}
		if live != 0 {
			must(t, "CeaseContact", s.CeaseContact(ctx, live, At(t0)))
		}
		live, err = s.CreateContact(ctx, owner, contactd.Contact{Type: contactd.Primary, Name: name, Phones: phones(1)}, At(t0))
		if err != nil {
			t.Errorf("input %d %q: CreateContact: %v", i, name, err)
			live = 0
			continue
		}
		if got := contact(t, s, owner, live).Name; got != name {
			t.Errorf("input %d: created %q, read back %q", i, name, got)
		}
		must(t, "RenameContact", s.RenameContact(ctx, live, "x", At(t0)))
		if err := s.RenameContact(ctx, live, name, At(t0)); err != nil {
			t.Errorf("input %d %q: RenameContact: %v", i, name, err)
			continue
		}
		if got := contact(t, s, owner, live).Name; got != name {
			t.Errorf("input %d: renamed to %q, read back %q", i, name, got)
		}
	}
}
