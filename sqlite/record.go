package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// recordsList is a scalar subquery giving an owner's live records as one
// text value for decodeRecords: each record as id, kind, key, updated and
// fields joined by the unit separator (0x1F), records joined by the record
// separator (0x1E). Neither byte can stand in a record: fields is JSON,
// which escapes every control character, and keys and kinds are validated
// codes without any. One value for the same reason as contactsJSON; and
// not JSON, so that the stored fields come back byte for byte with no
// parse and no unescaping at all (they were a tenth of a customer read's
// cost as a JSON string inside json_array). The owner is as in
// contactsJSON (accountTest is on r.account_key); the plan searches
// record_one_live_per_key by its owner columns.
func recordsList(customerKey, accountTest string) string {
	return `(SELECT IFNULL(group_concat(r.id || char(31) || r.kind || char(31) || r.key || char(31) || r.updated || char(31) || r.fields, char(30)), '')
	FROM record r
	WHERE r.customer_key = ` + customerKey + ` AND ` + accountTest + ` AND r.ceased IS NULL)`
}

// decodeRecords reads recordsList's value into records in ID order
// (group_concat keeps no order of its own). None is an empty list.
func decodeRecords(doc []byte) ([]contactd.Record, error) {
	records := []contactd.Record{}
	var f [5][]byte
	for len(doc) > 0 {
		var rec []byte
		rec, doc, _ = bytes.Cut(doc, []byte{0x1e})
		for i := range 4 {
			var ok bool
			if f[i], rec, ok = bytes.Cut(rec, []byte{0x1f}); !ok {
				return nil, fmt.Errorf("records list: a record of %d values, want 5", i+1)
			}
		}
		f[4] = rec
		id, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("records list: %w", err)
		}
		updated, err := strconv.ParseInt(string(f[3]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("records list: %w", err)
		}
		records = append(records, contactd.Record{ID: id, Kind: contactd.Kind(f[1]), Key: string(f[2]),
			Fields: f[4], Updated: time.Unix(updated, 0)})
	}
	if !slices.IsSortedFunc(records, compareIDs) {
		slices.SortFunc(records, compareIDs)
	}
	return records, nil
}

func compareIDs(a, b contactd.Record) int { return cmp.Compare(a.ID, b.ID) }

