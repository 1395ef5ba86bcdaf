package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of a Client.
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 2
	DefaultBackoff = 250 * time.Millisecond
)

const (
	// maxBackoff bounds the exponential wait between attempts.
	maxBackoff = 30 * time.Second
	// maxRetryAfter is the longest Retry-After the client waits for; an
	// answer asking for longer is returned (see Error.RetryAfter).
	maxRetryAfter = 2 * time.Minute
	// maxRetryAfterSecs keeps a huge Retry-After from overflowing.
	maxRetryAfterSecs = 1 << 30
	// maxResponseBytes bounds a response body read.
	maxResponseBytes = 4 << 20
	// maxRequestIDLen is the longest X-Request-ID the server keeps.
	maxRequestIDLen = 128
)

// Version is the client's release, as its User-Agent names it.
const Version = "0.1.0"

// userAgent is the client's product token, after the caller's own (see
// WithUserAgent).
const userAgent = "contactd-client-go/" + Version

// Client calls the Contact, Customer and Account APIs under one base URL.
// It is safe for concurrent use.
type Client struct {
	base    string // scheme://host/.../gateway, no trailing slash
	http    *http.Client
	tokens  TokenSource
	timeout time.Duration
	retries int
	backoff time.Duration
	keys    func() string
	agent   string // the User-Agent header
}

// Option configures a Client.
type Option func(*settings) error

type settings struct {
	Client
	tls *tls.Config
}

// WithHTTPClient sends the requests through hc instead of
// http.DefaultClient. Options that change the transport (WithTLS) work on
// a copy; hc itself is never modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("client: WithHTTPClient: nil client")
		}
		s.http = hc
		return nil
	}
}

// WithTokenSource sets the credentials sent on every request.
func WithTokenSource(ts TokenSource) Option {
	return func(s *settings) error {
		s.tokens = ts
		return nil
	}
}

// WithTimeout bounds each attempt of a call, from sending the request to
// reading the whole answer (DefaultTimeout by default; 0 for no bound). The
// call's context bounds the call as a whole, retries included.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return errors.New("client: WithTimeout: negative timeout")
		}
		s.timeout = d
		return nil
	}
}

// WithRetries sets how many times a retryable call is tried again (n, 0
// for never; DefaultRetries by default) and the wait before the first
// retry, which doubles with each further one, with jitter, up to 30s. A
// Retry-After header of a 429 or 5xx answer sets the wait instead; one
// asking for more than two minutes ends the call with that answer.
func WithRetries(n int, backoff time.Duration) Option {
	return func(s *settings) error {
		if n < 0 || backoff < 0 {
			return errors.New("client: WithRetries: negative count or backoff")
		}
		s.retries, s.backoff = n, backoff
		return nil
	}
}

// WithTLS presents a client certificate for mutual TLS and trusts the
// server certificates that rootCAsPEM's certificates sign (nil: the
// system's roots). certPEM may hold the intermediate certificates after the
// client certificate. TLS 1.2 is the least version used.
func WithTLS(certPEM, keyPEM, rootCAsPEM []byte) Option {
	return func(s *settings) error {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("client: WithTLS: %w", err)
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		if rootCAsPEM != nil {
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(rootCAsPEM) {
				return errors.New("client: WithTLS: no certificate in rootCAsPEM")
			}
		}
		s.tls = cfg
		return nil
	}
}

// WithIdempotencyKeys sends an Idempotency-Key header, a new key from
// newKey for each call, on the calls that create something (CreateContact
// and AddPhone), which lets them be retried: every attempt of a call
// carries the same key, so a server that honours the header acts once.
// NewIdempotencyKey is a suitable newKey. A key set on the call's context
// (ContextWithIdempotencyKey) is sent instead.
func WithIdempotencyKeys(newKey func() string) Option {
	return func(s *settings) error {
		s.keys = newKey
		return nil
	}
}

// WithUserAgent names the caller's software in the User-Agent header, as
// "product contactd-client-go/VERSION": give a product token such as
// "acme-payroll/2.3" so that the operator can tell callers apart.
func WithUserAgent(product string) Option {
	return func(s *settings) error {
		product = strings.TrimSpace(product)
		if product == "" || strings.ContainsFunc(product, func(r rune) bool { return r < ' ' || r > '~' }) {
			return fmt.Errorf("client: WithUserAgent %q: want printable ASCII such as name/version", product)
		}
		s.agent = product + " " + userAgent
		return nil
	}
}

// NewIdempotencyKey returns a new random key.
func NewIdempotencyKey() string { return rand.Text() }

