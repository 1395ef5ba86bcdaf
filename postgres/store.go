package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func notFound() error { return contactd.Errorf(contactd.CST404, "") }

// unix is t as the whole second the store keeps for Updated and ceased.
func unix(t time.Time) time.Time { return time.Unix(t.Unix(), 0) }

// Customer returns the customer with the ID.
func (s *Store) Customer(ctx context.Context, id contactd.CustomerID) (contactd.Customer, error) {
	c := contactd.Customer{ID: id}
	err := s.read(ctx, "customer", func(ctx context.Context) error {
		var profile []byte
		err := s.pool.QueryRow(ctx, `SELECT key, profile FROM customer WHERE id_type = $1 AND id_value = $2`,
			string(id.Type), id.Value).Scan(&c.Key, &profile)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		}
		c.Profile = profile
		return err
	})
	if err != nil {
		return contactd.Customer{}, err
	}
	return c, nil
}

const accountColumns = `a.key, a.account_id, a.id_type, a.account_type, c.id_type, c.id_value, a.profile`

// scanAccount reads accountColumns and a.customer_key, and then any further
// columns into more.
func scanAccount(row pgx.Row, more ...any) (contactd.Account, error) {
	var a contactd.Account
	var custType string
	var profile []byte
	dest := append([]any{&a.Key, &a.ID, &a.IDType, &a.Type, &custType, &a.Customer.Value, &profile, &a.CustomerKey}, more...)
	if err := row.Scan(dest...); err != nil {
		return contactd.Account{}, err
	}
	a.Customer.Type = contactd.CustomerIDType(custType)
	a.Profile = profile
	return a, nil
}

// Account returns the account with the ID.
func (s *Store) Account(ctx context.Context, accountID string) (contactd.Account, error) {
	var a contactd.Account
	err := s.read(ctx, "account", func(ctx context.Context) error {
		var err error
		a, err = scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+`, a.customer_key
FROM account a JOIN customer c ON c.key = a.customer_key
WHERE a.account_id = $1`, accountID))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		}
		return err
	})
	if err != nil {
		return contactd.Account{}, err
	}
	return a, nil
}

