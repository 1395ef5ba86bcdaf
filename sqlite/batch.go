package sqlite

// Group commit. Every write of the store is a job for one writer
// goroutine, which owns the use of the write connection: it takes the
// first job waiting, then every other job already queued (up to
// maxBatch, without waiting for more), and runs them all in one BEGIN
// IMMEDIATE transaction, each inside its own SAVEPOINT:
//
//	BEGIN IMMEDIATE
//	SAVEPOINT job; <job 1>; RELEASE job
//	SAVEPOINT job; <job 2 fails>; ROLLBACK TO job; RELEASE job
//	...
//	COMMIT            -- one fsync for the batch
//
// and answers each job only once COMMIT has returned, so a write is still
// durable when its method returns. A job that fails is rolled back to its
// savepoint, leaving nothing behind, and gets its own error; the jobs after
// it see the database as if it had never run, exactly as if the writes had
// been serial in that order. If COMMIT fails, every job of the batch gets
// that error: none of them happened, and a refusal (CNT101, CNT103, ...)
// may have rested on an earlier job's uncommitted change. A batch of one
// job, the usual case when writes do not overlap, needs no savepoint.
//
// Begin, savepoints and commit are on the writer's path, and so is the
// WAL checkpoint SQLite runs inside the COMMIT that takes the WAL past
// walAutocheckpoint pages. A checkpoint in the background was measured (a
// goroutine with its own connection running PRAGMA wal_checkpoint(PASSIVE)
// every 100 ms, and wal_autocheckpoint raised to 4,000 pages as the bound): about
// 5% more writes/s, nothing on the tail, a WAL of 17 MB instead of 5; not
// kept (docs/performance.md).
//
// A job runs with its context's values but not its cancellation: stopping
// a statement of one job (sqlite3_interrupt) may roll back the whole
// transaction, every other job's work with it. So a job whose context is
// done before its turn is skipped with the context's error; a job that has
// started runs to its end, and its caller gets the real outcome unless its
// context ends first (a write's deadline, behind a stalled disk or a lock
// another process holds): the caller then stops waiting, and the write
// may still commit. Jobs are
// short (a few statements); Load and the registry writes are the long ones.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/contactd/contactd"
)

// maxBatch caps the jobs of one transaction: the first job's caller waits
// for all of them.
const maxBatch = 64

// The savepoint statements, prepared with the others on the write
// connection. One name serves every job: each is released before the next
// begins.
const (
	savepointSQL  = `SAVEPOINT job`
	releaseSQL    = `RELEASE job`
	rollbackToSQL = `ROLLBACK TO job`
)

var batchQueries = []string{savepointSQL, releaseSQL, rollbackToSQL}

// errClosed answers a write made after, or queued at, Close.
var errClosed = errors.New("the store is closed")

// job is one write waiting for the writer.
type job struct {
	ctx    context.Context
	op     string
	fn     func(ctx context.Context, tx *wtx) error
	reply  chan result // buffered: the writer never waits for the caller
	queued time.Time   // when write was called, for ObserveWriteWaits
}

type result struct {
	err     error
	panicV  any  // fn panicked with this; re-raised in the caller
	panics  bool // fn panicked
	skipped bool // not run: its context was done before its turn
}

// failed reports whether the job ran and failed (error or panic).
func (r result) failed() bool { return !r.skipped && (r.err != nil || r.panics) }

// batchStats counts the transactions the writer committed (or tried to)
// and the jobs it ran in them, and the writes waiting for an answer.
type batchStats struct {
	batches, jobs, waiting atomic.Int64
	observe                atomic.Pointer[func(writes int, d time.Duration)]
	observeWait            atomic.Pointer[func(d time.Duration)]
}

// GroupCommitStats reports how many write transactions the store has run
// and how many writes they held: writes/batches is the mean group size.
func (s *Store) GroupCommitStats() (batches, writes int64) {
	return s.batches.batches.Load(), s.batches.jobs.Load()
}

