package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/metrics"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
	"github.com/contactd/contactd/synthetic"
)

// TestMain lets the test binary be the bare handler's process that
// -baseline-process starts (os.Executable is the test binary here), or,
// with asBench in its environment, a bench process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve-baseline" || os.Getenv(asBench) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
		return
	}
	os.Exit(m.Run())
}

// startContactd serves an in-process contactd on a SQLite database seeded
// with n synthetic customers of the seed, until the test ends.
func startContactd(t *testing.T, n int, seed int64) string {
	t.Helper()
	url, _ := startContactdWithAdmin(t, n, seed, false)
	return url
}

// startContactdWithAdmin is startContactd with the metrics of the admin
// listener served as contactd serves them; commits says whether the
// store's commit series are registered.
func startContactdWithAdmin(t *testing.T, n int, seed int64, commits bool) (url, adminURL string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	gen, err := synthetic.New(n, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Load(ctx, store, 0, nil); err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	if commits {
		if err := m.RegisterCommits(store); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: m.Store(store), Access: sandbox.Access{}},
		Auth:    auth.Sandbox{},
		DB:      store,
		Metrics: m,
	}))
	t.Cleanup(srv.Close)
	admin := httptest.NewServer(m.Handler())
	t.Cleanup(admin.Close)
	return srv.URL, admin.URL
}

