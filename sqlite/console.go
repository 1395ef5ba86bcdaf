package sqlite

// Read-only views for the admin listener: the sandbox console's listing
// (console.Lister) and the connection pool figures for the metrics
// (metrics.Pools). Neither package is imported here: both interfaces use
// contactd's and database/sql's types only.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/contactd/contactd"
)

// Customers lists up to limit customers (all when limit <= 0) in the order
// they were added.
func (s *Store) Customers(ctx context.Context, limit int) ([]contactd.Customer, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.query(ctx, `SELECT key, id_type, id_value, profile FROM customer ORDER BY key LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: customers: %w", err)
	}
	defer rows.Close()
	customers := []contactd.Customer{}
	for rows.Next() {
		var (
			c       contactd.Customer
			idType  string
			profile []byte
		)
		if err := rows.Scan(&c.Key, &idType, &c.ID.Value, &profile); err != nil {
			return nil, fmt.Errorf("sqlite: customers: %w", err)
		}
		c.ID.Type = contactd.CustomerIDType(idType)
		c.Profile = profile
		customers = append(customers, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: customers: %w", err)
	}
	return customers, nil
}

// RecentAudit lists the newest limit audit records (limit > 0), newest
// first.
func (s *Store) RecentAudit(ctx context.Context, limit int) ([]contactd.AuditRecord, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: recent audit: limit %d", limit)
	}
	// The seq of the limit-th newest record, then the records from it on.
	var from int64
	err := s.queryRow(ctx, `SELECT seq FROM audit ORDER BY seq DESC LIMIT 1 OFFSET ?`, limit-1).Scan(&from)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: recent audit: %w", err)
	}
	// with fewer than limit records, from is 0 and AfterSeq 0 selects all
	records, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: max(from-1, 0), Limit: limit})
	if err != nil {
		return nil, err
	}
	slices.Reverse(records)
	return records, nil
}

// PoolStats gives the figures of the store's two pools: "write" (one
// connection) and "read".
func (s *Store) PoolStats() map[string]sql.DBStats {
	return map[string]sql.DBStats{"write": s.w.Stats(), "read": s.r.Stats()}
}
