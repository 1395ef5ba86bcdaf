// Package metrics holds contactd's Prometheus metrics: HTTP requests by
// operation and result code, requests in flight, store latency by method,
// the SQLite store's commits, connection pool figures, and the Go runtime
// and process collectors.
//
// Each Metrics has its own registry (never the global default one), so
// that tests and several servers in one process stay apart. The handler
// it returns is meant for the admin listener only: it is never mounted on
// the API listener.
//
// Label values are a fixed set: operations come from Op, never from the
// request path, and codes from the published error catalogue or the HTTP
// status, so the number of series stays bounded whatever callers send.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactd/contactd"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every contactd metric.
const Namespace = "contactd"

// Op is an API operation as the request metrics label it.
type Op uint8

// The operations. OpOther covers everything else: health checks, the
// Swagger and OpenAPI documents, unknown paths and unknown methods.
const (
	OpOther Op = iota
	OpContactCreate
	OpContactRename
	OpContactDelete
	OpPhoneAdd
	OpPhoneUpdate
	OpPhoneDelete
	OpCustomerRead
	OpAccountRead
	OpAccountList
	OpStatus
	OpAddressCreate
	OpAddressUpdate
	OpAddressDelete
	OpNameCreate
	OpNameUpdate
	OpNameDelete
	OpBICAdd
	OpBICDelete
	OpBankAdd
	OpBankDelete
	OpPeriodList
	numOps
)

var opNames = [numOps]string{
	OpOther:         "other",
	OpContactCreate: "contact_create",
	OpContactRename: "contact_rename",
	OpContactDelete: "contact_delete",
	OpPhoneAdd:      "phone_add",
	OpPhoneUpdate:   "phone_update",
	OpPhoneDelete:   "phone_delete",
	OpCustomerRead:  "customer_read",
	OpAccountRead:   "account_read",
	OpAccountList:   "account_list",
	OpStatus:        "status",
	OpAddressCreate: "address_create",
	OpAddressUpdate: "address_update",
	OpAddressDelete: "address_delete",
	OpNameCreate:    "name_create",
	OpNameUpdate:    "name_update",
	OpNameDelete:    "name_delete",
	OpBICAdd:        "bic_add",
	OpBICDelete:     "bic_delete",
	OpBankAdd:       "bank_add",
	OpBankDelete:    "bank_delete",
	OpPeriodList:    "period_list",
}

// String is the operation's label value.
func (o Op) String() string {
	if o < numOps {
		return opNames[o]
	}
	return opNames[OpOther]
}

// Operations lists every operation label value.
func Operations() []string { return append([]string(nil), opNames[:]...) }

// HTTPBuckets are the request latency buckets (seconds): most answers take
// well under a millisecond to a few milliseconds; writes wait for fsync.
var HTTPBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// StoreBuckets are the store latency buckets (seconds).
var StoreBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// Metrics is one registry with contactd's metrics. It is safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	store     *prometheus.HistogramVec

	// children maps (operation, code, status) to the resolved series. It
	// is copied on write: a request only loads it, and a new combination
	// (rare, and bounded) takes mu.
	children atomic.Pointer[map[uint32]*requestSeries]
	mu       sync.Mutex
}

type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// New returns metrics on a new registry that also holds the Go runtime,
// process and build information collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	labels := []string{"operation", "code", "status"}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by API operation, result code (200, or the API error code of the envelope, or the HTTP status for other answers) and HTTP status.",
	}, labels)
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time from receiving a request's headers to the end of its answer, by API operation, result code and HTTP status.",
		Buckets: HTTPBuckets,
	}, labels)
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
		Help: "HTTP requests being served now.",
	})
	m.store = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "store", Name: "operation_duration_seconds",
		Help:    "Time taken by each contactd.Store method, whatever its result.",
		Buckets: StoreBuckets,
	}, []string{"method"})
	m.reg.MustRegister(m.requests, m.durations, m.inFlight, m.store,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	empty := map[uint32]*requestSeries{}
	m.children.Store(&empty)
	return m
}

// Registry is the registry the metrics are on, for registering more
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats. Mount
// it on the admin listener only.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		// a scrape must not queue behind slow ones
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// InFlight is the gauge of requests being served.
func (m *Metrics) InFlight() prometheus.Gauge { return m.inFlight }

// codeIndex numbers the catalogue's codes for the series key; 0 is none.
var codeIndex = func() map[contactd.Code]uint32 {
	idx := map[contactd.Code]uint32{}
	for i, c := range contactd.Codes() {
		idx[c] = uint32(i + 1)
	}
	return idx
}()

// ObserveRequest counts one answered request and its duration. code is the
// API error code the answer's envelope carried, or "" when it carried none
// (then the HTTP status stands as the code: "200", "503", ...). A code
// outside the published catalogue is counted as EU6001.
func (m *Metrics) ObserveRequest(op Op, status int, code contactd.Code, d time.Duration) {
	if op >= numOps {
		op = OpOther
	}
	if status < 100 || status > 999 {
		status = 0
	}
	ci := uint32(0)
	if code != "" {
		var ok bool
		if ci, ok = codeIndex[code]; !ok {
			code, ci = contactd.EU6001, codeIndex[contactd.EU6001]
		}
	}
	key := uint32(op)<<24 | ci<<16 | uint32(status)
	s := (*m.children.Load())[key]
	if s == nil {
		s = m.resolve(key, op, status, code)
	}
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}

// resolve creates the series of a combination seen for the first time.
func (m *Metrics) resolve(key uint32, op Op, status int, code contactd.Code) *requestSeries {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.children.Load()
	if s := old[key]; s != nil {
		return s
	}
	st := strconv.Itoa(status)
	codeLabel := string(code)
	if code == "" {
		codeLabel = st
	}
	s := &requestSeries{
		count:    m.requests.WithLabelValues(op.String(), codeLabel, st),
		duration: m.durations.WithLabelValues(op.String(), codeLabel, st),
	}
	next := make(map[uint32]*requestSeries, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[key] = s
	m.children.Store(&next)
	return s
}
