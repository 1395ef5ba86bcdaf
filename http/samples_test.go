package http_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/contactd/contactd/api"
)

// TestPublishedContactSamples replays every published contact sample on a
// fresh sandbox and expects the status its name gives and the body its
// response file gives (a new ID may differ from the sample's).
func TestPublishedContactSamples(t *testing.T) {
	const dir = "sample-messages/contact"
	entries, err := fs.ReadDir(api.Files, dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), "_request.json")
		if !ok {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			parts := strings.Split(name, "_")
			method := parts[0]
			wantStatus, err := strconv.Atoi(parts[1])
			if err != nil {
				t.Fatalf("sample name %q has no status", name)
			}
			service := ""
			for _, p := range parts[2:] {
				if p == "contact" || p == "phone" {
					service = p
					break
				}
			}
			if service == "" {
				t.Fatalf("sample name %q names no service", name)
			}
			req, err := fs.ReadFile(api.Files, dir+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			s := newSandbox(t)
			status, body := s.do(method, "/gateway/contact/"+service, string(req))
			if status != wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, wantStatus, body)
			}
			want, err := fs.ReadFile(api.Files, dir+"/"+name+"_response.json")
			if err != nil {
				if len(body) != 0 {
					t.Fatalf("sample has no response body, got %s", body)
				}
				return
			}
			var wantV, gotV map[string]any
			if err := json.Unmarshal(want, &wantV); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(body, &gotV); err != nil {
				t.Fatalf("response is not JSON: %s", body)
			}
			if wantStatus == http.StatusOK {
				// A new ID differs: compare the keys, and check the ID.
				for k := range wantV {
					newID(t, body, k)
				}
				return
			}
			if !reflect.DeepEqual(wantV, gotV) {
				t.Fatalf("body %s, want %s", body, want)
			}
		})
	}
	if n < 9 {
		t.Fatalf("found %d contact samples, want every published one", n)
	}
}
