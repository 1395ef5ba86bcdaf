// Package sqlite is a contactd.Store on a SQLite database file, through
// github.com/mattn/go-sqlite3 (SQLite itself, with cgo) or, in a build
// without cgo, modernc.org/sqlite (SQLite translated to Go): driver_cgo.go
// and driver_purego.go.
//
// The database holds the Store invariants itself (see migrations/001_init.sql):
// a partial unique index allows one live contact per owner and type (CNT101),
// another one live record per owner, kind and key (migrations/009_record.sql),
// triggers keep 1 to 5 live phones on every live contact (CNT103), refuse
// deletes, freeze ceased rows, and keep the one ID sequence of contacts,
// phones and records above every stored ID. The Go code checks the same rules first, inside the same write
// transaction, so that the usual refusal comes back as a clean
// *contactd.Error; the database is the backstop.
//
// Every connection runs in WAL mode with synchronous=FULL, so a write has
// been fsynced when its method returns. Writes go through a pool of one
// connection, used by one writer goroutine that commits them in groups
// (batch.go): it takes every write queued when it is free, runs each in its
// own SAVEPOINT of one BEGIN IMMEDIATE transaction, commits once (one
// fsync for the group) and only then answers them. A write that fails is
// rolled back alone and gets its own error; a failed commit fails every
// write of the group. BEGIN IMMEDIATE takes the write lock at the start,
// and busy_timeout covers other processes on the same file. Reads go
// through a separate pool of read-only connections that WAL lets run
// alongside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/migration"
	"github.com/contactd/contactd/registrydb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// busyTimeout is how long a connection waits for a lock held by another
// connection (another process on the same file, or a checkpoint) before it
// gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// walAutocheckpoint is the WAL's size, in pages, past which the COMMIT that
// crosses it also copies the WAL into the database file (SQLite's default
// is 1,000). The writes queued behind that COMMIT wait for the copy, so a
// smaller one shortens their tail: at half of peak throughput the writes'
// p99 fell by 0.2 to 2 ms in four pairs, for 2% fewer writes flat out
// (docs/performance.md, ninth round). Readers never commit; it only acts
// on the writer.
const walAutocheckpoint = 250

// pageCacheKiB is each connection's page cache, in KiB (PRAGMA cache_size
// takes a negative size as KiB; SQLite's default is 2,000). A read of one
// customer or account searches five B-trees, and with 1,000,000 customers
// their interior pages alone are about 1,500 (6 MB): in the default cache
// they crowd each other out, and each read fetched about 2 pages more
// from the file (pread(2): a system call and a 4 KiB copy each). A
// connection only fills its cache as it reads, so a small database costs
// no more memory; at 1,000,000 customers the five connections of a 2-core
// machine held about 25 MB more (docs/performance.md, tenth round).
const pageCacheKiB = 8192

// Store is a contactd.Store on one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	w *sql.DB // one connection; every transaction is BEGIN IMMEDIATE
	r *sql.DB // read-only connections

	ws, rs stmtCache    // the statements prepared on w and r
	misses atomic.Int64 // write statements prepared outside ws

	// The writer goroutine (batch.go) takes the jobs write sends it, runs
	// them in batches, and ends when quit closes; done closes then.
	jobs      chan *job
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	batches   batchStats

	dir     string        // the database file's directory
	minFree atomic.Uint64 // Ping fails with less free space than this there
}

// DefaultMinFree is the free space, in bytes, below which Ping reports the
// database unavailable: a write needs room for its WAL frames (a few MB
// between checkpoints, walAutocheckpoint), and a balancer should stop
// sending writes before they fail.
const DefaultMinFree = 16 << 20

// SetMinFree sets the free space, in bytes, on the database's file system
// below which Ping fails (DefaultMinFree until set; 0 turns it off).
func (s *Store) SetMinFree(bytes uint64) { s.minFree.Store(bytes) }

