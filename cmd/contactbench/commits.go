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
)

// commitStats are contactd's commit histograms at one moment, or the
// difference of two moments. A write's latency is mostly the commit it
// waits behind and its own, so these say whether a write tail is the
// disk's (docs/performance.md, seventh round).
type commitStats struct {
	commits, writes, seconds float64
	under                    map[float64]float64 // commits taking at most the bound (seconds)
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
	c = commitStats{commits: float64(d.GetSampleCount()), writes: w.GetSampleSum(), seconds: d.GetSampleSum(), under: map[float64]float64{}}
	for _, b := range d.GetBucket() {
		c.under[b.GetUpperBound()] = float64(b.GetCumulativeCount())
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
	c.commits += to.commits - from.commits
	c.writes += to.writes - from.writes
	c.seconds += to.seconds - from.seconds
	if c.under == nil {
		c.under = map[float64]float64{}
	}
	for b, n := range to.under {
		c.under[b] += n - from.under[b]
	}
}

// line is the note printed under contactd's table.
func (c commitStats) line(elapsed time.Duration) string {
	if c.commits == 0 {
		return "commits: none"
	}
	s := fmt.Sprintf("commits: %.0f (%.0f/s), %.2f writes each, mean %.2fms",
		c.commits, c.commits/elapsed.Seconds(), c.writes/c.commits, 1e3*c.seconds/c.commits)
	var parts []string
	for _, b := range []float64{0.001, 0.005, 0.01, 0.025} {
		if n, ok := c.under[b]; ok {
			parts = append(parts, fmt.Sprintf("%.2f%% within %gms", 100*n/c.commits, 1e3*b))
		}
	}
	if n, ok := c.under[0.025]; ok {
		parts = append(parts, fmt.Sprintf("%.0f over 25ms", c.commits-n))
	}
	if len(parts) > 0 {
		s += "; " + strings.Join(parts, ", ")
	}
	return s
}
