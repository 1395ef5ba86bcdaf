package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Commits is implemented by a store whose writes share transactions (the
// SQLite store's group commit, one writer) and that can tell each COMMIT's
// size and duration, and how long each write waited for the writer. The
// store calls the first f after each COMMIT that succeeds, the second as
// each write's own statements begin.
type Commits interface {
	ObserveCommits(f func(writes int, d time.Duration))
	ObserveWriteWaits(f func(d time.Duration))
}

// CommitWritesBuckets are the buckets of writes per commit: the SQLite
// store puts at most 64 writes in one transaction.
var CommitWritesBuckets = []float64{1, 2, 4, 8, 16, 32, 64}

// RegisterCommits adds contactd_store_commit_duration_seconds,
// contactd_store_commit_writes and contactd_store_write_wait_seconds and
// has c report into them. A commit's duration is mostly the disk's fsync,
// and every write queued behind a slow one waits for it: this is where a
// disk that stalls shows. A write's wait is the transactions ahead of it
// (their statements and commits) and the writes ahead of it in its own:
// long waits with short commits are a writer kept busy or short of CPU
// (docs/performance.md, eleventh round). It fails if commits are already
// registered.
func (m *Metrics) RegisterCommits(c Commits) error {
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "store", Name: "commit_duration_seconds",
		Help:    "Time each write transaction's COMMIT took (WAL frames, fsync, and a checkpoint when SQLite runs one in it).",
		Buckets: StoreBuckets,
	})
	writes := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "store", Name: "commit_writes",
		Help:    "Writes made durable by each COMMIT (group commit).",
		Buckets: CommitWritesBuckets,
	})
	wait := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "store", Name: "write_wait_seconds",
		Help:    "Time each write waited for the store's one writer before its own statements began.",
		Buckets: StoreBuckets,
	})
	var done []prometheus.Collector
	for _, h := range []prometheus.Collector{duration, writes, wait} {
		if err := m.reg.Register(h); err != nil {
			for _, d := range done {
				m.reg.Unregister(d)
			}
			return err
		}
		done = append(done, h)
	}
	c.ObserveCommits(func(n int, d time.Duration) {
		duration.Observe(d.Seconds())
		writes.Observe(float64(n))
	})
	c.ObserveWriteWaits(func(d time.Duration) { wait.Observe(d.Seconds()) })
	return nil
}