type idempotencyKey struct{}

// ContextWithIdempotencyKey sets the Idempotency-Key of the CreateContact or
// AddPhone call made with the returned context: a caller that keeps the
// key with its own record of the change can repeat the call, even from
// another process, without creating twice.
func ContextWithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}

type requestIDKey struct{}

// ContextWithRequestID sets the X-Request-ID of the calls made with the
// returned context, so that the caller's own trace ID reaches the server's
// logs and audit trail. id must be 1 to 128 printable ASCII characters
// without spaces, or the call fails. Without one, each call sends a new
// random ID. Every attempt of a call sends the same ID.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// CallInfo describes a finished call (see ContextWithCallInfo).
type CallInfo struct {
	// RequestID is the call's X-Request-ID: the one the last answer
	// carried, else the one sent.
	RequestID string
	// Status is the HTTP status of the last answer, 0 when none came.
	Status int
	// Attempts is how many times the request was sent, retries included.
	Attempts int
}

type callInfoKey struct{}

// ContextWithCallInfo returns a context whose call fills *info when it
// ends, on success and on failure alike: the way to learn the request ID of
// a call that succeeded.
//
//	var info client.CallInfo
//	id, err := c.CreateContact(client.ContextWithCallInfo(ctx, &info), req)
//	log.Printf("contact %d, request %s", id, info.RequestID)
func ContextWithCallInfo(ctx context.Context, info *CallInfo) context.Context {
	return context.WithValue(ctx, callInfoKey{}, info)
}

// New returns a client of the APIs under baseURL, such as
// "https://host/gateway", "https://host/secure/gateway" or
// "http://127.0.0.1:8080/gateway". A URL with no path gets "/gateway".
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host/path", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if u.Path == "" {
		u.Path = "/gateway"
	}
	s := settings{Client: Client{
		base:    u.String(),
		http:    http.DefaultClient,
		timeout: DefaultTimeout,
		retries: DefaultRetries,
		backoff: DefaultBackoff,
		agent:   userAgent,
	}}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	if s.tls != nil {
		hc, err := withTLSConfig(s.http, s.tls)
		if err != nil {
			return nil, err
		}
		s.http = hc
	}
	c := s.Client
	return &c, nil
}

// withTLSConfig returns a copy of hc whose transport presents cfg's
// certificate and trusts its roots.
func withTLSConfig(hc *http.Client, cfg *tls.Config) (*http.Client, error) {
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("client: WithTLS needs an *http.Transport, the HTTP client has a %T", rt)
	}
	t = t.Clone()
	merged := cfg
	if t.TLSClientConfig != nil {
		merged = t.TLSClientConfig.Clone()
		merged.Certificates = cfg.Certificates
		if cfg.RootCAs != nil {
			merged.RootCAs = cfg.RootCAs
		}
		if merged.MinVersion < tls.VersionTLS12 {
			merged.MinVersion = tls.VersionTLS12
		}
	}
	t.TLSClientConfig = merged
	copied := *hc
	copied.Transport = t
	return &copied, nil
}

// call is one API call.
type call struct {
	method  string
	path    string // "contact/contact"
	body    any    // nil for none
	out     any    // decoded from a 2xx answer; nil to ignore its body
	retry   bool   // safe to send again
	creates bool   // may carry an Idempotency-Key
}

// CreateContact adds a contact with its 1 to 5 phones to a customer or an
// account and returns its ContactID.
func (c *Client) CreateContact(ctx context.Context, req CreateContactRequest) (int64, error) {
	if req.AccountID != "" && req.AccountIDType == "" {
		req.AccountIDType = ACC
	}
	if req.Contact.Phone == nil {
		req.Contact.Phone = []Phone{} // no phones is CNT103; null would be EV1100 (Phone missing)
	}
	var out struct{ ContactID int64 }
	if err := c.do(ctx, call{method: http.MethodPost, path: "contact/contact", body: req, out: &out, creates: true}); err != nil {
		return 0, err
	}
	if out.ContactID <= 0 {
		return 0, errors.New("client: answer carries no ContactID")
	}
	return out.ContactID, nil
}

// RenameContact changes a contact's name.
func (c *Client) RenameContact(ctx context.Context, contactID int64, name string) error {
	type contact struct{ Name string }
	body := struct {
		ContactID int64
		Contact   contact
	}{contactID, contact{name}}
	return c.do(ctx, call{method: http.MethodPut, path: "contact/contact", body: body, retry: true})
}

