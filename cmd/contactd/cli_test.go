package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersion: `contactd version` and `contactd --version` print a
// release version and the commit.
func TestVersion(t *testing.T) {
	line := regexp.MustCompile(`^contactd v\d+\.\d+\.\d+\S* \(commit \S+, go\S+ \S+/\S+\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !line.MatchString(out.String()) {
			t.Errorf("%v printed %q", args, out.String())
		}
	}

	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		info             *debug.BuildInfo
		ldVer, ldCommit  string
		wantVer, wantRev string
	}{
		{nil, "", "", sourceVersion, "unknown"},
		{devel, "", "", sourceVersion, "abc123+modified"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261205171200-abcdef123456"}}, "", "", sourceVersion, "unknown"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.2.1"}}, "", "", "v0.2.1", "unknown"},
		{devel, "v0.3.0", "def456", "v0.3.0", "def456+modified"},
	} {
		ver, rev := versionOf(tc.info, tc.ldVer, tc.ldCommit)
		if ver != tc.wantVer || rev != tc.wantRev {
			t.Errorf("versionOf(%v, %q, %q) = %s %s, want %s %s", tc.info, tc.ldVer, tc.ldCommit, ver, rev, tc.wantVer, tc.wantRev)
		}
	}
}

// TestCommandLineMistakes: a mistake gets one short error naming the way
// to help, and no usage.
func TestCommandLineMistakes(t *testing.T) {
	env := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--frobnicate"}, []string{"flag provided but not defined: -frobnicate", "contactd serve --help"}},
		{[]string{"serve", "--rate-limit", "fast"}, []string{"-rate-limit", "contactd serve --help"}},
		{[]string{"audit", "--limit=x"}, []string{"-limit", "contactd audit --help"}},
		{[]string{"migrate", "--bd", "x"}, []string{"-bd", "contactd migrate --help"}},
		{[]string{"version", "--long"}, []string{"-long", "contactd version --help"}},
		{[]string{"healthcheck", "--url", "x"}, []string{"-url", "contactd healthcheck --help"}},
		{[]string{"servee"}, append([]string{`unknown command "servee"`, "contactd --help"}, names()...)},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, env, &out, &errOut)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", tc.args, err, w)
			}
		}
		if out.Len() > 0 || errOut.Len() > 0 || strings.Count(err.Error(), "\n") > 1 {
			t.Errorf("%v: more than a short error: %q, printed %q %q", tc.args, err, out.String(), errOut.String())
		}
	}
	// The usage lists every command, and asking for a command's help prints
	// its usage.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, n := range names() {
		if !strings.Contains(out.String(), "contactd "+n) {
			t.Errorf("usage lacks %s:\n%s", n, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"healthcheck", "--help"}, env, io.Discard, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "Usage: contactd healthcheck") {
		t.Errorf("healthcheck --help: %v, %q", err, out.String())
	}
}

func names() []string {
	var n []string
	for _, c := range commands {
		n = append(n, c.name)
	}
	return n
}

// TestEveryServeFlagHasItsEnvironmentVariable reads serve's flags from its
// help and sets each through its variable.
func TestEveryServeFlagHasItsEnvironmentVariable(t *testing.T) {
	var help bytes.Buffer
	if _, err := parseServe([]string{"--help"}, func(string) string { return "" }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	found := flagLine.FindAllStringSubmatch(help.String(), -1)
	if len(found) < 15 {
		t.Fatalf("%d flags in serve's help:\n%s", len(found), help.String())
	}
	for _, m := range found {
		if env := envName(m[1]); !strings.Contains(help.String(), "("+env+")") {
			t.Errorf("--%s: its help does not name %s", m[1], env)
		}
	}

	env := map[string]string{"CONTACTD_RATE_BURST": "7", "CONTACTD_RATE_LIMIT": "2.5", "CONTACTD_ADDR": "127.0.0.1:9999",
		"CONTACTD_DB": filepath.Join(t.TempDir(), "x.db"), "CONTACTD_SANDBOX": "true", "CONTACTD_LOG_FORMAT": "json"}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseServe(nil, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.rateLimit.Burst != 7 || cfg.rateLimit.PerSecond != 2.5 || cfg.addr != "127.0.0.1:9999" || cfg.db != env["CONTACTD_DB"] || !cfg.sandbox || cfg.logFormat != "json" {
		t.Errorf("from the environment: %+v", cfg)
	}
	// The command line wins over the environment.
	cfg, err = parseServe([]string{"--rate-burst", "3", "--sandbox=false"}, getenv, io.Discard)
	if err != nil || cfg.rateLimit.Burst != 3 || cfg.sandbox {
		t.Errorf("flags over the environment: %+v, %v", cfg, err)
	}
	env["CONTACTD_RATE_BURST"] = "-1"
	if _, err := parseServe(nil, getenv, io.Discard); err == nil {
		t.Error("a negative burst was accepted")
	}
}

// TestHealthcheck probes a running contactd, on its own address and on
// the unspecified one, and a port where nothing listens.
func TestHealthcheck(t *testing.T) {
	addr := freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_SANDBOX": "true"}, "--addr", addr, "--db", filepath.Join(t.TempDir(), "h.db"))
	waitReady(t, "http://"+addr)
	_, port, _ := strings.Cut(addr, ":")
	for _, a := range []string{addr, "0.0.0.0:" + port, ":" + port} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"healthcheck", "--addr", a}, func(string) string { return "" }, &out, io.Discard); err != nil {
			t.Errorf("healthcheck --addr %s: %v", a, err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, func(k string) string {
		if k == "CONTACTD_ADDR" {
			return addr
		}
		return ""
	}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "healthy") {
		t.Errorf("healthcheck with CONTACTD_ADDR: %v %q", err, out.String())
	}

	err := run(context.Background(), []string{"healthcheck", "--addr", freeAddr(t)}, func(string) string { return "" }, io.Discard, io.Discard)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "unhealthy") {
		t.Errorf("nothing listening: %v", err)
	}
}

// TestSourceVersionIsTheChangelogs: a checkout's build names the newest
// release of CHANGELOG.md.
func TestSourceVersionIsTheChangelogs(t *testing.T) {
	b, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(v\d+\.\d+\.\d+)\]`).FindSubmatch(b)
	if m == nil || string(m[1]) != sourceVersion {
		t.Errorf("CHANGELOG.md's newest release %q, sourceVersion %s", m, sourceVersion)
	}
}
