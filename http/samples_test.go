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

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

// TestPublishedSamples replays every published sample of the update APIs
// and the Period API on a fresh sandbox each and expects the status its
// name gives and the body its response file gives (a new ID may differ
// from the sample's; a period list is compared whole).
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
		{"bank", []string{"bank"}, 6},
		{"period", []string{"list"}, 4},
	} {
		t.Run(tc.api, func(t *testing.T) {
			if n := replaySamples(t, tc.api, tc.services); n < tc.least {
				t.Fatalf("found %d %s samples, want every published one (%d)", n, tc.api, tc.least)
			}
		})
	}
}

// sampleSetup are the published samples that must run before a sample, on
// its sandbox: the international bank account sample needs the Australian
// PRFLOC the Address API's sample creates (api/SANDBOX-SUITE.md decision 7).
var sampleSetup = map[string][]string{
	"POST_200_bank_Create_international_bank_account": {"address/POST_200_address_create_Australian_address_request.json"},
}

// sampleCodes are the error codes of the published samples that have no
// response file (the bank samples), as their names describe them.
var sampleCodes = map[string]contactd.Code{
	"DELETE_400_Delete_bank_account_provided_does_not_have_an_existing_bank_account": contactd.BNK101,
	"POST_400_bank_no_physical_address_for_the_customer":                             contactd.BNK102,
}

// replaySamples replays the request samples of one API, named
// METHOD_STATUS_..._service_..., and returns how many it found. A request
// file's name has "_request" where its response file's has "_response";
// the bank samples have no response files and some lack "_request": every
// file without "_response" is a request there.
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
			if strings.Contains(e.Name(), "_response") {
				continue
			}
			name, rest = strings.TrimSuffix(e.Name(), ".json"), ".json"
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
			for _, setup := range sampleSetup[name] {
				b, err := fs.ReadFile(api.Files, "sample-messages/"+setup)
				if err != nil {
					t.Fatal(err)
				}
				setupAPI, _, _ := strings.Cut(setup, "/")
				status, body := s.do("POST", "/gateway/"+setupAPI+"/"+setupAPI, string(b))
				wantOK(t, status, body)
			}
			status, body := s.do(method, "/gateway/"+apiName+"/"+service, string(req))
			// EV1022 is 403 (api/SPEC-README.md wins over a sample's name
			// on its status).
			if strings.Contains(name, "_EV1022_") {
				wantStatus = http.StatusForbidden
			}
			if status != wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, wantStatus, body)
			}
			want, err := fs.ReadFile(api.Files, dir+"/"+responseFile)
			if code, ok := sampleCodes[name]; ok && err != nil {
				if e := errorOf(t, body); e.Code != string(code) || e.Message != code.Message() || e.Type != code.Type() {
					t.Fatalf("body %s, want %s %q", body, code, code.Message())
				}
				return
			}
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
			if wantStatus == http.StatusOK && apiName != "period" {
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
