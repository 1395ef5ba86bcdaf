package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
)

var _ contactd.CustomerLister = (*Store)(nil)

// CustomersAfter returns at most n customers whose key is above after, in
// key order, without their profiles.
func (s *Store) CustomersAfter(ctx context.Context, after int64, n int) ([]contactd.Customer, error) {
	var page []contactd.Customer
	err := s.read(ctx, "customers", func(ctx context.Context) error {
		page = page[:0]
		rows, err := s.pool.Query(ctx, `SELECT key, id_type, id_value FROM customer WHERE key > $1 ORDER BY key LIMIT $2`, after, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c contactd.Customer
			var idType string
			if err := rows.Scan(&c.Key, &idType, &c.ID.Value); err != nil {
				return err
			}
			c.ID.Type = contactd.CustomerIDType(idType)
			page = append(page, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// invariantChecks count the rows breaking one of the Store invariants;
// every count must be 0 (the database's constraints and triggers hold
// them, so a count above 0 means a change made around contactd).
var invariantChecks = []struct{ what, query string }{
	{"live contacts without 1 to 5 live phones", `SELECT count(*) FROM contact c WHERE c.ceased IS NULL
AND (SELECT count(*) FROM phone p WHERE p.contact_id = c.id AND p.ceased IS NULL) NOT BETWEEN 1 AND 5`},
	{"live phones of ceased contacts", `SELECT count(*) FROM phone p JOIN contact c ON c.id = p.contact_id
WHERE p.ceased IS NULL AND c.ceased IS NOT NULL`},
	{"owners with two live contacts of one type", `SELECT count(*) FROM (SELECT 1 FROM contact WHERE ceased IS NULL
GROUP BY customer_key, COALESCE(account_key, 0), contact_type HAVING count(*) > 1) x`},
	{"IDs held by both a contact and a phone", `SELECT count(*) FROM contact c JOIN phone p ON p.id = c.id`},
	{"IDs above the ID sequence", `SELECT count(*) FROM (SELECT id FROM contact UNION ALL SELECT id FROM phone) x
WHERE id > id_sequence_issued()`},
}

// Verify checks the Store invariants on the data, in one snapshot: one
// live contact per owner and type, 1 to 5 live phones per live contact,
// IDs unique and handed out by the sequence.
func (s *Store) Verify(ctx context.Context) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: verify: %w", err)
	}
	defer tx.Rollback(ctx)
	var problems []string
	for _, c := range invariantChecks {
		var n int64
		if err := tx.QueryRow(ctx, c.query).Scan(&n); err != nil {
			return fmt.Errorf("postgres: verify: %s: %w", c.what, err)
		}
		if n > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d", c.what, n))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("postgres: verify: %s", strings.Join(problems, "; "))
	}
	return nil
}
