package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/contactd/contactd"
)

// The statements of a replace, prepared on the write connection when the
// store opens (replaceQueries), as the API's are: an import replaces
// customers one transaction each, and preparing them for each took most of
// its time.
const (
	replaceCustomerSQL = `SELECT key, profile FROM customer WHERE id_type = ? AND id_value = ?`

	replaceAccountsSQL = `SELECT key, account_id, id_type, account_type, profile FROM account WHERE customer_key = ?`

	replaceAccountHolderSQL = `SELECT customer_id_type, customer_id_value FROM account WHERE account_id = ?`

	replaceRecordsSQL = `SELECT id, kind, key, fields, updated FROM record
WHERE customer_key = ? AND IFNULL(account_key, 0) = ? AND ceased IS NULL ORDER BY id`

	// replaceIDSQL says what holds an ID: a contact, a phone or a record.
	replaceIDSQL = `SELECT 'contact', ct.ceased IS NULL, ct.customer_key, IFNULL(ac.account_id, ''), 0, ''
FROM contact ct LEFT JOIN account ac ON ac.key = ct.account_key WHERE ct.id = ?1
UNION ALL
SELECT 'phone', p.ceased IS NULL AND ct.ceased IS NULL, ct.customer_key, IFNULL(ac.account_id, ''), ct.id, ''
FROM phone p JOIN contact ct ON ct.id = p.contact_id LEFT JOIN account ac ON ac.key = ct.account_key WHERE p.id = ?1
UNION ALL
SELECT 'record', r.ceased IS NULL, r.customer_key, IFNULL(ac.account_id, ''), 0, r.kind
FROM record r LEFT JOIN account ac ON ac.key = r.account_key WHERE r.id = ?1`

	replaceProfileSQL        = `UPDATE customer SET profile = ? WHERE key = ?`
	replaceAccountProfileSQL = `UPDATE account SET profile = ? WHERE key = ?`
	replaceAddAccountSQL     = `INSERT INTO account (account_id, id_type, account_type, customer_key, customer_id_type, customer_id_value, profile)
VALUES (?, ?, ?, ?, ?, ?, ?)`

	// replaceAuditSQL is the audit record of a change to a profile or an
	// account, which no contact or record carries.
	replaceAuditSQL = `INSERT INTO audit (at, operation, contact_id, customer_type, customer_value, account_id,
	caller, request_id, before, after)
VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`
)

var replaceQueries = []string{replaceCustomerSQL, replaceAccountsSQL, replaceAccountHolderSQL, replaceRecordsSQL, replaceIDSQL,
	replaceProfileSQL, replaceAccountProfileSQL, replaceAddAccountSQL, replaceAuditSQL, contactsSQL}

