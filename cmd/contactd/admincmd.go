package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/postgres"
)

const adminUsage = `Usage: contactd admin [--db file] <kind> <add|list|remove> [flags]
       contactd admin [--db file] import <registry.json>
       contactd admin [--db file] export

Manages the registry of parties and rights that production mode decides
access on (docs/identity.md). Changes take effect on the next request; a
running contactd need not restart.

Kinds and their flags (add takes all of them, remove the key ones marked *,
list the filters marked f):
  logon        --logon* --name
  owner        --logon*f --customer*        the logon owns the customer
  delegation   --logon*f --customer* | --account*  [--expires]
  party        --party* --kind --name [--customer] [--account-types]
               kind: customer (needs --customer), intermediary, agency
               (needs --account-types), provider
  member       --party*f --logon*           the logon acts for the party
  link         --party*f --customer* [--accounts]   intermediary to client;
               --accounts limits the link to those accounts' data
  certificate  --party f --pem [--issuer] (add), --thumbprint* (remove)
               --issuer: the iss its machine JWTs must carry (default: any)
  consent      --logon*f --party* [--expires]   the logon lets the party
               act for it (a machine JWT's startLogon)

Customers are IRD:<number> or CST:<number>; lists are comma-separated;
expiries are RFC 3339 (2027-03-31T23:59:59+13:00). Adding an entry that
exists replaces it; removing a logon or party removes what names it.
--db defaults to CONTACTD_DB, then contactd.db.

Examples:
  contactd admin --db prod.db logon add --logon ana.tane --name "Ana Tane"
  contactd admin --db prod.db owner add --logon ana.tane --customer IRD:49091850
  contactd admin --db prod.db party add --party acme-tax --kind intermediary --name "Acme Tax"
  contactd admin --db prod.db certificate add --party acme-tax --pem acme-signing.pem --issuer acme-payroll
  contactd admin --db prod.db delegation list
  contactd admin --db prod.db import registry.json
`

// adminFlags are every flag of every kind; a kind defines those it takes.
type adminFlags struct {
	logon, name, customer, account, expires, party, kind, accountTypes, accounts, pem, thumbprint, issuer string
}

var adminFlagHelp = map[string]string{
	"logon":         "the logon `ID` (an OAuth subject, a startLogon)",
	"name":          "a display `name`",
	"customer":      "the `customer`, IRD:<number> or CST:<number>",
	"account":       "the account `ID` (049091850INC001)",
	"expires":       "when it ends, RFC 3339 (default: never)",
	"party":         "the party `ID`",
	"kind":          "the party `kind`: customer, intermediary, agency or provider",
	"account-types": "an agency's account `types`, comma-separated (INC,GST)",
	"accounts":      "limit the link to these `accounts`, comma-separated",
	"pem":           "the certificate's PEM `file`",
	"thumbprint":    "the certificate's `thumbprint` (SHA-256 or SHA-1, hex)",
	"issuer":        "the `iss` the certificate's machine JWTs must carry, agreed with its owner (default: any)",
}

func (f *adminFlags) define(fs *flag.FlagSet, names []string) {
	ptr := map[string]*string{
		"logon": &f.logon, "name": &f.name, "customer": &f.customer, "account": &f.account, "expires": &f.expires,
		"party": &f.party, "kind": &f.kind, "account-types": &f.accountTypes, "accounts": &f.accounts,
		"pem": &f.pem, "thumbprint": &f.thumbprint, "issuer": &f.issuer,
	}
	for _, n := range names {
		fs.StringVar(ptr[n], n, "", adminFlagHelp[n])
	}
}

