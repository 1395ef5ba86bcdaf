package sandboxtest_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/contactd/contactd/client"
)

// TestClientVersionIsTheChangelogs: the client's User-Agent names the
// newest release of CHANGELOG.md (the modules are released together).
func TestClientVersionIsTheChangelogs(t *testing.T) {
	b, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[v(\d+\.\d+\.\d+)\]`).FindSubmatch(b)
	if m == nil || string(m[1]) != client.Version {
		t.Errorf("CHANGELOG.md's newest release %q, client.Version %s", m, client.Version)
	}
}