// TestBenchAgainstContactd runs a short bench, with the baseline, against
// an in-process contactd on a small seeded SQLite database: every request
// must succeed, and the model must have kept the writes valid.
func TestBenchAgainstContactd(t *testing.T) {
	ctx := context.Background()
	url := startContactd(t, 20, 9)
	var out bytes.Buffer
	// 20 customers have 80 free slots: a write-heavy mix exhausts slots and
	// phone room, so substitutions happen too.
	err := run(ctx, []string{"-url", url, "-customers", "20", "-seed", "9", "-duration", "1500ms", "-concurrency", "4", "-baseline",
		"-mix", "read-customer=20,read-account=10,post-contact=30,post-phone=20,put-contact=5,put-phone=5,delete-phone=5,delete-contact=5"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	t.Log(s)
	for _, want := range []string{"== contactd", "== bare net/http", "read-customer", "post-contact", "delete-phone", "x bare"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Every "errors" cell of the contactd table is 0.
	table := s[strings.Index(s, "== contactd"):strings.Index(s, "== bare")]
	for _, line := range strings.Split(table, "\n") {
		if regexp.MustCompile(`^\s*(read|post|put|delete|all|writes)`).MatchString(line) && !strings.HasSuffix(strings.TrimSpace(line), " 0") {
			t.Errorf("errors in: %s", line)
		}
	}
}

// TestBenchRounds: -rounds alternates the two targets and adds up each
// one's slices into one table.
func TestBenchRounds(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-url", startContactd(t, 10, 3), "-customers", "10", "-seed", "3", "-duration", "3s", "-rounds", "3",
		"-concurrency", "2", "-baseline", "-mix", "read-customer=1"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	t.Log(s)
	// each table covers the three 1 s slices of its target: about 3 s
	for _, name := range []string{"contactd", "bare net/http"} {
		m := regexp.MustCompile(`== ` + name + `[^:]*: ([0-9.]+)s, [0-9]+ requests`).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no %s table", name)
		}
		if secs, _ := strconv.ParseFloat(m[1], 64); secs < 2.9 || secs > 4.5 {
			t.Errorf("%s measured for %ss, want the 3 slices of 1s", name, m[1])
		}
	}
	if !strings.Contains(s, "rounds: 3, each 1s of contactd then 1s of the bare handler") {
		t.Error("the rounds are not in the header")
	}
}

// TestBenchBaselineProcess: -baseline-process measures the bare handler in
// a child process, reports that process's CPU, and stops it at the end.
func TestBenchBaselineProcess(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-url", startContactd(t, 10, 3), "-customers", "10", "-seed", "3", "-duration", "1s",
		"-concurrency", "2", "-baseline", "-baseline-process", "-mix", "read-customer=1,read-account=1"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	t.Log(s)
	m := regexp.MustCompile(`(?m)^== bare net/http\+encoding/json \(separate process\): .*\n(?:.*\n)*?bare handler pid ([0-9]+): CPU [0-9.]+s`).FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no separate-process bare table with its process's CPU")
	}
	if !regexp.MustCompile(`reads +100\.0% +[0-9]+ \([0-9.]+\)`).MatchString(s) {
		t.Error("contactd's reads have no ratio to the bare handler")
	}
	// each table says how busy the machine was during its own slices
	if _, hasStat := readCPUTimes(); !hasStat {
		t.Log("no /proc/stat: no machine CPU lines")
	} else if n := len(regexp.MustCompile(`(?m)^machine CPU \(all processes, [0-9]+ CPUs\): [0-9]+% user, [0-9]+% system, [0-9]+% idle, [0-9]+% iowait, [0-9]+% steal$`).FindAllString(s, -1)); n != 2 {
		t.Errorf("%d machine CPU lines, want one under each table", n)
	}
	// the child has been stopped and reaped once run returns
	if _, err := os.Stat("/proc/" + m[1]); err == nil {
		t.Errorf("bare handler process %s still there", m[1])
	}
}

func TestParseMix(t *testing.T) {
	m, err := parseMix(defaultMix)
	if err != nil {
		t.Fatal(err)
	}
	var reads, total float64
	for o := range nOps {
		total += m[o]
		if !op(o).write() {
			reads += m[o]
		}
	}
	if d := total - 1; d > 1e-9 || d < -1e-9 || reads < 0.599 || reads > 0.601 || m[postContact] < 0.149 || m[postContact] > 0.151 {
		t.Fatalf("default mix %v", m)
	}
	for _, bad := range []string{"", "read-customer", "read-customer=x", "nope=1", "read-customer=0", "read-customer=-1"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("parseMix(%q) accepted", bad)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://10.0.0.1:8080"}, {"-url", "http://example.com"}, {"-customers", "0"},
		{"-concurrency", "0"}, {"-rate", "-1"}, {"extra"},
		{"-rounds", "0"}, {"-rounds", "2"}, {"-baseline", "-rounds", "40", "-duration", "20s"}, {"-baseline-process"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	for _, url := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80"} {
		if _, err := parseFlags([]string{"-url", url}, io.Discard); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
}

func TestResultCode(t *testing.T) {
	for _, tc := range []struct {
		r    vegeta.Result
		want string
	}{
		{vegeta.Result{Code: 200}, ""},
		{vegeta.Result{Code: 400, Body: []byte(`{"errors":[{"code":"CNT101","type":"validation","message":"x"}]}`)}, "CNT101"},
		{vegeta.Result{Code: 502, Body: []byte(`bad gateway`)}, "HTTP 502"},
		{vegeta.Result{Code: 0, Error: "Post \"x\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"}, "net: timeout"},
		{vegeta.Result{Code: 0, Error: "dial tcp: connect: connection refused"}, "net: connection refused"},
	} {
		if got := resultCode(&tc.r); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
	if decodeID([]byte(`{"ContactID":10000000000123}`), "ContactID") != 10000000000123 || decodeID([]byte(`{}`), "PhoneID") != 0 {
		t.Error("decodeID")
	}
}

// asBench in the test binary's environment makes it run as contactbench.
const asBench = "CONTACTBENCH_TEST_AS_BENCH"

// TestBareHandlerProcessEndsWithTheBench: a bench killed by SIGKILL, with no
// chance to stop its bare handler's process, leaves none serving.
func TestBareHandlerProcessEndsWithTheBench(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	bench := exec.Command(os.Args[0], "-url", startContactd(t, 10, 3), "-customers", "10", "-seed", "3", "-duration", "60s",
		"-concurrency", "1", "-baseline", "-baseline-process", "-mix", "read-customer=1")
	bench.Env = append(os.Environ(), asBench+"=1")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	defer bench.Process.Kill()
	var child int
	for deadline := time.Now().Add(20 * time.Second); child == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the bench started no bare handler process")
		}
		if kids := childrenOf(t, bench.Process.Pid); len(kids) > 0 {
			child = kids[0]
		}
	}
	if err := bench.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	bench.Wait()
	for deadline := time.Now().Add(10 * time.Second); processState(child) != "" && processState(child) != "Z"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("bare handler process %d still running 10 s after its bench was killed", child)
		}
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, f := range stats {
		fields := statFields(f)
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			if p, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
				kids = append(kids, p)
			}
		}
	}
	return kids
}

// processState is pid's state letter in /proc ("Z" for a zombie), or ""
// when there is no such process.
func processState(pid int) string {
	if fields := statFields("/proc/" + strconv.Itoa(pid) + "/stat"); len(fields) > 0 {
		return fields[0]
	}
	return ""
}

// statFields gives the fields of a /proc/PID/stat file after the command
// name (state, ppid, ...), or none if the process is gone. The name, in
// parentheses, may hold spaces and parentheses itself.
func statFields(file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
}
