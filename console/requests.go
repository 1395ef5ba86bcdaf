package console

// The Requests page: the request journal, newest first, filtered by
// caller, API, status class and error code, and a page for each request.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/journal"
)

// requestRows is how many requests the Requests page shows at most.
const requestRows = 200

// link is a link to a customer or an account on the main page.
type link struct {
	Text, Href string
}

type requestRow struct {
	journal.Entry
	Message string
	Touched []link
}

type requestsView struct {
	Generated time.Time
	Refresh   int
	Filter    journal.Filter
	Query     string // the filter as a query string, for reloading
	Rows      []requestRow
	Shown     int
	More      bool
	Size      int
	Callers   []string
	APIs      []string
	Classes   []string
	Codes     []contactd.Code
}

// filterOf reads a journal filter from a request's query: caller, api,
// status (a class: 2xx, 4xx, 5xx), code, request_id and after.
func filterOf(q url.Values) (journal.Filter, error) {
	f := journal.Filter{Caller: q.Get("caller"), API: q.Get("api"), Class: q.Get("status"), Code: q.Get("code"), RequestID: q.Get("request_id")}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return f, errAfter
		}
		f.After = n
	}
	return f, nil
}

type filterError string

func (e filterError) Error() string { return string(e) }

const errAfter = filterError("after: want the Seq of an entry, a whole number from 0")

func serveRequests(cfg Config, w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r.URL.Query())
	if err != nil {
		http.Error(w, "console: "+err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
	defer cancel()
	v := requestsView{Generated: time.Now(), Refresh: refresh(r), Filter: f, Size: cfg.Journal.Size(),
		APIs: []string{"contact", "customer", "account"}, Classes: []string{"2xx", "4xx", "5xx"}, Codes: contactd.Codes()}
	q := r.URL.Query()
	q.Del("refresh")
	v.Query = q.Encode()
	for _, e := range cfg.Journal.List(journal.Filter{}, 0) {
		if e.Caller != "" && !slices.Contains(v.Callers, e.Caller) {
			v.Callers = append(v.Callers, e.Caller)
		}
	}
	slices.Sort(v.Callers)
	entries := cfg.Journal.List(f, requestRows+1)
	if len(entries) > requestRows {
		entries, v.More = entries[:requestRows], true
	}
	changes, err := cfg.Lister.RecentAudit(ctx, cfg.AuditRows)
	if err != nil {
		cfg.Logger.Error("console: reading the audit trail failed", "err", err)
		http.Error(w, "console: the sandbox could not be read; see the log", http.StatusInternalServerError)
		return
	}
	for _, e := range entries {
		v.Rows = append(v.Rows, requestRow{Entry: e, Message: e.Message(), Touched: touched(ctx, cfg, &e, changes, "./")})
	}
	v.Shown = len(v.Rows)
	render(cfg, w, "requests.html", v)
}

type requestView struct {
	Generated         time.Time
	Entry             journal.Entry
	Message           string
	Explanation       contactd.Explanation
	Request, Response string
	Touched           []link
	Changes           []auditRow
}

func serveRequest(cfg Config, w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	e, ok := cfg.Journal.Get(seq)
	if !ok {
		http.Error(w, "console: the journal no longer holds request "+strconv.FormatInt(seq, 10)+
			" (it keeps the newest "+strconv.Itoa(cfg.Journal.Size())+", and a reset clears it)", http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), pageTimeout)
	defer cancel()
	changes, err := cfg.Lister.RecentAudit(ctx, cfg.AuditRows)
	if err != nil {
		cfg.Logger.Error("console: reading the audit trail failed", "err", err)
		http.Error(w, "console: the sandbox could not be read; see the log", http.StatusInternalServerError)
		return
	}
	v := requestView{Generated: time.Now(), Entry: e, Message: e.Message(), Explanation: contactd.Code(e.Code).Explain(),
		Request: journal.Pretty(e.RequestBody), Response: journal.Pretty(e.ResponseBody), Touched: touched(ctx, cfg, &e, changes, "../")}
	for _, rec := range changes {
		if rec.RequestID == e.RequestID && e.RequestID != "" {
			v.Changes = append(v.Changes, auditRow{AuditRecord: rec, CallerID: rec.Caller.ID(), Before: layout(rec.Before), After: layout(rec.After)})
		}
	}
	slices.Reverse(v.Changes) // in the order they were made
	render(cfg, w, "request.html", v)
}

// touched finds the customers and accounts a request named or changed:
// those its body names (CustomerID, AccountID), the owner of the contact or
// phone it names while that is live, and the owners of the changes made
// under its request ID (a deleted contact's). The links lead to the main
// page, which is at base from the page they are on.
func touched(ctx context.Context, cfg Config, e *journal.Entry, changes []contactd.AuditRecord, base string) []link {
	var body struct {
		CustomerID, CustomerIDType, AccountID string
		ContactID, PhoneID                    json.Number
	}
	_ = json.Unmarshal(e.RequestBody, &body) // a body that is no object names nothing
	var links []link
	add := func(l link) {
		if !slices.Contains(links, l) {
			links = append(links, l)
		}
	}
	addOwner := func(customer contactd.CustomerID, accountID string) {
		if accountID != "" {
			add(accountLink(base, accountID))
			return
		}
		add(customerLink(base, customer))
	}
	switch {
	case body.AccountID != "":
		add(accountLink(base, body.AccountID))
	case body.CustomerID != "" && (body.CustomerIDType == "IRD" || body.CustomerIDType == "CST"):
		add(customerLink(base, contactd.CustomerID{Type: contactd.CustomerIDType(body.CustomerIDType), Value: body.CustomerID}))
	}
	var o contactd.Owner
	var err error = errNoOwner
	if id, convErr := body.ContactID.Int64(); convErr == nil && id > 0 {
		o, err = cfg.Store.ContactOwner(ctx, id)
	} else if id, convErr := body.PhoneID.Int64(); convErr == nil && id > 0 {
		o, err = cfg.Store.PhoneOwner(ctx, id)
	}
	if err == nil {
		addOwner(o.Customer, o.AccountID)
	}
	for _, rec := range changes {
		if e.RequestID != "" && rec.RequestID == e.RequestID {
			addOwner(rec.Customer, rec.AccountID)
		}
	}
	return links
}

const errNoOwner = filterError("no contact or phone named")

func customerLink(base string, id contactd.CustomerID) link {
	return link{Text: string(id.Type) + " " + id.Value, Href: base + "#" + customerAnchor(id)}
}

func accountLink(base, id string) link {
	return link{Text: "account " + id, Href: base + "#account-" + url.PathEscape(id)}
}

// customerAnchor is the id of a customer's section on the main page.
func customerAnchor(id contactd.CustomerID) string {
	return "customer-" + string(id.Type) + "-" + id.Value
}
