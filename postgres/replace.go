package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
)

// The statements of a replace, an operator's command.
const (
	// replaceCustomerSQL locks the customer's row: replaces of one
	// customer take turns, in every replica, and each reads what the one
	// before committed. FOR NO KEY UPDATE, as an UPDATE of the profile
	// takes it: it does not hold off the inserts of contacts and records
	// that refer to the customer (their foreign keys take KEY SHARE).
	replaceCustomerSQL = `SELECT key, profile FROM customer WHERE id_type = $1 AND id_value = $2 FOR NO KEY UPDATE`

	replaceAccountsSQL = `SELECT key, account_id, id_type, account_type, profile FROM account WHERE customer_key = $1`

	replaceAccountHolderSQL = `SELECT c.id_type, c.id_value FROM account a JOIN customer c ON c.key = a.customer_key WHERE a.account_id = $1`

	replaceContactsSQL = `SELECT ` + contactColumns + `
FROM contact ct
LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
WHERE ct.customer_key = $1 AND COALESCE(ct.account_key, 0) = $2 AND ct.ceased IS NULL
ORDER BY ct.id, p.id`

	replaceRecordsSQL = `SELECT id, kind, key, fields, updated FROM record
WHERE customer_key = $1 AND COALESCE(account_key, 0) = $2 AND ceased IS NULL ORDER BY id`

	// replaceIDSQL says what holds an ID: a contact, a phone or a record.
	replaceIDSQL = `SELECT 'contact', ct.ceased IS NULL, ct.customer_key, COALESCE(ac.account_id, ''), 0::bigint, ''
FROM contact ct LEFT JOIN account ac ON ac.key = ct.account_key WHERE ct.id = $1
UNION ALL
SELECT 'phone', p.ceased IS NULL AND ct.ceased IS NULL, ct.customer_key, COALESCE(ac.account_id, ''), ct.id, ''
FROM phone p JOIN contact ct ON ct.id = p.contact_id LEFT JOIN account ac ON ac.key = ct.account_key WHERE p.id = $1
UNION ALL
SELECT 'record', r.ceased IS NULL, r.customer_key, COALESCE(ac.account_id, ''), 0::bigint, r.kind
FROM record r LEFT JOIN account ac ON ac.key = r.account_key WHERE r.id = $1`

	replaceProfileSQL        = `UPDATE customer SET profile = $1 WHERE key = $2`
	replaceAccountProfileSQL = `UPDATE account SET profile = $1 WHERE key = $2`
	replaceAddAccountSQL     = `INSERT INTO account (account_id, id_type, account_type, customer_key, profile)
VALUES ($1, $2, $3, $4, $5) RETURNING key`

	replacePhoneSQL = `UPDATE phone SET phone_type = $1, country = $2, area_code = $3, number = $4, extension = $5
WHERE id = $6 AND contact_id = $7 AND ceased IS NULL`

	// replaceAuditSQL is the audit record of a change to a profile or an
	// account, which no contact or record carries.
	replaceAuditSQL = `INSERT INTO audit (at, operation, contact_id, customer_type, customer_value, account_id,
	caller, request_id, before, after)
VALUES ($1, $2, 0, $3, $4, $5, $6, $7, $8, $9)`
)

