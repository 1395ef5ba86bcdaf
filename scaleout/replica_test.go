package scaleout

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds the contactd command once for the package's tests.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "contactd-scaleout-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "contactd")
		start := time.Now()
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/contactd/contactd/cmd/contactd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		fmt.Fprintf(os.Stderr, "scaleout: built contactd in %v\n", time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// token is a sandbox token from `contactd token`.
func token(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(binary(t), "token").Output()
	if err != nil {
		t.Fatalf("contactd token: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// replica is one running `contactd serve --sandbox`.
type replica struct {
	name   string
	base   string // http://127.0.0.1:port
	cmd    *exec.Cmd
	done   chan struct{}
	mu     sync.Mutex
	logs   bytes.Buffer
	loaded bool // it logged personas_loaded=true
}

// start starts a replica on a free port of 127.0.0.1 with the database db;
// it does not wait for it to listen (see ready).
func start(t *testing.T, name, db string) *replica {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--sandbox", "--db", db, "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "CONTACTD_RATE_LIMIT=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			var entry struct {
				Msg    string `json:"msg"`
				Addr   string `json:"addr"`
				Loaded *bool  `json:"personas_loaded"`
			}
			json.Unmarshal(line, &entry)
			r.mu.Lock()
			r.logs.Write(line)
			r.logs.WriteByte('\n')
			if entry.Loaded != nil {
				r.loaded = *entry.Loaded
			}
			r.mu.Unlock()
			if entry.Msg == "contactd listening" {
				listening <- entry.Addr
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() { r.stop(t) })
	r.waitListening(t, listening)
	return r
}

func (r *replica) waitListening(t *testing.T, listening chan string) {
	t.Helper()
	select {
	case addr := <-listening:
		r.base = "http://" + addr
	case <-r.done:
		t.Fatalf("%s exited before listening:\n%s", r.name, r.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not listen within 60s:\n%s", r.name, r.log())
	}
}

func (r *replica) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

func (r *replica) personasLoaded() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loaded
}

// stop sends SIGTERM and waits; it kills after 20 s.
func (r *replica) stop(t *testing.T) {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
		t.Errorf("%s did not stop within 20s of SIGTERM", r.name)
	}
	if t.Failed() {
		t.Logf("%s log:\n%s", r.name, r.log())
	}
}

// answer is an HTTP answer: its status, error code (if any) and body.
type answer struct {
	status int
	code   string
	body   []byte
	took   time.Duration
	err    error // no answer at all
	// retryAfter is the Retry-After header of the answer.
	retryAfter string
}

func (a answer) String() string {
	if a.err != nil {
		return fmt.Sprintf("no answer after %v: %v", a.took, a.err)
	}
	return fmt.Sprintf("%d %s after %v: %s", a.status, a.code, a.took.Round(time.Millisecond), bytes.TrimSpace(a.body))
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a request with the token and a JSON body.
func call(ctx context.Context, method, url, tok string, body any) answer {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		panic(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	a := answer{took: time.Since(start), err: err}
	if err != nil {
		return a
	}
	defer resp.Body.Close()
	a.status = resp.StatusCode
	a.retryAfter = resp.Header.Get("Retry-After")
	a.body, a.err = io.ReadAll(resp.Body)
	a.took = time.Since(start)
	var env struct {
		Errors []struct{ Code string }
	}
	if json.Unmarshal(a.body, &env) == nil && len(env.Errors) > 0 {
		a.code = env.Errors[0].Code
	}
	return a
}

// id reads {"ContactID": n} or {"PhoneID": n}.
func (a answer) id(t *testing.T, field string) int64 {
	t.Helper()
	var v map[string]int64
	if err := json.Unmarshal(a.body, &v); err != nil || v[field] == 0 {
		t.Fatalf("answer %s: no %s", a, field)
	}
	return v[field]
}

// proxy is a TCP proxy in front of the database that a test can cut:
// refusing connections (as a stopped server), or holding them silent (as
// a network partition), and restore.
type proxy struct {
	addr   string // the listening address, kept across restarts
	target string

	mu     sync.Mutex
	ln     net.Listener
	silent bool
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.refuse() })
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns[c] = true
			silent := p.silent
			p.mu.Unlock()
			if silent {
				continue // held open, never answered
			}
			go p.pipe(c)
		}
	}()
}

func (p *proxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	copy := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				// a partition: the bytes go nowhere, the connection stays
				for p.isSilent() && p.isOpen(src) {
					time.Sleep(10 * time.Millisecond)
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
	}
	go copy(up, c)
	go copy(c, up)
}

func (p *proxy) isSilent() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.silent
}

func (p *proxy) isOpen(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[c]
}

func (p *proxy) closeConns() {
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// refuse stops listening and drops every connection: a database that is
// down (connection refused).
func (p *proxy) refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.closeConns()
}

// silence keeps every connection open and new ones accepted, but passes
// no byte: a partition, where nothing is refused and nothing answers.
func (p *proxy) silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silent = true
}

// restore forwards again: connections held silent are dropped (as a
// partition's would have timed out), and the proxy listens again if it
// was refusing.
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	p.silent = false
	p.closeConns()
	listening := p.ln != nil
	p.mu.Unlock()
	if !listening {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
		}
		p.serve(ln)
	}
}