// DeleteContact deletes a contact and all its phones, for good.
func (c *Client) DeleteContact(ctx context.Context, contactID int64) error {
	body := struct{ ContactID int64 }{contactID}
	return c.do(ctx, call{method: http.MethodDelete, path: "contact/contact", body: body, retry: true})
}

// AddPhone adds a phone to a contact, which may hold at most five, and
// returns its PhoneID.
func (c *Client) AddPhone(ctx context.Context, contactID int64, p Phone) (int64, error) {
	body := struct {
		ContactID int64
		Phone     Phone
	}{contactID, p}
	var out struct{ PhoneID int64 }
	if err := c.do(ctx, call{method: http.MethodPost, path: "contact/phone", body: body, out: &out, creates: true}); err != nil {
		return 0, err
	}
	if out.PhoneID <= 0 {
		return 0, errors.New("client: answer carries no PhoneID")
	}
	return out.PhoneID, nil
}

// UpdatePhone replaces every field of a phone.
func (c *Client) UpdatePhone(ctx context.Context, phoneID int64, p Phone) error {
	body := struct {
		PhoneID int64
		Phone   Phone
	}{phoneID, p}
	return c.do(ctx, call{method: http.MethodPut, path: "contact/phone", body: body, retry: true})
}

// DeletePhone deletes a phone; a contact's last phone cannot be deleted
// (CNT103): delete the contact instead.
func (c *Client) DeletePhone(ctx context.Context, phoneID int64) error {
	body := struct{ PhoneID int64 }{phoneID}
	return c.do(ctx, call{method: http.MethodDelete, path: "contact/phone", body: body, retry: true})
}

// CreateAddress adds an address to a customer or an account and returns
// its AddressID: ADR101 when the owner holds a live address of that type.
func (c *Client) CreateAddress(ctx context.Context, req CreateAddressRequest) (int64, error) {
	if req.AccountID != "" && req.AccountIDType == "" {
		req.AccountIDType = ACC
	}
	var out struct{ AddressID int64 }
	if err := c.do(ctx, call{method: http.MethodPost, path: "address/address", body: req, out: &out, creates: true}); err != nil {
		return 0, err
	}
	if out.AddressID <= 0 {
		return 0, errors.New("client: answer carries no AddressID")
	}
	return out.AddressID, nil
}

// UpdateAddress replaces an address with exactly one of a (its parts) and
// dp (a New Zealand delivery point); its ID and type stay.
func (c *Client) UpdateAddress(ctx context.Context, addressID int64, a *AddressFields, dp *DeliveryPoint) error {
	body := struct {
		AddressID  int64
		Address    *AddressFields `json:",omitempty"`
		NewZealand *DeliveryPoint `json:",omitempty"`
	}{addressID, a, dp}
	return c.do(ctx, call{method: http.MethodPut, path: "address/address", body: body, retry: true})
}

// DeleteAddress deletes an address for good; a customer's LOC cannot be
// deleted (ADR100).
func (c *Client) DeleteAddress(ctx context.Context, addressID int64) error {
	body := struct{ AddressID int64 }{addressID}
	return c.do(ctx, call{method: http.MethodDelete, path: "address/address", body: body, retry: true})
}

// CreateName adds a preferred (Preferred) or trade (Trade) name to a
// customer and returns its NameID: NAM101 when it holds one of that type.
func (c *Client) CreateName(ctx context.Context, idType, id, nameType string, n NameParts) (int64, error) {
	body := struct {
		CustomerID, CustomerIDType, Type string
		NameParts
	}{id, idType, nameType, n}
	var out struct{ NameID int64 }
	if err := c.do(ctx, call{method: http.MethodPost, path: "name/name", body: body, out: &out, creates: true}); err != nil {
		return 0, err
	}
	if out.NameID <= 0 {
		return 0, errors.New("client: answer carries no NameID")
	}
	return out.NameID, nil
}

// UpdateName replaces the parts of a name; its ID and type stay.
func (c *Client) UpdateName(ctx context.Context, nameID int64, n NameParts) error {
	body := struct {
		NameID int64
		NameParts
	}{nameID, n}
	return c.do(ctx, call{method: http.MethodPut, path: "name/name", body: body, retry: true})
}

// DeleteName deletes a name for good; the legal name cannot be deleted
// (NAM100).
func (c *Client) DeleteName(ctx context.Context, nameID int64) error {
	body := struct{ NameID int64 }{nameID}
	return c.do(ctx, call{method: http.MethodDelete, path: "name/name", body: body, retry: true})
}

