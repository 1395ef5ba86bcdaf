package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// FuzzRequestBodies sends arbitrary bodies to every operation of a real
// sandbox: no body ever gets a 500, and every answer is a 200 or an error
// in the published envelope.
func FuzzRequestBodies(f *testing.F) {
	for _, ep := range everyEndpoint {
		f.Add(uint8(0), ep.body)
	}
	f.Add(uint8(3), `{"ContactID":1295148032,"Phone":{"PhoneType":"BSN","Country":"NZ","PhoneNumber":"0"}}`)
	f.Add(uint8(1), `{"ContactID":1295148032,"Contact":{"Name":"\u0000"}}`)
	f.Add(uint8(0), `{"CustomerID":"069096409","CustomerIDType":"IRD","Contact":{"ContactType":"SCNDRY","Phone":[{}]}}`)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	if _, err := sandbox.Seed(ctx, store); err != nil {
		f.Fatal(err)
	}
	h := contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Logger:  discardLogger(),
	})
	token := "Bearer " + mustToken(f)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		ep := everyEndpoint[int(op)%len(everyEndpoint)]
		req := httptest.NewRequest(ep.method, ep.path, strings.NewReader(body))
		req.Header.Set("Authorization", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		b, _ := io.ReadAll(resp.Body)
		switch {
		case resp.StatusCode == http.StatusOK:
		case resp.StatusCode >= 500:
			t.Fatalf("%s %s %q: %d %s", ep.method, ep.path, body, resp.StatusCode, b)
		default:
			errorOf(t, b)
		}
	})
}
