package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

type accountKeys struct{ key, customerKey int64 }

// Load adds a dataset in one transaction, keeping its IDs and keys:
// customers first, then accounts (each refers to its customer by
// Account.Customer), then contacts (each refers to its owner by
// SeedContact.Owner) with their phones, then records (by SeedRecord.Owner
// likewise). Customers and accounts the dataset refers to may also be in
// the store already.
//
// A Key of 0 gets one above every key held or in the dataset, in dataset
// order. A seed contact, phone or record with ID 0 gets the next ID of the
// sequence. A contact or record whose Updated is zero is stamped with the
// time of the load. Each table's rows are written with multi-row INSERTs
// (bulkInsert), contacts before their phones. A ceased seed contact is stored ceased with all its phones, and a
// ceased seed record ceased, at its Updated time.
//
// Before inserting anything Load moves the ID sequence above every ID in
// the dataset, so no ID it issues (now, for an ID 0, or later) can meet a
// seeded one; the contact_id_sequence, phone_id_sequence and
// record_id_sequence triggers keep the same guarantee for every row
// inserted.
func (s *Store) Load(ctx context.Context, d contactd.Dataset) error {
	return s.write(ctx, "load", func(ctx context.Context, tx *wtx) error { return load(ctx, tx, d) })
}

func load(ctx context.Context, tx *wtx, d contactd.Dataset) error {
	maxID := d.MaxID()
	if maxID > contactd.MaxID {
		return fmt.Errorf("ID %d is not below 2^53", maxID)
	}
	if maxID > 0 {
		if _, err := tx.ExecContext(ctx, raiseSequenceSQL, maxID+1); err != nil {
			return fmt.Errorf("ID sequence: %w", err)
		}
	}
	// IDs for the contacts, phones and records that have none, taken in one
	// block, in dataset order
	var want int
	for _, sc := range d.Contacts {
		if sc.Contact.ID == 0 {
			want++
		}
		for _, p := range sc.Contact.Phones {
			if p.ID == 0 {
				want++
			}
		}
	}
	for _, sr := range d.Records {
		if sr.Record.ID == 0 {
			want++
		}
	}
	var nextID int64
	if want > 0 {
		var err error
		if nextID, err = nextIDs(ctx, tx, want); err != nil {
			return err
		}
	}
	issue := func(id int64) int64 {
		if id != 0 {
			return id
		}
		nextID++
		return nextID - 1
	}

	findCustomer, err := tx.tx.PrepareContext(ctx, `SELECT key FROM customer WHERE id_type = ? AND id_value = ?`)
	if err != nil {
		return err
	}
	defer findCustomer.Close()
	findAccount, err := tx.tx.PrepareContext(ctx, `SELECT key, customer_key FROM account WHERE account_id = ?`)
	if err != nil {
		return err
	}
	defer findAccount.Close()

	// Keys of 0 are chosen here, above every key held or in the dataset,
	// so that accounts, contacts and records can name their owners' keys
	// without reading them back.
	nextCustomerKey, err := nextKey(ctx, tx, `SELECT IFNULL(MAX(key), 0) + 1 FROM customer`)
	if err != nil {
		return err
	}
	for _, c := range d.Customers {
		nextCustomerKey = max(nextCustomerKey, c.Key+1)
	}
	nextAccountKey, err := nextKey(ctx, tx, `SELECT IFNULL(MAX(key), 0) + 1 FROM account`)
	if err != nil {
		return err
	}
	for _, a := range d.Accounts {
		nextAccountKey = max(nextAccountKey, a.Key+1)
	}

	customers := make(map[contactd.CustomerID]int64, len(d.Customers))
	customerKey := func(id contactd.CustomerID) (int64, error) {
		if k, ok := customers[id]; ok {
			return k, nil
		}
		var k int64
		err := findCustomer.QueryRowContext(ctx, string(id.Type), id.Value).Scan(&k)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("customer %s %s: %w", id.Type, id.Value, notFound())
		}
		if err != nil {
			return 0, fmt.Errorf("customer %s %s: %w", id.Type, id.Value, err)
		}
		customers[id] = k
		return k, nil
	}
	ins := newBulkInsert(ctx, tx, `INSERT INTO customer (key, id_type, id_value, profile) VALUES `, 4)
	for _, c := range d.Customers {
		k := c.Key
		if k == 0 {
			k = nextCustomerKey
			nextCustomerKey++
		}
		if _, dup := customers[c.ID]; dup {
			return fmt.Errorf("customer %s %s: twice in the dataset", c.ID.Type, c.ID.Value)
		}
		customers[c.ID] = k
		if err := ins.add(k, string(c.ID.Type), c.ID.Value, profileText(c.Profile)); err != nil {
			return fmt.Errorf("customers: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("customers: %w", err)
	}

	accounts := make(map[string]accountKeys, len(d.Accounts))
	accountKey := func(id string) (accountKeys, error) {
		if k, ok := accounts[id]; ok {
			return k, nil
		}
		var k accountKeys
		err := findAccount.QueryRowContext(ctx, id).Scan(&k.key, &k.customerKey)
		if errors.Is(err, sql.ErrNoRows) {
			return k, fmt.Errorf("account %s: %w", id, notFound())
		}
		if err != nil {
			return k, fmt.Errorf("account %s: %w", id, err)
		}
		accounts[id] = k
		return k, nil
	}
	ins = newBulkInsert(ctx, tx, `INSERT INTO account (key, account_id, id_type, account_type, customer_key, customer_id_type, customer_id_value, profile) VALUES `, 8)
	for _, a := range d.Accounts {
		ck, err := customerKey(a.Customer)
		if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		idType := a.IDType
		if idType == "" {
			idType = "ACC"
		}
		k := a.Key
		if k == 0 {
			k = nextAccountKey
			nextAccountKey++
		}
		if _, dup := accounts[a.ID]; dup {
			return fmt.Errorf("account %s: twice in the dataset", a.ID)
		}
		accounts[a.ID] = accountKeys{key: k, customerKey: ck}
		if err := ins.add(k, a.ID, idType, a.Type, ck, string(a.Customer.Type), a.Customer.Value, profileText(a.Profile)); err != nil {
			return fmt.Errorf("accounts: %w", err)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}

	owner := func(ref contactd.OwnerRef) (owner accountKeys, err error) { // key is the account's, 0 for a customer
		if ref.AccountID != "" {
			return accountKey(ref.AccountID)
		}
		owner.customerKey, err = customerKey(ref.Customer)
		return owner, err
	}
	loadTime := time.Now().Unix()
	stamp := func(at time.Time, ceased bool) (updated int64, ceasedAt any) {
		updated = loadTime
		if !at.IsZero() {
			updated = at.Unix()
		}
		if ceased {
			ceasedAt = updated
		}
		return updated, ceasedAt
	}
	// contacts first, then their phones: a live phone needs its contact
	ins = newBulkInsert(ctx, tx, insertContactsSQL, 7)
	phones := newBulkInsert(ctx, tx, insertPhonesSQL, 8)
	type phoneRow struct {
		contact int64
		ceased  any
		phone   contactd.Phone
	}
	phoneRows := make([]phoneRow, 0, 2*len(d.Contacts))
	for _, sc := range d.Contacts {
		c := sc.Contact
		o, err := owner(sc.Owner)
		if err != nil {
			return fmt.Errorf("contact %d: %w", c.ID, err)
		}
		if n := len(c.Phones); !sc.Ceased && (n < contactd.MinPhones || n > contactd.MaxPhones) {
			return fmt.Errorf("contact %d: %d live phones: %w", c.ID, n, contactd.Errorf(contactd.CNT103, ""))
		}
		id := issue(c.ID)
		updated, ceased := stamp(c.Updated, sc.Ceased)
		if err := ins.add(id, o.customerKey, nullKey(o.key), string(c.Type), c.Name, updated, ceased); err != nil {
			return fmt.Errorf("contacts: %w", contactRule(err))
		}
		for _, p := range c.Phones {
			p.ID = issue(p.ID)
			phoneRows = append(phoneRows, phoneRow{id, ceased, p})
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("contacts: %w", contactRule(err))
	}
	for _, r := range phoneRows {
		p := r.phone
		if err := phones.add(p.ID, r.contact, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, r.ceased); err != nil {
			return fmt.Errorf("phones: %w", contactRule(err))
		}
	}
	if err := phones.flush(); err != nil {
		return fmt.Errorf("phones: %w", contactRule(err))
	}

	// records by kind, so that a conflict names its kind's code
	type recordRow struct {
		id      int64
		owner   accountKeys
		updated int64
		ceased  any
		record  contactd.Record
	}
	byKind := map[contactd.Kind][]recordRow{}
	var kinds []contactd.Kind
	for _, sr := range d.Records {
		r := sr.Record
		o, err := owner(sr.Owner)
		if err != nil {
			return fmt.Errorf("%s record %d: %w", r.Kind, r.ID, err)
		}
		updated, ceased := stamp(r.Updated, sr.Ceased)
		if _, ok := byKind[r.Kind]; !ok {
			kinds = append(kinds, r.Kind)
		}
		byKind[r.Kind] = append(byKind[r.Kind], recordRow{issue(r.ID), o, updated, ceased, r})
	}
	for _, kind := range kinds {
		ins = newBulkInsert(ctx, tx, insertRecordsSQL, 8)
		for _, row := range byKind[kind] {
			r := row.record
			if err := ins.add(row.id, string(kind), row.owner.customerKey, nullKey(row.owner.key), r.Key, string(r.Fields), row.updated, row.ceased); err != nil {
				return fmt.Errorf("%s records: %w", kind, recordRule(kind, err))
			}
		}
		if err := ins.flush(); err != nil {
			return fmt.Errorf("%s records: %w", kind, recordRule(kind, err))
		}
	}
	return nil
}

// The heads of Load's multi-row INSERTs.
const (
	insertContactsSQL = `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated, ceased) VALUES `
	insertPhonesSQL   = `INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension, ceased) VALUES `
	insertRecordsSQL  = `INSERT INTO record (id, kind, customer_key, account_key, key, fields, updated, ceased) VALUES `
)

// bulkParams bounds the parameters of one statement: SQLite's limit
// before 3.32 was 999, and statements far longer gain nothing more.
const bulkParams = 999

// bulkInsert adds rows to a table with multi-row INSERT statements of up
// to bulkParams parameters. One statement for many rows, instead of one a
// row, is one call through cgo and database/sql, and one statement
// journal, in which SQLite copies each page a statement changes; for
// Load, which runs hundreds of thousands of inserts, they cost more than
// the inserts themselves (docs/performance.md, R10).
type bulkInsert struct {
	ctx  context.Context
	tx   *wtx
	head string
	cols int
	rows int       // the rows of a full statement
	full *sql.Stmt // prepared at the first full statement
	args []any
}

func newBulkInsert(ctx context.Context, tx *wtx, head string, cols int) *bulkInsert {
	return &bulkInsert{ctx: ctx, tx: tx, head: head, cols: cols, rows: bulkParams / cols}
}

// add queues a row, and runs the statement when it is full.
func (b *bulkInsert) add(values ...any) error {
	b.args = append(b.args, values...)
	if len(b.args) < b.rows*b.cols {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.tx.PrepareContext(b.ctx, b.head+valuesClause(b.rows, b.cols))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// flush inserts the rows queued.
func (b *bulkInsert) flush() error {
	if b.full != nil {
		defer b.full.Close()
	}
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.tx.ExecContext(b.ctx, b.head+valuesClause(len(b.args)/b.cols, b.cols), b.args...)
	b.args = b.args[:0]
	return err
}

// valuesClause is "(?, ?), (?, ?)" for rows of cols.
func valuesClause(rows, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}

// nextKey runs a query for the next free key of a table.
func nextKey(ctx context.Context, tx *wtx, query string) (int64, error) {
	var k int64
	err := tx.tx.QueryRowContext(ctx, query).Scan(&k)
	return k, err
}

// contactRule is err with a rule the contact and phone tables hold
// (CNT101, CNT103) as its code.
func contactRule(err error) error {
	if code, ok := ruleCode(err); ok {
		return fmt.Errorf("%w (%v)", contactd.Errorf(code, ""), err)
	}
	return err
}
