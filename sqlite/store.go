package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/contactd/contactd"
	"github.com/valyala/fastjson"
)

func notFound() error { return contactd.Errorf(contactd.CST404, "") }

// Customer returns the customer with the ID.
func (s *Store) Customer(ctx context.Context, id contactd.CustomerID) (contactd.Customer, error) {
	c := contactd.Customer{ID: id}
	var profile []byte
	err := s.queryRow(lookup(ctx), `SELECT key, profile FROM customer WHERE id_type = ? AND id_value = ?`,
		string(id.Type), id.Value).Scan(&c.Key, &profile)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Customer{}, notFound()
	}
	if err != nil {
		return contactd.Customer{}, fmt.Errorf("sqlite: customer: %w", err)
	}
	c.Profile = profile
	return c, nil
}

const accountColumns = `a.key, a.account_id, a.id_type, a.account_type, a.customer_id_type, a.customer_id_value, a.customer_key, a.profile`

// scanAccount reads accountColumns, and then any further columns into more.
func scanAccount(sc scanner, more ...any) (contactd.Account, error) {
	var a contactd.Account
	var custType string
	var profile []byte
	dest := append([]any{&a.Key, &a.ID, &a.IDType, &a.Type, &custType, &a.Customer.Value, &a.CustomerKey, &profile}, more...)
	if err := sc.Scan(dest...); err != nil {
		return contactd.Account{}, err
	}
	a.Customer.Type = contactd.CustomerIDType(custType)
	a.Profile = profile
	return a, nil
}

// Account returns the account with the ID.
func (s *Store) Account(ctx context.Context, accountID string) (contactd.Account, error) {
	a, err := scanAccount(s.queryRow(lookup(ctx), `SELECT `+accountColumns+`
FROM account a WHERE a.account_id = ?`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Account{}, notFound()
	}
	if err != nil {
		return contactd.Account{}, fmt.Errorf("sqlite: account: %w", err)
	}
	return a, nil
}

// CustomerAccounts lists the customer's accounts in key order, which is the
// order they were added. An unknown customer key is CST404; a customer
// with no account has an empty list.
func (s *Store) CustomerAccounts(ctx context.Context, customerKey int64) ([]contactd.Account, error) {
	rows, err := s.query(lookup(ctx), `SELECT `+accountColumns+`
FROM account a WHERE a.customer_key = +?
ORDER BY a.key`, customerKey)
	if err != nil {
		return nil, fmt.Errorf("sqlite: customer accounts: %w", err)
	}
	defer rows.Close()
	accounts := []contactd.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: customer accounts: %w", err)
		}
		accounts = append(accounts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: customer accounts: %w", err)
	}
	if len(accounts) == 0 {
		var known bool
		if err := s.queryRow(lookup(ctx), `SELECT EXISTS (SELECT 1 FROM customer WHERE key = ?)`, customerKey).Scan(&known); err != nil {
			return nil, fmt.Errorf("sqlite: customer accounts: %w", err)
		}
		if !known {
			return nil, notFound()
		}
	}
	return accounts, nil
}

// ownerColumns and ownerJoins give an Owner for a contact or record row
// named t.
func ownerColumns(t string) string {
	return t + `.customer_key, cu.id_type, cu.id_value, IFNULL(ac.key, 0), IFNULL(ac.account_id, ''), IFNULL(ac.account_type, ''), IFNULL(ac.id_type, '')`
}

func ownerJoins(t string) string {
	return `JOIN customer cu ON cu.key = ` + t + `.customer_key LEFT JOIN account ac ON ac.key = ` + t + `.account_key`
}

func scanOwner(sc scanner) (contactd.Owner, error) {
	var o contactd.Owner
	var custType string
	err := sc.Scan(&o.CustomerKey, &custType, &o.Customer.Value, &o.AccountKey, &o.AccountID, &o.AccountType, &o.AccountIDType)
	o.Customer.Type = contactd.CustomerIDType(custType)
	return o, err
}

