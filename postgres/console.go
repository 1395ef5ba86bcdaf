package postgres

// Read-only views for the admin listener: the sandbox console's listing
// (console.Lister) and the connection pool figures for the metrics
// (metrics.Pools), in contactd's and database/sql's types only.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
)

// Customers lists up to limit customers (all when limit <= 0) in the order
// they were added.
func (s *Store) Customers(ctx context.Context, limit int) ([]contactd.Customer, error) {
	var customers []contactd.Customer
	err := s.read(ctx, "customers", func(ctx context.Context) error {
		customers = []contactd.Customer{}
		var lim any // NULL: no limit
		if limit > 0 {
			lim = limit
		}
		rows, err := s.pool.Query(ctx, `SELECT key, id_type, id_value, profile FROM customer ORDER BY key LIMIT $1`, lim)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c       contactd.Customer
				idType  string
				profile []byte
			)
			if err := rows.Scan(&c.Key, &idType, &c.ID.Value, &profile); err != nil {
				return err
			}
			c.ID.Type = contactd.CustomerIDType(idType)
			c.Profile = profile
			customers = append(customers, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: customers: %w", err)
	}
	return customers, nil
}

// RecentAudit lists the newest limit audit records (limit > 0), newest
// first.
func (s *Store) RecentAudit(ctx context.Context, limit int) ([]contactd.AuditRecord, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: recent audit: limit %d", limit)
	}
	// The seq of the limit-th newest record, then the records from it on.
	var from int64
	err := s.read(ctx, "recent audit", func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT seq FROM audit ORDER BY seq DESC LIMIT 1 OFFSET $1`, limit-1).Scan(&from)
		if errors.Is(err, pgx.ErrNoRows) {
			from = 0 // fewer than limit records: all of them
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: recent audit: %w", err)
	}
	records, err := s.Audit(ctx, contactd.AuditQuery{AfterSeq: max(from-1, 0), Limit: limit})
	if err != nil {
		return nil, err
	}
	slices.Reverse(records)
	return records, nil
}

// PoolStats gives the pgxpool's figures as database/sql's DBStats, under
// the name "main": WaitCount counts acquires that found no idle connection
// and WaitDuration the time they waited.
func (s *Store) PoolStats() map[string]sql.DBStats {
	st := s.pool.Stat()
	return map[string]sql.DBStats{"main": {
		MaxOpenConnections: int(st.MaxConns()),
		OpenConnections:    int(st.TotalConns()),
		InUse:              int(st.AcquiredConns()),
		Idle:               int(st.IdleConns()),
		WaitCount:          st.EmptyAcquireCount(),
		WaitDuration:       st.EmptyAcquireWaitTime(),
		MaxIdleTimeClosed:  st.MaxIdleDestroyCount(),
		MaxLifetimeClosed:  st.MaxLifetimeDestroyCount(),
	}}
}
