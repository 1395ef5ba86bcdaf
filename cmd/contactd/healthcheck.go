package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck runs `contactd healthcheck`: a container image without a
// shell or curl probes contactd with contactd itself. Any failure exits
// with status 1, which a container's HEALTHCHECK reads as unhealthy (2 is
// reserved there).
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := probe(ctx, args, getenv, stdout, stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return &exitError{err: err, code: 1}
	}
	return err
}

func probe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := "127.0.0.1:8080"
	timeout := 5 * time.Second
	fs.StringVar(&addr, "addr", addr, "the `host:port` contactd serves on, as given to serve; an unspecified host (0.0.0.0, [::]) is asked on loopback")
	fs.DurationVar(&timeout, "timeout", timeout, "give up after this long")
	if err := envFlags(fs, getenv); err != nil {
		return err
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: contactd healthcheck [flags]

Asks the contactd serving on --addr for /healthz over plain HTTP and exits
with status 0 if it answers 200, else 1: the container image's HEALTHCHECK.
Behind TLS (--tls-cert), probe /healthz from outside instead.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck takes no arguments, got %q", fs.Args())
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", url, resp.Status)
	}
	fmt.Fprintln(stdout, "healthy:", url)
	return nil
}
