package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// insertAuditSQL resolves the contact's owner in the same statement.
	// The audit_insert trigger gives seq under the audit lock (shared),
	// held to commit; every write runs it last.
	insertAuditSQL = `INSERT INTO audit (at, operation, contact_id, phone_id, customer_type, customer_value, account_id,
	caller, request_id, before, after)
SELECT $1, $2, ct.id, $3, cu.id_type, cu.id_value, COALESCE(ac.account_id, ''), $4, $5, $6, $7
FROM contact ct JOIN customer cu ON cu.key = ct.customer_key LEFT JOIN account ac ON ac.key = ct.account_key
WHERE ct.id = $8`

	contactValuesSQL = `SELECT ct.contact_type, ct.name, p.id, p.phone_type, p.country, p.area_code, p.number, p.extension
FROM contact ct LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
WHERE ct.id = $1 AND ct.ceased IS NULL ORDER BY p.id`

	phoneValuesSQL = `SELECT phone_type, country, area_code, number, extension FROM phone WHERE id = $1`

	// lockIdempotencySQL queues the writes of one caller and key, in any
	// replica, until the first of them ends.
	lockIdempotencySQL = `SELECT pg_advisory_xact_lock(hashtext('contactd.idempotency ' || current_schema()), hashtext($1::text || E'\n' || $2::text))`

	findIdempotencySQL = `SELECT fingerprint, operation, result_id FROM idempotency
WHERE caller = $1 AND key = $2 AND expires > $3`

	// Expired keys are dropped a few at a time by the writes that add keys.
	purgeIdempotencySQL = `DELETE FROM idempotency WHERE ctid IN
(SELECT ctid FROM idempotency WHERE expires <= $1 LIMIT 64 FOR UPDATE SKIP LOCKED)`

	// An expired key not purged yet is replaced.
	insertIdempotencySQL = `INSERT INTO idempotency (caller, key, fingerprint, operation, result_id, expires)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (caller, key) DO UPDATE
SET fingerprint = EXCLUDED.fingerprint, operation = EXCLUDED.operation,
	result_id = EXCLUDED.result_id, expires = EXCLUDED.expires
WHERE idempotency.expires <= $7`
)

// jsonOrNull is v as JSON, or nil (SQL NULL) for nil.
func jsonOrNull(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// queueAudit queues the record of a change to contactID (and phoneID, for
// phone operations). It must be the write's last statement: the audit lock
// it takes is held to commit.
func queueAudit(b *pgx.Batch, ch contactd.Change, op string, contactID, phoneID int64, before, after any) error {
	caller, bj, aj, err := auditValues(ch, before, after)
	if err != nil {
		return err
	}
	b.Queue(insertAuditSQL, ch.Time, op, phoneID, caller, ch.RequestID, bj, aj, contactID).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("audit: contact %d not found", contactID)
			}
			return nil
		})
	return nil
}

// auditValues are the caller, before and after of an audit row as its
// parameters take them.
func auditValues(ch contactd.Change, before, after any) (caller string, b, a any, err error) {
	c, err := json.Marshal(ch.Caller)
	if err != nil {
		return "", nil, nil, err
	}
	bj, err := jsonOrNull(before)
	if err != nil {
		return "", nil, nil, err
	}
	aj, err := jsonOrNull(after)
	if err != nil {
		return "", nil, nil, err
	}
	return string(c), jsonArg(bj), jsonArg(aj), nil
}

// jsonArg is JSON text for a json parameter, or nil for SQL NULL.
func jsonArg(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// queueContactValues queues the read of a live contact and its live
// phones, as the audit records them, into *v; *v stays nil when the contact
// is unknown or ceased.
func queueContactValues(b *pgx.Batch, contactID int64, v **contactd.ContactValues) {
	b.Queue(contactValuesSQL, contactID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var (
				ctype, name                             string
				pid                                     *int64
				ptype, country, area, number, extension *string
			)
			if err := rows.Scan(&ctype, &name, &pid, &ptype, &country, &area, &number, &extension); err != nil {
				return err
			}
			if *v == nil {
				*v = &contactd.ContactValues{ContactID: contactID, ContactType: contactd.ContactType(ctype), Name: name}
			}
			if pid != nil {
				(*v).Phone = append((*v).Phone, contactd.PhoneValues{PhoneID: *pid, PhoneType: contactd.PhoneType(*ptype),
					Country: *country, AreaCode: *area, PhoneNumber: *number, Extension: *extension})
			}
		}
		return rows.Err()
	})
}

