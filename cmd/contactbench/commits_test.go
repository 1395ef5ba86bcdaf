package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchCommits: with -admin-url the report adds, under contactd's table
// only, the commits of the measured slices, with shares that grow with
// their bounds. (TestCommitStats checks the arithmetic.)
func TestBenchCommits(t *testing.T) {
	url, admin := startContactdWithAdmin(t, 20, 4, true)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", url, "-admin-url", admin, "-customers", "20", "-seed", "4", "-duration", "2s",
		"-rounds", "2", "-baseline", "-concurrency", "4", "-mix", "read-customer=50,post-phone=25,put-contact=25"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	t.Log(s)
	m := regexp.MustCompile(`commits: ([0-9]+) \(([0-9]+)/s\), ([0-9.]+) writes each, mean ([0-9.]+)ms; ([0-9.]+)% within 1ms, ([0-9.]+)% within 5ms, ([0-9.]+)% within 10ms, ([0-9.]+)% within 25ms, ([0-9]+) over 25ms`).FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no commits line")
	}
	n, _ := strconv.Atoi(m[1])
	each, _ := strconv.ParseFloat(m[3], 64)
	if n < 1 || each < 1 || each > 64 {
		t.Errorf("%d commits of %v writes each", n, each)
	}
	// the shares within each bound never fall as the bound grows
	prev := 0.0
	for _, v := range m[5:9] {
		f, _ := strconv.ParseFloat(v, 64)
		if f < prev || f > 100 {
			t.Errorf("shares %v", m[5:9])
		}
		prev = f
	}
	// the line is contactd's: the bare handler's table has none
	if strings.Count(s, "commits:") != 1 || strings.Index(s, "commits:") > strings.Index(s, "== bare") {
		t.Errorf("the commits line is not contactd's alone")
	}
	// and under it, still contactd's, the writes' waits for the writer
	m = regexp.MustCompile(`\nwrites waited for the writer: mean ([0-9.]+)ms; ([0-9.]+)% within 1ms, ([0-9.]+)% within 5ms, ([0-9.]+)% within 10ms, ([0-9.]+)% within 25ms, ([0-9]+) over 25ms\n`).FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no waits line under the commits line")
	}
	if mean, _ := strconv.ParseFloat(m[1], 64); mean <= 0 {
		t.Errorf("writes waited %vms on average", mean)
	}
	if strings.Index(s, "writes waited") < strings.Index(s, "commits:") || strings.Index(s, "writes waited") > strings.Index(s, "== bare") {
		t.Errorf("the waits line is not under contactd's commits line")
	}
}

// TestBenchCommitsReadsOnly: reads commit nothing; a server without the
// commit series says so; an admin URL that answers nothing stops the run.
func TestBenchCommitsReadsOnly(t *testing.T) {
	for _, tc := range []struct {
		commits bool
		want    string
	}{
		{true, "commits: none"},
		{false, "commits: not reported by this server"},
	} {
		url, admin := startContactdWithAdmin(t, 5, 2, tc.commits)
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-url", url, "-admin-url", admin, "-customers", "5", "-seed", "2", "-duration", "1s",
			"-concurrency", "2", "-mix", "read-account=1"}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("output lacks %q:\n%s", tc.want, out.String())
		}
	}
	url, _ := startContactdWithAdmin(t, 5, 2, true)
	err := run(context.Background(), []string{"-url", url, "-admin-url", url + "/no-such-listener", "-customers", "5", "-seed", "2",
		"-duration", "1s", "-mix", "read-account=1"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "admin metrics") {
		t.Errorf("a wrong admin URL: %v", err)
	}
}

// TestCommitStats: the difference of two scrapes, added over rounds.
func TestCommitStats(t *testing.T) {
	hist := func(count, secs float64, under ...float64) histStats {
		h := histStats{count: count, sum: secs, under: map[float64]float64{}}
		for i, b := range []float64{0.001, 0.005, 0.01, 0.025} {
			h.under[b] = under[i]
		}
		return h
	}
	at := func(commits, writes, secs float64, under ...float64) commitStats {
		return commitStats{commits: hist(commits, secs, under...), writes: writes}
	}
	var c commitStats
	c.add(at(10, 10, 0.01, 10, 10, 10, 10), at(110, 210, 0.31, 80, 98, 100, 100))
	c.add(at(200, 300, 1, 150, 180, 190, 190), at(300, 500, 1.4, 230, 270, 285, 289))
	want := "commits: 200 (100/s), 2.00 writes each, mean 3.50ms; 75.00% within 1ms, 89.00% within 5ms, 92.50% within 10ms, 94.50% within 25ms, 11 over 25ms"
	if got := c.lines(2 * time.Second); len(got) != 1 || got[0] != want {
		t.Errorf("lines without waits:\n got %q\nwant %q", got, want)
	}
	// with the waits of those 400 writes
	from, to := at(10, 10, 0.01, 10, 10, 10, 10), at(110, 210, 0.31, 80, 98, 100, 100)
	from.waits, to.waits = hist(10, 0.002, 10, 10, 10, 10), hist(410, 0.802, 310, 400, 406, 408)
	var w commitStats
	w.add(from, to)
	want = "writes waited for the writer: mean 2.00ms; 75.00% within 1ms, 97.50% within 5ms, 99.00% within 10ms, 99.50% within 25ms, 2 over 25ms"
	if got := w.lines(time.Second); len(got) != 2 || got[1] != want {
		t.Errorf("lines with waits:\n got %q\nwant %q", got, want)
	}
	if got := (commitStats{}).lines(time.Second); len(got) != 1 || got[0] != "commits: none" {
		t.Errorf("no commits: %q", got)
	}
}
