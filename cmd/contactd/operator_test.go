package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd/auth"
	"github.com/contactd/contactd/postgres/pgtest"
)

// runCmd runs a contactd command and returns everything it wrote with its
// error. A command still running after 5 s (a server that should not have
// started) is stopped.
func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	err := run(ctx, args, func(k string) string { return env[k] }, out, errOut)
	text := out.String() + errOut.String()
	if err != nil {
		text += err.Error()
	}
	return text, err
}

// TestPasswordNeverShown: a password anywhere in a PostgreSQL connection
// string (user:pw@, ?password=, the key=value form) never appears in what
// migrate, serve, audit, export and import say about a database they cannot
// reach.
func TestPasswordNeverShown(t *testing.T) {
	const secret = "S3cr3tPw"
	dsns := []string{
		"postgres://contactd:" + secret + "@127.0.0.1:1/none?connect_timeout=1",
		"postgres://contactd@127.0.0.1:1/none?password=" + secret + "&connect_timeout=1",
		"postgresql://127.0.0.1:1/none?sslpassword=" + secret + "&connect_timeout=1",
		"host=127.0.0.1 port=1 dbname=none user=contactd password=" + secret + " connect_timeout=1",
		"host=127.0.0.1 port=1 dbname=none password='" + secret + " x' connect_timeout=1",
	}
	for _, dsn := range dsns {
		for _, args := range [][]string{
			{"migrate", "--db", dsn},
			{"serve", "--db", dsn, "--addr", "127.0.0.1:0"},
			{"serve", "--sandbox", "--db", dsn, "--addr", "127.0.0.1:0"},
			{"audit", "--db", dsn},
			{"export", "--db", dsn},
			{"seed", "--customers", "1", "--db", dsn},
		} {
			out, err := runCmd(t, nil, args...)
			if err == nil {
				t.Errorf("%s on an unreachable database succeeded", args[0])
			}
			if strings.Contains(out, secret) {
				t.Errorf("%s %s shows the password:\n%s", args[0], dsn, out)
			}
		}
	}
}

// TestPasswordNotInSandboxStartLine: the sandbox's start-up line names the
// database without its password.
func TestPasswordNotInSandboxStartLine(t *testing.T) {
	_, db := pgtest.Schema(t)
	db += "&password=S3cr3tPw"
	addr := freeAddr(t)
	stop, logs := startServe(t, nil, "--sandbox", "--addr", addr, "--db", db)
	waitReady(t, "http://"+addr)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "SANDBOX MODE") || strings.Contains(logs.String(), "S3cr3tPw") {
		t.Fatalf("start-up lines:\n%s", logs.String())
	}
}

// TestKeyValueDSNIsPostgreSQL: a libpq key=value connection string is taken
// as PostgreSQL, never as the name of a new SQLite file.
func TestKeyValueDSNIsPostgreSQL(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	out, err := runCmd(t, nil, "migrate", "--db", "host=127.0.0.1 port=1 dbname=none connect_timeout=1")
	if err == nil || strings.Contains(out, "up to date") || !strings.Contains(out, "postgres") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Fatalf("a file was created: %v", entries)
	}
	// and it reaches a real database
	u := pgtest.URL(t)
	_, schemaURL := pgtest.Schema(t)
	kv := keyValueOf(t, schemaURL)
	if out, err := runCmd(t, nil, "migrate", "--db", kv); err != nil || !strings.Contains(out, "applied migrations") {
		t.Fatalf("migrate %s (from %s): %v\n%s", kv, u, err, out)
	}
}

// keyValueOf is a postgres:// URL of the test database in key=value form.
func keyValueOf(t *testing.T, raw string) string {
	t.Helper()
	var parts []string
	rest := strings.TrimPrefix(raw, "postgres://")
	userHost, pathQuery, _ := strings.Cut(rest, "/")
	user, host, ok := strings.Cut(userHost, "@")
	if !ok {
		host, user = user, ""
	}
	if user != "" {
		parts = append(parts, "user="+user)
	}
	h, port, _ := strings.Cut(host, ":")
	parts = append(parts, "host="+h)
	if port != "" {
		parts = append(parts, "port="+port)
	}
	dbname, query, _ := strings.Cut(pathQuery, "?")
	parts = append(parts, "dbname="+dbname)
	for _, kv := range strings.Split(query, "&") {
		if kv != "" {
			parts = append(parts, kv)
		}
	}
	return strings.Join(parts, " ")
}

