package sqlite

import (
	"context"
	"fmt"

	"github.com/contactd/contactd"
)

var _ contactd.CustomerLister = (*Store)(nil)

// CustomersAfter returns at most n customers whose key is above after, in
// key order, without their profiles.
func (s *Store) CustomersAfter(ctx context.Context, after int64, n int) ([]contactd.Customer, error) {
	rows, err := s.query(lookup(ctx), `SELECT key, id_type, id_value FROM customer WHERE key > ? ORDER BY key LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: customers: %w", err)
	}
	defer rows.Close()
	var page []contactd.Customer
	for rows.Next() {
		var c contactd.Customer
		var idType string
		if err := rows.Scan(&c.Key, &idType, &c.ID.Value); err != nil {
			return nil, fmt.Errorf("sqlite: customers: %w", err)
		}
		c.ID.Type = contactd.CustomerIDType(idType)
		page = append(page, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: customers: %w", err)
	}
	return page, nil
}