// AddBIC adds a BIC code to a customer, commencing on commence
// (YYYY-MM-DD, "" for today; never in the future: BIC102); a code the
// customer holds takes the new commence date. Sent again it does the same,
// so it is retried.
func (c *Client) AddBIC(ctx context.Context, idType, id, code, commence string) error {
	body := struct {
		CustomerID, CustomerIDType, BICCode string
		Commence                            string `json:",omitempty"`
	}{id, idType, code, commence}
	return c.do(ctx, call{method: http.MethodPost, path: "bic/bic", body: body, retry: true})
}

// DeleteBIC ceases a customer's BIC code on cease (YYYY-MM-DD, "" for
// today; never in the future: BIC103): BIC101 when the customer does not
// hold the code.
func (c *Client) DeleteBIC(ctx context.Context, idType, id, code, cease string) error {
	body := struct {
		CustomerID, CustomerIDType, BICCode string
		Cease                               string `json:",omitempty"`
	}{id, idType, code, cease}
	return c.do(ctx, call{method: http.MethodDelete, path: "bic/bic", body: body, retry: true})
}

// SetBankAccount gives an account its refund bank account, replacing the
// one it has (BNK100 for an invalid number, BNK102 for an international
// account without a physical address in its country).
func (c *Client) SetBankAccount(ctx context.Context, req SetBankAccountRequest) error {
	if req.AccountIDType == "" {
		req.AccountIDType = ACC
	}
	return c.do(ctx, call{method: http.MethodPost, path: "bank/bank", body: req, creates: true})
}

// DeleteBankAccount removes an account's refund bank account (ACC account
// ID): BNK101 when it has none.
func (c *Client) DeleteBankAccount(ctx context.Context, accountID string) error {
	body := struct{ AccountID, AccountIDType string }{accountID, ACC}
	return c.do(ctx, call{method: http.MethodDelete, path: "bank/bank", body: body, retry: true})
}

// Periods lists an account's filing periods (ACC account ID) whose end
// falls within from..to (YYYY-MM-DD; "" for no bound), newest first.
func (c *Client) Periods(ctx context.Context, accountID, from, to string) ([]Period, error) {
	body := struct {
		AccountID, AccountIDType string
		FromDate                 string `json:",omitempty"`
		ToDate                   string `json:",omitempty"`
	}{accountID, ACC, from, to}
	var out struct{ Periods []Period }
	if err := c.do(ctx, call{method: http.MethodPost, path: "period/list", body: body, out: &out, retry: true}); err != nil {
		return nil, err
	}
	return out.Periods, nil
}

type customerRequest struct{ CustomerID, CustomerIDType string }

// Customer reads a customer, by IRD number (idType IRD, nine digits) or
// customer identifier (CST), with its names, addresses, BIC codes and
// customer-level contacts.
func (c *Client) Customer(ctx context.Context, idType, id string) (*Customer, error) {
	var out struct{ Customer *Customer }
	if err := c.do(ctx, call{method: http.MethodPost, path: "customer/customer", body: customerRequest{id, idType}, out: &out, retry: true}); err != nil {
		return nil, err
	}
	if out.Customer == nil {
		return nil, errors.New("client: answer carries no Customer")
	}
	return out.Customer, nil
}

// Account reads an account (AccountIDType ACC) with its addresses and
// account-level contacts.
func (c *Client) Account(ctx context.Context, accountID string) (*Account, error) {
	body := struct{ AccountID, AccountIDType string }{accountID, ACC}
	var out struct{ Account *Account }
	if err := c.do(ctx, call{method: http.MethodPost, path: "account/account", body: body, out: &out, retry: true}); err != nil {
		return nil, err
	}
	if out.Account == nil {
		return nil, errors.New("client: answer carries no Account")
	}
	return out.Account, nil
}

// ListAccounts lists a customer's accounts.
func (c *Client) ListAccounts(ctx context.Context, idType, id string) ([]AccountRef, error) {
	var out struct{ Accounts []AccountRef }
	if err := c.do(ctx, call{method: http.MethodPost, path: "account/list", body: customerRequest{id, idType}, out: &out, retry: true}); err != nil {
		return nil, err
	}
	return out.Accounts, nil
}

// Status asks one API (ContactAPI, CustomerAPI, AccountAPI, AddressAPI,
// NameAPI, BICAPI, BankAPI or PeriodAPI) whether it answers and accepts the
// client's credentials.
func (c *Client) Status(ctx context.Context, api string) error {
	switch api {
	case ContactAPI, CustomerAPI, AccountAPI, AddressAPI, NameAPI, BICAPI, BankAPI, PeriodAPI:
	default:
		return fmt.Errorf("client: Status: unknown API %q", api)
	}
	return c.do(ctx, call{method: http.MethodGet, path: api + "/status", retry: true})
}

