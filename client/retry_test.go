package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd/client"
)

// flaky is a server that answers the first failures requests with a
// failure and then succeeds, recording what each attempt carried.
type flaky struct {
	mu       sync.Mutex
	failures int
	fail     func(w http.ResponseWriter)
	success  string // the body of a success
	headers  []http.Header
	bodies   []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.headers = append(f.headers, r.Header.Clone())
	f.bodies = append(f.bodies, string(body))
	failed := len(f.headers) <= f.failures
	fail, success := f.fail, f.success
	f.mu.Unlock()
	if failed {
		fail(w)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	io.WriteString(w, success)
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.headers)
}

// header is a header of attempt i.
func (f *flaky) header(i int, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.headers[i].Get(name)
}

func (f *flaky) body(i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[i]
}

// set changes how the server answers from now on.
func (f *flaky) set(failures int, success string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures, f.success = failures, success
}

func status(code int, retryAfter string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		io.WriteString(w, `{"errors":[{"code":"EU6001","type":"server","message":"Unexpected error occurred"}]}`)
	}
}

// hangUp drops the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func flakyClient(t *testing.T, f *flaky, opts ...client.Option) *client.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/gateway", append([]client.Option{
		client.WithTokenSource(client.StaticToken("token")),
		client.WithRetries(3, time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetriesIdempotentCalls(t *testing.T) {
	calls := map[string]struct {
		success string
		call    func(c *client.Client) error
	}{
		"GET status":     {"OK", func(c *client.Client) error { return c.Status(ctx, client.ContactAPI) }},
		"PUT contact":    {"", func(c *client.Client) error { return c.RenameContact(ctx, 1, "N") }},
		"PUT phone":      {"", func(c *client.Client) error { return c.UpdatePhone(ctx, 1, nzMobile("0211234567")) }},
		"DELETE phone":   {"", func(c *client.Client) error { return c.DeletePhone(ctx, 1) }},
		"DELETE contact": {"", func(c *client.Client) error { return c.DeleteContact(ctx, 1) }},
		"POST customer": {`{"Customer":{"ID":"069096409","IDType":"IRD","Contact":[]}}`, func(c *client.Client) error {
			_, err := c.Customer(ctx, client.IRD, "069096409")
			return err
		}},
		"POST account": {`{"Account":{"ID":"069096409INC002","IDType":"ACC","Contact":[]}}`, func(c *client.Client) error {
			_, err := c.Account(ctx, "069096409INC002")
			return err
		}},
		"POST list": {`{"Accounts":[]}`, func(c *client.Client) error { _, err := c.ListAccounts(ctx, client.IRD, "069096409"); return err }},
	}
	for name, tc := range calls {
		t.Run(name+" after two 503s", func(t *testing.T) {
			f := &flaky{failures: 2, fail: status(503, ""), success: tc.success}
			if err := tc.call(flakyClient(t, f)); err != nil {
				t.Fatalf("error after retries: %v", err)
			}
			if f.count() != 3 {
				t.Errorf("%d attempts, want 3", f.count())
			}
			if f.body(0) != f.body(2) || f.header(2, "Authorization") != "token" {
				t.Errorf("retry changed the request: %q then %q", f.body(0), f.body(2))
			}
		})
		t.Run(name+" after a dropped connection", func(t *testing.T) {
			f := &flaky{failures: 1, fail: hangUp, success: tc.success}
			if err := tc.call(flakyClient(t, f)); err != nil {
				t.Fatalf("error after retry: %v", err)
			}
		})
	}
}

func TestRetriesEndWithTheLastAnswer(t *testing.T) {
	f := &flaky{failures: 100, fail: status(503, "")}
	err := flakyClient(t, f, client.WithRetries(2, time.Millisecond)).Status(ctx, client.ContactAPI)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 503 || e.Code != client.EU6001 || !e.Temporary() {
		t.Fatalf("error %v, want the 503's EU6001", err)
	}
	if f.count() != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", f.count())
	}

	f = &flaky{failures: 100, fail: status(500, "")}
	flakyClient(t, f, client.WithRetries(0, 0)).Status(ctx, client.ContactAPI)
	if f.count() != 1 {
		t.Errorf("WithRetries(0): %d attempts", f.count())
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 405, 413} {
		f := &flaky{failures: 1, fail: status(code, "")}
		err := flakyClient(t, f).DeleteContact(ctx, 1)
		var e *client.Error
		if !errors.As(err, &e) || e.Status != code {
			t.Errorf("%d: error %v", code, err)
		}
		if f.count() != 1 {
			t.Errorf("%d: %d attempts, want 1", code, f.count())
		}
	}
}

