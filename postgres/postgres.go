// Package postgres is a contactd.Store on PostgreSQL, through pgx v5 and
// its connection pool. Any number of contactd processes may share one
// database: every invariant is held by PostgreSQL (see
// migrations/001_init.sql), not by the process.
//
//   - One live contact per owner and type (CNT101) is a partial unique
//     index; of two concurrent creates the second waits for the first and
//     fails with unique_violation.
//   - 1 to 5 live phones per live contact (CNT103): every write that adds
//     or ceases phones first locks the contact row (SELECT ... FOR UPDATE),
//     then counts, in READ COMMITTED, so writers on one contact queue on
//     that row and each counts what the previous one committed. Triggers do
//     the same lock and count as a backstop for any other SQL.
//   - One live record per owner, kind and key is a partial unique index;
//     record writes take turns per owner and kind on an advisory lock, so
//     that a put that replaces or merges finds the live record still live.
//   - Contact, phone and record IDs come from one PostgreSQL sequence,
//     unique across replicas without a lock (docs/postgres.md); the
//     issued_id table's primary key refuses any ID used twice.
//   - The audit record and the idempotency key are written in the write's
//     own transaction.
//
// Every operation runs under a deadline (Config.OpTimeout, 5 s by default)
// and the connections under statement_timeout, so that when the database
// cannot be reached a call fails within a bounded time instead of
// hanging; the pool reconnects by itself when the database comes back.
// Errors that leave a write certainly undone (a lost connection before
// COMMIT, a serialization failure or deadlock) are retried within the
// deadline.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/migration"
	"github.com/contactd/contactd/registrydb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Defaults, each overridable by the database URL where it names a
// setting (connect_timeout, statement_timeout, pool_max_conns, ...).
const (
	// DefaultOpTimeout bounds every Store call but Load: connecting,
	// waiting for a pooled connection, the statements and retries.
	DefaultOpTimeout = 5 * time.Second
	// defaultConnectTimeout bounds one connection attempt.
	defaultConnectTimeout = 3 * time.Second
	// defaultStatementTimeout is the server-side bound on a statement (ms).
	defaultStatementTimeout = "5000"
	// defaultIdleInTransaction ends a session that holds a transaction
	// open without using it (ms): its row locks would block other writers.
	defaultIdleInTransaction = "30000"
	// loadStatementTimeout replaces statement_timeout inside Load, whose
	// bulk inserts may run long.
	loadStatementTimeout = "10min"
	// migrateTimeout bounds Open's migrations, waiting for another
	// replica's included.
	migrateTimeout = 2 * time.Minute
)

// Config says how to reach the database.
type Config struct {
	// URL is a postgres:// URL. Besides the libpq settings it may carry
	// runtime parameters, search_path among them
	// (postgres://host/db?search_path=contactd), and the pool's
	// pool_max_conns, pool_min_conns, ...
	URL string
	// Schema, when set, is the one schema on search_path, overriding the
	// URL's. It must exist; the migrations create the tables in it.
	Schema string
	// OpTimeout bounds each Store call but Load; DefaultOpTimeout if zero.
	OpTimeout time.Duration
	// NoMigrate opens without applying migrations (`contactd migrate`
	// applies them); the schema must then be up to date.
	NoMigrate bool
}

// Store is a contactd.Store on a PostgreSQL database. It is safe for
// concurrent use, and any number of Stores, in any number of processes,
// may share the database.
type Store struct {
	pool      *pgxpool.Pool
	opTimeout time.Duration
	schema    string

	// claim is held from an Empty that answered true to the Load that
	// follows (see seed.go).
	seedMu sync.Mutex
	claim  *seedClaim

	closed atomic.Bool
}

var _ contactd.Store = (*Store)(nil)

// Open opens the database at url (a postgres:// URL) and brings its schema
// up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	return OpenConfig(ctx, Config{URL: url})
}

// OpenConfig opens the database as cfg says and, unless cfg.NoMigrate,
// brings its schema up to date.
func OpenConfig(ctx context.Context, cfg Config) (*Store, error) {
	pc, err := poolConfig(cfg)
	if err != nil {
		return nil, err
	}
	opTimeout := cfg.OpTimeout
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", Redact(cfg.URL), err)
	}
	s := &Store{pool: pool, opTimeout: opTimeout}
	// Migrating may wait for another replica's migrations.
	octx, cancel := context.WithTimeout(ctx, max(opTimeout, migrateTimeout))
	defer cancel()
	if !cfg.NoMigrate {
		err = migrate(octx, pool)
	} else {
		err = checkSchema(octx, pool)
	}
	if err == nil {
		err = pool.QueryRow(octx, `SELECT current_schema()`).Scan(&s.schema)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", Redact(cfg.URL), err)
	}
	return s, nil
}

