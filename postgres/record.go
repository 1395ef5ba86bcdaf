package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// liveRecords is a LATERAL subquery of one row: the live records of an
// owner (the customer whose key is the SQL expression customerKey, and
// the account whose key is accountKey, 0 for the customer itself) as one
// array per column, in ID order, for recordColumns. One row, so that the
// records ride on the read's rows instead of multiplying them, and arrays,
// which pgx reads in binary without a JSON parse. The conditions are
// record_one_live_per_key's own columns and expression.
func liveRecords(customerKey, accountKey string) string {
	return `(SELECT array_agg(r.id ORDER BY r.id) AS ids, array_agg(r.kind ORDER BY r.id) AS kinds,
	array_agg(r.key ORDER BY r.id) AS keys, array_agg(r.fields::text ORDER BY r.id) AS fields,
	array_agg(r.updated ORDER BY r.id) AS updated
	FROM record r
	WHERE r.customer_key = ` + customerKey + ` AND COALESCE(r.account_key, 0) = ` + accountKey + ` AND r.ceased IS NULL)`
}

// recordColumns are liveRecords' columns, named rec.
const recordColumns = `rec.ids, rec.kinds, rec.keys, rec.fields, rec.updated`

// recordArrays receives recordColumns.
type recordArrays struct {
	ids         []int64
	kinds, keys []string
	fields      []string
	updated     []time.Time
}

func (a *recordArrays) dest() []any { return []any{&a.ids, &a.kinds, &a.keys, &a.fields, &a.updated} }

// records are the arrays as records; none is an empty list.
func (a *recordArrays) records() []contactd.Record {
	rs := make([]contactd.Record, len(a.ids))
	for i, id := range a.ids {
		rs[i] = contactd.Record{ID: id, Kind: contactd.Kind(a.kinds[i]), Key: a.keys[i], Fields: json.RawMessage(a.fields[i]),
			Updated: a.updated[i]}
	}
	return rs
}

// Record returns a live record of the kind with its owner.
func (s *Store) Record(ctx context.Context, kind contactd.Kind, id int64) (contactd.Owner, contactd.Record, error) {
	var o contactd.Owner
	var r contactd.Record
	err := s.read(ctx, "record", func(ctx context.Context) error {
		var custType string
		var fields []byte
		r = contactd.Record{ID: id, Kind: kind}
		err := s.pool.QueryRow(ctx, `SELECT `+ownerColumns("r")+`, r.key, r.fields, r.updated
FROM record r `+ownerJoins("r")+`
WHERE r.id = $1 AND r.kind = $2 AND r.ceased IS NULL`, id, string(kind)).Scan(&o.CustomerKey, &custType, &o.Customer.Value,
			&o.AccountKey, &o.AccountID, &o.AccountType, &o.AccountIDType, &r.Key, &fields, &r.Updated)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound()
		}
		o.Customer.Type, r.Fields = contactd.CustomerIDType(custType), fields
		return err
	})
	if err != nil {
		return contactd.Owner{}, contactd.Record{}, err
	}
	return o, r, nil
}

// liveRecordSQL finds an owner's live record of a kind and key: the
// whole of record_one_live_per_key.
const liveRecordSQL = `SELECT id, fields, updated FROM record
WHERE customer_key = $1 AND COALESCE(account_key, 0) = $2 AND kind = $3 AND key = $4 AND ceased IS NULL`

// scanLiveRecord scans liveRecordSQL's row into *r, leaving r.ID 0 when
// there is none.
func scanLiveRecord(row pgx.Row, r *contactd.Record) error {
	var fields []byte
	err := row.Scan(&r.ID, &fields, &r.Updated)
	if errors.Is(err, pgx.ErrNoRows) {
		r.ID = 0
		return nil
	}
	r.Fields = fields
	return err
}

// LiveRecord returns the owner's own live record of the kind and key.
func (s *Store) LiveRecord(ctx context.Context, owner contactd.Owner, kind contactd.Kind, key string) (contactd.Record, error) {
	r := contactd.Record{Kind: kind, Key: key}
	err := s.read(ctx, "live record", func(ctx context.Context) error {
		if err := scanLiveRecord(s.pool.QueryRow(ctx, liveRecordSQL, owner.CustomerKey, owner.AccountKey, string(kind), key), &r); err != nil {
			return err
		}
		if r.ID == 0 {
			return notFound()
		}
		return nil
	})
	if err != nil {
		return contactd.Record{}, err
	}
	return r, nil
}