// ObserveCommits has f called after each COMMIT that succeeds, from the
// writer goroutine, with the number of writes it made durable and how long
// the COMMIT took: writing the WAL frames, the fsync, and the checkpoint
// SQLite runs in the commit that takes the WAL past its limit. That is
// where a slow disk shows: one stalled fsync holds back every write queued
// behind it (docs/performance.md). f must be quick; nil stops observing.
func (s *Store) ObserveCommits(f func(writes int, d time.Duration)) {
	if f == nil {
		s.batches.observe.Store(nil)
		return
	}
	s.batches.observe.Store(&f)
}

// ObserveWriteWaits has f called, from the writer goroutine, as each write
// begins its own statements, with how long it waited for the writer: the
// transactions run before its own, and the writes ahead of it in its own.
// With ObserveCommits it splits a slow write into waiting (a writer kept
// busy, or short of CPU) and committing (the disk). A write skipped
// because its context ended is not observed. f must be quick; nil stops
// observing.
func (s *Store) ObserveWriteWaits(f func(d time.Duration)) {
	if f == nil {
		s.batches.observeWait.Store(nil)
		return
	}
	s.batches.observeWait.Store(&f)
}

// begins tells the wait observer, if any, that j's statements begin.
func (s *Store) begins(j *job) {
	if f := s.batches.observeWait.Load(); f != nil {
		(*f)(time.Since(j.queued))
	}
}

// commit commits tx, telling the observer, if any, when it succeeds.
func (s *Store) commit(tx *sql.Tx, writes int) error {
	start := time.Now()
	if err := tx.Commit(); err != nil {
		return err
	}
	if f := s.batches.observe.Load(); f != nil && writes > 0 {
		(*f)(writes, time.Since(start))
	}
	return nil
}

// write runs fn as one atomic write, in a transaction it may share with
// other writes (group commit), and returns once that transaction is
// committed and fsynced, or fn's error once fn's changes are rolled back.
// A constraint or trigger that stands for a Store rule becomes its
// *contactd.Error. fn must use the ctx it is given, which carries ctx's
// values without its cancellation (see the top of this file).
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx *wtx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	j := &job{ctx: ctx, op: op, fn: fn, reply: make(chan result, 1), queued: time.Now()}
	s.batches.waiting.Add(1)
	defer s.batches.waiting.Add(-1)
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return fmt.Errorf("sqlite: %s: %w", op, ctx.Err())
	case <-s.quit:
		return fmt.Errorf("sqlite: %s: %w", op, errClosed)
	}
	// The writer has the job. Its answer comes whatever ctx does, but
	// when ctx ends first (a write's deadline behind a stalled disk or a
	// lock another process holds) the caller stops waiting for it: if the
	// job has not started by then the writer skips it, and if it has, it
	// may still commit.
	select {
	case r := <-j.reply:
		if r.panics {
			panic(r.panicV)
		}
		return markUnavailable(r.err)
	case <-ctx.Done():
		return fmt.Errorf("sqlite: %s: %w", op, ctx.Err())
	}
}

// markUnavailable marks the failures that come from the database not
// being able to write now (a lock held too long, a full disk, an I/O
// error) as contactd.ErrUnavailable.
func markUnavailable(err error) error {
	code, ok := errorCode(err)
	if !ok {
		return err
	}
	switch code & 0xff { // the primary result code
	case sqliteBusy, sqliteLocked, sqliteIOErr, sqliteFull, sqliteCantOpen, sqliteReadOnly:
		return fmt.Errorf("%w: %w", contactd.ErrUnavailable, err)
	}
	return err
}

// writer runs batches of jobs until Close.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*job, 0, maxBatch)
	for {
		select {
		case <-s.quit:
			return
		default:
		}
		select {
		case j := <-s.jobs:
			batch = append(batch[:0], j)
		case <-s.quit:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		for len(batch) > 0 {
			batch = s.runBatch(batch)
		}
		clear(batch[:cap(batch)])
	}
}

