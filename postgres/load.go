package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
)

// loadChunk is the number of rows one INSERT of Load carries.
const loadChunk = 5000

// Load adds a dataset in one transaction, keeping its IDs and keys:
// customers first, then accounts (each refers to its customer by
// Account.Customer), then contacts (each refers to its owner by
// SeedContact.Owner) with their phones, then records (by SeedRecord.Owner
// likewise). Customers and accounts the dataset refers to may also be in
// the store already.
//
// A Key of 0 lets the database choose one, in dataset order. A seed
// contact, phone or record with ID 0 gets IDs from the sequence. A
// contact or record whose Updated is zero is stamped with the time of the
// load. A ceased seed contact is stored ceased with all its phones, and a
// ceased seed record ceased, at its Updated time.
//
// Before inserting anything Load moves the ID sequence above every ID in
// the dataset (setval, while ALTER SEQUENCE holds off every nextval), so
// no ID issued later, by any replica, can meet a seeded one; the insert
// triggers refuse an ID above the sequence.
//
// Loads take turns across replicas (an advisory lock). A Load that
// follows an Empty that answered true ends that Empty's claim on the
// empty database (see Empty), whether it succeeds or fails.
func (s *Store) Load(ctx context.Context, d contactd.Dataset) error {
	if claim := s.takeClaim(); claim != nil {
		defer s.dropClaim(claim)
	}
	maxID := d.MaxID()
	for _, sc := range d.Contacts {
		if n := len(sc.Contact.Phones); !sc.Ceased && (n < contactd.MinPhones || n > contactd.MaxPhones) {
			return fmt.Errorf("postgres: load: contact %d: %d live phones: %w", sc.Contact.ID, n, contactd.Errorf(contactd.CNT103, ""))
		}
	}
	for _, sr := range d.Records {
		maxID = max(maxID, sr.Record.ID)
	}
	if maxID > contactd.MaxID {
		return fmt.Errorf("postgres: load: ID %d is not below 2^53", maxID)
	}
	if maxID > 0 {
		if err := s.retry(ctx, "load: raise the ID sequence", false, func() error {
			return s.tryWrite(ctx, inTx(func(ctx context.Context, tx pgx.Tx) error { return raiseSequence(ctx, tx, maxID) }))
		}); err != nil {
			return err
		}
	}
	return s.retry(ctx, "load", false, func() error {
		return s.tryWrite(ctx, inTx(func(ctx context.Context, tx pgx.Tx) error { return load(ctx, tx, d) }))
	})
}

// raiseSequence moves the ID sequence so that it has handed out every ID
// up to maxID. ALTER SEQUENCE (a no-op change) locks the sequence against
// nextval and setval until the transaction ends, so the read and the
// setval cannot interleave with another replica's nextval.
func raiseSequence(ctx context.Context, tx pgx.Tx, maxID int64) error {
	if _, err := tx.Exec(ctx, `ALTER SEQUENCE id_sequence NO CYCLE`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT setval('id_sequence', $1::bigint + 1, false) WHERE id_sequence_issued() < $1::bigint`, maxID)
	return err
}

type accountKeys struct{ key, customerKey int64 }

func load(ctx context.Context, tx pgx.Tx, d contactd.Dataset) error {
	if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, loadStatementTimeout); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('contactd.load'), hashtext(current_schema()))`); err != nil {
		return err
	}
	customers, err := loadCustomers(ctx, tx, d.Customers)
	if err != nil {
		return err
	}
	var wanted []contactd.CustomerID
	for _, a := range d.Accounts {
		wanted = append(wanted, a.Customer)
	}
	for _, sc := range d.Contacts {
		if sc.Owner.AccountID == "" {
			wanted = append(wanted, sc.Owner.Customer)
		}
	}
	for _, sr := range d.Records {
		if sr.Owner.AccountID == "" {
			wanted = append(wanted, sr.Owner.Customer)
		}
	}
	if err := findCustomers(ctx, tx, customers, wanted); err != nil {
		return err
	}
	accounts, err := loadAccounts(ctx, tx, d.Accounts, customers)
	if err != nil {
		return err
	}
	var wantedAccounts []string
	for _, sc := range d.Contacts {
		if sc.Owner.AccountID != "" {
			wantedAccounts = append(wantedAccounts, sc.Owner.AccountID)
		}
	}
	for _, sr := range d.Records {
		if sr.Owner.AccountID != "" {
			wantedAccounts = append(wantedAccounts, sr.Owner.AccountID)
		}
	}
	if err := findAccounts(ctx, tx, accounts, wantedAccounts); err != nil {
		return err
	}
	if err := loadContacts(ctx, tx, d.Contacts, customers, accounts); err != nil {
		return err
	}
	return loadRecords(ctx, tx, d.Records, customers, accounts)
}

