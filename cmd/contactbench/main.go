// Command contactbench drives a running contactd over keep-alive HTTP with a
// realistic mix of reads and writes and reports, per operation, requests
// per second, latency percentiles and errors by API error code. With
// -baseline it also measures, in the same run, a bare net/http +
// encoding/json handler answering fixed bodies, and prints every figure with
// its ratio to that ceiling. The bare handler runs in the bench's own
// process, or with -baseline-process in a process of its own, as contactd
// does (docs/performance.md says why the two differ).
//
// With -admin-url (contactd's admin listener) the report adds the SQLite
// store's commits during the measured run: how many, how many writes each
// held, how long they took, which tells a write tail that is the disk's.
//
// With -fsync DIR it contacts no contactd and measures the disk under DIR
// instead: the latency of a WAL-frame-sized overwrite + fsync, one at a
// time, which sets the tail of contactd's durable writes on that disk.
//
// It is built on vegeta (github.com/tsenart/vegeta) as a library: a custom
// Targeter produces the mix from a model of the seeded synthetic data set
// (see package synthetic and `contactd seed`), which the answers keep up to
// date, so that writes stay valid over time.
//
// Typical use, on a database seeded with the same -customers and -seed:
//
//	contactd seed --customers 1000 --db bench.db
//	contactd serve --sandbox --db bench.db &
//	contactbench -customers 1000 -duration 30s -concurrency 32 -baseline
//
// See docs/performance.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/synthetic"
)

type config struct {
	url         string
	token       string
	customers   int
	seed        int64
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	rate        int
	mix         string
	baseline    bool
	bareProcess bool
	serveBare   string
	rounds      int
	timeout     time.Duration
	serverPID   int
	cpuProfile  string
	fsyncDir    string
	adminURL    string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "contactbench:", err)
		}
		os.Exit(2)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("contactbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base `URL` of a running contactd (serve --sandbox); loopback only")
	fs.StringVar(&c.token, "token", "", "Authorization token; empty: issue sandbox tokens and renew them")
	fs.IntVar(&c.customers, "customers", 1000, "`N` customers the database was seeded with (contactd seed --customers)")
	fs.Int64Var(&c.seed, "seed", 1, "synthetic `seed` the database was seeded with")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "length of the measured attack")
	fs.DurationVar(&c.warmup, "warmup", 0, "unmeasured attack before the measured one")
	fs.IntVar(&c.concurrency, "concurrency", 32, "workers, each with its own keep-alive connection")
	fs.IntVar(&c.rate, "rate", 0, "requests per second; 0 = as fast as the workers go")
	fs.StringVar(&c.mix, "mix", defaultMix, "operation `weights`: "+strings.Join(opNames[:], ", "))
	fs.BoolVar(&c.baseline, "baseline", false, "also measure a bare net/http+encoding/json handler with the same mix and print ratios to it")
	fs.BoolVar(&c.bareProcess, "baseline-process", false, "with -baseline: serve the bare handler from a process of its own, as contactd is, rather than from the bench's")
	fs.StringVar(&c.serveBare, "serve-baseline", "", "serve the bare handler alone on `addr` (host:port), print its URL and wait for a signal (what -baseline-process starts)")
	fs.IntVar(&c.rounds, "rounds", 1, "with -baseline: alternate contactd and the bare handler in `N` slices of duration/N each, so that a machine that slows down or speeds up during the run weighs on both alike")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.IntVar(&c.serverPID, "server-pid", 0, "`pid` of the contactd process, to report its CPU time and memory")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the bench's own CPU profile to `file`")
	fs.StringVar(&c.adminURL, "admin-url", "", "base `URL` of contactd's admin listener (serve --admin-addr): the report adds the SQLite store's commits during the measured run (how many, writes in each, how long)")
	fs.StringVar(&c.fsyncDir, "fsync", "", "measure the disk under `dir`: overwrite + fsync of one WAL-frame-sized block at a time for -duration, and print the latency distribution; no contactd needed")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: contactbench [flags]

Drives a running contactd (contactd serve --sandbox on a database filled by
'contactd seed') with a mix of reads and writes, and prints per operation:
requests/s, p50, p90, p99 and max latency, and errors by API error code.
Start it on a fresh copy of the seeded database: the bench regenerates the
seeded identifiers from -customers and -seed and assumes nobody else writes.