// runBatch runs the jobs in one transaction and answers them. It returns
// the jobs it did not run, to run in a new transaction: that happens only
// when a job's failure took the transaction down with it (an I/O error,
// say), which fails the jobs run before it too.
func (s *Store) runBatch(batch []*job) (rest []*job) {
	results := make([]result, len(batch))
	answer := func(n int) {
		for i, j := range batch[:n] {
			j.reply <- results[i]
		}
	}
	s.batches.batches.Add(1)
	s.batches.jobs.Add(int64(len(batch)))

	// The transaction's context is the writer's own: database/sql rolls a
	// transaction back when its context ends.
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for i, j := range batch {
			results[i].err = fmt.Errorf("sqlite: %s: begin: %w", j.op, err)
		}
		answer(len(batch))
		return nil
	}
	defer tx.Rollback()
	w := &wtx{tx: tx, s: s}
	if len(batch) == 1 {
		// Alone, the job needs no savepoint: the transaction is its own.
		// (A savepoint journals every page the job changes, which costs a
		// large job like Load a fifth of its time.)
		j := batch[0]
		if err := j.ctx.Err(); err != nil {
			results[0] = result{err: fmt.Errorf("sqlite: %s: %w", j.op, err), skipped: true}
		} else {
			s.begins(j)
			if results[0] = runJob(context.WithoutCancel(j.ctx), j, w); !results[0].failed() {
				if err := s.commit(tx, 1); err != nil {
					results[0].err = fmt.Errorf("sqlite: %s: commit: %w", j.op, err)
				}
			}
		}
		tx.Rollback() // after a failure; a no-op after Commit
		answer(1)
		return nil
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = result{err: fmt.Errorf("sqlite: %s: %w", j.op, err), skipped: true}
			continue
		}
		ctx := context.WithoutCancel(j.ctx)
		if _, err := w.ExecContext(ctx, savepointSQL); err != nil {
			tx.Rollback()
			// job i fails too, so that every round answers one job at least
			return s.abandon(batch, results, i+1, -1, fmt.Errorf("savepoint: %w", err))
		}
		s.begins(j)
		results[i] = runJob(ctx, j, w)
		if results[i].failed() {
			if _, err := w.ExecContext(ctx, rollbackToSQL); err != nil {
				// the transaction is gone, and the job's own error says why
				tx.Rollback()
				return s.abandon(batch, results, i+1, i, fmt.Errorf("rollback to savepoint: %w", err))
			}
		}
		if _, err := w.ExecContext(ctx, releaseSQL); err != nil {
			tx.Rollback()
			return s.abandon(batch, results, i+1, -1, fmt.Errorf("release savepoint: %w", err))
		}
	}
	written := 0
	for _, r := range results {
		if !r.skipped && !r.failed() {
			written++
		}
	}
	if err := s.commit(tx, written); err != nil {
		for i, j := range batch {
			if !results[i].skipped && !results[i].panics {
				results[i].err = fmt.Errorf("sqlite: %s: commit: %w", j.op, err)
			}
		}
	}
	answer(len(batch))
	return nil
}

// abandon ends a batch whose transaction failed after n of its jobs were
// taken in hand: every one of those that ran fails with cause (its work,
// or the state its refusal rested on, is gone), except job keep (-1 for
// none), whose own failure brought the transaction down; a skipped job
// keeps its context's error. The jobs from n on have not run: they are
// returned to run in a new transaction. The caller has rolled the
// transaction back, if SQLite had not already.
func (s *Store) abandon(batch []*job, results []result, n, keep int, cause error) []*job {
	for i, j := range batch[:n] {
		if i != keep && !results[i].skipped && !results[i].panics {
			results[i] = result{err: fmt.Errorf("sqlite: %s: rolled back with its group: %w", j.op, cause)}
		}
		j.reply <- results[i]
	}
	s.batches.jobs.Add(-int64(len(batch) - n))
	return batch[n:]
}

// runJob runs one job's fn, turning a panic into a result for its caller.
func runJob(ctx context.Context, j *job, w *wtx) (r result) {
	defer func() {
		if v := recover(); v != nil {
			r = result{panicV: v, panics: true}
		}
	}()
	if err := j.fn(ctx, w); err != nil {
		return result{err: wrap(j.op, err)}
	}
	return result{}
}