// TestNoRetryOnTokenErrors: EV1020 and EV1021 are 400s, which a retry
// cannot mend, on a call that is otherwise retried.
func TestNoRetryOnTokenErrors(t *testing.T) {
	for _, code := range []client.ErrorCode{client.EV1020, client.EV1021} {
		f := &flaky{failures: 1, fail: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errors":[{"code":"`+string(code)+`","type":"security","message":"x"}]}`)
		}}
		err := flakyClient(t, f).Status(ctx, client.ContactAPI)
		var e *client.Error
		if !errors.As(err, &e) || e.Status != 400 || e.Code != code || e.Temporary() {
			t.Errorf("%s: error %v", code, err)
		}
		if f.count() != 1 {
			t.Errorf("%s: %d attempts, want 1", code, f.count())
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := &flaky{failures: 1, fail: status(429, "1"), success: "OK"}
	start := time.Now()
	if err := flakyClient(t, f).Status(ctx, client.ContactAPI); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, want the 1s Retry-After", waited)
	}
	if f.count() != 2 {
		t.Errorf("%d attempts, want 2", f.count())
	}

	// A wait longer than the context allows ends the call at once.
	f = &flaky{failures: 1, fail: status(429, "30"), success: "OK"}
	c := flakyClient(t, f)
	deadline, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start = time.Now()
	err := c.Status(deadline, client.ContactAPI)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 429 || e.RetryAfter != 30*time.Second {
		t.Fatalf("error %v, want the 429 with its Retry-After", err)
	}
	if time.Since(start) > 2*time.Second || f.count() != 1 {
		t.Errorf("waited %v over %d attempts for a Retry-After past the deadline", time.Since(start), f.count())
	}
}

func TestPOSTWithoutIdempotencyKeyIsNotRetried(t *testing.T) {
	for name, fail := range map[string]func(http.ResponseWriter){"503": status(503, ""), "dropped": hangUp, "429": status(429, "0")} {
		f := &flaky{failures: 1, fail: fail, success: `{"ContactID":5,"PhoneID":6}`}
		c := flakyClient(t, f)
		if _, err := c.CreateContact(ctx, client.CreateContactRequest{CustomerID: "069096409", CustomerIDType: client.IRD}); err == nil {
			t.Errorf("%s: CreateContact succeeded", name)
		}
		if _, err := c.AddPhone(ctx, 1, nzMobile("0211234567")); err != nil {
			t.Errorf("%s: AddPhone after the failure: %v", name, err) // the server answers the next request
		}
		if f.count() != 2 {
			t.Errorf("%s: %d attempts for two calls, want 2", name, f.count())
		}
		if k := f.header(0, "Idempotency-Key"); k != "" {
			t.Errorf("%s: Idempotency-Key %q sent without WithIdempotencyKeys", name, k)
		}
	}
}