// ReplaceCustomer makes what the store holds of the customer what line
// says (contactd.PlanReplace), in one transaction with its audit records:
// CST404 when the customer is not held, a *contactd.ReplaceRefusal or the
// code of the rule the database holds when the line is refused. A refused
// line changes nothing; the ID sequence, moved above maxID and the
// line's IDs first as by Load, stays moved.
func (s *Store) ReplaceCustomer(ctx context.Context, line contactd.CustomerRecord, maxID int64, ch contactd.Change) error {
	maxID = max(maxID, contactd.ReplaceMaxID(line))
	if maxID > contactd.MaxID {
		return fmt.Errorf("postgres: replace customer: ID %d is not below 2^53", maxID)
	}
	if maxID > 0 {
		var below bool
		if err := s.pool.QueryRow(ctx, `SELECT id_sequence_issued() < $1`, maxID).Scan(&below); err != nil {
			return fmt.Errorf("postgres: replace customer: %w", err)
		}
		if below {
			if err := s.retry(ctx, "replace customer: raise the ID sequence", false, func() error {
				return s.tryWrite(ctx, inTx(func(ctx context.Context, tx pgx.Tx) error { return raiseSequence(ctx, tx, maxID) }))
			}); err != nil {
				return err
			}
		}
	}
	return s.write(ctx, "replace customer", inTx(func(ctx context.Context, tx pgx.Tx) error {
		held, accountKeys, err := contactd.ReadReplaceHeld(ctx, replaceReader{tx}, line)
		if err != nil {
			return err
		}
		plan, err := contactd.PlanReplace(line, held)
		if err != nil {
			return err
		}
		// The record writes of the API take a lock per owner and kind
		// (lockOwnerKindSQL): a replace takes those of its owners, in one
		// order, so that they wait for it and it for them.
		b := &pgx.Batch{}
		for _, key := range replaceOwnerKeys(line, accountKeys) {
			for _, kind := range contactd.Kinds() {
				b.Queue(lockOwnerKindSQL, held.Customer.Key, key, string(kind))
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		r := replacer{tx: tx, ch: ch, customer: held.Customer, accounts: accountKeys, audit: &pgx.Batch{}}
		for _, st := range plan.Steps {
			if err := r.apply(ctx, st); err != nil {
				return err
			}
		}
		// the audit records last, as every write's (queueAudit)
		return tx.SendBatch(ctx, r.audit).Close()
	}))
}

// replaceOwnerKeys are the account keys of the owners a replace changes,
// 0 for the customer, in the line's order.
func replaceOwnerKeys(line contactd.CustomerRecord, accounts map[string]int64) []int64 {
	keys := []int64{0}
	for _, a := range line.Accounts {
		if k, ok := accounts[a.Account.ID]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// replaceReader is the store's contactd.ReplaceReader in a replace's
// transaction.
type replaceReader struct{ tx pgx.Tx }

func (r replaceReader) HeldCustomer(ctx context.Context, id contactd.CustomerID) (contactd.Customer, error) {
	c := contactd.Customer{ID: id}
	var profile []byte
	err := r.tx.QueryRow(ctx, replaceCustomerSQL, string(id.Type), id.Value).Scan(&c.Key, &profile)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, notFound()
	}
	c.Profile = profile
	return c, err
}

func (r replaceReader) HeldAccounts(ctx context.Context, c contactd.Customer) ([]contactd.Account, error) {
	rows, err := r.tx.Query(ctx, replaceAccountsSQL, c.Key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var accounts []contactd.Account
	for rows.Next() {
		a := contactd.Account{Customer: c.ID, CustomerKey: c.Key}
		var profile []byte
		if err := rows.Scan(&a.Key, &a.ID, &a.IDType, &a.Type, &profile); err != nil {
			return nil, err
		}
		a.Profile = profile
		accounts = append(accounts, a)
	}
	return accounts, rows.Err()
}

func (r replaceReader) AccountHolder(ctx context.Context, accountID string) (contactd.CustomerID, bool, error) {
	var t, v string
	err := r.tx.QueryRow(ctx, replaceAccountHolderSQL, accountID).Scan(&t, &v)
	if errors.Is(err, pgx.ErrNoRows) {
		return contactd.CustomerID{}, false, nil
	}
	return contactd.CustomerID{Type: contactd.CustomerIDType(t), Value: v}, err == nil, err
}

func (r replaceReader) LiveContacts(ctx context.Context, customerKey, accountKey int64) ([]contactd.Contact, error) {
	rows, err := r.tx.Query(ctx, replaceContactsSQL, customerKey, accountKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	_, contacts, err := scanContacts(rows, 0, rows.Scan)
	return contacts, err
}

func (r replaceReader) LiveRecords(ctx context.Context, customerKey, accountKey int64) ([]contactd.Record, error) {
	rows, err := r.tx.Query(ctx, replaceRecordsSQL, customerKey, accountKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var records []contactd.Record
	for rows.Next() {
		var rec contactd.Record
		var kind string
		var fields []byte
		if err := rows.Scan(&rec.ID, &kind, &rec.Key, &fields, &rec.Updated); err != nil {
			return nil, err
		}
		rec.Kind, rec.Fields = contactd.Kind(kind), fields
		records = append(records, rec)
	}
	return records, rows.Err()
}

func (r replaceReader) IDHolder(ctx context.Context, id int64) (contactd.HeldID, bool, error) {
	var h contactd.HeldID
	var kind string
	err := r.tx.QueryRow(ctx, replaceIDSQL, id).Scan(&h.What, &h.Live, &h.Customer, &h.AccountID, &h.Contact, &kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, false, nil
	}
	h.Kind = contactd.Kind(kind)
	return h, err == nil, err
}

// replacer writes the steps of a replace, and queues their audit records
// for the end.
type replacer struct {
	tx       pgx.Tx
	ch       contactd.Change
	customer contactd.Customer
	accounts map[string]int64 // account keys by ID, those added included
	audit    *pgx.Batch
}

// stamp is Updated as a line gives it, or the change's time.
func (r *replacer) stamp(t time.Time) time.Time {
	if t.IsZero() {
		return unix(r.ch.Time)
	}
	return t
}

// exec runs a statement that must change one row: none is CST404.
func (r *replacer) exec(ctx context.Context, query string, args ...any) error {
	tag, err := r.tx.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound()
	}
	return nil
}

func (r *replacer) nextID(ctx context.Context) (int64, error) {
	var id int64
	if err := r.tx.QueryRow(ctx, nextIDSQL).Scan(&id); err != nil {
		return 0, fmt.Errorf("next ID: %w", err)
	}
	return id, checkIDs(id, 1)
}

func (r *replacer) apply(ctx context.Context, st contactd.ReplaceStep) error {
	now := unix(r.ch.Time)
	switch st.Kind {
	case contactd.StepCustomerProfile, contactd.StepAccountProfile, contactd.StepAddAccount:
		var err error
		switch st.Kind {
		case contactd.StepCustomerProfile:
			err = r.exec(ctx, replaceProfileSQL, profileText(st.Profile), r.customer.Key)
		case contactd.StepAccountProfile:
			err = r.exec(ctx, replaceAccountProfileSQL, profileText(st.Profile), r.accounts[st.AccountID])
		default:
			a := st.Account
			var key int64
			err = r.tx.QueryRow(ctx, replaceAddAccountSQL, a.ID, cmp.Or(a.IDType, "ACC"), a.Type, r.customer.Key,
				profileText(a.Profile)).Scan(&key)
			r.accounts[a.ID] = key
		}
		if err != nil {
			return err
		}
		caller, b, a, err := auditValues(r.ch, st.Before, st.After(0))
		if err != nil {
			return err
		}
		r.audit.Queue(replaceAuditSQL, r.ch.Time, st.Op, string(r.customer.ID.Type), r.customer.ID.Value, st.AccountID, caller,
			r.ch.RequestID, b, a)
		return nil
	case contactd.StepCeaseContact:
		if err := r.exec(ctx, ceaseContactSQL, now, st.ContactID); err != nil {
			return err
		}
		return queueAudit(r.audit, r.ch, st.Op, st.ContactID, 0, st.Before, nil)
	case contactd.StepRenameContact:
		if err := r.exec(ctx, renameSQL, st.Contact.Name, now, st.ContactID); err != nil {
			return err
		}
		return queueAudit(r.audit, r.ch, st.Op, st.ContactID, 0, st.Before, st.After(0))
	case contactd.StepUpdatePhone, contactd.StepCeasePhone, contactd.StepAddPhone:
		p, id := st.Phone, st.Phone.ID
		var err error
		switch st.Kind {
		case contactd.StepUpdatePhone:
			err = r.exec(ctx, replacePhoneSQL, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, id, st.ContactID)
		case contactd.StepCeasePhone:
			err = r.exec(ctx, ceasePhoneSQL, now, id)
		default:
			if id == 0 {
				if id, err = r.nextID(ctx); err != nil {
					return err
				}
			}
			_, err = r.tx.Exec(ctx, insertPhoneSQL, id, st.ContactID, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension)
		}
		if err != nil {
			return ruleError(err)
		}
		if _, err := r.tx.Exec(ctx, touchSQL, now, st.ContactID); err != nil {
			return err
		}
		return queueAudit(r.audit, r.ch, st.Op, st.ContactID, id, st.Before, st.After(id))
	case contactd.StepCreateContact:
		c := st.Contact
		var err error
		if c.ID == 0 {
			if c.ID, err = r.nextID(ctx); err != nil {
				return err
			}
		}
		c.Phones = append([]contactd.Phone(nil), c.Phones...)
		for i := range c.Phones {
			if c.Phones[i].ID == 0 {
				if c.Phones[i].ID, err = r.nextID(ctx); err != nil {
					return err
				}
			}
		}
		if _, err := r.tx.Exec(ctx, insertContactSQL, c.ID, r.customer.Key, nullKey(r.accounts[st.AccountID]), string(c.Type), c.Name,
			r.stamp(c.Updated), nil); err != nil {
			return ruleError(err)
		}
		for _, p := range c.Phones {
			if _, err := r.tx.Exec(ctx, insertPhoneSQL, p.ID, c.ID, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension); err != nil {
				return ruleError(err)
			}
		}
		st.Contact = c
		return queueAudit(r.audit, r.ch, st.Op, c.ID, 0, nil, st.After(c.ID))
	case contactd.StepCeaseRecord:
		if err := r.exec(ctx, ceaseRecordSQL, now, st.Record.ID); err != nil {
			return err
		}
		return queueRecordAudit(r.audit, r.ch, st.Op, st.Record.ID, st.Before, nil)
	case contactd.StepChangeRecord:
		rec := st.Record
		if err := r.exec(ctx, changeRecordSQL, rec.Key, string(rec.Fields), now, rec.ID); err != nil {
			return recordRule(rec.Kind, err)
		}
		return queueRecordAudit(r.audit, r.ch, st.Op, rec.ID, st.Before, st.After(rec.ID))
	case contactd.StepAddRecord:
		rec := st.Record
		if st.Ceases != 0 {
			if err := r.exec(ctx, ceaseRecordSQL, now, st.Ceases); err != nil {
				return err
			}
		}
		id := rec.ID
		if id == 0 {
			var err error
			if id, err = r.nextID(ctx); err != nil {
				return err
			}
		}
		if _, err := r.tx.Exec(ctx, insertRecordSQL, id, string(rec.Kind), r.customer.Key, nullKey(r.accounts[st.AccountID]), rec.Key,
			string(rec.Fields), r.stamp(rec.Updated)); err != nil {
			return recordRule(rec.Kind, err)
		}
		return queueRecordAudit(r.audit, r.ch, st.Op, id, st.Before, st.After(id))
	}
	return fmt.Errorf("replace: step %d", st.Kind)
}

// ruleError is err as the code of the rule of the database it breaks,
// where it is one (CNT101, CNT103).
func ruleError(err error) error {
	if code, ok := ruleCode(err); ok {
		return contactd.Errorf(code, "")
	}
	return err
}