// TestReadOnlyCommandsNeedTheFile: audit and export refuse a SQLite file
// that does not exist rather than create it and answer nothing.
func TestReadOnlyCommandsNeedTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.db")
	for _, args := range [][]string{
		{"audit", "--db", missing},
		{"export", "--db", missing},
		{"export", "--db", missing, "--customer", "IRD:069096409"},
	} {
		out, err := runCmd(t, nil, args...)
		if err == nil || !strings.Contains(out, "no such file") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%v created %s", args, missing)
		}
	}
}

// TestProductionRefusesPlainHTTPOffLoopback: production mode on a
// non-loopback address needs TLS, or --insecure-http for a proxy in front;
// the start logs what production enforces in one line.
func TestProductionRefusesPlainHTTPOffLoopback(t *testing.T) {
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	db := filepath.Join(t.TempDir(), "p.db")
	out, err := runCmd(t, nil, "serve", "--addr", "0.0.0.0:"+port, "--db", db)
	if err == nil || !strings.Contains(out, "refusing to serve plain HTTP on 0.0.0.0:"+port) ||
		!strings.Contains(out, "--tls-cert and --tls-key, or --insecure-http") {
		t.Fatalf("serve on 0.0.0.0 without TLS: %v\n%s", err, out)
	}
	stop, logs := startServe(t, nil, "--addr", "0.0.0.0:"+port, "--db", db, "--insecure-http")
	waitReady(t, "http://127.0.0.1:"+port)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var summary string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "production mode") {
			summary = l
		}
	}
	for _, want := range []string{"tls=false", "insecure_http=true", "mtls=false", "oauth_issuer=", "machine_jwts=true"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the production line lacks %s: %s", want, summary)
		}
	}
	// loopback needs neither
	addr := freeAddr(t)
	stop, _ = startServe(t, nil, "--addr", addr, "--db", db)
	waitReady(t, "http://"+addr)
	stop()
}

// TestLogLevel: --log-level warn leaves out the info lines, the access log
// among them; the shutdown line gives its grace in milliseconds.
func TestLogLevel(t *testing.T) {
	db := filepath.Join(t.TempDir(), "l.db")
	addr := freeAddr(t)
	stop, logs := startServe(t, nil, "--sandbox", "--addr", addr, "--db", db, "--log-level", "warn")
	waitReady(t, "http://"+addr)
	stop()
	if l := logs.String(); strings.Contains(l, "level=INFO") || !strings.Contains(l, "level=WARN") {
		t.Errorf("--log-level warn:\n%s", l)
	}
	addr = freeAddr(t)
	stop, logs = startServe(t, nil, "--sandbox", "--addr", addr, "--db", db, "--log-level", "debug")
	waitReady(t, "http://"+addr)
	stop()
	if l := logs.String(); !strings.Contains(l, "grace_ms=15000") || !strings.Contains(l, "msg=request") {
		t.Errorf("--log-level debug:\n%s", l)
	}
	if out, err := runCmd(t, nil, "serve", "--log-level", "loud", "--db", db); err == nil || !strings.Contains(out, "debug, info, warn or error") {
		t.Errorf("--log-level loud: %v %s", err, out)
	}
}

// TestRefusedRequestsSayWhy: the access log line of a refused request
// gives the error code, the reason or field, the caller once known, the
// remote address and the user agent, never the token; durations are in
// milliseconds.
func TestRefusedRequestsSayWhy(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	addr := freeAddr(t)
	stop, logs := startServe(t, nil, "--sandbox", "--addr", addr, "--db", db)
	waitReady(t, "http://"+addr)
	expired, err := auth.NewSandboxToken(time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	good := sandboxToken(t)
	send := func(token, path, body string) {
		req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("User-Agent", "operator-test/1")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("", "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	send(expired, "/gateway/customer/customer", `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	send(good, "/gateway/customer/customer", `{"CustomerID":"132253579","CustomerIDType":"IRD"}`)
	send(good, "/gateway/customer/customer", `{"CustomerID":"069096409"}`)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "msg=request") && strings.Contains(l, "status=4") {
			lines = append(lines, l)
		}
	}
	want := [][]string{
		{"status=400", "code=EV1021", `why="no token in the Authorization header"`},
		{"status=400", "code=EV1020", "why=expired"},
		{"status=403", "code=EV1022", "subject=", "logon="},
		{"status=400", "code=EV1100", "why=CustomerIDType"},
	}
	if len(lines) != len(want) {
		t.Fatalf("refused lines:\n%s", strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		for _, w := range append(want[i], "remote=127.0.0.1:", "user_agent=operator-test/1", "duration_ms=") {
			if !strings.Contains(l, w) {
				t.Errorf("line %d lacks %s: %s", i, w, l)
			}
		}
		if strings.Contains(l, expired) || strings.Contains(l, good) {
			t.Errorf("line %d shows the token: %s", i, l)
		}
	}
}