// raiseKeys moves a key sequence above the highest key given.
func raiseKeys(ctx context.Context, tx pgx.Tx, seq string, maxKey int64) error {
	if maxKey <= 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT setval($1::regclass, $2::bigint) WHERE $2::bigint >= (SELECT last_value FROM `+seq+`)`, seq, maxKey)
	return err
}

func chunks(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += loadChunk {
		if err := fn(lo, min(n, lo+loadChunk)); err != nil {
			return err
		}
	}
	return nil
}

func loadCustomers(ctx context.Context, tx pgx.Tx, cs []contactd.Customer) (map[contactd.CustomerID]int64, error) {
	keys := make(map[contactd.CustomerID]int64, len(cs))
	var maxKey int64
	for _, c := range cs {
		maxKey = max(maxKey, c.Key)
	}
	if err := raiseKeys(ctx, tx, "customer_key_seq", maxKey); err != nil {
		return nil, err
	}
	err := chunks(len(cs), func(lo, hi int) error {
		n := hi - lo
		k, t, v, p := make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
		for i, c := range cs[lo:hi] {
			k[i], t[i], v[i], p[i] = c.Key, string(c.ID.Type), c.ID.Value, profileText(c.Profile)
		}
		rows, err := tx.Query(ctx, `INSERT INTO customer (key, id_type, id_value, profile)
SELECT COALESCE(NULLIF(k, 0), nextval('customer_key_seq')), t, v, p::json
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x (k, t, v, p, n)
ORDER BY n
RETURNING key, id_type, id_value`, k, t, v, p)
		if err != nil {
			return err
		}
		return collectCustomers(rows, keys)
	})
	if err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	return keys, nil
}

func collectCustomers(rows pgx.Rows, keys map[contactd.CustomerID]int64) error {
	defer rows.Close()
	for rows.Next() {
		var key int64
		var t, v string
		if err := rows.Scan(&key, &t, &v); err != nil {
			return err
		}
		keys[contactd.CustomerID{Type: contactd.CustomerIDType(t), Value: v}] = key
	}
	return rows.Err()
}

// findCustomers adds to keys the stored customers of ids it lacks; a
// customer that is not stored is CST404.
func findCustomers(ctx context.Context, tx pgx.Tx, keys map[contactd.CustomerID]int64, ids []contactd.CustomerID) error {
	var t, v []string
	seen := map[contactd.CustomerID]bool{}
	for _, id := range ids {
		if _, ok := keys[id]; !ok && !seen[id] {
			seen[id] = true
			t, v = append(t, string(id.Type)), append(v, id.Value)
		}
	}
	if len(t) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT c.key, c.id_type, c.id_value
FROM customer c JOIN unnest($1::text[], $2::text[]) AS x (t, v) ON c.id_type = x.t AND c.id_value = x.v`, t, v)
	if err != nil {
		return err
	}
	if err := collectCustomers(rows, keys); err != nil {
		return err
	}
	for id := range seen {
		if _, ok := keys[id]; !ok {
			return fmt.Errorf("customer %s %s: %w", id.Type, id.Value, notFound())
		}
	}
	return nil
}