With -fsync DIR it measures the disk under DIR instead, with no contactd:
the latency of a WAL-frame-sized overwrite + fsync, a floor under that of
contactd's durable writes on that disk.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("no arguments expected, got %q", fs.Args())
	case c.customers <= 0:
		return c, fmt.Errorf("-customers %d: want at least 1", c.customers)
	case c.concurrency <= 0:
		return c, fmt.Errorf("-concurrency %d: want at least 1", c.concurrency)
	case c.rate < 0:
		return c, fmt.Errorf("-rate %d: want 0 (max) or more", c.rate)
	case c.duration <= 0:
		return c, fmt.Errorf("-duration %s: want more than 0", c.duration)
	case c.rounds < 1:
		return c, fmt.Errorf("-rounds %d: want at least 1", c.rounds)
	case c.bareProcess && !c.baseline:
		return c, errors.New("-baseline-process: says where the bare handler runs, so it needs -baseline")
	case c.rounds > 1 && !c.baseline:
		return c, fmt.Errorf("-rounds %d: alternates with the bare handler, so it needs -baseline", c.rounds)
	case c.fsyncDir != "" && (c.baseline || c.serveBare != ""):
		return c, errors.New("-fsync: measures the disk alone, so it goes with neither -baseline nor -serve-baseline")
	case c.fsyncDir == "" && c.duration/time.Duration(c.rounds) < time.Second:
		return c, fmt.Errorf("-rounds %d: slices of %s; want at least 1s each", c.rounds, c.duration/time.Duration(c.rounds))
	}
	if _, err := parseMix(c.mix); err != nil {
		return c, err
	}
	if err := loopbackOnly(c.url); err != nil {
		return c, err
	}
	return c, nil
}

// loopbackOnly refuses targets off this machine: a load test sends traffic
// to loopback only.
func loopbackOnly(raw string) error {
	req, err := http.NewRequest("GET", raw, nil)
	if err != nil {
		return fmt.Errorf("-url %q: %w", raw, err)
	}
	h := req.URL.Hostname()
	if h != "localhost" && !strings.HasPrefix(h, "127.") && h != "::1" {
		return fmt.Errorf("-url %q: contactbench only targets loopback addresses (127.0.0.0/8, ::1, localhost)", raw)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.fsyncDir != "" {
		return probeFsync(ctx, cfg.fsyncDir, cfg.duration, stdout)
	}
	mix, _ := parseMix(cfg.mix)
	gen, err := synthetic.New(cfg.customers, cfg.seed)
	if err != nil {
		return err
	}
	if cfg.serveBare != "" {
		return serveBaseline(ctx, gen, cfg.serveBare, stdout)
	}
	if err := checkReady(ctx, cfg.url); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "contactbench: %s, %d customers (seed %d), concurrency %d, rate %s, duration %s (warm-up %s), GOMAXPROCS %d\nmix: %s\n",
		cfg.url, cfg.customers, cfg.seed, cfg.concurrency, rateString(cfg.rate), cfg.duration, cfg.warmup, runtime.GOMAXPROCS(0), mixString(mix))
	if cfg.rounds > 1 {
		fmt.Fprintf(stdout, "rounds: %d, each %s of contactd then %s of the bare handler\n",
			cfg.rounds, cfg.duration/time.Duration(cfg.rounds), cfg.duration/time.Duration(cfg.rounds))
	}

	w := newWorkload(cfg.url, gen, mix, uint64(cfg.seed))
	stopTokens, err := tokens(ctx, cfg.token, w.setToken)
	if err != nil {
		return err
	}
	defer stopTokens()

	res := newResult("contactd")
	var (
		base *result
		bw   *workload
		bcfg = cfg
	)
	if cfg.baseline {
		var (
			stop  func()
			where = "in-process"
		)
		if cfg.bareProcess {
			bcfg.url, bcfg.serverPID, stop, err = startBaselineProcess(cfg)
			where = "separate process"
		} else {
			bcfg.url, stop, err = startBaseline(gen)
		}
		if err != nil {
			return err
		}
		defer stop()
		bw = newWorkload(bcfg.url, gen, mix, uint64(cfg.seed))
		bw.setToken(*w.token.Load())
		base = newResult("bare net/http+encoding/json (" + where + ")")
	}
	if cfg.warmup > 0 {
		if err := attack(ctx, cfg, w, res.name, cfg.warmup, nil); err != nil {
			return err
		}
		if base != nil {
			if err := attack(ctx, bcfg, bw, base.name, cfg.warmup, nil); err != nil {
				return err
			}
		}
	}
	slice := cfg.duration / time.Duration(cfg.rounds)
	var (
		proc, bproc procStats
		commits     commitStats
		hasCommits  = cfg.adminURL != ""
		// the machine's CPU during each target's slices, where /proc/stat is
		mach, bmach cpuTimes
		_, hasMach  = readCPUTimes()
	)
	for range cfg.rounds {
		var from commitStats
		if hasCommits {
			if from, hasCommits, err = scrapeCommits(ctx, cfg.adminURL); err != nil {
				return err
			}
		}
		before, machFrom := readProc(cfg.serverPID), cpuNow()
		if err := attack(ctx, cfg, w, res.name, slice, res); err != nil {
			return err
		}
		proc = readProc(cfg.serverPID)
		mach = mach.add(machFrom, cpuNow())
		res.serverCPU += proc.cpu - before.cpu
		if hasCommits {
			to, _, err := scrapeCommits(ctx, cfg.adminURL)
			if err != nil {
				return err
			}
			commits.add(from, to)
		}
		if base != nil {
			before, machFrom := readProc(bcfg.serverPID), cpuNow()
			if err := attack(ctx, bcfg, bw, base.name, slice, base); err != nil {
				return err
			}
			bproc = readProc(bcfg.serverPID)
			bmach = bmach.add(machFrom, cpuNow())
			base.serverCPU += bproc.cpu - before.cpu
		}
	}
	for _, r := range []*result{res, base} {
		if r != nil && r.all.n == 0 {
			return fmt.Errorf("%s: no request completed", r.name)
		}
	}
	res.subst = w.substitutions()
	if cfg.serverPID != 0 {
		res.extra = append(res.extra, res.procLine("contactd", cfg.serverPID, proc))
	}
	if hasMach {
		res.extra = append(res.extra, mach.line())
	}
	switch {
	case hasCommits:
		res.extra = append(res.extra, commits.lines(res.elapsed)...)
	case cfg.adminURL != "":
		res.extra = append(res.extra, "commits: not reported by this server (its store commits each write on its own)")
	}
	free, created, lost, _ := w.snapshot()
	res.extra = append(res.extra, fmt.Sprintf("model: %d free contact slots, %d live contacts created by the bench, %d slots given up", free, created, lost))
	if base != nil {
		base.subst = bw.substitutions()
		if bcfg.serverPID != 0 {
			base.extra = append(base.extra, base.procLine("bare handler", bcfg.serverPID, bproc))
		}
		if hasMach {
			base.extra = append(base.extra, bmach.line())
		}
	}
	res.print(stdout, base)
	if base != nil {
		base.print(stdout, nil)
	}
	return ctx.Err()
}