// adminKind is one kind of registry entry: the flags it takes and how it
// becomes RegistryData and a listing.
type adminKind struct {
	flags []string
	// entry builds the entry of the flags: for add with every field, for
	// remove with its key.
	entry func(f adminFlags, add bool) (contactd.RegistryData, error)
	// list writes the entries of d that pass the filter flags.
	list func(w io.Writer, d contactd.RegistryData, f adminFlags)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func need(name, v string) error {
	if v == "" {
		return fmt.Errorf("--%s is required", name)
	}
	return nil
}

func optCustomer(s string) (contactd.CustomerID, error) {
	if s == "" {
		return contactd.CustomerID{}, nil
	}
	return contactd.ParseCustomerRef(s)
}

func parseExpires(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--expires %q: want RFC 3339, like 2027-03-31T23:59:59+13:00", s)
	}
	return t.UTC(), nil
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func keep(filter, v string) bool { return filter == "" || filter == v }

// sameCustomer reports whether the --customer filter names id.
func sameCustomer(filter string, id contactd.CustomerID) bool {
	c, err := contactd.ParseCustomerRef(filter)
	return err == nil && c == id
}

var adminKinds = map[string]adminKind{
	"logon": {
		flags: []string{"logon", "name"},
		entry: func(f adminFlags, _ bool) (contactd.RegistryData, error) {
			return contactd.RegistryData{Logons: []contactd.Logon{{ID: f.logon, Name: f.name}}}, need("logon", f.logon)
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "LOGON\tNAME")
			for _, l := range d.Logons {
				if keep(f.logon, l.ID) {
					fmt.Fprintf(w, "%s\t%s\n", l.ID, orDash(l.Name))
				}
			}
		},
	},
	"owner": {
		flags: []string{"logon", "customer"},
		entry: func(f adminFlags, _ bool) (contactd.RegistryData, error) {
			c, err := contactd.ParseCustomerRef(f.customer)
			return contactd.RegistryData{Ownerships: []contactd.Ownership{{Logon: f.logon, Customer: c}}}, errors.Join(need("logon", f.logon), err)
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "LOGON\tCUSTOMER")
			for _, o := range d.Ownerships {
				if keep(f.logon, o.Logon) {
					fmt.Fprintf(w, "%s\t%s\n", o.Logon, contactd.CustomerRef(o.Customer))
				}
			}
		},
	},
	"delegation": {
		flags: []string{"logon", "customer", "account", "expires"},
		entry: func(f adminFlags, add bool) (contactd.RegistryData, error) {
			c, err := optCustomer(f.customer)
			exp, eerr := parseExpires(f.expires)
			if (f.customer == "") == (f.account == "") {
				err = errors.Join(err, errors.New("give one of --customer and --account"))
			}
			d := contactd.Delegation{Logon: f.logon, Customer: c, AccountID: f.account, Expires: exp}
			return contactd.RegistryData{Delegations: []contactd.Delegation{d}}, errors.Join(need("logon", f.logon), err, eerr)
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "LOGON\tCUSTOMER\tACCOUNT\tEXPIRES")
			for _, dl := range d.Delegations {
				if keep(f.logon, dl.Logon) {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", dl.Logon, orDash(contactd.CustomerRef(dl.Customer)), orDash(dl.AccountID), showTime(dl.Expires))
				}
			}
		},
	},
	"party": {
		flags: []string{"party", "kind", "name", "customer", "account-types"},
		entry: func(f adminFlags, add bool) (contactd.RegistryData, error) {
			p := contactd.Party{ID: f.party, Kind: contactd.PartyKind(f.kind), Name: f.name, AccountTypes: splitList(f.accountTypes)}
			var err error
			p.Customer, err = optCustomer(f.customer)
			if add {
				err = errors.Join(err, need("kind", f.kind))
			}
			return contactd.RegistryData{Parties: []contactd.Party{p}}, errors.Join(need("party", f.party), err)
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "PARTY\tKIND\tNAME\tCUSTOMER\tACCOUNT TYPES")
			for _, p := range d.Parties {
				if keep(f.party, p.ID) && keep(f.kind, string(p.Kind)) {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Kind, orDash(p.Name), orDash(contactd.CustomerRef(p.Customer)), orDash(strings.Join(p.AccountTypes, ",")))
				}
			}
		},
	},
	"member": {
		flags: []string{"party", "logon"},
		entry: func(f adminFlags, _ bool) (contactd.RegistryData, error) {
			return contactd.RegistryData{Memberships: []contactd.Membership{{Party: f.party, Logon: f.logon}}},
				errors.Join(need("party", f.party), need("logon", f.logon))
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "PARTY\tLOGON")
			for _, m := range d.Memberships {
				if keep(f.party, m.Party) && keep(f.logon, m.Logon) {
					fmt.Fprintf(w, "%s\t%s\n", m.Party, m.Logon)
				}
			}
		},
	},
	"link": {
		flags: []string{"party", "customer", "accounts"},
		entry: func(f adminFlags, _ bool) (contactd.RegistryData, error) {
			c, err := contactd.ParseCustomerRef(f.customer)
			l := contactd.Link{Party: f.party, Customer: c, Accounts: splitList(f.accounts)}
			return contactd.RegistryData{Links: []contactd.Link{l}}, errors.Join(need("party", f.party), err)
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "PARTY\tCUSTOMER\tLIMITED TO")
			for _, l := range d.Links {
				if keep(f.party, l.Party) && (f.customer == "" || sameCustomer(f.customer, l.Customer)) {
					limit := strings.Join(l.Accounts, ",")
					if limit == "" {
						limit = "(customer-wide)"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\n", l.Party, contactd.CustomerRef(l.Customer), limit)
				}
			}
		},
	},
	"certificate": {
		flags: []string{"party", "pem", "thumbprint", "issuer"},
		entry: func(f adminFlags, add bool) (contactd.RegistryData, error) {
			if !add {
				tp := strings.ToUpper(strings.ReplaceAll(f.thumbprint, ":", ""))
				return contactd.RegistryData{Certificates: []contactd.Certificate{{Thumbprint: tp}}}, need("thumbprint", f.thumbprint)
			}
			if err := errors.Join(need("party", f.party), need("pem", f.pem)); err != nil {
				return contactd.RegistryData{}, err
			}
			text, err := os.ReadFile(f.pem)
			if err != nil {
				return contactd.RegistryData{}, err
			}
			c, err := contactd.ParseCertificatePEM(f.party, text)
			if err == nil {
				err = c.CheckSigner(time.Now())
			}
			if err != nil {
				return contactd.RegistryData{}, fmt.Errorf("%s: %w", f.pem, err)
			}
			c.Issuer = f.issuer
			return contactd.RegistryData{Certificates: []contactd.Certificate{c}}, nil
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "THUMBPRINT\tPARTY\tSUBJECT\tNOT AFTER\tISSUER")
			for _, c := range d.Certificates {
				if keep(f.party, c.Party) && keep(f.thumbprint, c.Thumbprint) {
					issuer := c.Issuer
					if issuer == "" {
						issuer = "(any)"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.Thumbprint, c.Party, c.Subject, showTime(c.NotAfter), issuer)
				}
			}
		},
	},
	"consent": {
		flags: []string{"logon", "party", "expires"},
		entry: func(f adminFlags, _ bool) (contactd.RegistryData, error) {
			exp, err := parseExpires(f.expires)
			return contactd.RegistryData{Consents: []contactd.Consent{{Logon: f.logon, Party: f.party, Expires: exp}}},
				errors.Join(need("logon", f.logon), need("party", f.party), err)
		},
		list: func(w io.Writer, d contactd.RegistryData, f adminFlags) {
			fmt.Fprintln(w, "LOGON\tPARTY\tEXPIRES")
			for _, c := range d.Consents {
				if keep(f.logon, c.Logon) && keep(f.party, c.Party) {
					fmt.Fprintf(w, "%s\t%s\t%s\n", c.Logon, c.Party, showTime(c.Expires))
				}
			}
		},
	},
}

