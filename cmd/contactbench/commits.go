package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The SQLite store's commit series (metrics.RegisterCommits).
const (
	commitDurationMetric = "contactd_store_commit_duration_seconds"
	commitWritesMetric   = "contactd_store_commit_writes"
	writeWaitMetric      = "contactd_store_write_wait_seconds"
)

// commitStats are contactd's commit histograms at one moment, or the
// difference of two moments. A write's latency is mostly the commit it
// waits behind and its own, so these say whether a write tail is the
// disk's (docs/performance.md, seventh round); the writes' waits for the
// writer say how much of it was spent queued (eleventh round).
type commitStats struct {
	commits histStats // each COMMIT's duration
	writes  float64   // writes made durable by them
	waits   histStats // each write's wait for the writer; none from a server without the series
}

// histStats is one histogram's count, sum (seconds) and cumulative bucket
// counts by upper bound.
type histStats struct {
	count, sum float64
	under      map[float64]float64
}

func histStatsOf(h *dto.Histogram) histStats {
	s := histStats{count: float64(h.GetSampleCount()), sum: h.GetSampleSum(), under: map[float64]float64{}}
	for _, b := range h.GetBucket() {
		s.under[b.GetUpperBound()] = float64(b.GetCumulativeCount())
	}
	return s
}

// scrapeCommits reads the commit series from the admin listener at base.
// ok is false when the server has none (PostgreSQL commits each write on
// its own and reports no commits).
func scrapeCommits(ctx context.Context, base string) (c commitStats, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return c, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c, false, fmt.Errorf("admin metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, false, fmt.Errorf("admin metrics: %s answered %s", req.URL, resp.Status)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return c, false, fmt.Errorf("admin metrics: %w", err)
	}
	d, w := histogram(fams[commitDurationMetric]), histogram(fams[commitWritesMetric])
	if d == nil || w == nil {
		return c, false, nil
	}
	c = commitStats{commits: histStatsOf(d), writes: w.GetSampleSum()}
	if wait := histogram(fams[writeWaitMetric]); wait != nil {
		c.waits = histStatsOf(wait)
	}
	return c, true, nil
}

// histogram is the family's one unlabelled histogram, or nil.
func histogram(mf *dto.MetricFamily) *dto.Histogram {
	if mf == nil || len(mf.GetMetric()) != 1 {
		return nil
	}
	return mf.GetMetric()[0].GetHistogram()
}

// add adds what happened between from and to.
func (c *commitStats) add(from, to commitStats) {
	c.commits.add(from.commits, to.commits)
	c.writes += to.writes - from.writes
	c.waits.add(from.waits, to.waits)
}

func (h *histStats) add(from, to histStats) {
	h.count += to.count - from.count
	h.sum += to.sum - from.sum
	if h.under == nil {
		h.under = map[float64]float64{}
	}
	for b, n := range to.under {
		h.under[b] += n - from.under[b]
	}
}

// lines are the notes printed under contactd's table: the commits, and
// the writes' waits for the writer when the server reports them.
func (c commitStats) lines(elapsed time.Duration) []string {
	if c.commits.count == 0 {
		return []string{"commits: none"}
	}
	l := []string{fmt.Sprintf("commits: %.0f (%.0f/s), %.2f writes each, mean %.2fms",
		c.commits.count, c.commits.count/elapsed.Seconds(), c.writes/c.commits.count, 1e3*c.commits.sum/c.commits.count) +
		c.commits.shares()}
	if c.waits.count > 0 {
		l = append(l, fmt.Sprintf("writes waited for the writer: mean %.2fms", 1e3*c.waits.sum/c.waits.count)+c.waits.shares())
	}
	return l
}

// shares is "; 75.00% within 1ms, ..., 11 over 25ms" for the bounds the
// histogram has.
func (h histStats) shares() string {
	var parts []string
	for _, b := range []float64{0.001, 0.005, 0.01, 0.025} {
		if n, ok := h.under[b]; ok {
			parts = append(parts, fmt.Sprintf("%.2f%% within %gms", 100*n/h.count, 1e3*b))
		}
	}
	if n, ok := h.under[0.025]; ok {
		parts = append(parts, fmt.Sprintf("%.0f over 25ms", h.count-n))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}