func loadAccounts(ctx context.Context, tx pgx.Tx, as []contactd.Account, customers map[contactd.CustomerID]int64) (map[string]accountKeys, error) {
	keys := make(map[string]accountKeys, len(as))
	var maxKey int64
	for _, a := range as {
		maxKey = max(maxKey, a.Key)
	}
	if err := raiseKeys(ctx, tx, "account_key_seq", maxKey); err != nil {
		return nil, err
	}
	err := chunks(len(as), func(lo, hi int) error {
		n := hi - lo
		k, ck := make([]int64, n), make([]int64, n)
		id, idType, typ, p := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, a := range as[lo:hi] {
			c, ok := customers[a.Customer]
			if !ok {
				return fmt.Errorf("account %s: customer %s %s: %w", a.ID, a.Customer.Type, a.Customer.Value, notFound())
			}
			it := a.IDType
			if it == "" {
				it = "ACC"
			}
			k[i], ck[i], id[i], idType[i], typ[i], p[i] = a.Key, c, a.ID, it, a.Type, profileText(a.Profile)
		}
		rows, err := tx.Query(ctx, `INSERT INTO account (key, account_id, id_type, account_type, customer_key, profile)
SELECT COALESCE(NULLIF(k, 0), nextval('account_key_seq')), id, it, typ, ck, p::json
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) WITH ORDINALITY AS x (k, id, it, typ, ck, p, n)
ORDER BY n
RETURNING key, account_id, customer_key`, k, id, idType, typ, ck, p)
		if err != nil {
			return err
		}
		return collectAccounts(rows, keys)
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return keys, nil
}

func collectAccounts(rows pgx.Rows, keys map[string]accountKeys) error {
	defer rows.Close()
	for rows.Next() {
		var k accountKeys
		var id string
		if err := rows.Scan(&k.key, &id, &k.customerKey); err != nil {
			return err
		}
		keys[id] = k
	}
	return rows.Err()
}

// findAccounts adds to keys the stored accounts of ids it lacks; an
// account that is not stored is CST404.
func findAccounts(ctx context.Context, tx pgx.Tx, keys map[string]accountKeys, ids []string) error {
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := keys[id]; !ok && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT key, account_id, customer_key FROM account WHERE account_id = ANY ($1::text[])`, missing)
	if err != nil {
		return err
	}
	if err := collectAccounts(rows, keys); err != nil {
		return err
	}
	for _, id := range missing {
		if _, ok := keys[id]; !ok {
			return fmt.Errorf("account %s: %w", id, notFound())
		}
	}
	return nil
}

func loadContacts(ctx context.Context, tx pgx.Tx, cs []contactd.SeedContact, customers map[contactd.CustomerID]int64, accounts map[string]accountKeys) error {
	type contactRow struct {
		id, customerKey, accountKey int64
		typ, name                   string
		updated                     time.Time
		ceased                      bool
	}
	type phoneRow struct {
		id, contactID int64
		p             contactd.Phone
		updated       time.Time
		ceased        bool
	}
	var contacts []contactRow
	var phones []phoneRow
	loadTime := unix(time.Now())
	for _, sc := range cs {
		c := sc.Contact
		var owner accountKeys // key is the account's, 0 for a customer
		if sc.Owner.AccountID != "" {
			owner = accounts[sc.Owner.AccountID]
		} else {
			owner.customerKey = customers[sc.Owner.Customer]
		}
		id := c.ID
		var block int64 // the first of a block this contact took, or 0
		if id == 0 {
			var err error
			if id, err = nextIDs(ctx, tx, idBlock); err != nil {
				return err
			}
			block = id
		}
		updated := loadTime
		if !c.Updated.IsZero() {
			updated = unix(c.Updated)
		}
		contacts = append(contacts, contactRow{id, owner.customerKey, owner.key, string(c.Type), c.Name, updated, sc.Ceased})
		for i, p := range c.Phones {
			pid := p.ID
			if pid == 0 {
				if block != 0 && i < contactd.MaxPhones {
					pid = block + 1 + int64(i)
				} else {
					var err error
					if pid, err = nextIDs(ctx, tx, 1); err != nil {
						return err
					}
				}
			}
			phones = append(phones, phoneRow{pid, id, p, updated, sc.Ceased})
		}
	}
	err := chunks(len(contacts), func(lo, hi int) error {
		n := hi - lo
		id, ck, ak := make([]int64, n), make([]int64, n), make([]int64, n)
		typ, name := make([]string, n), make([]string, n)
		upd, ceased := make([]time.Time, n), make([]bool, n)
		for i, c := range contacts[lo:hi] {
			id[i], ck[i], ak[i], typ[i], name[i], upd[i], ceased[i] = c.id, c.customerKey, c.accountKey, c.typ, c.name, c.updated, c.ceased
		}
		_, err := tx.Exec(ctx, `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated, ceased)
SELECT id, ck, NULLIF(ak, 0), typ, name, upd, CASE WHEN ceased THEN upd END
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::bool[])
	WITH ORDINALITY AS x (id, ck, ak, typ, name, upd, ceased, n)
ORDER BY n`, id, ck, ak, typ, name, upd, ceased)
		return err
	})
	if err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	err = chunks(len(phones), func(lo, hi int) error {
		n := hi - lo
		id, cid := make([]int64, n), make([]int64, n)
		typ, country, area, number, ext := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		upd, ceased := make([]time.Time, n), make([]bool, n)
		for i, p := range phones[lo:hi] {
			id[i], cid[i], upd[i], ceased[i] = p.id, p.contactID, p.updated, p.ceased
			typ[i], country[i], area[i], number[i], ext[i] = string(p.p.Type), p.p.Country, p.p.AreaCode, p.p.Number, p.p.Extension
		}
		_, err := tx.Exec(ctx, `INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension, ceased)
