package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// The statements of the audit trail and idempotency keys; they run inside
// write transactions, so they are listed in writeQueries.
const (
	// insertAuditSQL resolves the contact's owner in the same statement.
	insertAuditSQL = `INSERT INTO audit (at, operation, contact_id, phone_id, customer_type, customer_value, account_id,
	caller, request_id, before, after)
SELECT ?1, ?2, ct.id, ?3, cu.id_type, cu.id_value, IFNULL(ac.account_id, ''), ?4, ?5, ?6, ?7
FROM contact ct JOIN customer cu ON cu.key = ct.customer_key LEFT JOIN account ac ON ac.key = ct.account_key
WHERE ct.id = +?8`

	contactValuesSQL = `SELECT ct.contact_type, ct.name, p.id, p.phone_type, p.country, p.area_code, p.number, p.extension
FROM contact ct LEFT JOIN phone p ON p.contact_id = ct.id AND p.ceased IS NULL
WHERE ct.id = +? AND ct.ceased IS NULL ORDER BY p.id`

	phoneValuesSQL = `SELECT contact_id, phone_type, country, area_code, number, extension FROM phone WHERE id = +?`

	findIdempotencySQL = `SELECT fingerprint, operation, result_id FROM idempotency
WHERE caller = +? AND key = +? AND expires > +?`

	// Expired keys are dropped a few at a time by the writes that add keys.
	purgeIdempotencySQL = `DELETE FROM idempotency WHERE rowid IN
(SELECT rowid FROM idempotency WHERE expires <= ? LIMIT 64)`

	insertIdempotencySQL = `INSERT INTO idempotency (caller, key, fingerprint, operation, result_id, expires)
VALUES (?, ?, ?, ?, ?, ?)`
)

var auditQueries = []string{
	insertAuditSQL, contactValuesSQL, phoneValuesSQL, findIdempotencySQL, purgeIdempotencySQL, insertIdempotencySQL,
}

// jsonOrNull is v as JSON, or SQL NULL for nil.
func jsonOrNull(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// audit appends the record of a change to contactID (and phoneID, for
// phone operations).
func audit(ctx context.Context, tx *wtx, ch contactd.Change, op string, contactID, phoneID int64, before, after any) error {
	caller, b, a, err := auditValues(ch, before, after)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, insertAuditSQL, ch.Time.UnixMicro(), op, phoneID, caller, ch.RequestID, b, a, contactID)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("audit: contact %d not found (%v)", contactID, err)
	}
	return nil
}

// auditValues are the caller, before and after of an audit row as its
// columns take them.
func auditValues(ch contactd.Change, before, after any) (caller string, b, a any, err error) {
	c, err := json.Marshal(ch.Caller)
	if err != nil {
		return "", nil, nil, err
	}
	if b, err = jsonOrNull(before); err != nil {
		return "", nil, nil, err
	}
	if a, err = jsonOrNull(after); err != nil {
		return "", nil, nil, err
	}
	return string(c), b, a, nil
}