var _ contactd.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed, and brings
// its schema up to date. The path names a file: an in-memory database is
// refused, since the read and write pools would each get their own.
func Open(ctx context.Context, path string) (*Store, error) { return open(ctx, path, driverName) }

// open is Open through the named database/sql driver, one that dsn's URIs
// suit: tests open the store through a driver that watches it.
func open(ctx context.Context, path, driver string) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return nil, fmt.Errorf("sqlite: open %q: the store needs a database file", path)
	}
	// A new database file is readable by its owner only: it holds personal
	// data. SQLite gives its WAL and shared-memory files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	w, err := sql.Open(driver, dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	// The write pool comes up first: its first connection turns the file
	// into WAL mode and the migrations create the schema before any reader
	// connects.
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	r, err := sql.Open(driver, dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: r, ws: stmtCache{db: w}, rs: stmtCache{db: r},
		jobs: make(chan *job), quit: make(chan struct{}), done: make(chan struct{}), dir: filepath.Dir(path)}
	s.minFree.Store(DefaultMinFree)
	go s.writer()
	for _, q := range slices.Concat(writeQueries, auditQueries, recordQueries, replaceQueries, batchQueries) {
		if _, err := s.ws.get(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: open %s: prepare %q: %w", path, q, err)
		}
	}
	if err := s.pingPools(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// fileURI is the file's URI with a driver's PRAGMA parameters q and the two
// parameters both drivers take alike: readers are query_only (each driver
// applies it after journal_mode, so the file is in WAL mode first), writers
// begin IMMEDIATE.
func fileURI(file string, q url.Values, readOnly bool) string {
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Path: file}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// Ping checks that both pools answer and that the database's file system
// has its minimum free space (SetMinFree).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pingPools(ctx); err != nil {
		return err
	}
	if min := s.minFree.Load(); min > 0 {
		if free, ok := diskFree(s.dir); ok && free < min {
			return fmt.Errorf("sqlite: ping: %w: %d bytes free in %s, less than %d", contactd.ErrUnavailable, free, s.dir, min)
		}
	}
	return nil
}

// pingPools checks that both pools answer.
func (s *Store) pingPools(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close stops the writer, after the batch it is running if any (a write
// still waiting then fails), and closes both pools; the last connection to
// close checkpoints the WAL into the database file. Closing twice is
// harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.done
	return errors.Join(s.rs.close(), s.ws.close(), s.r.Close(), s.w.Close())
}

// stmtCache prepares each query once for a pool: neither driver keeps a
// statement cache of its own, and preparing costs about as much as
// running one of these small statements. database/sql prepares a Stmt
// again on each connection that runs it and keeps it there.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	return st, ok
}

// get returns the statement, preparing it if needed. The lock is not held
// while preparing, which may wait for a connection; of two goroutines
// preparing the same query at once, the second closes its own.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.lookup(query); ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		st.Close()
		return prev, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// scanner is a *sql.Row or *sql.Rows, or a failure to prepare.
type scanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// lookup is ctx without its cancellation, for the reads of the request
// path: each is a few index lookups that ends within microseconds, and a
// context that can end costs every statement two goroutines (one in
// database/sql to close the rows, one in the driver to interrupt the
// statement) and a progress handler, about 5% of a read's CPU. Reads that
// can run long (Audit, the console's lists, the registry) keep ctx.
func lookup(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// queryRow runs a cached statement on the read pool.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := s.rs.get(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a cached statement on the read pool.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.rs.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// wtx is a write transaction that runs cached statements.
type wtx struct {
	tx *sql.Tx
	s  *Store
}

// stmt returns the cached statement for the transaction. A query missing
// from writeQueries cannot be prepared on the pool, whose one connection
// the transaction holds: it is prepared for this transaction only.
func (w *wtx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := w.s.ws.lookup(query); ok {
		return w.tx.StmtContext(ctx, st), nil
	}
	w.s.misses.Add(1)
	return w.tx.PrepareContext(ctx, query)
}

func (w *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (w *wtx) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// migrations lists the embedded migrations by version.
func migrations() ([]migration.Migration, error) { return migration.List(migrationFiles, "migrations") }

// migrate applies, in version order, each migration that schema_migrations
// does not list yet, each in its own IMMEDIATE transaction that also records
// it: a second process opening the same file at once waits for the lock and
// then sees the migration done. A database migrated by a newer contactd is
// refused.
// It then fills in what SQL cannot compute (registrydb.FillSHA1).
func migrate(ctx context.Context, db *sql.DB) error {
	if err := migrateTo(ctx, db, math.MaxInt); err != nil {
		return err
	}
	return fillCertificateSHA1(ctx, db)
}

// fillCertificateSHA1 runs registrydb.FillSHA1, taking the write lock only
// when a certificate lacks its SHA-1 thumbprint.
func fillCertificateSHA1(ctx context.Context, db *sql.DB) error {
	var missing bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM reg_certificate WHERE sha1 IS NULL)`).Scan(&missing); err != nil || !missing {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := registrydb.FillSHA1(ctx, registryTx{tx}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return tx.Commit()
}

// migrateTo is migrate up to the given version: tests build a database of
// an earlier schema with it, to migrate a filled one.
func migrateTo(ctx context.Context, db *sql.DB, version int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL,
	applied INTEGER NOT NULL
) STRICT`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var newest int
	if err := db.QueryRowContext(ctx, `SELECT IFNULL(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(ms) > 0 && newest > ms[len(ms)-1].Version {
		return fmt.Errorf("migrate: the database is at schema version %d, newer than this program's %d", newest, ms[len(ms)-1].Version)
	}
	applied := map[int]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.Version] || m.Version > version {
			continue // without taking the write lock
		}
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&done); err != nil {
		return err
	}
	if done {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().Unix()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(m.Version)); err != nil {
		return err
	}
	return tx.Commit()
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
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// SQLite's extended result codes that ruleCode and the tests look for.
const (
	sqliteBusy              = 5
	sqliteLocked            = 6
	sqliteReadOnly          = 8
	sqliteIOErr             = 10
	sqliteFull              = 13
	sqliteCantOpen          = 14
	sqliteConstraintUnique  = 2067 // SQLITE_CONSTRAINT_UNIQUE
	sqliteConstraintTrigger = 1811 // SQLITE_CONSTRAINT_TRIGGER
)

// ruleCode recognises the constraint and trigger errors that stand for a
// Store rule: the one-live-contact-per-type index (CNT101) and the
// phone-count triggers (CNT103).
func ruleCode(err error) (contactd.Code, bool) {
	code, ok := errorCode(err)
	if !ok {
		return "", false
	}
	switch code {
	case sqliteConstraintUnique:
		if strings.Contains(err.Error(), "contact_one_live_per_type") {
			return contactd.CNT101, true
		}
	case sqliteConstraintTrigger:
		if strings.Contains(err.Error(), string(contactd.CNT103)) {
			return contactd.CNT103, true
		}
	}
	return "", false
}

// nextIDs takes n consecutive IDs from the sequence inside tx and returns
// the first. The IDs are only spent if tx commits.
func nextIDs(ctx context.Context, tx *wtx, n int) (int64, error) {
	var first int64
	err := tx.QueryRowContext(ctx, nextIDsSQL, n).Scan(&first)
	if err != nil {
		return 0, fmt.Errorf("next ID: %w", err)
	}
	if first <= 0 || first+int64(n)-1 > contactd.MaxID {
		return 0, fmt.Errorf("next ID: the ID sequence is exhausted (%d)", first)
	}
	return first, nil
}

func nullKey(k int64) any {
	if k == 0 {
		return nil
	}
	return k
}

func profileText(p []byte) string {
	if len(strings.TrimSpace(string(p))) == 0 {
		return "{}"
	}
	return string(p)
}