// admin runs `contactd admin`.
func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	db := "contactd.db"
	if v := getenv("CONTACTD_DB"); v != "" {
		db = v
	}
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&db, "db", db, "SQLite database `file` (CONTACTD_DB)")
	fs.Usage = func() { fmt.Fprint(stderr, adminUsage) }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return errors.New("admin: name a kind (logon, owner, delegation, party, member, link, certificate, consent), import or export")
	}

	switch rest[0] {
	case "import":
		vfs := flag.NewFlagSet("admin import", flag.ContinueOnError)
		vfs.SetOutput(stderr)
		vfs.StringVar(&db, "db", db, "SQLite database `file` (CONTACTD_DB)")
		if err := parseFlags(vfs, rest[1:]); err != nil {
			return err
		}
		if vfs.NArg() != 1 {
			return errors.New("admin import: give one registry JSON file (docs/registry.md)")
		}
		return adminImport(ctx, db, vfs.Arg(0), stdout, stderr)
	case "export":
		vfs := flag.NewFlagSet("admin export", flag.ContinueOnError)
		vfs.SetOutput(stderr)
		vfs.StringVar(&db, "db", db, "SQLite database `file` (CONTACTD_DB)")
		if err := parseFlags(vfs, rest[1:]); err != nil {
			return err
		}
		if vfs.NArg() != 0 {
			return fmt.Errorf("admin export takes no arguments, got %q", vfs.Args())
		}
		return withStore(ctx, db, false, func(s contactStore) error {
			d, err := s.ExportRegistry(ctx)
			if err != nil {
				return err
			}
			b, err := contactd.FormatRegistry(d)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "%s\n", b)
			return err
		})
	}

	kindName := rest[0]
	kind, ok := adminKinds[kindName]
	if !ok {
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("admin: unknown kind %q", kindName)
	}
	if len(rest) < 2 || !slices.Contains([]string{"add", "list", "remove"}, rest[1]) {
		return fmt.Errorf("admin %s: say add, list or remove", kindName)
	}
	verb := rest[1]
	vfs := flag.NewFlagSet("admin "+kindName+" "+verb, flag.ContinueOnError)
	vfs.SetOutput(stderr)
	vfs.StringVar(&db, "db", db, "SQLite database `file` (CONTACTD_DB)")
	var f adminFlags
	f.define(vfs, kind.flags)
	vfs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: contactd admin %s %s [flags]\n\nFlags:\n", kindName, verb)
		vfs.PrintDefaults()
	}
	if err := parseFlags(vfs, rest[2:]); err != nil {
		return err
	}
	if vfs.NArg() != 0 {
		return fmt.Errorf("admin %s %s takes flags only, got %q", kindName, verb, vfs.Args())
	}

	switch verb {
	case "list":
		return withStore(ctx, db, false, func(s contactStore) error {
			d, err := s.ExportRegistry(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			kind.list(tw, d, f)
			return tw.Flush()
		})
	case "remove":
		d, err := kind.entry(f, false)
		if err != nil {
			return fmt.Errorf("admin %s remove: %w", kindName, err)
		}
		return withStore(ctx, db, false, func(s contactStore) error {
			if err := s.RemoveRegistry(ctx, d); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "removed %s\n", kindName)
			return nil
		})
	}
	d, err := kind.entry(f, true)
	if err == nil {
		err = d.Validate()
	}
	if err != nil {
		return fmt.Errorf("admin %s add: %w", kindName, err)
	}
	return withStore(ctx, db, true, func(s contactStore) error {
		if err := s.ImportRegistry(ctx, d); err != nil {
			return err
		}
		warnUnheld(ctx, s, d, stderr)
		if len(d.Certificates) == 1 {
			c := d.Certificates[0]
			iss := "any non-empty iss"
			if c.Issuer != "" {
				iss = "iss " + c.Issuer
			}
			fmt.Fprintf(stdout, "registered certificate %s to %s\n  subject %s, valid until %s\n  machine JWTs signed with it carry sub %s (or its SHA-1 thumbprint %s) and %s\n",
				c.Thumbprint, c.Party, c.Subject, showTime(c.NotAfter), c.Thumbprint, contactd.ThumbprintSHA1(c.DER), iss)
			return nil
		}
		fmt.Fprintf(stdout, "added %s\n", kindName)
		return nil
	})
}