// The statements of record writes.
//
// Every write of a record first takes a lock of its owner and kind, held
// to commit (lockOwnerKindSQL, or lockRecordSQL by the record's ID), and
// reads after it, on a statement's fresh snapshot (READ COMMITTED), what
// the writer before it committed. So the writes that make records of an
// owner and kind live or not take turns, in every replica: the live
// record PutRecord reads is still the live one when it ceases it (Replace)
// or changes it (Merge), and concurrent Replace and Merge puts all
// succeed. The unique index stays the backstop (recordRule). One owner
// and kind holds a few records, so the turns cost nothing in parallelism
// that matters.
const (
	lockOwnerKindSQL = `SELECT pg_advisory_xact_lock(hashtext('contactd.record ' || current_schema()),
	hashtext($1::bigint::text || ' ' || $2::bigint::text || ' ' || $3::text))`

	// lockRecordSQL is lockOwnerKindSQL for the owner and kind of a
	// record, which never change; nothing when there is no such record.
	lockRecordSQL = `SELECT pg_advisory_xact_lock(hashtext('contactd.record ' || current_schema()),
	hashtext(customer_key::text || ' ' || COALESCE(account_key, 0)::text || ' ' || kind))
FROM record WHERE id = $1 AND kind = $2`

	// recordValuesSQL reads a live record of a kind, as the audit records
	// it, and whether another live record of its owner and kind has the
	// key $3 (NULL: none has).
	recordValuesSQL = `SELECT r.key, r.fields, EXISTS (SELECT 1 FROM record o
	WHERE o.customer_key = r.customer_key AND COALESCE(o.account_key, 0) = COALESCE(r.account_key, 0)
	  AND o.kind = r.kind AND o.key = $3 AND o.id <> r.id AND o.ceased IS NULL)
FROM record r WHERE r.id = $1 AND r.kind = $2 AND r.ceased IS NULL`

	insertRecordSQL = `INSERT INTO record (id, kind, customer_key, account_key, key, fields, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

	// changeRecordSQL replaces a live record's key and fields and moves
	// its updated at least one second forward, as touchSQL a contact's.
	changeRecordSQL = `UPDATE record SET key = $1, fields = $2, updated = GREATEST($3, updated + interval '1 second')
WHERE id = $4 AND ceased IS NULL`

	ceaseRecordSQL = `UPDATE record SET ceased = $1, updated = GREATEST($1, updated + interval '1 second')
WHERE id = $2 AND ceased IS NULL`

	// insertRecordAuditSQL is insertAuditSQL for a record: it resolves the
	// record's owner in the same statement.
	insertRecordAuditSQL = `INSERT INTO audit (at, operation, contact_id, record_id, customer_type, customer_value, account_id,
	caller, request_id, before, after)
SELECT $1, $2, 0, r.id, cu.id_type, cu.id_value, COALESCE(ac.account_id, ''), $3, $4, $5, $6
FROM record r JOIN customer cu ON cu.key = r.customer_key LEFT JOIN account ac ON ac.key = r.account_key
WHERE r.id = $7`
)

func recordValues(r contactd.Record) contactd.RecordValues {
	return contactd.RecordValues{ID: r.ID, Kind: r.Kind, Key: r.Key, Fields: r.Fields}
}

// PutRecord adds rec to the owner; a live record of its kind and key is
// refused, replaced or merged into as on says. It is two round trips and
// the COMMIT, as CreateContact: the lock, the live record and a block of
// IDs (spent by a Merge or a refusal too: IDs need not be dense), then the
// changes ending with the audit record.
func (s *Store) PutRecord(ctx context.Context, owner contactd.Owner, rec contactd.Record, on contactd.OnLive, ch contactd.Change) (int64, error) {
	op := contactd.RecordOp(rec.Kind, contactd.VerbCreate)
	var id int64
	err := s.write(ctx, "put record", func(ctx context.Context, w *writeTx) error {
		first, replayed, err := replay(ctx, w, ch, op)
		if err != nil || replayed {
			id = first
			return err
		}
		live := contactd.Record{Kind: rec.Kind, Key: rec.Key}
		b := &pgx.Batch{}
		b.Queue(lockOwnerKindSQL, owner.CustomerKey, owner.AccountKey, string(rec.Kind))
		b.Queue(liveRecordSQL, owner.CustomerKey, owner.AccountKey, string(rec.Kind), rec.Key).
			QueryRow(func(row pgx.Row) error { return scanLiveRecord(row, &live) })
		if err := queueNextIDs(b, 1, &first); err != nil {
			return err
		}
		if err := w.send(ctx, b); err != nil {
			return err
		}
		now := unix(ch.Time)
		verb, before := contactd.VerbCreate, any(nil)
		b = &pgx.Batch{}
		if live.ID != 0 {
			before = recordValues(live)
			switch on {
			case contactd.Merge:
				verb, first = contactd.VerbMerge, live.ID
				queueOne(b, changeRecordSQL, rec.Key, string(rec.Fields), now, live.ID)
			case contactd.Replace:
				verb = contactd.VerbReplace
				queueOne(b, ceaseRecordSQL, now, live.ID)
			default:
				return contactd.Errorf(rec.Kind.Conflict(), "")
			}
		}
		if verb != contactd.VerbMerge {
			b.Queue(insertRecordSQL, first, string(rec.Kind), owner.CustomerKey, nullKey(owner.AccountKey), rec.Key, string(rec.Fields), now)
		}
		after := recordValues(rec)
		after.ID = first
		queueRemember(b, ch, op, first)
		if err := queueRecordAudit(b, ch, contactd.RecordOp(rec.Kind, verb), first, before, after); err != nil {
			return err
		}
		if err := w.send(ctx, b); err != nil {
			return recordRule(rec.Kind, err)
		}
		id = first
		return nil
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// recordRule maps the refusal of record_one_live_per_key, which the lock
// of the writes keeps them from meeting, to the kind's Conflict code.
func recordRule(kind contactd.Kind, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "record_one_live_per_key" {
		return contactd.Errorf(kind.Conflict(), "")
	}
	return err
}

// lockLiveRecord takes the lock of a record's owner and kind and reads the
// record, as the audit records it, in one round trip; CST404 if there is
// no such live record. taken reports whether another live record of the
// owner and kind has the key (never, for a key of nil).
func lockLiveRecord(ctx context.Context, w *writeTx, kind contactd.Kind, id int64, key *string) (v contactd.RecordValues, taken bool, err error) {
	b := &pgx.Batch{}
	b.Queue(lockRecordSQL, id, string(kind))
	b.Queue(recordValuesSQL, id, string(kind), key).QueryRow(func(row pgx.Row) error {
		var fields []byte
		err := row.Scan(&v.Key, &fields, &taken)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		v.ID, v.Kind, v.Fields = id, kind, fields
		return err
	})
	if err := w.send(ctx, b); err != nil {
		return v, false, err
	}
	if v.ID == 0 {
		return v, false, notFound()
	}
	return v, taken, nil
}

// UpdateRecord replaces the key and fields of a live record: the kind's
// Conflict code when another live record of the owner has the key.
func (s *Store) UpdateRecord(ctx context.Context, kind contactd.Kind, id int64, key string, fields json.RawMessage, ch contactd.Change) error {
	return s.write(ctx, "update record", func(ctx context.Context, w *writeTx) error {
		before, taken, err := lockLiveRecord(ctx, w, kind, id, &key)
		if err != nil {
			return err
		}
		if taken {
			return contactd.Errorf(kind.Conflict(), "")
		}
		b := &pgx.Batch{}
		queueOne(b, changeRecordSQL, key, string(fields), unix(ch.Time), id)
		after := contactd.RecordValues{ID: id, Kind: kind, Key: key, Fields: fields}
		if err := queueRecordAudit(b, ch, contactd.RecordOp(kind, contactd.VerbUpdate), id, before, after); err != nil {
			return err
		}
		return recordRule(kind, w.send(ctx, b))
	})
}

// CeaseRecord ceases a live record of the kind for good.
func (s *Store) CeaseRecord(ctx context.Context, kind contactd.Kind, id int64, ch contactd.Change) error {
	return s.write(ctx, "cease record", func(ctx context.Context, w *writeTx) error {
		before, _, err := lockLiveRecord(ctx, w, kind, id, nil)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		queueOne(b, ceaseRecordSQL, unix(ch.Time), id)
		if err := queueRecordAudit(b, ch, contactd.RecordOp(kind, contactd.VerbCease), id, before, nil); err != nil {
			return err
		}
		return w.send(ctx, b)
	})
}

// queueRecordAudit queues the record of a change to the record id; like
// queueAudit, it must be the write's last statement.
func queueRecordAudit(b *pgx.Batch, ch contactd.Change, op string, id int64, before, after any) error {
	caller, bj, aj, err := auditValues(ch, before, after)
	if err != nil {
		return err
	}
	b.Queue(insertRecordAuditSQL, ch.Time, op, caller, ch.RequestID, bj, aj, id).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("audit: record %d not found", id)
			}
			return nil
		})
	return nil
}