// CustomerAccounts lists the customer's accounts in key order, which is the
// order they were added. An unknown customer key is CST404; a customer
// with no account has an empty list.
func (s *Store) CustomerAccounts(ctx context.Context, customerKey int64) ([]contactd.Account, error) {
	var accounts []contactd.Account
	err := s.read(ctx, "customer accounts", func(ctx context.Context) error {
		// the customer row comes first, so an unknown key is told apart
		// from a customer without accounts in one statement
		rows, err := s.pool.Query(ctx, `SELECT `+accountColumns+`
FROM customer c LEFT JOIN account a ON a.customer_key = c.key
WHERE c.key = $1
ORDER BY a.key NULLS FIRST`, customerKey)
		if err != nil {
			return err
		}
		defer rows.Close()
		accounts = []contactd.Account{}
		known := false
		for rows.Next() {
			known = true
			var (
				key                           *int64
				id, idType, accType, custType *string
				custValue                     string
				profile                       []byte
			)
			if err := rows.Scan(&key, &id, &idType, &accType, &custType, &custValue, &profile); err != nil {
				return err
			}
			if key == nil {
				continue
			}
			accounts = append(accounts, contactd.Account{Key: *key, ID: *id, IDType: *idType, Type: *accType,
				Customer: contactd.CustomerID{Type: contactd.CustomerIDType(*custType), Value: custValue}, CustomerKey: customerKey, Profile: profile})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !known {
			return notFound()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return accounts, nil
}

// ownerColumns and ownerJoins give an Owner for a contact or record row
// named t.
func ownerColumns(t string) string {
	return t + `.customer_key, cu.id_type, cu.id_value, COALESCE(ac.key, 0), COALESCE(ac.account_id, ''), COALESCE(ac.account_type, ''), COALESCE(ac.id_type, '')`
}

func ownerJoins(t string) string {
	return `JOIN customer cu ON cu.key = ` + t + `.customer_key LEFT JOIN account ac ON ac.key = ` + t + `.account_key`
}

func scanOwner(row pgx.Row) (contactd.Owner, error) {
	var o contactd.Owner
	var custType string
	err := row.Scan(&o.CustomerKey, &custType, &o.Customer.Value, &o.AccountKey, &o.AccountID, &o.AccountType, &o.AccountIDType)
	o.Customer.Type = contactd.CustomerIDType(custType)
	return o, err
}

// queryOwner runs a query that yields one owner, or none (CST404).
func (s *Store) queryOwner(ctx context.Context, op, query string, args ...any) (contactd.Owner, error) {
	var o contactd.Owner
	err := s.read(ctx, op, func(ctx context.Context) error {
		var err error
		o, err = scanOwner(s.pool.QueryRow(ctx, query, args...))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		}
		return err
	})
	if err != nil {
		return contactd.Owner{}, err
	}
	return o, nil
}

// Owner resolves a customer or account reference. When ref names an
// account (AccountID is set), its Customer is not consulted: the account's
// own customer is the owner's customer.
func (s *Store) Owner(ctx context.Context, ref contactd.OwnerRef) (contactd.Owner, error) {
	if ref.AccountID != "" {
		return s.queryOwner(ctx, "owner", `SELECT a.customer_key, c.id_type, c.id_value, a.key, a.account_id, a.account_type, a.id_type
FROM account a JOIN customer c ON c.key = a.customer_key
WHERE a.account_id = $1`, ref.AccountID)
	}
	return s.queryOwner(ctx, "owner", `SELECT key, id_type, id_value, 0::bigint, '', '', '' FROM customer WHERE id_type = $1 AND id_value = $2`,
		string(ref.Customer.Type), ref.Customer.Value)
}

// ContactOwner returns the owner of a live contact.
func (s *Store) ContactOwner(ctx context.Context, contactID int64) (contactd.Owner, error) {
	return s.queryOwner(ctx, "contact owner", `SELECT `+ownerColumns("ct")+`
FROM contact ct `+ownerJoins("ct")+`
WHERE ct.id = $1 AND ct.ceased IS NULL`, contactID)
}

// PhoneOwner returns the owner of a live phone's contact; the contact must
// be live too.
func (s *Store) PhoneOwner(ctx context.Context, phoneID int64) (contactd.Owner, error) {
	return s.queryOwner(ctx, "phone owner", `SELECT `+ownerColumns("ct")+`
FROM phone p JOIN contact ct ON ct.id = p.contact_id `+ownerJoins("ct")+`
WHERE p.id = $1 AND p.ceased IS NULL AND ct.ceased IS NULL`, phoneID)
}

// contactColumns are the columns scanContacts reads after a query's head
// columns: a row per live phone of each live contact, from
// `contact ct LEFT JOIN phone p`, in contact and phone ID order. A customer
// or account without contacts gives one row of NULLs when the contacts are
// LEFT JOINed to it.
const contactColumns = `ct.id, ct.contact_type, ct.name, ct.updated,
	p.id, p.phone_type, p.country, p.area_code, p.number, p.extension`

// scanContacts reads rows of head columns followed by contactColumns.
// scanFirst scans the first row into the head's destinations followed by
// the destinations it is given; later rows skip the head. found reports
// whether there was any row.
func scanContacts(rows pgx.Rows, head int, scanFirst func(contact ...any) error) (found bool, contacts []contactd.Contact, err error) {
	defer rows.Close()
	contacts = []contactd.Contact{}
	skip := make([]any, head) // nil destinations: pgx skips those columns
	for rows.Next() {
		var (
			id, pid                                              *int64
			ctype, name, ptype, country, area, number, extension *string
			updated                                              *time.Time
		)
		dest := []any{&id, &ctype, &name, &updated, &pid, &ptype, &country, &area, &number, &extension}
		if !found {
			err = scanFirst(dest...)
		} else {
			err = rows.Scan(append(skip, dest...)...)
		}
		if err != nil {
			return false, nil, err
		}
		found = true
		if id == nil {
			continue
		}
		if n := len(contacts); n == 0 || contacts[n-1].ID != *id {
			contacts = append(contacts, contactd.Contact{ID: *id, Type: contactd.ContactType(*ctype), Name: *name, Updated: *updated})
		}
		if pid != nil {
			c := &contacts[len(contacts)-1]
			c.Phones = append(c.Phones, contactd.Phone{ID: *pid, Type: contactd.PhoneType(*ptype), Country: *country,
				AreaCode: *area, Number: *number, Extension: *extension})
		}
	}
	if err := rows.Err(); err != nil {
		return false, nil, err
	}
	return found, contacts, nil
}

// Contacts lists the owner's own live contacts with their live phones, both
// in ID order, in one query (one consistent snapshot). The owner is taken
// as resolved: an unknown owner has no contacts.
func (s *Store) Contacts(ctx context.Context, owner contactd.Owner) ([]contactd.Contact, error) {
	var contacts []contactd.Contact
	err := s.read(ctx, "contacts", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+contactColumns+`
FROM contact ct
LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
WHERE ct.customer_key = $1 AND COALESCE(ct.account_key, 0) = $2 AND ct.ceased IS NULL
ORDER BY ct.id, p.id`, owner.CustomerKey, owner.AccountKey)
		if err != nil {
			return err
		}
		_, contacts, err = scanContacts(rows, 0, rows.Scan)
		return err
	})
	if err != nil {
		return nil, err
	}
	return contacts, nil
}

// CustomerContacts is Customer, with its Records, and Contacts in one
// query: one round trip and one snapshot.
func (s *Store) CustomerContacts(ctx context.Context, id contactd.CustomerID) (contactd.Customer, []contactd.Contact, error) {
	c := contactd.Customer{ID: id}
	var contacts []contactd.Contact
	err := s.read(ctx, "customer contacts", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT c.key, c.profile, `+recordColumns+`, `+contactColumns+`
FROM customer c
CROSS JOIN LATERAL `+liveRecords("c.key", "0")+` rec
LEFT JOIN contact ct ON ct.customer_key = c.key AND ct.account_key IS NULL AND ct.ceased IS NULL
LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
WHERE c.id_type = $1 AND c.id_value = $2
ORDER BY ct.id, p.id`, string(id.Type), id.Value)
		if err != nil {
			return err
		}
		var profile []byte
		var recs recordArrays
		found, cs, err := scanContacts(rows, 2+len(recs.dest()), func(contact ...any) error {
			return rows.Scan(slices.Concat([]any{&c.Key, &profile}, recs.dest(), contact)...)
		})
		if err == nil && !found {
			return notFound()
		}
		c.Profile, c.Records, contacts = profile, recs.records(), cs
		return err
	})
	if err != nil {
		return contactd.Customer{}, nil, err
	}
	return c, contacts, nil
}

// AccountContacts is Account, with its Records, and Contacts in one query:
// one round trip and one snapshot.
func (s *Store) AccountContacts(ctx context.Context, accountID string) (contactd.Account, []contactd.Contact, error) {
	var a contactd.Account
	var contacts []contactd.Contact
	err := s.read(ctx, "account contacts", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+accountColumns+`, a.customer_key, `+recordColumns+`, `+contactColumns+`
FROM account a JOIN customer c ON c.key = a.customer_key
CROSS JOIN LATERAL `+liveRecords("a.customer_key", "a.key")+` rec
LEFT JOIN contact ct ON ct.customer_key = a.customer_key AND ct.account_key = a.key AND ct.ceased IS NULL
LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
WHERE a.account_id = $1
ORDER BY ct.id, p.id`, accountID)
		if err != nil {
			return err
		}
		var recs recordArrays
		found, cs, err := scanContacts(rows, 8+len(recs.dest()), func(contact ...any) (err error) {
			a, err = scanAccount(rows, append(recs.dest(), contact...)...)
			return err
		})
		if err == nil && !found {
			return notFound()
		}
		a.Records, contacts = recs.records(), cs
		return err
	})
	if err != nil {
		return contactd.Account{}, nil, err
	}
	return a, contacts, nil
}

// nextUpdated is a changed contact's new updated, given now: now, or one
// second past its current value if now is not later, but never more than
// one second ahead of now, and never back. Without that cap every change
// within a second pushed it one more second ahead, and a contact changed
// many times a second ran hours ahead of the clock.
func nextUpdated(now string) string {
	n := now + `::timestamptz`
	return `GREATEST(updated, LEAST(GREATEST(` + n + `, updated + interval '1 second'), ` + n + ` + interval '1 second'))`
}

// The statements of the write transactions.
var (
	// touch moves a contact's updated forward (nextUpdated).
	touchSQL = `UPDATE contact SET updated = ` + nextUpdated("$1") + ` WHERE id = $2`

	liveOfTypeSQL = `SELECT EXISTS (SELECT 1 FROM contact
WHERE customer_key = $1 AND COALESCE(account_key, 0) = $2 AND contact_type = $3 AND ceased IS NULL)`

	insertContactSQL = `INSERT INTO contact (id, customer_key, account_key, contact_type, name, updated, ceased)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

	// insertPhonesSQL inserts a new contact's phones in one statement.
	insertPhonesSQL = `INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension)
SELECT id, $2, phone_type, country, area_code, number, extension
FROM unnest($1::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
	WITH ORDINALITY AS p (id, phone_type, country, area_code, number, extension, n)
ORDER BY n`

	insertPhoneSQL = `INSERT INTO phone (id, contact_id, phone_type, country, area_code, number, extension)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

	renameSQL = `UPDATE contact SET name = $1, updated = ` + nextUpdated("$2") + `
WHERE id = $3 AND ceased IS NULL`

	ceaseContactSQL = `UPDATE contact SET ceased = $1, updated = ` + nextUpdated("$1") + `
WHERE id = $2 AND ceased IS NULL`

	// lockContactSQL locks a live contact's row: every write that changes
	// its phones or it takes this lock first, so writers on one contact
	// queue here, and the statements after it see what the one before
	// committed (READ COMMITTED takes a new snapshot per statement).
	lockContactSQL = `SELECT id FROM contact WHERE id = $1 AND ceased IS NULL FOR UPDATE`

	// lockPhoneContactSQL locks the contact of a live phone.
	lockPhoneContactSQL = `SELECT ct.id FROM phone p JOIN contact ct ON ct.id = p.contact_id
WHERE p.id = $1 AND p.ceased IS NULL AND ct.ceased IS NULL
FOR UPDATE OF ct`

	livePhonesSQL = `SELECT count(*) FROM phone WHERE contact_id = $1 AND ceased IS NULL`

	// livePhonesBesideSQL counts the live phones of a phone's contact.
	livePhonesBesideSQL = `SELECT count(*) FROM phone
WHERE contact_id = (SELECT contact_id FROM phone WHERE id = $1) AND ceased IS NULL`

	nextIDSQL = `SELECT nextval('id_sequence')`

	updatePhoneSQL = `UPDATE phone
SET phone_type = $1, country = $2, area_code = $3, number = $4, extension = $5
WHERE id = $6 AND ceased IS NULL`

	ceasePhoneSQL = `UPDATE phone SET ceased = $1 WHERE id = $2 AND ceased IS NULL`
)

// Each write is a transaction of two batches: the reads and locks its
// decision needs, which begin it (writeTx.send), then its changes ending
// with the audit record. A batch is one round trip, its statements run in
// order, each with a snapshot of its own, so a read queued after a lock
// sees what the lock waited for. Refusals are read from the results
// rather than returned from the batch's callbacks: pgx drops its prepared
// statements of a batch that fails.

// queueID queues a query of one bigint into *id, left 0 when there is no
// row (no ID or key is 0).
func queueID(b *pgx.Batch, query string, arg any, id *int64) {
	b.Queue(query, arg).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(id); !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return nil
	})
}

// queueCount queues a query of one count into *n.
func queueCount(b *pgx.Batch, query string, arg any, n *int) {
	b.Queue(query, arg).QueryRow(func(row pgx.Row) error { return row.Scan(n) })
}

// queueNextIDs queues the taking of the next block of IDs into *first.
// Queued beside a check that may refuse the write, it spends the block on
// a refusal too; IDs need not be dense, only unique.
func queueNextIDs(b *pgx.Batch, n int, first *int64) error {
	if err := blockSize(n); err != nil {
		return err
	}
	b.Queue(nextIDSQL).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(first); err != nil {
			return fmt.Errorf("next ID: %w", err)
		}
		return checkIDs(*first, n)
	})
	return nil
}

// queueOne queues a statement that must change one row: none is CST404.
func queueOne(b *pgx.Batch, query string, args ...any) {
	b.Queue(query, args...).Exec(func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() == 0 {
			return notFound()
		}
		return nil
	})
}

// CreateContact adds a contact with its phones: CNT103 unless it has 1 to
// 5 phones, CNT101 when the owner has a live contact of that type. The
// contact takes the first ID of a block from the sequence, its phones the
// next ones in order.
func (s *Store) CreateContact(ctx context.Context, owner contactd.Owner, c contactd.Contact, ch contactd.Change) (int64, error) {
	if n := len(c.Phones); n < contactd.MinPhones || n > contactd.MaxPhones {
		return 0, contactd.Errorf(contactd.CNT103, "")
	}
	var id int64
	err := s.write(ctx, "create contact", func(ctx context.Context, w *writeTx) error {
		first, replayed, err := replay(ctx, w, ch, contactd.OpCreateContact)
		if err != nil || replayed {
			id = first
			return err
		}
		// The usual refusal; the unique index decides between concurrent
		// creates.
		var taken bool
		b := &pgx.Batch{}
		b.Queue(liveOfTypeSQL, owner.CustomerKey, owner.AccountKey, string(c.Type)).
			QueryRow(func(row pgx.Row) error { return row.Scan(&taken) })
		if err := queueNextIDs(b, 1+len(c.Phones), &first); err != nil {
			return err
		}
		if err := w.send(ctx, b); err != nil {
			return err
		}
		if taken {
			return contactd.Errorf(contactd.CNT101, "")
		}

		n := len(c.Phones)
		ids := make([]int64, n)
		cols := [5][]string{make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)}
		after := contactd.ContactValues{ContactID: first, ContactType: c.Type, Name: c.Name}
		for i, p := range c.Phones {
			ids[i] = first + 1 + int64(i)
			cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i] = string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension
			after.Phone = append(after.Phone, phoneValuesOf(ids[i], p))
		}
		b = &pgx.Batch{}
		b.Queue(insertContactSQL, first, owner.CustomerKey, nullKey(owner.AccountKey), string(c.Type), c.Name, unix(ch.Time), nil)
		b.Queue(insertPhonesSQL, ids, first, cols[0], cols[1], cols[2], cols[3], cols[4])
		queueRemember(b, ch, contactd.OpCreateContact, first)
		if err := queueAudit(b, ch, contactd.OpCreateContact, first, 0, nil, after); err != nil {
			return err
		}
		if err := w.send(ctx, b); err != nil {
			return err
		}
		id = first
		return nil
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// lockLiveContact locks a live contact's row and reads it, with its live
// phones, as the audit records it, in one round trip; CST404 if there is
// no such live contact.
func lockLiveContact(ctx context.Context, w *writeTx, contactID int64) (*contactd.ContactValues, error) {
	var locked int64
	var v *contactd.ContactValues
	b := &pgx.Batch{}
	queueID(b, lockContactSQL, contactID, &locked)
	queueContactValues(b, contactID, &v)
	if err := w.send(ctx, b); err != nil {
		return nil, err
	}
	if locked == 0 || v == nil {
		return nil, notFound()
	}
	return v, nil
}

// RenameContact changes the name of a live contact.
func (s *Store) RenameContact(ctx context.Context, contactID int64, name string, ch contactd.Change) error {
	return s.write(ctx, "rename contact", func(ctx context.Context, w *writeTx) error {
		before, err := lockLiveContact(ctx, w, contactID)
		if err != nil {
			return err
		}
		before.Phone = nil
		after := *before
		after.Name = name
		b := &pgx.Batch{}
		queueOne(b, renameSQL, name, unix(ch.Time), contactID)
		if err := queueAudit(b, ch, contactd.OpRenameContact, contactID, 0, before, after); err != nil {
			return err
		}
		return w.send(ctx, b)
	})
}

// CeaseContact ceases a live contact; the contact_cease_phones trigger
// ceases its live phones in the same statement.
func (s *Store) CeaseContact(ctx context.Context, contactID int64, ch contactd.Change) error {
	return s.write(ctx, "cease contact", func(ctx context.Context, w *writeTx) error {
		before, err := lockLiveContact(ctx, w, contactID)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		queueOne(b, ceaseContactSQL, unix(ch.Time), contactID)
		if err := queueAudit(b, ch, contactd.OpCeaseContact, contactID, 0, before, nil); err != nil {
			return err
		}
		return w.send(ctx, b)
	})
}

// AddPhone adds a phone to a live contact: CST404 for an unknown or ceased
// contact, CNT103 when it already has MaxPhones.
func (s *Store) AddPhone(ctx context.Context, contactID int64, p contactd.Phone, ch contactd.Change) (int64, error) {
	var id int64
	err := s.write(ctx, "add phone", func(ctx context.Context, w *writeTx) error {
		first, replayed, err := replay(ctx, w, ch, contactd.OpAddPhone)
		if err != nil || replayed {
			id = first
			return err
		}
		var locked int64
		var live int
		b := &pgx.Batch{}
		queueID(b, lockContactSQL, contactID, &locked)
		queueCount(b, livePhonesSQL, contactID, &live)
		if err := queueNextIDs(b, 1, &first); err != nil {
			return err
		}
		if err := w.send(ctx, b); err != nil {
			return err
		}
		if locked == 0 {
			return notFound()
		}
		if live >= contactd.MaxPhones {
			return contactd.Errorf(contactd.CNT103, "")
		}
		b = &pgx.Batch{}
		b.Queue(insertPhoneSQL, first, contactID, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension)
		b.Queue(touchSQL, unix(ch.Time), contactID)
		queueRemember(b, ch, contactd.OpAddPhone, first)
		if err := queueAudit(b, ch, contactd.OpAddPhone, contactID, first, nil, phoneValuesOf(first, p)); err != nil {
			return err
		}
		if err := w.send(ctx, b); err != nil {
			return err
		}
		id = first
		return nil
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// UpdatePhone replaces every field of the live phone p.ID of a live contact.
func (s *Store) UpdatePhone(ctx context.Context, p contactd.Phone, ch contactd.Change) error {
	return s.write(ctx, "update phone", func(ctx context.Context, w *writeTx) error {
		var contactID int64
		var before contactd.PhoneValues
		b := &pgx.Batch{}
		queueID(b, lockPhoneContactSQL, p.ID, &contactID)
		queuePhoneValues(b, p.ID, &before)
		if err := w.send(ctx, b); err != nil {
			return err
		}
		if contactID == 0 || before.PhoneID == 0 {
			return notFound()
		}
		b = &pgx.Batch{}
		queueOne(b, updatePhoneSQL, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, p.ID)
		b.Queue(touchSQL, unix(ch.Time), contactID)
		if err := queueAudit(b, ch, contactd.OpUpdatePhone, contactID, p.ID, before, phoneValuesOf(p.ID, p)); err != nil {
			return err
		}
		return w.send(ctx, b)
	})
}

// CeasePhone ceases a live phone of a live contact: CNT103 when it is the
// contact's last live phone.
func (s *Store) CeasePhone(ctx context.Context, phoneID int64, ch contactd.Change) error {
	return s.write(ctx, "cease phone", func(ctx context.Context, w *writeTx) error {
		var contactID int64
		var live int
		var before contactd.PhoneValues
		b := &pgx.Batch{}
		queueID(b, lockPhoneContactSQL, phoneID, &contactID)
		queueCount(b, livePhonesBesideSQL, phoneID, &live)
		queuePhoneValues(b, phoneID, &before)
		if err := w.send(ctx, b); err != nil {
			return err
		}
		if contactID == 0 || before.PhoneID == 0 {
			return notFound()
		}
		if live <= contactd.MinPhones {
			return contactd.Errorf(contactd.CNT103, "")
		}
		now := unix(ch.Time)
		b = &pgx.Batch{}
		queueOne(b, ceasePhoneSQL, now, phoneID)
		b.Queue(touchSQL, now, contactID)
		if err := queueAudit(b, ch, contactd.OpCeasePhone, contactID, phoneID, before, nil); err != nil {
			return err
		}
		return w.send(ctx, b)
	})
}

func (s *Store) String() string { return fmt.Sprintf("postgres.Store(schema %s)", s.schema) }
