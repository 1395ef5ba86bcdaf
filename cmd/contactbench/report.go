package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// opStats are the answers to one operation.
type opStats struct {
	n         int
	ok        int
	latencies []time.Duration
	errors    map[string]int
}

// run is the outcome of one attack.
type result struct {
	name      string
	elapsed   time.Duration
	ops       [nOps]opStats
	all       opStats
	subst     map[[2]op]int
	extra     []string // notes printed under the table
	serverCPU float64  // seconds of server CPU used, if known
}

func newResult(name string) *result {
	r := &result{name: name}
	for o := range r.ops {
		r.ops[o].errors = map[string]int{}
	}
	r.all.errors = map[string]int{}
	return r
}

func (s *opStats) add(lat time.Duration, code string) {
	s.n++
	s.latencies = append(s.latencies, lat)
	if code == "" {
		s.ok++
	} else {
		s.errors[code]++
	}
}

func (r *result) add(o outcome, lat time.Duration) {
	r.ops[o.op].add(lat, o.code)
	r.all.add(lat, o.code)
}

// figures are one row of the table.
type figures struct {
	rps, okps          float64
	p50, p90, p99, max time.Duration
	n, errs            int
}

func (s *opStats) figures(elapsed time.Duration) figures {
	f := figures{n: s.n, errs: s.n - s.ok}
	if elapsed > 0 {
		f.rps = float64(s.n) / elapsed.Seconds()
		f.okps = float64(s.ok) / elapsed.Seconds()
	}
	if len(s.latencies) > 0 {
		slices.Sort(s.latencies)
		q := func(p float64) time.Duration {
			i := int(p*float64(len(s.latencies))+0.5) - 1
			return s.latencies[max(0, min(i, len(s.latencies)-1))]
		}
		f.p50, f.p90, f.p99, f.max = q(0.50), q(0.90), q(0.99), s.latencies[len(s.latencies)-1]
	}
	return f
}

// writes counts the contact and phone writes.
func (r *result) writeFigures() figures {
	var w opStats
	w.errors = map[string]int{}
	for o := range nOps {
		if op(o).write() {
			s := &r.ops[o]
			w.n += s.n
			w.ok += s.ok
			w.latencies = append(w.latencies, s.latencies...)
		}
	}
	return w.figures(r.elapsed)
}

func (r *result) readFigures() figures {
	var w opStats
	for o := range nOps {
		if !op(o).write() {
			s := &r.ops[o]
			w.n += s.n
			w.ok += s.ok
			w.latencies = append(w.latencies, s.latencies...)
		}
	}
	return w.figures(r.elapsed)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// print writes the run's table; with base, each figure is followed by its
// ratio to the baseline's.
func (r *result) print(out io.Writer, base *result) {
	fmt.Fprintf(out, "\n== %s: %s, %d requests\n", r.name, r.elapsed.Round(time.Millisecond), r.all.n)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	if base == nil {
		fmt.Fprintln(tw, "operation\tshare\treq/s\tok/s\tp50\tp90\tp99\tmax\terrors\t")
	} else {
		fmt.Fprintln(tw, "operation\tshare\treq/s (x bare)\tok/s\tp50 (x bare)\tp90 (x bare)\tp99 (x bare)\tmax\terrors\t")
	}
	row := func(name string, s *opStats, b *opStats, f, bf figures) {
		share := 0.0
		if r.all.n > 0 {
			share = 100 * float64(s.n) / float64(r.all.n)
		}
		errs := errorList(s.errors)
		if base == nil || b == nil {
			fmt.Fprintf(tw, "%s\t%.1f%%\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", name, share, f.rps, f.okps, ms(f.p50), ms(f.p90), ms(f.p99), ms(f.max), errs)
			return
		}
		ratio := func(a, b float64) string {
			if b == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", a/b)
		}
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.0f (%s)\t%.0f\t%s (%s)\t%s (%s)\t%s (%s)\t%s\t%s\t\n", name, share,
			f.rps, ratio(f.rps, bf.rps), f.okps,
			ms(f.p50), ratio(float64(f.p50), float64(bf.p50)),
			ms(f.p90), ratio(float64(f.p90), float64(bf.p90)),
			ms(f.p99), ratio(float64(f.p99), float64(bf.p99)),
			ms(f.max), errs)
	}
	for o := range nOps {
		s := &r.ops[o]
		if s.n == 0 {
			continue
		}
		var b *opStats
		var bf figures
		if base != nil {
			b = &base.ops[o]
			bf = b.figures(base.elapsed)
		}
		row(op(o).String(), s, b, s.figures(r.elapsed), bf)
	}
	var bw, br, ba figures
	if base != nil {
		bw, br, ba = base.writeFigures(), base.readFigures(), base.all.figures(base.elapsed)
	}
	var sumR, sumW opStats
	sumR.errors, sumW.errors = map[string]int{}, map[string]int{}
	for o := range nOps {
		dst := &sumR
		if op(o).write() {
			dst = &sumW
		}
		dst.n += r.ops[o].n
		for k, v := range r.ops[o].errors {
			dst.errors[k] += v
		}
	}
	row("reads", &sumR, &opStats{}, r.readFigures(), br)
	row("writes", &sumW, &opStats{}, r.writeFigures(), bw)
	row("all", &r.all, &opStats{}, r.all.figures(r.elapsed), ba)
	tw.Flush()
	if len(r.subst) > 0 {
		var parts []string
		for k, v := range r.subst {
			parts = append(parts, fmt.Sprintf("%s->%s %d", k[0], k[1], v))
		}
		sort.Strings(parts)
		fmt.Fprintf(out, "substituted (no valid target for the drawn operation): %s\n", strings.Join(parts, ", "))
	}
	for _, e := range r.extra {
		fmt.Fprintln(out, e)
	}
}

func errorList(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s:%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