// Migrate brings the schema of the database cfg names up to date and
// returns the versions it applied. Concurrent callers, in any process,
// take turns (an advisory lock), and the later ones find nothing to do.
func Migrate(ctx context.Context, cfg Config) ([]int, error) {
	pc, err := poolConfig(cfg)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate %s: %w", Redact(cfg.URL), err)
	}
	defer pool.Close()
	var applied []int
	if err := migrateReport(ctx, pool, func(v int) { applied = append(applied, v) }); err != nil {
		return applied, fmt.Errorf("postgres: migrate %s: %w", Redact(cfg.URL), err)
	}
	return applied, nil
}

// poolConfig is the pool configuration for cfg: the URL's, with the
// timeouts and sizes contactd needs where the URL sets none.
func poolConfig(cfg Config) (*pgxpool.Config, error) {
	if !IsURL(cfg.URL) {
		return nil, fmt.Errorf("postgres: %q is not a postgres:// URL or a key=value connection string", Redact(cfg.URL))
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", Redact(cfg.URL), err)
	}
	cc := pc.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = defaultConnectTimeout
	}
	rp := cc.RuntimeParams
	setDefault := func(k, v string) {
		if _, ok := rp[k]; !ok {
			rp[k] = v
		}
	}
	setDefault("statement_timeout", defaultStatementTimeout)
	setDefault("idle_in_transaction_session_timeout", defaultIdleInTransaction)
	setDefault("application_name", "contactd")
	if cfg.Schema != "" {
		rp["search_path"] = pgx.Identifier{cfg.Schema}.Sanitize()
	}
	has := func(setting string) bool { return strings.Contains(cfg.URL, setting+"=") }
	if !has("pool_max_conns") {
		pc.MaxConns = int32(max(8, 2*runtime.GOMAXPROCS(0)))
	}
	if !has("pool_health_check_period") {
		pc.HealthCheckPeriod = 10 * time.Second
	}
	if !has("pool_ping_timeout") {
		pc.PingTimeout = 2 * time.Second
	}
	return pc, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be released.
// Closing twice is harmless.
func (s *Store) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.dropClaim(nil)
		s.pool.Close()
	}
	return nil
}

// Pool is the store's connection pool, for tests and tools that need SQL
// of their own.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema is the schema the store's tables are in.
func (s *Store) Schema() string { return s.schema }

func (s *Store) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// migrations lists the embedded migrations by version.
func migrations() ([]migration.Migration, error) { return migration.List(migrationFiles, "migrations") }

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return migrateReport(ctx, pool, func(int) {})
}

// migrateReport applies, in version order, each migration that
// schema_migrations does not list yet, each in its own transaction that
// also records it. It holds a session advisory lock, named after the
// schema, for the whole run: replicas starting together take turns, and
// the later ones find every migration applied. A schema migrated by a
// newer contactd is refused.
func migrateReport(ctx context.Context, pool *pgxpool.Pool, applied func(version int)) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	schema, err := currentSchema(ctx, conn.Conn())
	if err != nil {
		return err
	}
	// Migrations may run longer than one statement_timeout.
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn.Exec(rctx, `RESET statement_timeout`)
	}()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('contactd.migrate'), hashtext($1))`, schema); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// A broken connection releases the lock with its session.
		uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(hashtext('contactd.migrate'), hashtext($1))`, schema); err != nil {
			conn.Conn().Close(uctx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version integer     PRIMARY KEY,
	name    text        NOT NULL,
	applied timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	done, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return err
	}
	if n := newest(done); len(ms) > 0 && n > ms[len(ms)-1].Version {
		return fmt.Errorf("migrate: the database is at schema version %d, newer than this program's %d", n, ms[len(ms)-1].Version)
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Pin search_path to the one schema, so that the functions'
			// SET search_path FROM CURRENT name exactly it.
			if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, pgx.Identifier{schema}.Sanitize()); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		}); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		applied(m.Version)
	}
	// What SQL cannot compute, under the same lock.
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return registrydb.FillSHA1(ctx, registryTx{tx})
	}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// checkSchema refuses a schema that lacks one of this program's