// queuePhoneValues queues the read of a phone, as the audit records it,
// into v; v.PhoneID stays 0 when there is no such phone.
func queuePhoneValues(b *pgx.Batch, phoneID int64, v *contactd.PhoneValues) {
	b.Queue(phoneValuesSQL, phoneID).QueryRow(func(row pgx.Row) error {
		var ptype string
		err := row.Scan(&ptype, &v.Country, &v.AreaCode, &v.PhoneNumber, &v.Extension)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		v.PhoneID, v.PhoneType = phoneID, contactd.PhoneType(ptype)
		return err
	})
}

func phoneValuesOf(id int64, p contactd.Phone) contactd.PhoneValues {
	return contactd.PhoneValues{PhoneID: id, PhoneType: p.Type, Country: p.Country, AreaCode: p.AreaCode, PhoneNumber: p.Number, Extension: p.Extension}
}

// replay looks up the change's idempotency key, after waiting for any
// other write with the same caller and key to end: found with the same
// fingerprint and operation, it returns the first write's ID; found with
// another request, ErrIdempotencyKeyReused.
func replay(ctx context.Context, w *writeTx, ch contactd.Change, op string) (id int64, found bool, err error) {
	k := ch.Idempotency
	if k == nil {
		return 0, false, nil
	}
	// One round trip with the BEGIN: the find is a statement after the
	// lock, so its snapshot sees what the write that held the lock before
	// committed.
	var fingerprint, firstOp string
	caller := ch.Caller.ID()
	b := &pgx.Batch{}
	b.Queue(lockIdempotencySQL, caller, k.Key)
	b.Queue(findIdempotencySQL, caller, k.Key, ch.Time).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&fingerprint, &firstOp, &id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err := w.send(ctx, b); err != nil {
		return 0, false, err
	}
	if !found {
		return 0, false, nil
	}
	return k.Replayed(fingerprint, firstOp, op, id)
}

// Replay looks up the change's idempotency key, without waiting for a
// write that holds it.
func (s *Store) Replay(ctx context.Context, ch contactd.Change, op string) (int64, bool, error) {
	k := ch.Idempotency
	if k == nil {
		return 0, false, nil
	}
	var fingerprint, firstOp string
	var id int64
	var found bool
	err := s.read(ctx, "replay", func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, findIdempotencySQL, ch.Caller.ID(), k.Key, ch.Time).Scan(&fingerprint, &firstOp, &id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil || !found {
		return 0, false, err
	}
	return k.Replayed(fingerprint, firstOp, op, id)
}

// queueRemember queues the keeping of the change's idempotency key, if it
// has one, with the ID the write gave, after dropping a few expired keys.
func queueRemember(b *pgx.Batch, ch contactd.Change, op string, id int64) {
	k := ch.Idempotency
	if k == nil {
		return
	}
	b.Queue(purgeIdempotencySQL, ch.Time)
	b.Queue(insertIdempotencySQL, ch.Caller.ID(), k.Key, k.Fingerprint, op, id, k.Expires, ch.Time).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("idempotency key %q of %s is held by another write", k.Key, ch.Caller.ID())
			}
			return nil
		})
}

// lockAuditSQL waits for every write that has taken an audit seq to end,
// and holds new ones off until the reading transaction ends (see
// migrations/003_audit.sql).
const lockAuditSQL = `SELECT pg_advisory_xact_lock(hashtext('contactd.audit'), hashtext(current_schema()))`