// ReplaceCustomer makes what the store holds of the customer what line
// says (contactd.PlanReplace), in one transaction with its audit records:
// CST404 when the customer is not held, a *contactd.ReplaceRefusal or the
// code of the rule the database holds when the line is refused. A refused
// line changes nothing. The ID sequence moves above maxID and the line's
// IDs first.
func (s *Store) ReplaceCustomer(ctx context.Context, line contactd.CustomerRecord, maxID int64, ch contactd.Change) error {
	return s.write(ctx, "replace customer", func(ctx context.Context, tx *wtx) error {
		maxID = max(maxID, contactd.ReplaceMaxID(line))
		if maxID > contactd.MaxID {
			return fmt.Errorf("ID %d is not below 2^53", maxID)
		}
		held, accountKeys, err := contactd.ReadReplaceHeld(ctx, replaceReader{tx}, line)
		if err != nil {
			return err
		}
		plan, err := contactd.PlanReplace(line, held)
		if err != nil {
			return err
		}
		if maxID > 0 {
			if _, err := tx.ExecContext(ctx, raiseSequenceSQL, maxID+1); err != nil {
				return fmt.Errorf("ID sequence: %w", err)
			}
		}
		r := replacer{tx: tx, ch: ch, customer: held.Customer, accounts: accountKeys}
		for _, st := range plan.Steps {
			if err := r.apply(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
}

// replaceReader is the store's contactd.ReplaceReader in a replace's
// transaction.
type replaceReader struct{ tx *wtx }

func (r replaceReader) HeldCustomer(ctx context.Context, id contactd.CustomerID) (contactd.Customer, error) {
	c := contactd.Customer{ID: id}
	var profile []byte
	err := r.tx.QueryRowContext(ctx, replaceCustomerSQL, string(id.Type), id.Value).Scan(&c.Key, &profile)
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound()
	}
	c.Profile = profile
	return c, err
}

func (r replaceReader) HeldAccounts(ctx context.Context, c contactd.Customer) ([]contactd.Account, error) {
	rows, err := r.tx.QueryContext(ctx, replaceAccountsSQL, c.Key)
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
	err := r.tx.QueryRowContext(ctx, replaceAccountHolderSQL, accountID).Scan(&t, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.CustomerID{}, false, nil
	}
	return contactd.CustomerID{Type: contactd.CustomerIDType(t), Value: v}, err == nil, err
}

func (r replaceReader) LiveContacts(ctx context.Context, customerKey, accountKey int64) ([]contactd.Contact, error) {
	var doc []byte
	if err := r.tx.QueryRowContext(ctx, contactsSQL, customerKey, accountKey).Scan(&doc); err != nil {
		return nil, err
	}
	return decodeContacts(doc)
}

func (r replaceReader) LiveRecords(ctx context.Context, customerKey, accountKey int64) ([]contactd.Record, error) {
	rows, err := r.tx.QueryContext(ctx, replaceRecordsSQL, customerKey, accountKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var records []contactd.Record
	for rows.Next() {
		var rec contactd.Record
		var kind string
		var fields []byte
		var updated int64
		if err := rows.Scan(&rec.ID, &kind, &rec.Key, &fields, &updated); err != nil {
			return nil, err
		}
		rec.Kind, rec.Fields, rec.Updated = contactd.Kind(kind), fields, time.Unix(updated, 0)
		records = append(records, rec)
	}
	return records, rows.Err()
}

func (r replaceReader) IDHolder(ctx context.Context, id int64) (contactd.HeldID, bool, error) {
	var h contactd.HeldID
	var kind string
	err := r.tx.QueryRowContext(ctx, replaceIDSQL, id).Scan(&h.What, &h.Live, &h.Customer, &h.AccountID, &h.Contact, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return h, false, nil
	}
	h.Kind = contactd.Kind(kind)
	return h, err == nil, err
}

// replacer writes the steps of a replace.
type replacer struct {
	tx       *wtx
	ch       contactd.Change
	customer contactd.Customer
	accounts map[string]int64 // account keys by ID, those added included
}

// profileAudit appends the audit record of a replace's change to a
// profile or an account.
func (r *replacer) profileAudit(ctx context.Context, st contactd.ReplaceStep) error {
	caller, b, a, err := auditValues(r.ch, st.Before, st.After(0))
	if err != nil {
		return err
	}
	_, err = r.tx.ExecContext(ctx, replaceAuditSQL, r.ch.Time.UnixMicro(), st.Op, string(r.customer.ID.Type), r.customer.ID.Value,
		st.AccountID, caller, r.ch.RequestID, b, a)
	return err
}

// stamp is Updated as a line gives it, or the change's time.
func (r *replacer) stamp(t time.Time) int64 {
	if t.IsZero() {
		return r.ch.Time.Unix()
	}
	return t.Unix()
}

func (r *replacer) apply(ctx context.Context, st contactd.ReplaceStep) error {
	tx, now := r.tx, r.ch.Time.Unix()
	switch st.Kind {
	case contactd.StepCustomerProfile:
		if _, err := tx.ExecContext(ctx, replaceProfileSQL, profileText(st.Profile), r.customer.Key); err != nil {
			return err
		}
		return r.profileAudit(ctx, st)
	case contactd.StepAddAccount:
		a := st.Account
		res, err := tx.ExecContext(ctx, replaceAddAccountSQL, a.ID, cmp.Or(a.IDType, "ACC"), a.Type, r.customer.Key,
			string(r.customer.ID.Type), r.customer.ID.Value, profileText(a.Profile))
		if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		if r.accounts[a.ID], err = res.LastInsertId(); err != nil {
			return err
		}
		return r.profileAudit(ctx, st)
	case contactd.StepAccountProfile:
		if _, err := tx.ExecContext(ctx, replaceAccountProfileSQL, profileText(st.Profile), r.accounts[st.AccountID]); err != nil {
			return err
		}
		return r.profileAudit(ctx, st)
	case contactd.StepCeaseContact:
		if err := updateOne(ctx, tx, ceaseContactSQL, now, st.ContactID); err != nil {
			return err
		}
		return audit(ctx, tx, r.ch, st.Op, st.ContactID, 0, st.Before, nil)
	case contactd.StepRenameContact:
		if err := updateOne(ctx, tx, renameSQL, st.Contact.Name, now, st.ContactID); err != nil {
			return err
		}
		return audit(ctx, tx, r.ch, st.Op, st.ContactID, 0, st.Before, st.After(0))
	case contactd.StepUpdatePhone, contactd.StepCeasePhone, contactd.StepAddPhone:
		p, id := st.Phone, st.Phone.ID
		var err error
		switch st.Kind {
		case contactd.StepUpdatePhone:
			var contactID int64
			err = tx.QueryRowContext(ctx, updatePhoneSQL, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, id).Scan(&contactID)
			if err == nil && contactID != st.ContactID {
				err = fmt.Errorf("phone %d: of contact %d, not %d", id, contactID, st.ContactID)
			}
		case contactd.StepCeasePhone:
			_, err = tx.ExecContext(ctx, ceasePhoneSQL, now, id)
		default:
			if id == 0 {
				if id, err = nextIDs(ctx, tx, 1); err != nil {
					return err
				}
			}
			err = insertPhone(ctx, tx, id, st.ContactID, p, nil)
		}
		if err != nil {
			return ruleError(err)
		}
		if _, err := tx.ExecContext(ctx, touchSQL, now, st.ContactID); err != nil {
			return err
		}
		return audit(ctx, tx, r.ch, st.Op, st.ContactID, id, st.Before, st.After(id))
	case contactd.StepCreateContact:
		c := st.Contact
		var err error
		if c.ID == 0 {
			if c.ID, err = nextIDs(ctx, tx, 1); err != nil {
				return err
			}
		}
		c.Phones = append([]contactd.Phone(nil), c.Phones...)
		for i := range c.Phones {
			if c.Phones[i].ID == 0 {
				if c.Phones[i].ID, err = nextIDs(ctx, tx, 1); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, insertContactSQL, c.ID, r.customer.Key, nullKey(r.accounts[st.AccountID]), string(c.Type), c.Name,
			r.stamp(c.Updated), nil); err != nil {
			return ruleError(err)
		}
		for _, p := range c.Phones {
			if err := insertPhone(ctx, tx, p.ID, c.ID, p, nil); err != nil {
				return ruleError(err)
			}
		}
		st.Contact = c
		return audit(ctx, tx, r.ch, st.Op, c.ID, 0, nil, st.After(c.ID))
	case contactd.StepCeaseRecord:
		if err := updateOne(ctx, tx, ceaseRecordSQL, now, st.Record.ID); err != nil {
			return err
		}
		return auditRecord(ctx, tx, r.ch, st.Op, st.Record.ID, st.Before, nil)
	case contactd.StepChangeRecord:
		rec := st.Record
		if err := updateOne(ctx, tx, changeRecordSQL, rec.Key, string(rec.Fields), now, rec.ID); err != nil {
			return recordRule(rec.Kind, err)
		}
		return auditRecord(ctx, tx, r.ch, st.Op, rec.ID, st.Before, st.After(rec.ID))
	case contactd.StepAddRecord:
		rec := st.Record
		if st.Ceases != 0 {
			if err := updateOne(ctx, tx, ceaseRecordSQL, now, st.Ceases); err != nil {
				return err
			}
		}
		id := rec.ID
		if id == 0 {
			var err error
			if id, err = nextIDs(ctx, tx, 1); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, insertRecordSQL, id, string(rec.Kind), r.customer.Key, nullKey(r.accounts[st.AccountID]), rec.Key,
			string(rec.Fields), r.stamp(rec.Updated), nil); err != nil {
			return recordRule(rec.Kind, err)
		}
		return auditRecord(ctx, tx, r.ch, st.Op, id, st.Before, st.After(id))
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
