package http_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/contactd/contactd/api"
)

// TestPublishedSamples replays every published sample of the update APIs
// on a fresh sandbox each and expects the status its name gives and the
// body its response file gives (a new ID may differ from the sample's).
func TestPublishedSamples(t *testing.T) {
	for _, tc := range []struct {
		api      string
		services []string
		least    int
	}{
		{"contact", []string{"contact", "phone"}, 9},
		{"address", []string{"address"}, 7},
		{"name", []string{"name"}, 7},
		{"bic", []string{"bic"}, 7},
	} {
		t.Run(tc.api, func(t *testing.T) {
			if n := replaySamples(t, tc.api, tc.services); n < tc.least {
				t.Fatalf("found %d %s samples, want every published one (%d)", n, tc.api, tc.least)
			}
		})
	}
}

// replaySamples replays the request samples of one API, named
// METHOD_STATUS_..._service_..., and returns how many it found.
func replaySamples(t *testing.T, apiName string, services []string) int {
	dir := "sample-messages/" + apiName
	entries, err := fs.ReadDir(api.Files, dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, e := range entries {
		// A request file's name has "_request" where its response file's has
		// "_response": ..._request.json, ..._request_payload.json,
		// ..._request_with_CST_ID.json.
		name, rest, ok := strings.Cut(e.Name(), "_request")
		if !ok {
			continue
		}
		responseFile := name + "_response" + rest
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
				if slices.Contains(services, strings.ToLower(p)) {
					service = strings.ToLower(p)
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
			status, body := s.do(method, "/gateway/"+apiName+"/"+service, string(req))
			if status != wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, wantStatus, body)
			}
			want, err := fs.ReadFile(api.Files, dir+"/"+responseFile)
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
	return n
}
