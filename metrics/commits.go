package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Commits is implemented by a store whose writes share transactions (the
// SQLite store's group commit) and that can tell each COMMIT's size and
// duration. The store calls f after each COMMIT that succeeds.
type Commits interface {
	ObserveCommits(f func(writes int, d time.Duration))
}

// CommitWritesBuckets are the buckets of writes per commit: the SQLite
// store puts at most 64 writes in one transaction.
var CommitWritesBuckets = []float64{1, 2, 4, 8, 16, 32, 64}

// RegisterCommits adds contactd_store_commit_duration_seconds and
// contactd_store_commit_writes and has c report into them. A commit's
// duration is mostly the disk's fsync, and every write queued behind a
// slow one waits for it: this is where a disk that stalls shows, apart
// from the time the writes' own statements take. It fails if commits are
// already registered.
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
	if err := m.reg.Register(duration); err != nil {
		return err
	}
	if err := m.reg.Register(writes); err != nil {
		m.reg.Unregister(duration)
		return err
	}
	c.ObserveCommits(func(n int, d time.Duration) {
		duration.Observe(d.Seconds())
		writes.Observe(float64(n))
	})
	return nil
}