func TestPOSTWithIdempotencyKeyIsRetriedWithTheSameKey(t *testing.T) {
	var n int
	var mu sync.Mutex
	keys := func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return "key-" + string(rune('0'+n))
	}
	f := &flaky{failures: 2, fail: status(503, ""), success: `{"ContactID":9005454545846}`}
	c := flakyClient(t, f, client.WithIdempotencyKeys(keys))
	id, err := c.CreateContact(ctx, client.CreateContactRequest{CustomerID: "069096409", CustomerIDType: client.IRD})
	if err != nil || id != 9005454545846 {
		t.Fatalf("CreateContact = %d, %v", id, err)
	}
	if f.count() != 3 {
		t.Fatalf("%d attempts, want 3", f.count())
	}
	for i := range 3 {
		if k := f.header(i, "Idempotency-Key"); k != "key-1" {
			t.Errorf("attempt %d: Idempotency-Key %q, want key-1", i, k)
		}
	}

	// The next creation gets a new key; a key on the context wins.
	f.set(0, `{"ContactID":9005454545846}`)
	if _, err := c.AddPhone(ctx, 1, nzMobile("0211234567")); err == nil {
		t.Error("AddPhone read a ContactID answer as a PhoneID")
	}
	if k := f.header(3, "Idempotency-Key"); k != "key-2" {
		t.Errorf("second call: key %q, want key-2", k)
	}
	f.set(0, `{"PhoneID":7}`)
	if _, err := c.AddPhone(client.ContextWithIdempotencyKey(ctx, "mine"), 1, nzMobile("0211234567")); err != nil {
		t.Fatal(err)
	}
	if k := f.header(4, "Idempotency-Key"); k != "mine" {
		t.Errorf("context key: sent %q", k)
	}
	// Calls that change nothing twice carry no key.
	if err := c.DeletePhone(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if k := f.header(5, "Idempotency-Key"); k != "" {
		t.Errorf("DELETE carried Idempotency-Key %q", k)
	}

	// A context key alone, without WithIdempotencyKeys, also allows retries.
	f2 := &flaky{failures: 1, fail: hangUp, success: `{"PhoneID":8}`}
	plain := flakyClient(t, f2)
	if _, err := plain.AddPhone(client.ContextWithIdempotencyKey(ctx, "k"), 1, nzMobile("0211234567")); err != nil {
		t.Fatalf("AddPhone with a context key after a dropped connection: %v", err)
	}
	if f2.count() != 2 || f2.header(1, "Idempotency-Key") != "k" {
		t.Errorf("%d attempts", f2.count())
	}
}

func TestContextEndsRetries(t *testing.T) {
	f := &flaky{failures: 100, fail: status(503, "")}
	c := flakyClient(t, f, client.WithRetries(10, time.Hour))
	deadline, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Status(deadline, client.ContactAPI); err == nil {
		t.Fatal("no error")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %v with a 200ms deadline", time.Since(start))
	}

	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	if err := c.Status(cancelled, client.ContactAPI); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestTimeoutBoundsEachAttempt(t *testing.T) {
	var mu sync.Mutex
	slow := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		slow++
		first := slow == 1
		mu.Unlock()
		if first {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		io.WriteString(w, "OK")
	}))
	defer srv.Close()
	c, err := client.New(srv.URL+"/gateway", client.WithTimeout(100*time.Millisecond), client.WithRetries(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Status(ctx, client.ContactAPI); err != nil {
		t.Fatalf("the retry after a timed-out attempt failed: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestTokenSourceAskedOnEachAttempt(t *testing.T) {
	var asked int
	var mu sync.Mutex
	ts := client.TokenFunc(func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked++
		return "t" + strings.Repeat("x", asked), nil
	})
	f := &flaky{failures: 1, fail: status(502, ""), success: "OK"}
	if err := flakyClient(t, f, client.WithTokenSource(ts)).Status(ctx, client.ContactAPI); err != nil {
		t.Fatal(err)
	}
	if got := f.header(1, "Authorization"); asked != 2 || got != "txx" {
		t.Errorf("asked %d times; second attempt sent %q", asked, got)
	}

	failing := client.TokenFunc(func(context.Context) (string, error) { return "", errors.New("no key") })
	f = &flaky{success: "OK"}
	if err := flakyClient(t, f, client.WithTokenSource(failing)).Status(ctx, client.ContactAPI); err == nil || f.count() != 0 {
		t.Errorf("a failing token source: error %v after %d requests", err, f.count())
	}
}

func TestErrorWithoutEnvelope(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "req-42")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>upstream down</html>")
	}))
	defer srv.Close()
	c, err := client.New(srv.URL+"/gateway", client.WithRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Status(ctx, client.CustomerAPI)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 502 || e.Code != "" || e.RequestID != "req-42" || !strings.Contains(e.Message, "upstream down") {
		t.Fatalf("error %#v", err)
	}
	if !strings.Contains(e.Error(), "req-42") {
		t.Errorf("Error() = %q lacks the request ID", e.Error())
	}
}

func nzMobile(number string) client.Phone {
	return client.Phone{PhoneType: client.Mobile, Country: "NZ", PhoneNumber: number}
}
