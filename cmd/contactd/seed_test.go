package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactd/contactd/synthetic"
)

// TestSeedThenServe seeds a small database, refuses to seed it twice, and
// serves it as a sandbox holding both the personas and the synthetic
// customers.
func TestSeedThenServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seed.db")
	env := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed", "--customers", "40", "--seed", "5", "--batch", "15", "--db", db}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "seeded 40 customers") || !strings.Contains(out.String(), " MB") {
		t.Fatalf("output %q", out.String())
	}
	err := run(context.Background(), []string{"seed", "--customers", "1", "--db", db}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already holds customers") {
		t.Fatalf("second seed: %v", err)
	}
	for _, args := range [][]string{{"seed", "--db", db}, {"seed", "--customers", "5"}, {"seed", "--customers", "5", "--db", db, "x"}} {
		if err := run(context.Background(), args, env, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}

	addr := freeAddr(t)
	startServe(t, map[string]string{"CONTACTD_SANDBOX": "true"}, "--addr", addr, "--db", db)
	waitReady(t, "http://"+addr)
	g, err := synthetic.New(40, 5)
	if err != nil {
		t.Fatal(err)
	}
	c := g.Customer(39)
	token := sandboxToken(t)
	status, body := call(t, "POST", "http://"+addr+"/gateway/customer/customer", token, `{"CustomerID":"`+c.IRD+`","CustomerIDType":"IRD"}`)
	if status != 200 || !strings.Contains(body, c.Primary.Name) {
		t.Fatalf("synthetic customer: %d %s", status, body)
	}
	status, body = call(t, "POST", "http://"+addr+"/gateway/account/account", token, `{"AccountID":"`+c.INC+`","AccountIDType":"ACC"}`)
	if status != 200 || !strings.Contains(body, c.Secondary.Name) {
		t.Fatalf("synthetic account: %d %s", status, body)
	}
	status, body = call(t, "POST", "http://"+addr+"/gateway/customer/customer", token, `{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	if status != 200 || !strings.Contains(body, "Louie Wagner") {
		t.Fatalf("persona: %d %s", status, body)
	}
}