// Owner resolves a customer or account reference. When ref names an
// account (AccountID is set), its Customer is not consulted: the account's
// own customer is the owner's customer.
func (s *Store) Owner(ctx context.Context, ref contactd.OwnerRef) (contactd.Owner, error) {
	var row scanner
	if ref.AccountID != "" {
		row = s.queryRow(lookup(ctx), `SELECT customer_key, customer_id_type, customer_id_value, key, account_id, account_type, id_type
FROM account WHERE account_id = ?`, ref.AccountID)
	} else {
		row = s.queryRow(lookup(ctx), `SELECT key, id_type, id_value, 0, '', '', '' FROM customer WHERE id_type = ? AND id_value = ?`,
			string(ref.Customer.Type), ref.Customer.Value)
	}
	o, err := scanOwner(row)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Owner{}, notFound()
	}
	if err != nil {
		return contactd.Owner{}, fmt.Errorf("sqlite: owner: %w", err)
	}
	return o, nil
}

// ContactOwner returns the owner of a live contact.
func (s *Store) ContactOwner(ctx context.Context, contactID int64) (contactd.Owner, error) {
	o, err := scanOwner(s.queryRow(lookup(ctx), `SELECT `+ownerColumns("ct")+`
FROM contact ct `+ownerJoins("ct")+`
WHERE ct.id = +? AND ct.ceased IS NULL`, contactID))
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Owner{}, notFound()
	}
	if err != nil {
		return contactd.Owner{}, fmt.Errorf("sqlite: contact owner: %w", err)
	}
	return o, nil
}

// PhoneOwner returns the owner of a live phone's contact; the contact must
// be live too.
func (s *Store) PhoneOwner(ctx context.Context, phoneID int64) (contactd.Owner, error) {
	o, err := scanOwner(s.queryRow(lookup(ctx), `SELECT `+ownerColumns("ct")+`
FROM phone p JOIN contact ct ON ct.id = p.contact_id `+ownerJoins("ct")+`
WHERE p.id = +? AND p.ceased IS NULL AND ct.ceased IS NULL`, phoneID))
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Owner{}, notFound()
	}
	if err != nil {
		return contactd.Owner{}, fmt.Errorf("sqlite: phone owner: %w", err)
	}
	return o, nil
}

// contactsJSON is a scalar subquery giving an owner's live contacts with
// their live phones as one JSON array of rows, one row per live phone (a
// live contact always has one; a row without a phone is read as a contact
// without phones all the same), for decodeContacts: the owner is the
// customer whose key is the SQL expression customerKey, and among its
// contacts those that accountTest (an SQL condition on ct.account_key)
// holds for.
//
// One value instead of a result row per phone: every column of every row
// is several calls into SQLite, each of which takes the connection's
// mutex, and with the read connections busy in parallel those mutexes are
// a large part of a read's cost (docs/performance.md). Flat rows rather
// than phones nested in their contacts: a nested array is rendered as text
// and parsed again by json(), about a tenth of the query. The plan
// searches contact_one_live_per_type, then phone_live_by_contact, which
// holds every phone column (migration 004).
func contactsJSON(customerKey, accountTest string) string {
	return `(SELECT json_group_array(json_array(ct.id, ct.contact_type, ct.name, ct.updated,
		p.id, p.phone_type, p.country, p.area_code, p.number, p.extension))
	FROM contact ct LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
	WHERE ct.customer_key = ` + customerKey + ` AND ` + accountTest + ` AND ct.ceased IS NULL)`
}

// The account tests of contactsJSON and recordsList, on the contact or
// record row named t. Against a column or a constant, the index's own
// expression: the search then covers both of the index's owner columns and
// reads only the owner's rows, not every contact or record of the customer
// (at 1,000,000 customers each extra row is a B-tree search through pages
// that are mostly not in the cache). Against a bound value, `IS`: with
// `IFNULL(account_key, 0) = ?` SQLite takes the bound value as
// plan-relevant and recompiles the statement whenever it differs from the
// previous run's (three times the cost of the query). The unary + takes
// a.key's INTEGER affinity off: with it SQLite would apply that affinity to
// the IFNULL side, which the index does not store, and not use the index.
func customerLevel(t string) string { return `IFNULL(` + t + `.account_key, 0) = 0` }
func ofAccountRow(t string) string  { return `IFNULL(` + t + `.account_key, 0) = +a.key` }

