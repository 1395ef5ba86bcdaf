package metrics

import (
	"database/sql"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// Pools is implemented by a store that can report its database connection
// pools, each by a short name ("read", "write", ...). The figures use
// database/sql's DBStats so that a store needs no import of this package:
// the SQLite store gives its two *sql.DB pools as they are; a store on
// another pool (pgxpool) fills in the fields it has: MaxOpenConnections,
// OpenConnections, InUse, Idle, WaitCount (acquires that had to wait) and
// WaitDuration.
type Pools interface {
	PoolStats() map[string]sql.DBStats
}

// RegisterPools adds the pool figures of p to the registry; they are read
// at each scrape. It fails if pools are already registered.
func (m *Metrics) RegisterPools(p Pools) error {
	return m.reg.Register(newPoolCollector(p))
}

type poolCollector struct {
	p Pools

	maxOpen, open, inUse, idle, waitCount, waitSeconds, closed *prometheus.Desc
}

func newPoolCollector(p Pools) *poolCollector {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "db_pool", name), help, append([]string{"pool"}, labels...), nil)
	}
	return &poolCollector{
		p:           p,
		maxOpen:     desc("max_open_connections", "Most connections the pool may open (0: no limit)."),
		open:        desc("open_connections", "Connections open, in use or idle."),
		inUse:       desc("in_use_connections", "Connections in use."),
		idle:        desc("idle_connections", "Connections idle."),
		waitCount:   desc("wait_count_total", "Times a caller had to wait for a connection."),
		waitSeconds: desc("wait_duration_seconds_total", "Time spent waiting for a connection."),
		closed:      desc("connections_closed_total", "Connections closed by the pool's limits, by reason: max_idle, max_idle_time, max_lifetime.", "reason"),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxOpen, c.open, c.inUse, c.idle, c.waitCount, c.waitSeconds, c.closed} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	stats := c.p.PoolStats()
	names := make([]string, 0, len(stats))
	for name := range stats {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := stats[name]
		gauge := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{name}, labels...)...)
		}
		counter := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, append([]string{name}, labels...)...)
		}
		gauge(c.maxOpen, float64(s.MaxOpenConnections))
		gauge(c.open, float64(s.OpenConnections))
		gauge(c.inUse, float64(s.InUse))
		gauge(c.idle, float64(s.Idle))
		counter(c.waitCount, float64(s.WaitCount))
		counter(c.waitSeconds, s.WaitDuration.Seconds())
		counter(c.closed, float64(s.MaxIdleClosed), "max_idle")
		counter(c.closed, float64(s.MaxIdleTimeClosed), "max_idle_time")
		counter(c.closed, float64(s.MaxLifetimeClosed), "max_lifetime")
	}
}