// The statements of records, on the request path: values compared in a
// WHERE are bound as +? (see the write statements in store.go). The
// statements of the write transactions are in writeQueries.
const (
	// liveRecordSQL finds an owner's live record of a kind and key: the
	// whole of record_one_live_per_key. It runs on both pools.
	liveRecordSQL = `SELECT id, fields, updated FROM record
WHERE customer_key = +?1 AND IFNULL(account_key, 0) = +?2 AND kind = +?3 AND key = +?4 AND ceased IS NULL`

	// recordValuesSQL reads a live record of a kind, as the audit records it.
	recordValuesSQL = `SELECT key, fields FROM record WHERE id = +?1 AND kind = +?2 AND ceased IS NULL`

	insertRecordSQL = `INSERT INTO record (id, kind, customer_key, account_key, key, fields, updated, ceased)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

	// changeRecordSQL replaces a live record's key and fields and moves
	// its updated at least one second forward, as touchSQL a contact's.
	changeRecordSQL = `UPDATE record SET key = ?1, fields = ?2, updated = MAX(?3, updated + 1)
WHERE id = +?4 AND ceased IS NULL`

	ceaseRecordSQL = `UPDATE record SET ceased = ?1, updated = MAX(?1, updated + 1)
WHERE id = +?2 AND ceased IS NULL`

	// insertRecordAuditSQL is insertAuditSQL for a record: it resolves the
	// record's owner in the same statement.
	insertRecordAuditSQL = `INSERT INTO audit (at, operation, contact_id, record_id, customer_type, customer_value, account_id,
	caller, request_id, before, after)
SELECT ?1, ?2, 0, r.id, cu.id_type, cu.id_value, IFNULL(ac.account_id, ''), ?3, ?4, ?5, ?6
FROM record r JOIN customer cu ON cu.key = r.customer_key LEFT JOIN account ac ON ac.key = r.account_key
WHERE r.id = +?7`
)

var recordQueries = []string{
	liveRecordSQL, recordValuesSQL, insertRecordSQL, changeRecordSQL, ceaseRecordSQL, insertRecordAuditSQL,
}

var recordSQL = `SELECT ` + ownerColumns("r") + `, r.key, r.fields, r.updated
FROM record r ` + ownerJoins("r") + `
WHERE r.id = +?1 AND r.kind = +?2 AND r.ceased IS NULL`

// Record returns a live record of the kind with its owner.
func (s *Store) Record(ctx context.Context, kind contactd.Kind, id int64) (contactd.Owner, contactd.Record, error) {
	var (
		o        contactd.Owner
		custType string
		updated  int64
		fields   []byte
	)
	r := contactd.Record{ID: id, Kind: kind}
	err := s.queryRow(lookup(ctx), recordSQL, id, string(kind)).Scan(&o.CustomerKey, &custType, &o.Customer.Value,
		&o.AccountKey, &o.AccountID, &o.AccountType, &o.AccountIDType, &r.Key, &fields, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Owner{}, contactd.Record{}, notFound()
	}
	if err != nil {
		return contactd.Owner{}, contactd.Record{}, fmt.Errorf("sqlite: record: %w", err)
	}
	o.Customer.Type = contactd.CustomerIDType(custType)
	r.Fields, r.Updated = fields, time.Unix(updated, 0)
	return o, r, nil
}

// LiveRecord returns the owner's own live record of the kind and key.
func (s *Store) LiveRecord(ctx context.Context, owner contactd.Owner, kind contactd.Kind, key string) (contactd.Record, error) {
	r, found, err := liveRecord(s.queryRow(lookup(ctx), liveRecordSQL, owner.CustomerKey, owner.AccountKey, string(kind), key), kind, key)
	if err != nil {
		return contactd.Record{}, fmt.Errorf("sqlite: live record: %w", err)
	}
	if !found {
		return contactd.Record{}, notFound()
	}
	return r, nil
}

// liveRecord scans liveRecordSQL's row.
func liveRecord(row scanner, kind contactd.Kind, key string) (r contactd.Record, found bool, err error) {
	r = contactd.Record{Kind: kind, Key: key}
	var updated int64
	var fields []byte
	err = row.Scan(&r.ID, &fields, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return contactd.Record{}, false, nil
	}
	r.Fields, r.Updated = fields, time.Unix(updated, 0)
	return r, err == nil, err
}

func recordValues(r contactd.Record) contactd.RecordValues {
	return contactd.RecordValues{ID: r.ID, Kind: r.Kind, Key: r.Key, Fields: r.Fields}
}

// PutRecord adds rec to the owner; a live record of its kind and key is
// refused, replaced or merged into as on says.
func (s *Store) PutRecord(ctx context.Context, owner contactd.Owner, rec contactd.Record, on contactd.OnLive, ch contactd.Change) (int64, error) {
	op := contactd.RecordOp(rec.Kind, contactd.VerbCreate)
	var id int64
	err := s.write(ctx, "put record", func(ctx context.Context, tx *wtx) error {
		first, replayed, err := replay(ctx, tx, ch, op)
		if err != nil || replayed {
			id = first
			return err
		}
		live, found, err := liveRecord(tx.QueryRowContext(ctx, liveRecordSQL, owner.CustomerKey, owner.AccountKey, string(rec.Kind), rec.Key),
			rec.Kind, rec.Key)
		if err != nil {
			return err
		}
		verb, before := contactd.VerbCreate, any(nil)
		if found {
			before = recordValues(live)
			switch on {
			case contactd.Merge:
				if err := updateOne(ctx, tx, changeRecordSQL, rec.Key, string(rec.Fields), ch.Time.Unix(), live.ID); err != nil {
					return err
				}
				id = live.ID
				after := recordValues(rec)
				after.ID = id
				if err := auditRecord(ctx, tx, ch, contactd.RecordOp(rec.Kind, contactd.VerbMerge), id, before, after); err != nil {
					return err
				}
				return remember(ctx, tx, ch, op, id)
			case contactd.Replace:
				if err := updateOne(ctx, tx, ceaseRecordSQL, ch.Time.Unix(), live.ID); err != nil {
					return err
				}
				verb = contactd.VerbReplace
			default:
				return contactd.Errorf(rec.Kind.Conflict(), "")
			}
		}
		if id, err = nextIDs(ctx, tx, 1); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertRecordSQL,
			id, string(rec.Kind), owner.CustomerKey, nullKey(owner.AccountKey), rec.Key, string(rec.Fields), ch.Time.Unix(), nil); err != nil {
			return recordRule(rec.Kind, err)
		}
		after := recordValues(rec)
		after.ID = id
		if err := auditRecord(ctx, tx, ch, contactd.RecordOp(rec.Kind, verb), id, before, after); err != nil {
			return err
		}
		return remember(ctx, tx, ch, op, id)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// recordRule maps the refusal of record_one_live_per_key, which only a
// key taken by another live record of the owner meets, to the kind's
// Conflict code.
func recordRule(kind contactd.Kind, err error) error {
	if code, ok := errorCode(err); ok && code == sqliteConstraintUnique && strings.Contains(err.Error(), "record_one_live_per_key") {
		return contactd.Errorf(kind.Conflict(), "")
	}
	return err
}

// liveRecordValues reads a live record of the kind as the audit records
// it: CST404 when it is unknown, ceased or of another kind.
func liveRecordValues(ctx context.Context, tx *wtx, kind contactd.Kind, id int64) (contactd.RecordValues, error) {
	v := contactd.RecordValues{ID: id, Kind: kind}
	var fields []byte
	err := tx.QueryRowContext(ctx, recordValuesSQL, id, string(kind)).Scan(&v.Key, &fields)
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound()
	}
	v.Fields = fields
	return v, err
}

// UpdateRecord replaces the key and fields of a live record: the kind's
// Conflict code when another live record of the owner has the key.
func (s *Store) UpdateRecord(ctx context.Context, kind contactd.Kind, id int64, key string, fields json.RawMessage, ch contactd.Change) error {
	return s.write(ctx, "update record", func(ctx context.Context, tx *wtx) error {
		before, err := liveRecordValues(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		// The unique index answers for the key: a search of its own
		// would cost as much as the refusal.
		if err := updateOne(ctx, tx, changeRecordSQL, key, string(fields), ch.Time.Unix(), id); err != nil {
			return recordRule(kind, err)
		}
		after := contactd.RecordValues{ID: id, Kind: kind, Key: key, Fields: fields}
		return auditRecord(ctx, tx, ch, contactd.RecordOp(kind, contactd.VerbUpdate), id, before, after)
	})
}

// CeaseRecord ceases a live record of the kind for good.
func (s *Store) CeaseRecord(ctx context.Context, kind contactd.Kind, id int64, ch contactd.Change) error {
	return s.write(ctx, "cease record", func(ctx context.Context, tx *wtx) error {
		before, err := liveRecordValues(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		if err := updateOne(ctx, tx, ceaseRecordSQL, ch.Time.Unix(), id); err != nil {
			return err
		}
		return auditRecord(ctx, tx, ch, contactd.RecordOp(kind, contactd.VerbCease), id, before, nil)
	})
}

// auditRecord appends the record of a change to the record id.
func auditRecord(ctx context.Context, tx *wtx, ch contactd.Change, op string, id int64, before, after any) error {
	caller, b, a, err := auditValues(ch, before, after)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, insertRecordAuditSQL, ch.Time.UnixMicro(), op, caller, ch.RequestID, b, a, id)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("audit: record %d not found (%v)", id, err)
	}
	return nil
}