// withStore opens the database for fn. Only commands that add may create
// it: a mistyped --db for list, remove or export is an error.
func withStore(ctx context.Context, db string, create bool, fn func(contactStore) error) error {
	if !create && !postgres.IsURL(db) {
		if _, err := os.Stat(db); err != nil {
			return fmt.Errorf("database %s: %w", db, err)
		}
	}
	s, err := openStore(ctx, db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbName(db), err)
	}
	defer s.Close()
	return fn(s)
}

func adminImport(ctx context.Context, db, file string, stdout, stderr io.Writer) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	dir := filepath.Dir(file)
	d, err := contactd.ParseRegistry(b, func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return os.ReadFile(name)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return withStore(ctx, db, true, func(s contactStore) error {
		if err := s.ImportRegistry(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		warnUnheld(ctx, s, d, stderr)
		fmt.Fprintf(stdout, "imported %d entries from %s\n", d.Len(), file)
		return nil
	})
}

// warnUnheld notes the customers and accounts d names that the store does
// not hold (yet): not an error, since the data may be loaded later.
func warnUnheld(ctx context.Context, s contactStore, d contactd.RegistryData, stderr io.Writer) {
	var customers []contactd.CustomerID
	var accounts []string
	for _, o := range d.Ownerships {
		customers = append(customers, o.Customer)
	}
	for _, dl := range d.Delegations {
		if dl.AccountID != "" {
			accounts = append(accounts, dl.AccountID)
		} else {
			customers = append(customers, dl.Customer)
		}
	}
	for _, p := range d.Parties {
		if p.Kind == contactd.PartyCustomer {
			customers = append(customers, p.Customer)
		}
	}
	for _, l := range d.Links {
		customers = append(customers, l.Customer)
		accounts = append(accounts, l.Accounts...)
	}
	seen := map[string]bool{}
	for _, c := range customers {
		if r := contactd.CustomerRef(c); !seen[r] {
			seen[r] = true
			if _, err := s.Customer(ctx, c); contactd.ErrorCode(err) == contactd.CST404 {
				fmt.Fprintf(stderr, "note: customer %s is not in the database (yet)\n", r)
			}
		}
	}
	for _, a := range accounts {
		if !seen[a] {
			seen[a] = true
			if _, err := s.Account(ctx, a); contactd.ErrorCode(err) == contactd.CST404 {
				fmt.Fprintf(stderr, "note: account %s is not in the database (yet)\n", a)
			}
		}
	}
}