// liveContactValues reads a live contact and its live phones, as the audit
// records it; CST404 when the contact is unknown or ceased.
func liveContactValues(ctx context.Context, tx *wtx, contactID int64) (*contactd.ContactValues, error) {
	rows, err := tx.QueryContext(ctx, contactValuesSQL, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var v *contactd.ContactValues
	for rows.Next() {
		var (
			ctype, name                             string
			pid                                     sql.NullInt64
			ptype, country, area, number, extension sql.NullString
		)
		if err := rows.Scan(&ctype, &name, &pid, &ptype, &country, &area, &number, &extension); err != nil {
			return nil, err
		}
		if v == nil {
			v = &contactd.ContactValues{ContactID: contactID, ContactType: contactd.ContactType(ctype), Name: name}
		}
		if pid.Valid {
			v.Phone = append(v.Phone, contactd.PhoneValues{PhoneID: pid.Int64, PhoneType: contactd.PhoneType(ptype.String),
				Country: country.String, AreaCode: area.String, PhoneNumber: number.String, Extension: extension.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, notFound()
	}
	return v, nil
}

// phoneValues reads a phone, as the audit records it, with its contact's ID.
func phoneValues(ctx context.Context, tx *wtx, phoneID int64) (contactd.PhoneValues, int64, error) {
	v := contactd.PhoneValues{PhoneID: phoneID}
	var contactID int64
	var ptype string
	err := tx.QueryRowContext(ctx, phoneValuesSQL, phoneID).Scan(&contactID, &ptype, &v.Country, &v.AreaCode, &v.PhoneNumber, &v.Extension)
	if errors.Is(err, sql.ErrNoRows) {
		return v, 0, notFound()
	}
	v.PhoneType = contactd.PhoneType(ptype)
	return v, contactID, err
}

func phoneValuesOf(id int64, p contactd.Phone) contactd.PhoneValues {
	return contactd.PhoneValues{PhoneID: id, PhoneType: p.Type, Country: p.Country, AreaCode: p.AreaCode, PhoneNumber: p.Number, Extension: p.Extension}
}

// replay looks up the change's idempotency key in the write transaction
// (findKey).
func replay(ctx context.Context, tx *wtx, ch contactd.Change, op string) (id int64, found bool, err error) {
	if ch.Idempotency == nil {
		return 0, false, nil
	}
	return findKey(tx.QueryRowContext(ctx, findIdempotencySQL, ch.Caller.ID(), ch.Idempotency.Key, ch.Time.Unix()), ch.Idempotency, op)
}

// Replay looks up the change's idempotency key on the read pool.
func (s *Store) Replay(ctx context.Context, ch contactd.Change, op string) (int64, bool, error) {
	if ch.Idempotency == nil {
		return 0, false, nil
	}
	id, found, err := findKey(s.queryRow(lookup(ctx), findIdempotencySQL, ch.Caller.ID(), ch.Idempotency.Key, ch.Time.Unix()), ch.Idempotency, op)
	if err != nil && !errors.Is(err, contactd.ErrIdempotencyKeyReused) {
		return 0, false, fmt.Errorf("sqlite: replay: %w", err)
	}
	return id, found, err
}

// findKey reads findIdempotencySQL's row for the key k: found with the
// same fingerprint and operation, the first write's ID; found with another
// request, ErrIdempotencyKeyReused.
func findKey(row scanner, k *contactd.Idempotency, op string) (int64, bool, error) {
	var fingerprint, firstOp string
	var id int64
	err := row.Scan(&fingerprint, &firstOp, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return k.Replayed(fingerprint, firstOp, op, id)
}

// remember stores the change's idempotency key with the ID it produced,
// in the write's own transaction.
func remember(ctx context.Context, tx *wtx, ch contactd.Change, op string, id int64) error {
	k := ch.Idempotency
	if k == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, purgeIdempotencySQL, ch.Time.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, insertIdempotencySQL, ch.Caller.ID(), k.Key, k.Fingerprint, op, id, k.Expires.Unix())
	return err
}

// Audit lists audit records in the order they were appended.
func (s *Store) Audit(ctx context.Context, q contactd.AuditQuery) ([]contactd.AuditRecord, error) {
	query, args := auditQuery(q)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer rows.Close()
	records := []contactd.AuditRecord{}
	for rows.Next() {
		var (
			r             contactd.AuditRecord
			at            int64
			custType      string
			caller        []byte
			before, after sql.NullString
		)
		if err := rows.Scan(&r.Seq, &at, &r.Operation, &r.ContactID, &r.PhoneID, &r.RecordID, &custType, &r.Customer.Value, &r.AccountID,
			&caller, &r.RequestID, &before, &after); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
		r.Time = time.UnixMicro(at)
		r.Customer.Type = contactd.CustomerIDType(custType)
		if err := json.Unmarshal(caller, &r.Caller); err != nil {
			return nil, fmt.Errorf("sqlite: audit %d: caller: %w", r.Seq, err)
		}
		r.Before, r.After = rawOrNull(before), rawOrNull(after)
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return records, nil
}

// The owner filters find rows through the contacts and records of the
// owner, live ones by contact_one_live_per_type and record_one_live_per_key
// and ceased ones by contact_ceased_by_customer and
// record_ceased_by_customer (the audit has no index by customer or
// account: migration 006), then check the row's own copy of the owner, so
// that they never return a row of another owner. A record's rows are
// searched by audit_by_record, which holds only rows whose record_id is
// not 0: the filter says so for the planner to take it.
var (
	auditOfCustomer = `(contact_id IN (` + ownedBy("contact", "ct", "cu") + `)
OR record_id <> 0 AND record_id IN (` + ownedBy("record", "r", "cu") + `))
AND customer_type = ? AND customer_value = ?`
	auditOfAccount = `(contact_id IN (` + ownedBy("contact", "ct", "ac") + `)
OR record_id <> 0 AND record_id IN (` + ownedBy("record", "r", "ac") + `))
AND account_id = ?`
)

// ownedBy selects the IDs of the contacts or records (table, named t) of
// a customer (owner "cu": two parameters, its ID type and value) or of an
// account (owner "ac": one, its account ID), live and ceased.
func ownedBy(table, t, owner string) string {
	live := `customer cu JOIN ` + table + ` ` + t + ` ON ` + t + `.customer_key = cu.key
WHERE cu.id_type = ? AND cu.id_value = ?`
	ceased := live
	if owner == "ac" {
		// the live ones by the index's own expression, as contactsJSON
		live = `account ac JOIN ` + table + ` ` + t + ` ON ` + t + `.customer_key = ac.customer_key AND IFNULL(` + t + `.account_key, 0) = +ac.key
WHERE ac.account_id = ?`
		ceased = `account ac JOIN ` + table + ` ` + t + ` ON ` + t + `.customer_key = ac.customer_key AND ` + t + `.account_key = ac.key
WHERE ac.account_id = ?`
	}
	return `SELECT ` + t + `.id FROM ` + live + ` AND ` + t + `.ceased IS NULL
UNION ALL
SELECT ` + t + `.id FROM ` + ceased + ` AND ` + t + `.ceased IS NOT NULL`
}

// auditQuery is the statement and arguments of an Audit query.
func auditQuery(q contactd.AuditQuery) (string, []any) {
	var where []string
	var args []any
	if q.Customer.Value != "" {
		where = append(where, auditOfCustomer)
		for range 5 {
			args = append(args, string(q.Customer.Type), q.Customer.Value)
		}
	}
	if q.AccountID != "" {
		where = append(where, auditOfAccount)
		for range 5 {
			args = append(args, q.AccountID)
		}
	}
	if q.ContactID != 0 {
		where = append(where, "contact_id = ?")
		args = append(args, q.ContactID)
	}
	if q.RecordID != 0 {
		where = append(where, "record_id = ? AND record_id <> 0")
		args = append(args, q.RecordID)
	}
	if !q.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, q.From.UnixMicro())
	}
	if !q.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, q.To.UnixMicro())
	}
	if q.AfterSeq != 0 {
		where = append(where, "seq > ?")
		args = append(args, q.AfterSeq)
	}
	query := `SELECT seq, at, operation, contact_id, phone_id, record_id, customer_type, customer_value, account_id,
	caller, request_id, before, after FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return query, args
}

func rawOrNull(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return json.RawMessage("null")
	}
	return json.RawMessage(s.String)
}

func (w *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}
