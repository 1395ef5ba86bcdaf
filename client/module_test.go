package client_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestVendorModuleGetsOnlyTheClient builds a vendor's module that requires
// only this one (through a replace to this directory) and checks that `go
// mod tidy` adds no module the client does not require itself, to go.mod
// or go.sum, and leaves the vendor's go line as it was. It runs the go
// command, with the machine's module proxy settings.
func TestVendorModuleGetsOnlyTheClient(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	clientDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		out, err := cmd.Output()
		if err != nil {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr)
		}
		return string(out)
	}
	modulesOf := func(dir, mode string) []string {
		return strings.Fields(run(dir, "list", mode, "-m", "-f", "{{.Path}}", "all"))
	}

	vendor := t.TempDir()
	const goLine = "go 1.25.0"
	files := map[string]string{
		"go.mod": "module example.com/vendor\n\n" + goLine + "\n\n" +
			"require github.com/contactd/contactd/client v0.1.0\n\n" +
			"replace github.com/contactd/contactd/client => " + clientDir + "\n",
		"main.go": `package main

import (
	"context"
	"fmt"

	"github.com/contactd/contactd/client"
)

func main() {
	c, err := client.New("http://127.0.0.1:8080/gateway", client.WithTokenSource(client.StaticToken("t")))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Status(context.Background(), client.ContactAPI))
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(vendor, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(vendor, "mod", "tidy")
	run(vendor, "build", "./...")

	own := modulesOf(clientDir, "-mod=readonly") // the client, then its requirements
	got := modulesOf(vendor, "-mod=mod")         // the vendor's module, then its requirements
	for _, m := range got[1:] {
		if !slices.Contains(own, m) {
			t.Errorf("the vendor's module lists %s, which the client does not require", m)
		}
	}
	sum, err := os.ReadFile(filepath.Join(vendor, "go.sum"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(sum)), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !slices.Contains(own, f[0]) {
			t.Errorf("the vendor's go.sum lists %s, which the client does not require", f[0])
		}
	}
	mod, err := os.ReadFile(filepath.Join(vendor, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "\n"+goLine+"\n") || strings.Contains(string(mod), "toolchain") {
		t.Errorf("go mod tidy changed the vendor's go line:\n%s", mod)
	}
	t.Logf("the vendor's modules: %v\ngo.sum:\n%s", got, sum)
}