SELECT id, cid, typ, country, area, number, ext, CASE WHEN ceased THEN upd END
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::bool[])
	WITH ORDINALITY AS x (id, cid, typ, country, area, number, ext, upd, ceased, n)
ORDER BY n`, id, cid, typ, country, area, number, ext, upd, ceased)
		return err
	})
	if err != nil {
		return fmt.Errorf("phones: %w", err)
	}
	return nil
}

func loadRecords(ctx context.Context, tx pgx.Tx, rs []contactd.SeedRecord, customers map[contactd.CustomerID]int64, accounts map[string]accountKeys) error {
	loadTime := unix(time.Now())
	return chunks(len(rs), func(lo, hi int) error {
		n := hi - lo
		id, ck, ak := make([]int64, n), make([]int64, n), make([]int64, n)
		kind, key, fields := make([]string, n), make([]string, n), make([]string, n)
		upd, ceased := make([]time.Time, n), make([]bool, n)
		for i, sr := range rs[lo:hi] {
			r := sr.Record
			if sr.Owner.AccountID != "" {
				k := accounts[sr.Owner.AccountID]
				ck[i], ak[i] = k.customerKey, k.key
			} else {
				ck[i] = customers[sr.Owner.Customer]
			}
			id[i] = r.ID
			if id[i] == 0 {
				var err error
				if id[i], err = nextIDs(ctx, tx, 1); err != nil {
					return err
				}
			}
			upd[i] = loadTime
			if !r.Updated.IsZero() {
				upd[i] = unix(r.Updated)
			}
			kind[i], key[i], fields[i], ceased[i] = string(r.Kind), r.Key, string(r.Fields), sr.Ceased
		}
		_, err := tx.Exec(ctx, `INSERT INTO record (id, kind, customer_key, account_key, key, fields, updated, ceased)
SELECT id, kind, ck, NULLIF(ak, 0), key, fields::json, upd, CASE WHEN ceased THEN upd END
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[], $8::bool[])
	WITH ORDINALITY AS x (id, kind, ck, ak, key, fields, upd, ceased, n)
ORDER BY n`, id, kind, ck, ak, key, fields, upd, ceased)
		if err != nil {
			return fmt.Errorf("records: %w", err)
		}
		return nil
	})
}
