package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminListenerServesPprofOffTheAPI: pprof answers on --admin-addr and
// never on the API listener.
func TestAdminListenerServesPprofOffTheAPI(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_SANDBOX": "true", "CONTACTD_ADMIN_ADDR": admin},
		"--addr", addr, "--db", filepath.Join(t.TempDir(), "a.db"))
	waitReady(t, "http://"+addr)
	if status, body := get(t, "http://"+admin+"/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("admin /debug/pprof/: %d %.200s", status, body)
	}
	if status, body := get(t, "http://"+admin+"/debug/pprof/heap?debug=1"); status != 200 || !strings.Contains(body, "heap profile") {
		t.Fatalf("admin heap profile: %d %.200s", status, body)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		if status, body := get(t, "http://"+addr+p); status != 404 {
			t.Fatalf("API listener answered %s: %d %.200s", p, status, body)
		}
	}
}

func TestAdminListenerOffByDefaultAndNeverOnTheAPIAddress(t *testing.T) {
	cfg, err := parseServe(nil, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.adminAddr != "" {
		t.Fatalf("default admin address %q, %v", cfg.adminAddr, err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = run(ctx, []string{"serve", "--sandbox", "--addr", addr, "--admin-addr", addr, "--db", filepath.Join(t.TempDir(), "b.db")},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "must not share") {
		t.Fatalf("admin on the API address: %v", err)
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{":8080", "127.0.0.1:8080", true},
		{"0.0.0.0:8080", "127.0.0.1:8080", true},
		{"[::]:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:6060", "127.0.0.1:8080", false},
		{"127.0.0.2:8080", "127.0.0.1:8080", false},
	} {
		if got := sameListenAddr(tc.a, tc.b); got != tc.same {
			t.Errorf("sameListenAddr(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