// attack runs an attack of d on w's target, adding what it measures to r;
// a nil r is a warm-up, whose substitutions are then forgotten.
func attack(ctx context.Context, cfg config, w *workload, name string, d time.Duration, r *result) error {
	c := uint64(cfg.concurrency)
	atk := vegeta.NewAttacker(
		vegeta.Workers(c), vegeta.MaxWorkers(c),
		vegeta.Connections(cfg.concurrency), vegeta.MaxConnections(cfg.concurrency),
		vegeta.KeepAlive(true), vegeta.Timeout(cfg.timeout), vegeta.Redirects(vegeta.NoFollow))
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	start := time.Now()
	for res := range atk.Attack(w.targeter(), vegeta.Rate{Freq: cfg.rate, Per: time.Second}, d, name) {
		o := w.done(res)
		if r != nil {
			r.add(o, res.Latency)
		}
	}
	if r != nil {
		r.elapsed += time.Since(start)
	} else {
		w.mu.Lock()
		clear(w.subst)
		w.mu.Unlock()
	}
	return ctx.Err()
}

func checkReady(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(base, "/")+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("contactd at %s: %w (start it with: contactd serve --sandbox --db <seeded file>)", base, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("contactd at %s: /readyz answered %s", base, resp.Status)
	}
	return nil
}

// tokens supplies the Authorization token: the one given, or sandbox tokens
// issued here and renewed every minute (they live 9 minutes).
func tokens(ctx context.Context, given string, set func(string)) (stop func(), err error) {
	if given != "" {
		t := strings.TrimSpace(given)
		if len(t) > 7 && strings.EqualFold(t[:7], "bearer ") {
			t = strings.TrimSpace(t[7:])
		}
		set(t)
		return func() {}, nil
	}
	issue := func() error {
		t, err := auth.NewSandboxToken(time.Now())
		if err != nil {
			return err
		}
		set(t)
		return nil
	}
	if err := issue(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				issue()
			}
		}
	}()
	return cancel, nil
}

func rateString(r int) string {
	if r == 0 {
		return "max"
	}
	return fmt.Sprintf("%d/s", r)
}

func mixString(m [nOps]float64) string {
	var parts []string
	for o := range nOps {
		if m[o] > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1f%%", op(o), 100*m[o]))
		}
	}
	return strings.Join(parts, ", ")
}
