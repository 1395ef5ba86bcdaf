package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// A Key of 0 lets the database choose one, in dataset order. A seed
// contact, phone or record with ID 0 gets the next ID of the sequence. A
// contact or record whose Updated is zero is stamped with the time of the
// load. A ceased seed contact is stored ceased with all its phones, and a
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

	// statements prepared for this transaction only: Load runs them many
	// times, and once
	prepare := func(query string) (*sql.Stmt, error) { return tx.tx.PrepareContext(ctx, query) }
	insCustomer, err := prepare(`INSERT INTO customer (key, id_type, id_value, profile) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insCustomer.Close()
	findCustomer, err := prepare(`SELECT key FROM customer WHERE id_type = ? AND id_value = ?`)
	if err != nil {
		return err
	}
	defer findCustomer.Close()
	insAccount, err := prepare(`INSERT INTO account (key, account_id, id_type, account_type, customer_key, customer_id_type, customer_id_value, profile)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insAccount.Close()
	findAccount, err := prepare(`SELECT key, customer_key FROM account WHERE account_id = ?`)
	if err != nil {
		return err
	}
	defer findAccount.Close()
	insContact, err := prepare(insertContactSQL)
	if err != nil {
		return err
	}
	defer insContact.Close()
	insPhone, err := prepare(insertPhoneSQL)
	if err != nil {
		return err
	}
	defer insPhone.Close()
	insRecord, err := prepare(insertRecordSQL)
	if err != nil {
		return err
	}
	defer insRecord.Close()

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
	for _, c := range d.Customers {
		res, err := insCustomer.ExecContext(ctx, nullKey(c.Key), string(c.ID.Type), c.ID.Value, profileText(c.Profile))
		if err != nil {
			return fmt.Errorf("customer %s %s: %w", c.ID.Type, c.ID.Value, err)
		}
		k, err := res.LastInsertId()
		if err != nil {
			return err
		}
		customers[c.ID] = k
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
	for _, a := range d.Accounts {
		ck, err := customerKey(a.Customer)
		if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		idType := a.IDType
		if idType == "" {
			idType = "ACC"
		}
		res, err := insAccount.ExecContext(ctx, nullKey(a.Key), a.ID, idType, a.Type, ck, string(a.Customer.Type), a.Customer.Value,
			profileText(a.Profile))
		if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		k, err := res.LastInsertId()
		if err != nil {
			return err
		}
		accounts[a.ID] = accountKeys{key: k, customerKey: ck}
	}

	loadTime := time.Now().Unix()
	for _, sc := range d.Contacts {
		c := sc.Contact
		var owner accountKeys // key is the account's, 0 for a customer
		if sc.Owner.AccountID != "" {
			owner, err = accountKey(sc.Owner.AccountID)
		} else {
			owner.customerKey, err = customerKey(sc.Owner.Customer)
		}
		if err != nil {
			return fmt.Errorf("contact %d: %w", c.ID, err)
		}
		if n := len(c.Phones); !sc.Ceased && (n < contactd.MinPhones || n > contactd.MaxPhones) {
			return fmt.Errorf("contact %d: %d live phones: %w", c.ID, n, contactd.Errorf(contactd.CNT103, ""))
		}
		id := c.ID
		if id == 0 {
			if id, err = nextIDs(ctx, tx, 1); err != nil {
				return err
			}
		}
		updated := loadTime
		if !c.Updated.IsZero() {
			updated = c.Updated.Unix()
		}
		var ceased any
		if sc.Ceased {
			ceased = updated
		}
		if _, err := insContact.ExecContext(ctx, id, owner.customerKey, nullKey(owner.key), string(c.Type), c.Name, updated, ceased); err != nil {
			if code, ok := ruleCode(err); ok {
				err = contactd.Errorf(code, "")
			}
			return fmt.Errorf("contact %d: %w", id, err)
		}
		for _, p := range c.Phones {
			pid := p.ID
			if pid == 0 {
				if pid, err = nextIDs(ctx, tx, 1); err != nil {
					return err
				}
			}
			if _, err := insPhone.ExecContext(ctx, pid, id, string(p.Type), p.Country, p.AreaCode, p.Number, p.Extension, ceased); err != nil {
				if code, ok := ruleCode(err); ok {
					err = contactd.Errorf(code, "")
				}
				return fmt.Errorf("contact %d phone %d: %w", id, pid, err)
			}
		}
	}

	for _, sr := range d.Records {
		r := sr.Record
		var owner accountKeys
		if sr.Owner.AccountID != "" {
			owner, err = accountKey(sr.Owner.AccountID)
		} else {
			owner.customerKey, err = customerKey(sr.Owner.Customer)
		}
		if err != nil {
			return fmt.Errorf("%s record %d: %w", r.Kind, r.ID, err)
		}
		id := r.ID
		if id == 0 {
			if id, err = nextIDs(ctx, tx, 1); err != nil {
				return err
			}
		}
		updated := loadTime
		if !r.Updated.IsZero() {
			updated = r.Updated.Unix()
		}
		var ceased any
		if sr.Ceased {
			ceased = updated
		}
		if _, err := insRecord.ExecContext(ctx, id, string(r.Kind), owner.customerKey, nullKey(owner.key), r.Key, string(r.Fields),
			updated, ceased); err != nil {
			return fmt.Errorf("%s record %d: %w", r.Kind, id, recordRule(r.Kind, err))
		}
	}
	return nil
}
