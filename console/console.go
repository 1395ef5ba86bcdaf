// Package console is the sandbox console: server-rendered pages, on the
// admin listener at /console/ when contactd runs with --sandbox, that show
// a vendor's tester what their software just did. The main page lists the
// recent audit trail (newest first: time, operation, caller, request ID,
// before and after) and every customer with its accounts, live contacts
// and phones; the Requests page lists the request journal, accepted and
// refused, with a page for each request (requests.go); a button puts the
// sandbox back to its personas. The package also serves the journal as
// JSON and the reset for scripts (api.go).
//
// The pages are html/template with no JavaScript. They show phone numbers
// (the sandbox's own data) but never log them: a failure is logged with
// the error alone. Times are shown in New Zealand time, as the API shows
// them.
package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/journal"
)

// Lister is what the console needs beyond contactd.Store: the list of
// customers and the newest audit records. The SQLite store implements it;
// any store that backs a sandbox must.
type Lister interface {
	// Customers lists up to limit customers (all when limit <= 0) in the
	// order they were added.
	Customers(ctx context.Context, limit int) ([]contactd.Customer, error)
	// RecentAudit lists the newest limit audit records, newest first.
	RecentAudit(ctx context.Context, limit int) ([]contactd.AuditRecord, error)
}

// Config is what the console reads.
type Config struct {
	Store  contactd.Store
	Lister Lister
	Logger *slog.Logger
	// MaxCustomers bounds the customers shown; zero is 200.
	MaxCustomers int
	// AuditRows is how many audit records are shown; zero is 100.
	AuditRows int
	// Journal, when set, is shown on the Requests page.
	Journal *journal.Journal
	// Reset, when set, puts the sandbox back to its personas (and clears
	// the journal); the console offers it as a button.
	Reset func(ctx context.Context) error
}

// pageTimeout bounds the reads behind one page.
const pageTimeout = 10 * time.Second

//go:embed *.html
var pageFiles embed.FS

// when shows a time in New Zealand time, to the second, with its zone
// (NZST or NZDT).
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(contactd.NZ).Format("2006-01-02 15:04:05 MST")
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when": when,
	"id": func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	},
	"ms": func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) },
}).ParseFS(pageFiles, "*.html"))

// New returns the console. It serves its page at "/" of what it is given,
// so mount it with http.StripPrefix:
//
//	mux.Handle("/console/", http.StripPrefix("/console", console.New(cfg)))
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxCustomers == 0 {
		cfg.MaxCustomers = 200
	}
	if cfg.AuditRows == 0 {
		cfg.AuditRows = 100
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { servePage(cfg, w, r) })
	if cfg.Journal != nil {
		mux.HandleFunc("GET /requests", func(w http.ResponseWriter, r *http.Request) { serveRequests(cfg, w, r) })
		mux.HandleFunc("GET /requests/{seq}", func(w http.ResponseWriter, r *http.Request) { serveRequest(cfg, w, r) })
	}
	if cfg.Reset != nil {
		// A form's POST: refused when a browser says it comes from
		// another site, so that no web page can reset the sandbox.
		mux.Handle("POST /reset", http.NewCrossOriginProtection().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := cfg.Reset(r.Context()); err != nil {
				cfg.Logger.Error("console: sandbox reset failed", "err", err)
				http.Error(w, "console: the reset failed: "+err.Error(), http.StatusInternalServerError)
				return
			}
			cfg.Logger.Info("console: sandbox reset to its personas")
			// relative to this page, not to the path StripPrefix left
			// (http.Redirect would make it absolute from that one)
			w.Header().Set("Location", "./?reset=done")
			w.WriteHeader(http.StatusSeeOther)
		})))
	}
	return mux
}

// view is what the main page shows.
type view struct {
	Generated          time.Time
	Refresh            int
	Journal, Reset     bool // the Requests page and the reset button are on
	WasReset           bool
	Audit              []auditRow
	AuditRows          int
	Customers          []customerView
	CustomersTruncated bool
	MaxCustomers       int
}

type auditRow struct {
	contactd.AuditRecord
	CallerID      string
	Before, After string
}

type customerView struct {
	contactd.Customer
	Anchor   string
	Name     string
	Records  []recordRow
	Contacts []contactd.Contact
	Accounts []accountView
}

type accountView struct {
	contactd.Account
	Eligible bool
	Records  []recordRow
	Contacts []contactd.Contact
}

// recordRow is a live name, address, BIC code or bank account, its fields
// on one line.
type recordRow struct {
	contactd.Record
	Fields string
}

