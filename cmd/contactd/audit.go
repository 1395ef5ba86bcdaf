package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/contactd/contactd"
)

const auditUsage = `Usage: contactd audit [flags]

Lists the audit trail: every successful change to a contact or phone, in
the order it was made, with who made it (caller), the request ID, and the
values before and after. Filters combine.

Flags:
`

func audit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := getenv("CONTACTD_DB")
	if db == "" {
		db = "contactd.db"
	}
	var (
		customer, account, from, to, format string
		contactID, recordID                 int64
		limit                               int
	)
	fs.StringVar(&db, "db", db, "database: SQLite `file` or postgres:// URL (CONTACTD_DB)")
	fs.StringVar(&customer, "customer", "", "only this `customer`, as IRD:049091850 or CST:1512100301")
	fs.StringVar(&account, "account", "", "only this `account` ID")
	fs.Int64Var(&contactID, "contact", 0, "only this contact `ID`")
	fs.Int64Var(&recordID, "record", 0, "only this name, address, BIC code or bank account `ID`")
	fs.StringVar(&from, "from", "", "only changes at or after this `time` (RFC 3339 or YYYY-MM-DD)")
	fs.StringVar(&to, "to", "", "only changes before this `time` (RFC 3339 or YYYY-MM-DD)")
	fs.IntVar(&limit, "limit", 0, "at most `n` records (0: all)")
	fs.StringVar(&format, "format", "table", "output `format`: table or json (one JSON object a line)")
	fs.Usage = func() {
		fmt.Fprint(stderr, auditUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Examples:
  contactd audit --db contactd.db --customer IRD:069096409
  contactd audit --contact 1295148032 --format json
  contactd audit --record 1004723099665
  contactd audit --from 2026-11-01 --to 2026-12-01
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit takes no arguments, got %q (flags go before arguments)", fs.Args())
	}
	if format != "table" && format != "json" {
		return fmt.Errorf("--format %q: want table or json", format)
	}
	q := contactd.AuditQuery{AccountID: account, ContactID: contactID, RecordID: recordID, Limit: limit}
	var err error
	if customer != "" {
		if q.Customer, err = contactd.ParseCustomerRef(customer); err != nil {
			return fmt.Errorf("--customer %q: %w (write it as IRD:049091850 or CST:1512100301)", customer, err)
		}
	}
	if q.From, err = parseAuditTime("--from", from); err != nil {
		return err
	}
	if q.To, err = parseAuditTime("--to", to); err != nil {
		return err
	}
	store, err := openExistingStore(ctx, db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbName(db), err)
	}
	defer store.Close()
	records, err := store.Audit(ctx, q)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeAuditJSON(stdout, records)
	}
	return writeAuditTable(stdout, records)
}

func parseAuditTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q: want RFC 3339 (2026-11-26T09:00:00Z) or a date (2026-11-26)", flagName, s)
}

// auditLine is one record as `contactd audit --format json` prints it.
type auditLine struct {
	Seq       int64           `json:"seq"`
	Time      time.Time       `json:"time"`
	Operation string          `json:"operation"`
	ContactID int64           `json:"contact_id,omitempty"`
	PhoneID   int64           `json:"phone_id,omitempty"`
	RecordID  int64           `json:"record_id,omitempty"`
	Customer  string          `json:"customer"`
	AccountID string          `json:"account_id,omitempty"`
	Caller    callerLine      `json:"caller"`
	RequestID string          `json:"request_id"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
}

type callerLine struct {
	Sandbox    bool   `json:"sandbox,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Logon      string `json:"logon,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"`
	Party      string `json:"party,omitempty"`
}

func writeAuditJSON(w io.Writer, records []contactd.AuditRecord) error {
	enc := json.NewEncoder(w)
	for _, r := range records {
		line := auditLine{
			Seq: r.Seq, Time: r.Time.UTC(), Operation: r.Operation, ContactID: r.ContactID, PhoneID: r.PhoneID,
			RecordID: r.RecordID, Customer: contactd.CustomerRef(r.Customer), AccountID: r.AccountID,
			Caller: callerLine{Sandbox: r.Caller.Sandbox, Subject: r.Caller.Subject, Logon: r.Caller.Logon,
				Thumbprint: r.Caller.Thumbprint, Party: r.Caller.Party},
			RequestID: r.RequestID, Before: r.Before, After: r.After,
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

// callerName is the caller as one table cell.
func callerName(c contactd.Caller) string {
	switch {
	case c.Thumbprint != "" && c.Logon != "":
		return "cert " + shortThumb(c.Thumbprint) + " for " + c.Logon
	case c.Thumbprint != "":
		return "cert " + shortThumb(c.Thumbprint) + " (" + c.Party + ")"
	case c.Logon != "":
		return "logon " + c.Logon
	case c.Sandbox:
		return "sandbox " + c.Subject
	}
	return c.Subject
}

func shortThumb(t string) string {
	if len(t) > 12 {
		return t[:12] + "…"
	}
	return t
}

func writeAuditTable(w io.Writer, records []contactd.AuditRecord) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME (UTC)\tOPERATION\tID\tOWNER\tCALLER\tREQUEST\tBEFORE\tAFTER")
	for _, r := range records {
		owner := contactd.CustomerRef(r.Customer)
		if r.AccountID != "" {
			owner += " / " + r.AccountID
		}
		// The ID the operation is about: the phone's for phone operations,
		// the record's for record operations, else the contact's.
		id := r.ContactID
		if r.PhoneID != 0 {
			id = r.PhoneID
		} else if r.RecordID != 0 {
			id = r.RecordID
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.UTC().Format(time.DateTime), r.Operation,
			id, owner, callerName(r.Caller), r.RequestID, r.Before, r.After)
	}
	if len(records) == 0 {
		fmt.Fprintln(tw, "(no records)")
	}
	return errors.Join(tw.Flush())
}