// migrations or has a newer one.
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := currentSchema(ctx, conn.Conn()); err != nil {
		return err
	}
	done, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" {
			return errors.New("the schema is not migrated: run contactd migrate")
		}
		return err
	}
	for _, m := range ms {
		if !done[m.Version] {
			return fmt.Errorf("migration %s is not applied: run contactd migrate", m.Name)
		}
	}
	if n := newest(done); len(ms) > 0 && n > ms[len(ms)-1].Version {
		return fmt.Errorf("the database is at schema version %d, newer than this program's %d", n, ms[len(ms)-1].Version)
	}
	return nil
}

func currentSchema(ctx context.Context, conn *pgx.Conn) (string, error) {
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", err
	}
	if schema == nil {
		var sp string
		conn.QueryRow(ctx, `SHOW search_path`).Scan(&sp)
		return "", fmt.Errorf("no schema of search_path %q exists: create it first", sp)
	}
	return *schema, nil
}

func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[int]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	for _, v := range vs {
		done[int(v)] = true
	}
	return done, nil
}

func newest(done map[int]bool) int {
	n := 0
	for v := range done {
		n = max(n, v)
	}
	return n
}

// maxAttempts bounds the tries of one operation; the deadline bounds them
// too.
const maxAttempts = 4

// commitError is a failed COMMIT: the write may or may not have been
// committed, so it is never retried.
type commitError struct{ err error }

func (e commitError) Error() string { return "commit: " + e.err.Error() }
func (e commitError) Unwrap() error { return e.err }

// lostConnError is a failure on a connection that is now closed, before
// COMMIT was sent: the server rolled the transaction back.
type lostConnError struct{ err error }

func (e lostConnError) Error() string { return e.err.Error() }
func (e lostConnError) Unwrap() error { return e.err }

// write runs fn in one READ COMMITTED transaction and commits it, retrying
// the whole transaction while it is certainly undone and retryable. A
// constraint or trigger that stands for a Store rule becomes its
// *contactd.Error.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, w *writeTx) error) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	return s.retry(ctx, op, false, func() error { return s.tryWrite(ctx, fn) })
}

// writeTx is the transaction of one write. Its first batch begins it
// (pgx's Batch.BeginTx): the BEGIN travels with that batch's statements
// instead of taking a round trip of its own, one of a write's four.
type writeTx struct {
	conn *pgxpool.Conn
	tx   pgx.Tx // nil until begun
}

// send runs b's statements in the transaction in one round trip,
// beginning the transaction with them if it is not begun yet.
func (w *writeTx) send(ctx context.Context, b *pgx.Batch) error {
	if w.tx != nil {
		return w.tx.SendBatch(ctx, b).Close()
	}
	first := &pgx.Batch{}
	first.BeginTx(pgx.TxOptions{})
	first.QueuedQueries = append(first.QueuedQueries, b.QueuedQueries...)
	br := w.conn.SendBatch(ctx, first)
	w.tx = br.Tx() // before Close, so that a failed batch is rolled back too
	return br.Close()
}

// begin begins the transaction on its own, for the writes that do more
// than batches.
func (w *writeTx) begin(ctx context.Context) (pgx.Tx, error) {
	if w.tx == nil {
		tx, err := w.conn.Begin(ctx)
		if err != nil {
			return nil, err
		}
		w.tx = tx
	}
	return w.tx, nil
}

// inTx adapts a function of a begun transaction to write and tryWrite.
func inTx(fn func(ctx context.Context, tx pgx.Tx) error) func(ctx context.Context, w *writeTx) error {
	return func(ctx context.Context, w *writeTx) error {
		tx, err := w.begin(ctx)
		if err != nil {
			return err
		}
		return fn(ctx, tx)
	}
}

func (s *Store) tryWrite(ctx context.Context, fn func(ctx context.Context, w *writeTx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	w := &writeTx{conn: conn}
	defer func() {
		if w.tx == nil {
			return
		}
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		w.tx.Rollback(rctx)
	}()
	if err := fn(ctx, w); err != nil {
		if conn.Conn().IsClosed() {
			return lostConnError{err}
		}
		return err
	}
	if w.tx == nil {
		return nil // nothing was sent
	}
	if err := w.tx.Commit(ctx); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && severity(pe) == "ERROR" {
			// the server refused the COMMIT: the transaction is rolled back
			return err
		}
		// no answer, or the session ended (FATAL) around the COMMIT,
		// which may have taken effect
		return commitError{err}
	}
	return nil
}

// severity is the error's severity, not translated.
func severity(pe *pgconn.PgError) string {
	if pe.SeverityUnlocalized != "" {
		return pe.SeverityUnlocalized
	}
	return pe.Severity
}

// read runs fn, which only reads, retrying it on any failure that is not
// the database's answer: a read may be run again whatever happened.
func (s *Store) read(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	return s.retry(ctx, op, true, func() error { return fn(ctx) })
}