// recordRows are the rows of the records an update API manages: filing
// periods, which only the Period API lists, are left out.
func recordRows(records []contactd.Record) []recordRow {
	rows := make([]recordRow, 0, len(records))
	for _, r := range records {
		if r.Kind != contactd.KindPeriod {
			rows = append(rows, recordRow{Record: r, Fields: inline(r.Fields)})
		}
	}
	return rows
}

func servePage(cfg Config, w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
	defer cancel()
	v, err := load(ctx, cfg)
	if err != nil {
		cfg.Logger.Error("console: reading the sandbox failed", "err", err)
		http.Error(w, "console: the sandbox could not be read; see the log", http.StatusInternalServerError)
		return
	}
	v.Refresh = refresh(r)
	v.Journal, v.Reset = cfg.Journal != nil, cfg.Reset != nil
	v.WasReset = r.URL.Query().Get("reset") == "done"
	render(cfg, w, "console.html", v)
}

// refresh is the ?refresh=N of a page: reload every N seconds (2 to
// 600), without script; 0 for none.
func refresh(r *http.Request) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("refresh")); err == nil && n >= 2 && n <= 600 {
		return n
	}
	return 0
}

// render executes the named page's template into the response.
func render(cfg Config, w http.ResponseWriter, name string, v any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, v); err != nil {
		cfg.Logger.Error("console: rendering failed", "page", name, "err", err)
		http.Error(w, "console: rendering failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.Write(b.Bytes())
}

// load reads everything the page shows.
func load(ctx context.Context, cfg Config) (view, error) {
	v := view{Generated: time.Now(), AuditRows: cfg.AuditRows, MaxCustomers: cfg.MaxCustomers}
	records, err := cfg.Lister.RecentAudit(ctx, cfg.AuditRows)
	if err != nil {
		return v, err
	}
	for _, rec := range records {
		v.Audit = append(v.Audit, auditRow{AuditRecord: rec, CallerID: rec.Caller.ID(), Before: layout(rec.Before), After: layout(rec.After)})
	}
	customers, err := cfg.Lister.Customers(ctx, cfg.MaxCustomers+1)
	if err != nil {
		return v, err
	}
	if len(customers) > cfg.MaxCustomers {
		customers, v.CustomersTruncated = customers[:cfg.MaxCustomers], true
	}
	for _, listed := range customers {
		// The read API's own call: the customer with its records and contacts.
		c, contacts, err := cfg.Store.CustomerContacts(ctx, listed.ID)
		if err != nil {
			return v, err
		}
		cv := customerView{Customer: c, Anchor: customerAnchor(c.ID), Name: displayName(c.Records),
			Records: recordRows(c.Records), Contacts: contacts}
		accounts, err := cfg.Store.CustomerAccounts(ctx, c.Key)
		if err != nil {
			return v, err
		}
		for _, listedAccount := range accounts {
			a, contacts, err := cfg.Store.AccountContacts(ctx, listedAccount.ID)
			if err != nil {
				return v, err
			}
			cv.Accounts = append(cv.Accounts, accountView{Account: a, Eligible: contactd.AccountTypeEligible(a.Type),
				Records: recordRows(a.Records), Contacts: contacts})
		}
		v.Customers = append(v.Customers, cv)
	}
	return v, nil
}

// layout lays out an audit record's before or after JSON for reading: one
// field a line in the order stored, and an array's objects one a line as
// "- field: value, ...". "" for none.
func layout(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	top, ok := fields(raw)
	if !ok {
		return compact(raw)
	}
	var lines []string
	for _, f := range top {
		var elems []json.RawMessage
		if len(f.value) > 0 && f.value[0] == '[' && json.Unmarshal(f.value, &elems) == nil {
			lines = append(lines, f.key+":")
			for _, e := range elems {
				lines = append(lines, "- "+inline(e))
			}
			continue
		}
		lines = append(lines, f.key+": "+compact(f.value))
	}
	return strings.Join(lines, "\n")
}

type field struct {
	key   string
	value json.RawMessage
}

// fields reads a JSON object's fields in order; false if raw is no object.
func fields(raw json.RawMessage) ([]field, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var fs []field
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, false
		}
		k, _ := key.(string)
		fs = append(fs, field{k, v})
	}
	return fs, true
}

// inline is an object as "field: value, ...", anything else compact.
func inline(raw json.RawMessage) string {
	fs, ok := fields(raw)
	if !ok {
		return compact(raw)
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.key + ": " + compact(f.value)
	}
	return strings.Join(parts, ", ")
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// displayName is the customer's live legal name, else "".
func displayName(records []contactd.Record) string {
	for _, r := range records {
		if r.Kind == contactd.KindName && r.Key == string(contactd.NameLegal) {
			var n struct{ Formatted string }
			if json.Unmarshal(r.Fields, &n) == nil {
				return n.Formatted
			}
		}
	}
	return ""
}