// Audit lists audit records in the order they were appended. No record is
// listed while one with a lower seq may still be committed, so a reader
// paging with AfterSeq never skips one.
func (s *Store) Audit(ctx context.Context, q contactd.AuditQuery) ([]contactd.AuditRecord, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// An owner's rows are found through its contacts and records (the
	// audit has no index by customer or account: migration 004), then the
	// row's own copy of the owner is checked, so that no other owner's row
	// is listed.
	if q.Customer.Value != "" {
		t, v := arg(string(q.Customer.Type)), arg(q.Customer.Value)
		owner := `customer cu JOIN %[1]s %[2]s ON %[2]s.customer_key = cu.key
WHERE cu.id_type = ` + t + ` AND cu.id_value = ` + v
		where = append(where, auditOfOwner(owner, owner)+` AND customer_type = `+t+` AND customer_value = `+v)
	}
	if q.AccountID != "" {
		a := arg(q.AccountID)
		where = append(where, auditOfOwner(
			`account ac JOIN %[1]s %[2]s ON %[2]s.customer_key = ac.customer_key AND COALESCE(%[2]s.account_key, 0) = ac.key
WHERE ac.account_id = `+a,
			`account ac JOIN %[1]s %[2]s ON %[2]s.customer_key = ac.customer_key AND %[2]s.account_key = ac.key
WHERE ac.account_id = `+a)+` AND account_id = `+a)
	}
	if q.ContactID != 0 {
		where = append(where, "contact_id = "+arg(q.ContactID))
	}
	if q.RecordID != 0 {
		where = append(where, "record_id <> 0 AND record_id = "+arg(q.RecordID))
	}
	if !q.From.IsZero() {
		where = append(where, "at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "at < "+arg(q.To))
	}
	if q.AfterSeq != 0 {
		where = append(where, "seq > "+arg(q.AfterSeq))
	}
	query := `SELECT seq, at, operation, contact_id, phone_id, record_id, customer_type, customer_value, account_id,
	caller, request_id, before, after FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq"
	if q.Limit > 0 {
		query += " LIMIT " + arg(q.Limit)
	}
	var records []contactd.AuditRecord
	err := s.read(ctx, "audit", func(ctx context.Context) error {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, lockAuditSQL); err != nil {
			return err
		}
		// a new statement, so a new snapshot, taken under the lock
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		records = []contactd.AuditRecord{}
		for rows.Next() {
			var (
				r             contactd.AuditRecord
				custType      string
				caller        []byte
				before, after []byte
			)
			if err := rows.Scan(&r.Seq, &r.Time, &r.Operation, &r.ContactID, &r.PhoneID, &r.RecordID, &custType, &r.Customer.Value, &r.AccountID,
				&caller, &r.RequestID, &before, &after); err != nil {
				return err
			}
			r.Customer.Type = contactd.CustomerIDType(custType)
			if err := json.Unmarshal(caller, &r.Caller); err != nil {
				return fmt.Errorf("audit %d: caller: %w", r.Seq, err)
			}
			r.Before, r.After = rawOrNull(before), rawOrNull(after)
			records = append(records, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return records, nil
}

// auditOfOwner is the condition of the audit rows of an owner's contacts
// and records, live and ceased: live and ceased are the FROM and WHERE of
// an owner's live and ceased rows of a table, with %[1]s for the table
// and %[2]s for its name. The rows are found by seq, one search of the
// audit by audit_by_contact and one by audit_by_record, each a semi-join:
// PostgreSQL plans an OR of two IN conditions as a scan of the whole audit.
func auditOfOwner(live, ceased string) string {
	ids := func(table, t string) string {
		return fmt.Sprintf(`SELECT %[2]s.id FROM `+live+` AND %[2]s.ceased IS NULL
	UNION ALL
	SELECT %[2]s.id FROM `+ceased+` AND %[2]s.ceased IS NOT NULL`, table, t)
	}
	return `seq IN (
SELECT seq FROM audit WHERE contact_id IN (` + ids("contact", "ct") + `)
UNION ALL
SELECT seq FROM audit WHERE record_id <> 0 AND record_id IN (` + ids("record", "r") + `))`
}

func rawOrNull(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}
