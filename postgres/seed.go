package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Seeding an empty database is a check and a write in two calls:
// sandbox.Seed (and `contactd seed`) ask Empty, then Load. Replicas
// starting together on an empty database would all see it empty and all
// load. So an Empty that answers true holds a claim on the database, a
// session-level advisory lock on a pooled connection, until this Store's
// next Load ends (or seedClaimTTL passes, for a caller that never loads).
// Another process's Empty waits for the claim, and then finds the
// database loaded: exactly one replica seeds, and the others report that
// they did not.

// seedClaimTTL bounds how long a claim is held without a Load.
const seedClaimTTL = 30 * time.Second

const (
	emptySQL      = `SELECT NOT EXISTS (SELECT 1 FROM customer)`
	seedLockSQL   = `SELECT pg_advisory_lock(hashtext('contactd.seed'), hashtext(current_schema()))`
	seedUnlockSQL = `SELECT pg_advisory_unlock(hashtext('contactd.seed'), hashtext(current_schema()))`
)

// seedClaim is a connection that holds the seed lock.
type seedClaim struct {
	conn  *pgxpool.Conn
	timer *time.Timer
}

// Empty reports whether the store holds no customer. When it does, Empty
// first waits for any other process's claim (see above), and when it
// answers true it holds the claim until this Store's next Load ends.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	s.seedMu.Lock()
	defer s.seedMu.Unlock()
	if c := s.claim; c != nil {
		// asked again before loading: answer on the claim's connection
		ctx, cancel := s.opContext(ctx)
		defer cancel()
		var empty bool
		if err := c.conn.QueryRow(ctx, emptySQL).Scan(&empty); err != nil || !empty {
			s.releaseLocked(c)
			if err != nil {
				return false, wrap("empty", err)
			}
		}
		return empty, nil
	}

	// The quick answer, without the lock, for a database that holds data.
	var empty bool
	if err := s.read(ctx, "empty", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, emptySQL).Scan(&empty)
	}); err != nil || !empty {
		return false, err
	}

	// Empty: wait for the seed lock (another process may be seeding, for
	// as long as its claim lives), then ask again under it.
	wctx, cancel := context.WithTimeout(ctx, seedClaimTTL+s.opTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(wctx)
	if err != nil {
		return false, wrap("empty", err)
	}
	c := &seedClaim{conn: conn}
	if err := lockSeed(wctx, conn); err != nil {
		conn.Conn().Close(context.Background()) // ends the session and any lock it got
		conn.Release()
		return false, wrap("empty: wait for another process seeding", err)
	}
	if err := conn.QueryRow(wctx, emptySQL).Scan(&empty); err != nil || !empty {
		s.releaseLocked(c)
		if err != nil {
			return false, wrap("empty", err)
		}
		return false, nil
	}
	c.timer = time.AfterFunc(seedClaimTTL, func() { s.dropClaim(c) })
	s.claim = c
	return true, nil
}

// lockSeed takes the seed lock on conn, waiting longer than
// statement_timeout allows a statement.
func lockSeed(ctx context.Context, conn *pgxpool.Conn) error {
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, seedLockSQL); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `RESET statement_timeout`); err != nil {
		return fmt.Errorf("reset statement_timeout: %w", err)
	}
	return nil
}

// takeClaim hands this Store's claim, if any, to a Load.
func (s *Store) takeClaim() *seedClaim {
	s.seedMu.Lock()
	defer s.seedMu.Unlock()
	c := s.claim
	s.claim = nil
	if c != nil && c.timer != nil {
		c.timer.Stop()
	}
	return c
}

// dropClaim releases c if it is still this Store's claim or was taken
// from it; nil drops the current claim (Close).
func (s *Store) dropClaim(c *seedClaim) {
	s.seedMu.Lock()
	defer s.seedMu.Unlock()
	if c == nil {
		c = s.claim
	}
	if c == nil {
		return
	}
	if s.claim == c {
		s.claim = nil
	}
	s.releaseLocked(c)
}

// releaseLocked unlocks and returns the claim's connection; if the unlock
// fails, closing the connection ends the session and its lock.
func (s *Store) releaseLocked(c *seedClaim) {
	if c.conn == nil {
		return
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.conn.Exec(ctx, seedUnlockSQL); err != nil {
		c.conn.Conn().Close(ctx)
	}
	c.conn.Release()
	c.conn = nil
}

// ClaimMode records whether the database is a sandbox, if it records
// nothing yet (a database with customers is recorded as production), and
// returns what it records. Replicas claiming at once record one mode.
func (s *Store) ClaimMode(ctx context.Context, sandbox bool) (bool, error) {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	var recorded bool
	err := s.retry(ctx, "claim mode", true, func() error {
		if _, err := s.pool.Exec(ctx, `INSERT INTO database_mode (sandbox)
SELECT $1 AND NOT EXISTS (SELECT 1 FROM customer)
ON CONFLICT (one) DO NOTHING`, sandbox); err != nil {
			return err
		}
		return s.pool.QueryRow(ctx, `SELECT sandbox FROM database_mode`).Scan(&recorded)
	})
	return recorded, err
}