// do runs a call with its retries, and fills the context's CallInfo.
func (c *Client) do(ctx context.Context, cl call) error {
	var info CallInfo
	err := c.retrying(ctx, cl, &info)
	if out, ok := ctx.Value(callInfoKey{}).(*CallInfo); ok && out != nil {
		*out = info
	}
	return err
}

// retrying sends the call until it succeeds or may not be tried again,
// noting its request ID, last status and attempts in info.
func (c *Client) retrying(ctx context.Context, cl call, info *CallInfo) error {
	info.RequestID, _ = ctx.Value(requestIDKey{}).(string)
	if info.RequestID == "" {
		info.RequestID = rand.Text()
	} else if !validRequestID(info.RequestID) {
		return fmt.Errorf("client: request ID %q: want 1 to %d printable ASCII characters without spaces", info.RequestID, maxRequestIDLen)
	}
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("client: encode request: %w", err)
		}
	}
	header := make(http.Header)
	header.Set("Accept", "application/json")
	header.Set("User-Agent", c.agent)
	header.Set("X-Request-ID", info.RequestID)
	if body != nil {
		header.Set("Content-Type", "application/json; charset=utf-8")
	}
	retry := cl.retry
	if cl.creates {
		key, _ := ctx.Value(idempotencyKey{}).(string)
		if key == "" && c.keys != nil {
			key = c.keys()
		}
		if key != "" {
			header.Set("Idempotency-Key", key)
			retry = true
		}
	}
	target := c.base + "/" + cl.path
	for attempt := 0; ; attempt++ {
		err := c.attempt(ctx, cl, target, header, body, info)
		if err == nil || !retry || attempt >= c.retries || !retryable(ctx, err) {
			return err
		}
		wait, ok := c.wait(ctx, attempt, err)
		if !ok {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// validRequestID is the server's rule for a caller's X-Request-ID: short
// printable ASCII without spaces.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// retryable reports whether err, the failure of one attempt, may pass on a
// later one.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	var te *transportError
	return errors.As(err, &te)
}

// wait is the pause before the retry after attempt; ok is false when the
// server asks for too long a pause or the context ends first.
func (c *Client) wait(ctx context.Context, attempt int, err error) (time.Duration, bool) {
	d := c.backoff
	for range attempt {
		if d >= maxBackoff {
			break
		}
		d *= 2
	}
	d = min(d, maxBackoff)
	if d > 0 {
		d = d/2 + mathrand.N(d/2+1)
	}
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		if e.RetryAfter > maxRetryAfter {
			return 0, false
		}
		d = e.RetryAfter
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return 0, false
	}
	return d, true
}

// transportError is an attempt that got no answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return "client: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// attempt sends the request once and reads its answer, noting it in info.
func (c *Client) attempt(ctx context.Context, cl call, target string, header http.Header, body []byte, info *CallInfo) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, target, rd)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header = header.Clone()
	if c.tokens != nil {
		authz, err := c.tokens.Token(ctx)
		if err != nil {
			return fmt.Errorf("client: credentials: %w", err)
		}
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
	}
	info.Attempts++
	info.Status = 0
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{err}
	}
	defer resp.Body.Close()
	info.Status = resp.StatusCode
	if id := resp.Header.Get("X-Request-ID"); id != "" {
		info.RequestID = id
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return &transportError{err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errorOf(resp, data, info.RequestID)
	}
	if cl.out != nil {
		if err := json.Unmarshal(data, cl.out); err != nil {
			return fmt.Errorf("client: %s %s: read answer: %w", cl.method, cl.path, err)
		}
	}
	return nil
}

// errorOf reads a refusal: the published envelope when there is one.
func errorOf(resp *http.Response, data []byte, requestID string) *Error {
	e := &Error{
		Status:     resp.StatusCode,
		RequestID:  requestID,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var env struct {
		Errors []struct{ Code, Type, Message string } `json:"errors"`
	}
	if err := json.Unmarshal(data, &env); err == nil && len(env.Errors) > 0 {
		first := env.Errors[0]
		e.Code, e.Type, e.Message = ErrorCode(first.Code), first.Type, first.Message
		return e
	}
	snippet := strings.TrimSpace(string(data))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "…"
	}
	e.Message = http.StatusText(resp.StatusCode)
	if snippet != "" {
		e.Message += ": " + snippet
	}
	return e
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(min(secs, maxRetryAfterSecs)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
