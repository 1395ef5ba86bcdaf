package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fsyncRow is the probe's figures line: count, rate, p50, p90, p99, p99.9,
// max, and the syncs over 10ms with their total.
var fsyncRow = regexp.MustCompile(`(?m)^ *([0-9]+) +([0-9]+) +([0-9.]+)ms +([0-9.]+)ms +([0-9.]+)ms +([0-9.]+)ms +([0-9.]+)ms +([0-9]+) \(([0-9.]+)ms\)$`)

// checkFsyncReport checks the probe's block in s, and that it left no file
// in dir.
func checkFsyncReport(t *testing.T, s, dir string) {
	t.Helper()
	if !strings.Contains(s, "fsync probe: "+dir+", ") || !strings.Contains(s, "4,120-byte overwrite + fsync") {
		t.Errorf("no probe header for %s", dir)
	}
	if !regexp.MustCompile(`syncs +syncs/s +p50 +p90 +p99 +p99\.9 +max +over 10ms \(total\)`).MatchString(s) {
		t.Error("no column headings")
	}
	m := fsyncRow.FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no figures line")
	}
	if n, _ := strconv.Atoi(m[1]); n <= 0 {
		t.Errorf("%d syncs", n)
	}
	if rate, _ := strconv.Atoi(m[2]); rate <= 0 {
		t.Errorf("%d syncs/s", rate)
	}
	prev := 0.0
	for i, name := range []string{"p50", "p90", "p99", "p99.9", "max"} {
		v, err := strconv.ParseFloat(m[3+i], 64)
		if err != nil {
			t.Fatal(err)
		}
		if v < prev {
			t.Errorf("%s %.2fms is below the previous percentile's %.2fms", name, v, prev)
		}
		prev = v
	}
	if slow, _ := strconv.Atoi(m[8]); slow == 0 && m[9] != "0.00" {
		t.Errorf("no sync over 10ms, yet a total of %sms", m[9])
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("the probe left %s in %s", left[0].Name(), dir)
	}
}

func TestFsyncProbe(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := probeFsync(context.Background(), dir, 200*time.Millisecond, &out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	checkFsyncReport(t, out.String(), dir)
}

func TestFsyncProbeBadDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	err := probeFsync(context.Background(), missing, 100*time.Millisecond, io.Discard)
	if err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := probeFsync(context.Background(), file, 100*time.Millisecond, io.Discard); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("a file for a directory: %v", err)
	}
}

// TestFsyncProbeCanceled: a probe stopped before its first sync prints
// nothing, fails with the cause, and still removes its file.
func TestFsyncProbeCanceled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := probeFsync(ctx, dir, time.Second, &out); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if out.Len() > 0 {
		t.Errorf("printed %q", out.String())
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("the probe left %s", left[0].Name())
	}
}

// TestBenchFsync: with -fsync the bench runs the probe and nothing else;
// the default -url has no contactd behind it.
func TestBenchFsync(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-fsync", dir, "-duration", "200ms"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	checkFsyncReport(t, out.String(), dir)
	if strings.Contains(out.String(), "contactbench:") {
		t.Error("the bench's own header was printed too")
	}
}

func TestBenchFsyncExclusive(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-fsync", dir, "-baseline"},
		{"-fsync", dir, "-baseline", "-baseline-process"},
		{"-fsync", dir, "-serve-baseline", "127.0.0.1:0"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), args, &out, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-fsync") {
			t.Errorf("%v: %v", args, err)
		}
		if out.Len() > 0 {
			t.Errorf("%v printed %q", args, out.String())
		}
	}
}
