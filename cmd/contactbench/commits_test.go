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
	at := func(commits, writes, secs float64, under ...float64) commitStats {
		c := commitStats{commits: commits, writes: writes, seconds: secs, under: map[float64]float64{}}
		for i, b := range []float64{0.001, 0.005, 0.01, 0.025} {
			c.under[b] = under[i]
		}
		return c
	}
	var c commitStats
	c.add(at(10, 10, 0.01, 10, 10, 10, 10), at(110, 210, 0.31, 80, 98, 100, 100))
	c.add(at(200, 300, 1, 150, 180, 190, 190), at(300, 500, 1.4, 230, 270, 285, 289))
	want := "commits: 200 (100/s), 2.00 writes each, mean 3.50ms; 75.00% within 1ms, 89.00% within 5ms, 92.50% within 10ms, 94.50% within 25ms, 11 over 25ms"
	if got := c.line(2 * time.Second); got != want {
		t.Errorf("line:\n got %s\nwant %s", got, want)
	}
	if got := (commitStats{}).line(time.Second); got != "commits: none" {
		t.Errorf("no commits: %s", got)
	}
}