// retry runs try until it succeeds, fails for good, maxAttempts are spent
// or ctx ends, waiting a little longer each time. A read (idempotent) is
// tried again after any failure but a refusal by the database; a write
// only when retryable says it certainly did not happen.
func (s *Store) retry(ctx context.Context, op string, idempotent bool, try func() error) error {
	backoff := 25 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := try()
		if err == nil {
			return nil
		}
		if attempt >= maxAttempts || !(retryable(err) || idempotent && !refused(err)) || ctx.Err() != nil {
			return wrap(op, err)
		}
		t := time.NewTimer(backoff/2 + rand.N(backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return wrap(op, err)
		case <-t.C:
		}
		backoff *= 2
	}
}

// retryable reports whether an operation that failed with err certainly
// did not take effect and may succeed if tried again: nothing was sent, or
// the server aborted it (serialization failure, deadlock, shutdown), or
// the connection was lost before COMMIT.
func retryable(err error) bool {
	var ce *contactd.Error
	if errors.As(err, &ce) {
		return false
	}
	var cm commitError
	if errors.As(err, &cm) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var lc lostConnError
	if errors.As(err, &lc) || pgconn.SafeToRetry(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "40001", pe.Code == "40P01": // serialization_failure, deadlock_detected
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		case strings.HasPrefix(pe.Code, "08"): // connection exception
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	return errors.As(err, &connErr)
}

// refused reports whether err is an answer, not a failure to get one: a
// domain error, or the database refusing a statement for a reason that a
// new try would not change.
func refused(err error) bool {
	var ce *contactd.Error
	if errors.As(err, &ce) || errors.Is(err, contactd.ErrNotRegistered) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && !retryable(err)
}

// wrap returns a domain error as it is, maps a database refusal that
// stands for a Store rule to its *contactd.Error, and wraps everything
// else with the operation.
func wrap(op string, err error) error {
	var ce *contactd.Error
	if errors.As(err, &ce) {
		return err
	}
	if code, ok := ruleCode(err); ok {
		return contactd.Errorf(code, "")
	}
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, contactd.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unavailable reports whether err is the database failing to answer, now,
// rather than an unexpected failure: it is down, unreachable, shutting
// down or out of resources (a full disk), a lock was not had in time, the
// operation's time ran out, or a COMMIT got no answer.
func unavailable(err error) bool {
	var cm commitError
	if retryable(err) || errors.As(err, &cm) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "53") || // insufficient resources: disk_full, out_of_memory, too_many_connections
			pe.Code == "55P03" || // lock_not_available
			pe.Code == "57014" // query_canceled, by statement_timeout
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// ruleCode recognises the constraint and trigger errors that stand for a
// Store rule: the one-live-contact-per-type index (CNT101) and the
// phone-count triggers (CNT103).
func ruleCode(err error) (contactd.Code, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return "", false
	}
	switch {
	case pe.Code == "23505" && pe.ConstraintName == "contact_one_live_per_type":
		return contactd.CNT101, true
	case pe.Code == "23514" && pe.ConstraintName == "phone_count":
		return contactd.CNT103, true
	}
	return "", false
}

// nextIDs takes a block of n consecutive IDs (1 <= n <= 6) from the
// sequence and returns the first.
func nextIDs(ctx context.Context, tx pgx.Tx, n int) (int64, error) {
	if err := blockSize(n); err != nil {
		return 0, err
	}
	var first int64
	if err := tx.QueryRow(ctx, nextIDSQL).Scan(&first); err != nil {
		return 0, fmt.Errorf("next ID: %w", err)
	}
	return first, checkIDs(first, n)
}

// blockSize checks n against the IDs a block holds.
func blockSize(n int) error {
	if n < 1 || n > idBlock {
		return fmt.Errorf("next ID: a block holds 1 to %d IDs, not %d", idBlock, n)
	}
	return nil
}

// checkIDs checks a block of n IDs from first against the IDs' range.
func checkIDs(first int64, n int) error {
	if first <= 0 || first+int64(n)-1 > contactd.MaxID {
		return fmt.Errorf("next ID: the ID sequence is exhausted (%d)", first)
	}
	return nil
}

// idBlock is the sequence's increment: the IDs one nextval hands out, a
// contact and its most phones.
const idBlock = 1 + contactd.MaxPhones

func nullKey(k int64) *int64 {
	if k == 0 {
		return nil
	}
	return &k
}

func profileText(p []byte) string {
	if len(strings.TrimSpace(string(p))) == 0 {
		return "{}"
	}
	return string(p)
}