const ofBoundAccount = `ct.account_key IS nullif(?2, 0)`

// contactsParsers parse contactsJSON's arrays: fastjson, already in the
// build through the JWT library, at about a quarter of encoding/json's
// cost here.
var contactsParsers fastjson.ParserPool

// decodeContacts reads contactsJSON's array of rows
// [contact id, type, name, updated, phone id, type, country, area code, number, extension]
// into contacts with their phones, both in ID order (json_group_array
// keeps no order of its own, so neither does the grouping).
func decodeContacts(doc []byte) ([]contactd.Contact, error) {
	contacts := []contactd.Contact{}
	err := eachRow(doc, 10, func(f []*fastjson.Value) error {
		id, err := f[0].Int64()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(contacts, func(c contactd.Contact) bool { return c.ID == id })
		if i < 0 {
			updated, err := f[3].Int64()
			if err != nil {
				return err
			}
			contacts = append(contacts, contactd.Contact{ID: id, Type: contactd.ContactType(f[1].GetStringBytes()),
				Name: string(f[2].GetStringBytes()), Updated: time.Unix(updated, 0)})
			i = len(contacts) - 1
		}
		if f[4].Type() == fastjson.TypeNull {
			return nil
		}
		ph := contactd.Phone{Type: contactd.PhoneType(f[5].GetStringBytes()), Country: string(f[6].GetStringBytes()),
			AreaCode: string(f[7].GetStringBytes()), Number: string(f[8].GetStringBytes()), Extension: string(f[9].GetStringBytes())}
		if ph.ID, err = f[4].Int64(); err != nil {
			return err
		}
		contacts[i].Phones = append(contacts[i].Phones, ph)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("contacts JSON: %w", err)
	}
	for _, c := range contacts {
		slices.SortFunc(c.Phones, func(a, b contactd.Phone) int { return cmp.Compare(a.ID, b.ID) })
	}
	slices.SortFunc(contacts, func(a, b contactd.Contact) int { return cmp.Compare(a.ID, b.ID) })
	return contacts, nil
}

// eachRow parses doc, a JSON array of rows that are arrays of width
// values, and calls fn with each row's values, which last until eachRow
// returns.
func eachRow(doc []byte, width int, fn func(f []*fastjson.Value) error) error {
	p := contactsParsers.Get()
	defer contactsParsers.Put(p)
	v, err := p.ParseBytes(doc)
	if err != nil {
		return err
	}
	rows, err := v.Array()
	if err != nil {
		return err
	}
	for _, row := range rows {
		f, err := row.Array()
		if err != nil {
			return err
		}
		if len(f) != width {
			return fmt.Errorf("a row of %d values, want %d", len(f), width)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

var contactsSQL = `SELECT ` + contactsJSON("+?1", ofBoundAccount)

// Contacts lists the owner's own live contacts with their live phones, both
// in ID order, in one query (one consistent snapshot). The owner is taken
// as resolved: an unknown owner has no contacts.
func (s *Store) Contacts(ctx context.Context, owner contactd.Owner) ([]contactd.Contact, error) {
	var doc []byte
	if err := s.queryRow(lookup(ctx), contactsSQL, owner.CustomerKey, owner.AccountKey).Scan(&doc); err != nil {
		return nil, fmt.Errorf("sqlite: contacts: %w", err)
	}
	contacts, err := decodeContacts(doc)
	if err != nil {
		return nil, fmt.Errorf("sqlite: contacts: %w", err)
	}
	return contacts, nil
}

var customerContactsSQL = `SELECT c.key, c.profile, ` + contactsJSON("c.key", customerLevel("ct")) + `,
	` + recordsList("c.key", customerLevel("r")) + `
FROM customer c WHERE c.id_type = ? AND c.id_value = ?`

// CustomerContacts is Customer, with its Records, and Contacts in one
// query, one snapshot.
func (s *Store) CustomerContacts(ctx context.Context, id contactd.CustomerID) (contactd.Customer, []contactd.Contact, error) {
	c := contactd.Customer{ID: id}
	var profile, doc, recs []byte
	err := s.queryRow(lookup(ctx), customerContactsSQL, string(id.Type), id.Value).Scan(&c.Key, &profile, &doc, &recs)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Customer{}, nil, notFound()
	}
	if err != nil {
		return contactd.Customer{}, nil, fmt.Errorf("sqlite: customer contacts: %w", err)
	}
	c.Profile = profile
	contacts, err := decodeContacts(doc)
	if err == nil {
		c.Records, err = decodeRecords(recs)
	}
	if err != nil {
		return contactd.Customer{}, nil, fmt.Errorf("sqlite: customer contacts: %w", err)
	}
	return c, contacts, nil
}

var accountContactsSQL = `SELECT ` + accountColumns + `, ` + contactsJSON("a.customer_key", ofAccountRow("ct")) + `,
	` + recordsList("a.customer_key", ofAccountRow("r")) + `
FROM account a WHERE a.account_id = ?`

// AccountContacts is Account, with its Records, and Contacts in one query,
// one snapshot.
func (s *Store) AccountContacts(ctx context.Context, accountID string) (contactd.Account, []contactd.Contact, error) {
	var doc, recs []byte
	a, err := scanAccount(s.queryRow(lookup(ctx), accountContactsSQL, accountID), &doc, &recs)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Account{}, nil, notFound()
	}
	if err != nil {
		return contactd.Account{}, nil, fmt.Errorf("sqlite: account contacts: %w", err)
	}
	contacts, err := decodeContacts(doc)
	if err == nil {
		a.Records, err = decodeRecords(recs)
	}
	if err != nil {
		return contactd.Account{}, nil, fmt.Errorf("sqlite: account contacts: %w", err)
	}
	return a, contacts, nil
}

// The statements of the write transactions. They are all prepared on the
// write connection when the store opens (writeQueries): while a
// transaction holds that one connection nothing else could prepare them.
//
// A value that a WHERE term compares is bound as +? in the statements of
// the request path: mattn/go-sqlite3 clears a statement's bindings after
// each run, and since SQLite 3.54 that makes SQLite compile again, on the
// next run, any statement whose plan weighed a bound value; the planner
// does not look into +?, which is the same value (TestStatementsCompileOnce).
const (
	// touch moves a contact's updated forward: to now, or one second past
	// its current value if now is not later, but never more than one
	// second ahead of now, and never back; renameSQL and ceaseContactSQL
	// move it alike. Without that cap every change within a second pushed
	// it one more second ahead, and a contact changed many times a second
	// ran hours ahead of the clock.
	touchSQL = `UPDATE contact SET updated = MAX(updated, MIN(MAX(?1, updated + 1), ?1 + 1)) WHERE id = +?2`

	liveOfTypeSQL = `SELECT EXISTS (SELECT 1 FROM contact
WHERE customer_key = +? AND IFNULL(account_key, 0) = +? AND contact_type = +? AND ceased IS NULL)`

	insertContactSQL = `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated, ceased)
VALUES (?, ?, ?, ?, ?, ?, ?)`

	insertPhoneSQL = `INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension, ceased)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

	renameSQL = `UPDATE contact SET name = ?1, updated = MAX(updated, MIN(MAX(?2, updated + 1), ?2 + 1))
WHERE id = +?3 AND ceased IS NULL`

	ceaseContactSQL = `UPDATE contact SET ceased = ?1, updated = MAX(updated, MIN(MAX(?1, updated + 1), ?1 + 1))
WHERE id = +?2 AND ceased IS NULL`

	livePhonesOfContactSQL = `SELECT (SELECT COUNT(*) FROM phone WHERE contact_id = ct.id AND ceased IS NULL)
FROM contact ct WHERE ct.id = +? AND ct.ceased IS NULL`

	updatePhoneSQL = `UPDATE phone
SET phone_type = ?, country = ?, area_code = ?, number = ?, extension = ?
WHERE id = +? AND ceased IS NULL
  AND EXISTS (SELECT 1 FROM contact WHERE id = phone.contact_id AND ceased IS NULL)
RETURNING contact_id`

	livePhonesBesideSQL = `SELECT p.contact_id,
	(SELECT COUNT(*) FROM phone q WHERE q.contact_id = p.contact_id AND q.ceased IS NULL)
FROM phone p JOIN contact ct ON ct.id = p.contact_id
WHERE p.id = +? AND p.ceased IS NULL AND ct.ceased IS NULL`

	ceasePhoneSQL = `UPDATE phone SET ceased = ? WHERE id = +?`

	nextIDsSQL = `UPDATE id_sequence SET next = next + ?1 RETURNING next - ?1`

	raiseSequenceSQL = `UPDATE id_sequence SET next = MAX(next, ?)`

	claimModeSQL = `INSERT INTO database_mode (one, sandbox, claimed)
SELECT 1, ?1 AND NOT EXISTS (SELECT 1 FROM customer), ?2
WHERE NOT EXISTS (SELECT 1 FROM database_mode)`

	modeSQL = `SELECT sandbox FROM database_mode`
)

var writeQueries = []string{
	touchSQL, liveOfTypeSQL, insertContactSQL, insertPhoneSQL, renameSQL, ceaseContactSQL,
	livePhonesOfContactSQL, updatePhoneSQL, livePhonesBesideSQL, ceasePhoneSQL, nextIDsSQL, raiseSequenceSQL,
	claimModeSQL, modeSQL,
}

// CreateContact adds a contact with its phones: CNT103 unless it has 1 to
// 5 phones, CNT101 when the owner has a live contact of that type. The
// contact takes the first of 1+len(c.Phones) consecutive IDs, its phones
// the rest in order.
func (s *Store) CreateContact(ctx context.Context, owner contactd.Owner, c contactd.Contact, ch contactd.Change) (int64, error) {
	if n := len(c.Phones); n < contactd.MinPhones || n > contactd.MaxPhones {
		return 0, contactd.Errorf(contactd.CNT103, "")
	}
	var id int64
	err := s.write(ctx, "create contact", func(ctx context.Context, tx *wtx) error {
		first, replayed, err := replay(ctx, tx, ch, contactd.OpCreateContact)
		if err != nil || replayed {
			id = first
			return err
		}
		var taken bool
		if err := tx.QueryRowContext(ctx, liveOfTypeSQL, owner.CustomerKey, owner.AccountKey, string(c.Type)).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return contactd.Errorf(contactd.CNT101, "")
		}
		first, err = nextIDs(ctx, tx, 1+len(c.Phones))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertContactSQL,
			first, owner.CustomerKey, nullKey(owner.AccountKey), string(c.Type), c.Name, ch.Time.Unix(), nil); err != nil {
			return err
		}
		after := contactd.ContactValues{ContactID: first, ContactType: c.Type, Name: c.Name}
		for i, p := range c.Phones {
			pid := first + 1 + int64(i)
			if err := insertPhone(ctx, tx, pid, first, p, nil); err != nil {
				return err
			}
			after.Phone = append(after.Phone, phoneValuesOf(pid, p))
		}
		if err := audit(ctx, tx, ch, contactd.OpCreateContact, first, 0, nil, after); err != nil {
			return err
		}
		id = first
		return remember(ctx, tx, ch, contactd.OpCreateContact, id)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertPhone(ctx context.Context, tx execer, id, contactID int64, p contactd.Phone, ceased any) error {
	_, err := tx.ExecContext(ctx, insertPhoneSQL, id, contactID, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, ceased)
	return err
}

// updateOne runs an UPDATE that must hit one row: none is CST404.
func updateOne(ctx context.Context, tx *wtx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound()
	}
	return nil
}

// RenameContact changes the name of a live contact.
func (s *Store) RenameContact(ctx context.Context, contactID int64, name string, ch contactd.Change) error {
	return s.write(ctx, "rename contact", func(ctx context.Context, tx *wtx) error {
		before, err := liveContactValues(ctx, tx, contactID)
		if err != nil {
			return err
		}
		if err := updateOne(ctx, tx, renameSQL, name, ch.Time.Unix(), contactID); err != nil {
			return err
		}
		before.Phone = nil
		after := *before
		after.Name = name
		return audit(ctx, tx, ch, contactd.OpRenameContact, contactID, 0, before, after)
	})
}

// CeaseContact ceases a live contact; the contact_cease_phones trigger
// ceases its live phones in the same statement.
func (s *Store) CeaseContact(ctx context.Context, contactID int64, ch contactd.Change) error {
	return s.write(ctx, "cease contact", func(ctx context.Context, tx *wtx) error {
		before, err := liveContactValues(ctx, tx, contactID)
		if err != nil {
			return err
		}
		if err := updateOne(ctx, tx, ceaseContactSQL, ch.Time.Unix(), contactID); err != nil {
			return err
		}
		return audit(ctx, tx, ch, contactd.OpCeaseContact, contactID, 0, before, nil)
	})
}

// AddPhone adds a phone to a live contact: CST404 for an unknown or ceased
// contact, CNT103 when it already has MaxPhones.
func (s *Store) AddPhone(ctx context.Context, contactID int64, p contactd.Phone, ch contactd.Change) (int64, error) {
	var id int64
	err := s.write(ctx, "add phone", func(ctx context.Context, tx *wtx) error {
		first, replayed, err := replay(ctx, tx, ch, contactd.OpAddPhone)
		if err != nil || replayed {
			id = first
			return err
		}
		var live int
		err = tx.QueryRowContext(ctx, livePhonesOfContactSQL, contactID).Scan(&live)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		if live >= contactd.MaxPhones {
			return contactd.Errorf(contactd.CNT103, "")
		}
		if id, err = nextIDs(ctx, tx, 1); err != nil {
			return err
		}
		if err := insertPhone(ctx, tx, id, contactID, p, nil); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, touchSQL, ch.Time.Unix(), contactID); err != nil {
			return err
		}
		if err := audit(ctx, tx, ch, contactd.OpAddPhone, contactID, id, nil, phoneValuesOf(id, p)); err != nil {
			return err
		}
		return remember(ctx, tx, ch, contactd.OpAddPhone, id)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// UpdatePhone replaces every field of the live phone p.ID of a live contact.
func (s *Store) UpdatePhone(ctx context.Context, p contactd.Phone, ch contactd.Change) error {
	return s.write(ctx, "update phone", func(ctx context.Context, tx *wtx) error {
		before, _, err := phoneValues(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		var contactID int64
		err = tx.QueryRowContext(ctx, updatePhoneSQL,
			string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, p.ID).Scan(&contactID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, touchSQL, ch.Time.Unix(), contactID); err != nil {
			return err
		}
		return audit(ctx, tx, ch, contactd.OpUpdatePhone, contactID, p.ID, before, phoneValuesOf(p.ID, p))
	})
}

// CeasePhone ceases a live phone of a live contact: CNT103 when it is the
// contact's last live phone.
func (s *Store) CeasePhone(ctx context.Context, phoneID int64, ch contactd.Change) error {
	return s.write(ctx, "cease phone", func(ctx context.Context, tx *wtx) error {
		var contactID int64
		var live int
		err := tx.QueryRowContext(ctx, livePhonesBesideSQL, phoneID).Scan(&contactID, &live)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		if live <= contactd.MinPhones {
			return contactd.Errorf(contactd.CNT103, "")
		}
		before, _, err := phoneValues(ctx, tx, phoneID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ceasePhoneSQL, ch.Time.Unix(), phoneID); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, touchSQL, ch.Time.Unix(), contactID); err != nil {
			return err
		}
		return audit(ctx, tx, ch, contactd.OpCeasePhone, contactID, phoneID, before, nil)
	})
}

// Empty reports whether the store holds no customer.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var empty bool
	if err := s.queryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM customer)`).Scan(&empty); err != nil {
		return false, fmt.Errorf("sqlite: empty: %w", err)
	}
	return empty, nil
}

// ClaimMode records whether the database is a sandbox, if it records
// nothing yet (a database with customers is recorded as production), and
// returns what it records.
func (s *Store) ClaimMode(ctx context.Context, sandbox bool) (bool, error) {
	var recorded bool
	err := s.write(ctx, "claim mode", func(ctx context.Context, tx *wtx) error {
		if _, err := tx.ExecContext(ctx, claimModeSQL, sandbox, time.Now().Unix()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, modeSQL).Scan(&recorded)
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: claim mode: %w", err)
	}
	return recorded, nil
}
