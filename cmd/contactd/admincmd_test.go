package main

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth/authtest"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/sqlite"
)

// adminRun runs `contactd admin args...` on db.
func adminRun(t *testing.T, db string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"admin", "--db", db}, args...), func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustAdmin(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, err := adminRun(t, db, args...)
	if err != nil {
		t.Fatalf("admin %v: %v\n%s", args, err, errOut)
	}
	return out
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prod.db")
	cert := authtest.SelfSigned(t, "acme signing", 1)
	pemFile := writeFile(t, dir, "acme.pem", cert.PEM)

	mustAdmin(t, db, "logon", "add", "--logon", "ana.tane", "--name", "Ana Tane")
	mustAdmin(t, db, "logon", "add", "--logon", "tim.agent")
	mustAdmin(t, db, "owner", "add", "--logon", "ana.tane", "--customer", "IRD:49091850")
	mustAdmin(t, db, "delegation", "add", "--logon", "tim.agent", "--account", "049091850INC001", "--expires", "2030-03-31T23:59:59+13:00")
	mustAdmin(t, db, "party", "add", "--party", "acme-tax", "--kind", "intermediary", "--name", "Acme Tax Ltd")
	mustAdmin(t, db, "party", "add", "--party", "msd", "--kind", "agency", "--account-types", "FAM, INC")
	mustAdmin(t, db, "member", "add", "--party", "acme-tax", "--logon", "tim.agent")
	mustAdmin(t, db, "link", "add", "--party", "acme-tax", "--customer", "CST:1512100301", "--accounts", "512100301INC003")
	out := mustAdmin(t, db, "certificate", "add", "--party", "acme-tax", "--pem", pemFile)
	if !strings.Contains(out, cert.Thumbprint()) {
		t.Fatalf("certificate add does not tell the thumbprint: %s", out)
	}
	mustAdmin(t, db, "consent", "add", "--logon", "ana.tane", "--party", "acme-tax")

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"logon", "list"}, []string{"ana.tane", "Ana Tane", "tim.agent"}},
		{[]string{"owner", "list", "--logon", "ana.tane"}, []string{"IRD:049091850"}},
		{[]string{"delegation", "list"}, []string{"tim.agent", "049091850INC001", "2030-03-31T10:59:59Z"}},
		{[]string{"party", "list"}, []string{"acme-tax", "intermediary", "Acme Tax Ltd", "msd", "agency", "FAM,INC"}},
		{[]string{"member", "list"}, []string{"acme-tax", "tim.agent"}},
		{[]string{"link", "list"}, []string{"CST:1512100301", "512100301INC003"}},
		{[]string{"link", "list", "--customer", "cst:1512100301"}, []string{"512100301INC003"}},
		{[]string{"certificate", "list"}, []string{cert.Thumbprint(), "acme-tax", "CN=acme signing"}},
		{[]string{"consent", "list"}, []string{"ana.tane", "acme-tax", "never"}},
	} {
		out := mustAdmin(t, db, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("admin %v: no %q in\n%s", tc.args, w, out)
			}
		}
	}

	// export writes the documented format, which imports again.
	exported := mustAdmin(t, db, "export")
	d, err := contactd.ParseRegistry([]byte(exported), nil)
	if err != nil || d.Len() != 10 {
		t.Fatalf("export: %d entries, %v\n%s", d.Len(), err, exported)
	}
	db2 := filepath.Join(dir, "copy.db")
	file := writeFile(t, dir, "export.json", []byte(exported))
	if out := mustAdmin(t, db2, "import", file); !strings.Contains(out, "imported 10 entries") {
		t.Fatalf("import: %s", out)
	}
	if again := mustAdmin(t, db2, "export"); again != exported {
		t.Fatalf("export of the import differs:\n%s\n%s", exported, again)
	}

	// remove by key; removing a party removes what names it.
	mustAdmin(t, db, "delegation", "remove", "--logon", "tim.agent", "--account", "049091850INC001")
	if out := mustAdmin(t, db, "delegation", "list"); strings.Contains(out, "049091850INC001") {
		t.Fatalf("delegation not removed: %s", out)
	}
	mustAdmin(t, db, "party", "remove", "--party", "acme-tax")
	for _, kind := range []string{"certificate", "link", "member", "consent"} {
		if out := mustAdmin(t, db, kind, "list"); strings.Contains(out, "acme-tax") {
			t.Errorf("%s of a removed party left: %s", kind, out)
		}
	}
	// A thumbprint may be given in lower case with colons.
	tp := cert.Thumbprint()
	var colons []string
	for i := 0; i < len(tp); i += 2 {
		colons = append(colons, strings.ToLower(tp[i:i+2]))
	}
	mustAdmin(t, db2, "certificate", "remove", "--thumbprint", strings.Join(colons, ":"))
	if out := mustAdmin(t, db2, "certificate", "list"); strings.Contains(out, tp) {
		t.Fatalf("certificate not removed: %s", out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate", "add"}, "unknown kind"},
		{[]string{"logon"}, "add, list or remove"},
		{[]string{"logon", "add"}, "--logon is required"},
		{[]string{"logon", "add", "--logon", "x", "extra"}, "flags only"},
		{[]string{"owner", "add", "--logon", "ana.tane", "--customer", "49091850"}, "IRD:"},
		{[]string{"owner", "add", "--logon", "nobody", "--customer", "IRD:49091850"}, "not registered"},
		{[]string{"delegation", "add", "--logon", "ana.tane"}, "one of --customer and --account"},
		{[]string{"delegation", "add", "--logon", "ana.tane", "--customer", "CST:1", "--expires", "tomorrow"}, "RFC 3339"},
		{[]string{"party", "add", "--party", "msd", "--kind", "intermediary"}, "never changes"},
		{[]string{"party", "add", "--party", "p", "--kind", "agency"}, "at least one account type"},
		{[]string{"link", "add", "--party", "msd", "--customer", "CST:1"}, "only intermediaries"},
		{[]string{"certificate", "add", "--party", "msd", "--pem", filepath.Join(dir, "missing.pem")}, "no such file"},
		{[]string{"certificate", "add", "--party", "msd", "--pem", writeFile(t, dir, "key.pem", cert.KeyPEM(t))}, "never a private key"},
		{[]string{"logon", "remove", "--logon", "nobody"}, "not registered"},
		{[]string{"import", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"import", writeFile(t, dir, "bad.json", []byte(`{"logons":[{"logon":"a","nick":"b"}]}`))}, "unknown field"},
	} {
		_, _, err := adminRun(t, db, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("admin %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
	if _, _, err := adminRun(t, filepath.Join(dir, "typo.db"), "logon", "list"); err == nil {
		t.Error("list on a database that does not exist")
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Error("list created a database")
	}
}

// TestAdminImportExample imports the worked example of docs/registry.md.
func TestAdminImportExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/registry.md")
	if err != nil {
		t.Fatal(err)
	}
	// The first ```json block is the example file.
	text := string(doc)
	start := strings.Index(text, "```json\n")
	if start < 0 {
		t.Fatal("docs/registry.md has no json example")
	}
	text = text[start+len("```json\n"):]
	example := text[:strings.Index(text, "```")]
	d, err := contactd.ParseRegistry([]byte(example), func(string) ([]byte, error) {
		return authtest.SelfSigned(t, "example", 1).PEM, nil
	})
	if err != nil {
		t.Fatalf("the documented example does not parse: %v", err)
	}
	for name, n := range map[string]int{"logons": len(d.Logons), "owners": len(d.Ownerships), "delegations": len(d.Delegations),
		"parties": len(d.Parties), "members": len(d.Memberships), "links": len(d.Links), "certificates": len(d.Certificates), "consents": len(d.Consents)} {
		if n == 0 {
			t.Errorf("the example has no %s", name)
		}
	}
	dir := t.TempDir()
	writeFile(t, dir, "acme-tax-signing.pem", authtest.SelfSigned(t, "acme", 1).PEM)
	writeFile(t, dir, "msd-signing.pem", authtest.SelfSigned(t, "msd", 2).PEM)
	writeFile(t, dir, "payroll-signing.pem", authtest.SelfSigned(t, "payroll", 3).PEM)
	writeFile(t, dir, "lookthrough-signing.pem", authtest.SelfSigned(t, "lookthrough", 4).PEM)
	file := writeFile(t, dir, "registry.json", []byte(example))
	_, errOut, err := adminRun(t, filepath.Join(dir, "prod.db"), "import", file)
	if err != nil {
		t.Fatalf("import of the example: %v\n%s", err, errOut)
	}
}

// TestServeProduction runs the real command in production mode with mutual
// TLS and an OAuth issuer, on a registry set up by `contactd admin`.
func TestServeProduction(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "prod.db")
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cust := contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	if err := store.Load(ctx, contactd.Dataset{
		Customers: []contactd.Customer{{ID: cust, Profile: []byte(`{}`)}},
		Accounts:  []contactd.Account{{ID: "049091850INC001", IDType: "ACC", Type: "INC", Customer: cust}},
	}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	clientCA := authtest.NewCA(t, "client CA", 9)
	serverCA := authtest.NewCA(t, "server CA", 10)
	server := serverCA.Server(t, 11)
	agent := clientCA.Client(t, "acme signing", 1)
	iss := authtest.NewIssuer(t)

	mustAdmin(t, db, "logon", "add", "--logon", "ana")
	mustAdmin(t, db, "logon", "add", "--logon", "stan")
	mustAdmin(t, db, "owner", "add", "--logon", "ana", "--customer", "IRD:049091850")
	mustAdmin(t, db, "party", "add", "--party", "acme", "--kind", "intermediary")
	mustAdmin(t, db, "link", "add", "--party", "acme", "--customer", "IRD:049091850")
	mustAdmin(t, db, "certificate", "add", "--party", "acme", "--pem", writeFile(t, dir, "agent.pem", agent.PEM))
	// An ECDSA signing certificate whose JWTs must carry the issuer agreed
	// at registration.
	ecAgent := clientCA.ClientEC(t, "acme ec signing", elliptic.P256())
	out := mustAdmin(t, db, "certificate", "add", "--party", "acme", "--pem", writeFile(t, dir, "ec.pem", ecAgent.PEM), "--issuer", "acme-payroll")
	if !strings.Contains(out, "iss acme-payroll") {
		t.Errorf("certificate add --issuer said:\n%s", out)
	}
	ecToken := func(iss string) string {
		c := authtest.MachineClaims(ecAgent.Thumbprint(), "", time.Now(), 9*time.Minute)
		c["iss"] = iss
		return authtest.Sign(t, jwt.SigningMethodES256, ecAgent.Key, "M2M", c)
	}
	// A software provider's TLS certificate: it signs no JWT and is not
	// registered; its CN is approved.
	provider := clientCA.Client(t, "Payroll Provider", 3)

	addr := freeAddr(t)
	base := "https://" + addr
	env := map[string]string{"CONTACTD_OAUTH_ISSUER": iss.URL, "CONTACTD_OAUTH_AUDIENCE": iss.Audience}
	_, logs := startServe(t, env, "--addr", addr, "--db", db,
		"--tls-cert", writeFile(t, dir, "server.pem", server.PEM),
		"--tls-key", writeFile(t, dir, "server.key", server.KeyPEM(t)),
		"--client-ca", writeFile(t, dir, "client-ca.pem", clientCA.Cert.PEM),
		"--client-cn", "acme signing, Payroll Provider",
		"--oauth-jwks-url", iss.JWKSURL())

	client := func(certs ...tls.Certificate) *http.Client {
		cfg := &tls.Config{RootCAs: serverCA.Pool()}
		if len(certs) > 0 {
			cfg.Certificates = certs
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 5 * time.Second}
	}
	withCert := client(agent.TLS())
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := withCert.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("contactd did not become ready: %v\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	do := func(c *http.Client, authorization, path, body string) (int, string, error) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", authorization)
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	read := `{"CustomerID":"049091850","CustomerIDType":"IRD"}`
	for _, tc := range []struct {
		name, authorization string
		status              int
		code                string
	}{
		{"agent's machine JWT on its own connection", authtest.MachineToken(t, agent, ""), 200, ""},
		{"owner's OAuth token", "Bearer " + iss.Token(t, "ana"), 200, ""},
		{"stranger's OAuth token", "Bearer " + iss.Token(t, "stan"), 403, "EV1022"},
		{"sandbox token", sandboxToken(t), 400, "EV1020"},
		{"machine JWT of an unregistered certificate", authtest.MachineToken(t, clientCA.Client(t, "x", 2), ""), 400, "EV1020"},
		{"ES256 JWT with the agreed issuer", ecToken("acme-payroll"), 200, ""},
		{"ES256 JWT with another issuer", ecToken("someone-else"), 400, "EV1020"},
	} {
		status, body, err := do(withCert, tc.authorization, "/gateway/customer/customer", read)
		if err != nil || status != tc.status || !strings.Contains(body, tc.code) {
			t.Errorf("%s: %d %s %v, want %d %s", tc.name, status, body, err, tc.status, tc.code)
		}
	}
	// Binding is off by default: a provider's connection carries the
	// agent's JWT.
	if status, body, err := do(client(provider.TLS()), authtest.MachineToken(t, agent, ""), "/gateway/customer/customer", read); err != nil || status != 200 {
		t.Errorf("agent's JWT over the provider's connection: %d %s %v", status, body, err)
	}
	if _, _, err := do(client(), authtest.MachineToken(t, agent, ""), "/gateway/customer/customer", read); err == nil {
		t.Error("served a connection without a client certificate")
	}
	// --client-cn: a certificate of the client CA under another name is
	// refused in the handshake.
	if _, _, err := do(client(clientCA.Client(t, "Unapproved Ltd", 4).TLS()), authtest.MachineToken(t, agent, ""), "/gateway/customer/customer", read); err == nil {
		t.Error("served a client certificate whose CN is not approved")
	}
	// The server logs the refused handshake on its own goroutine, maybe
	// after the client has its error.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) &&
		!strings.Contains(logs.String(), `CN \"Unapproved Ltd\" is not approved`); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), `CN \"Unapproved Ltd\" is not approved`) {
		t.Errorf("the handshake was not refused for its CN:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "bind_jwt_to_tls=false") {
		t.Errorf("binding is on by default with a client CA:\n%s", logs)
	}
}

func TestServeIdentityFlags(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		{[]string{"--client-ca", "ca.pem"}, env(), "--client-ca needs --tls-cert"},
		{[]string{"--tls-cert", "c.pem"}, env(), "go together"},
		{[]string{"--bind-jwt-to-tls"}, env(), "--bind-jwt-to-tls needs --client-ca"},
		{nil, env("CONTACTD_BIND_JWT_TO_TLS", "yes please"), "CONTACTD_BIND_JWT_TO_TLS"},
		{nil, env("CONTACTD_M2M_MAX_LIFETIME", "an hour"), "CONTACTD_M2M_MAX_LIFETIME"},
		{[]string{"--m2m-max-lifetime", "0s"}, env(), "must be positive"},
		{[]string{"--m2m-max-lifetime", "8h1s"}, env(), "at most 8h"},
		{[]string{"--client-cn", "Acme"}, env(), "--client-cn needs --client-ca"},
		{[]string{"--sandbox", "--oauth-jwks-url", "http://127.0.0.1:1/jwks"}, env(), "production mode"},
	} {
		_, err := parseServe(tc.args, tc.getenv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	cfg, err := parseServe([]string{"--tls-cert", "c", "--tls-key", "k", "--client-ca", "ca"}, env(), io.Discard)
	if err != nil || cfg.identity.BindJWTToTLS || cfg.identity.MachineTokenLife != 8*time.Hour || cfg.identity.ClientCNs != nil {
		t.Fatalf("defaults with a client CA (binding off, 8h, any CN): %v %+v", err, cfg.identity)
	}
	cfg, err = parseServe([]string{"--tls-cert", "c", "--tls-key", "k", "--client-ca", "ca", "--bind-jwt-to-tls", "--client-cn", "A Ltd,B Ltd"}, env(), io.Discard)
	if err != nil || !cfg.identity.BindJWTToTLS || !slices.Equal(cfg.identity.ClientCNs, []string{"A Ltd", "B Ltd"}) {
		t.Fatalf("--bind-jwt-to-tls --client-cn: %v %+v", err, cfg.identity)
	}
	cfg, err = parseServe([]string{"--oauth-logon-claim", "myir"}, env(), io.Discard)
	if err != nil || cfg.identity.OAuthLogonClaim != "myir" {
		t.Fatalf("--oauth-logon-claim: %v %+v", err, cfg.identity)
	}
	cfg, err = parseServe(nil, env("CONTACTD_TLS_CERT", "c", "CONTACTD_TLS_KEY", "k", "CONTACTD_CLIENT_CA", "ca",
		"CONTACTD_BIND_JWT_TO_TLS", "false", "CONTACTD_M2M_MAX_LIFETIME", "10m"), io.Discard)
	if err != nil || cfg.identity.BindJWTToTLS || cfg.identity.ClientCA != "ca" || cfg.identity.MachineTokenLife != 10*time.Minute {
		t.Fatalf("from the environment: %v %+v", err, cfg.identity)
	}
}

// TestAdminOnPostgres manages a PostgreSQL registry from the command line
// (skipped without CONTACTD_TEST_POSTGRES).
func TestAdminOnPostgres(t *testing.T) {
	_, db := pgtest.Schema(t)
	if _, errOut, err := adminRun(t, db, "logon", "add", "--logon", "ana.tane", "--name", "Ana Tane"); err != nil {
		t.Fatalf("logon add: %v\n%s", err, errOut)
	}
	if _, errOut, err := adminRun(t, db, "owner", "add", "--logon", "ana.tane", "--customer", "IRD:069096409"); err != nil {
		t.Fatalf("owner add: %v\n%s", err, errOut)
	}
	mustAdmin(t, db, "party", "add", "--party", "acme", "--kind", "intermediary")
	ec := authtest.NewCA(t, "pg CA", 3).ClientEC(t, "acme ec", elliptic.P384())
	mustAdmin(t, db, "certificate", "add", "--party", "acme", "--pem", writeFile(t, t.TempDir(), "ec.pem", ec.PEM), "--issuer", "acme-payroll")
	out, errOut, err := adminRun(t, db, "export")
	if err != nil || !strings.Contains(out, "ana.tane") || !strings.Contains(out, "069096409") || !strings.Contains(out, `"issuer": "acme-payroll"`) {
		t.Fatalf("export: %v\n%s\n%s", err, out, errOut)
	}
	if out := mustAdmin(t, db, "certificate", "list"); !strings.Contains(out, "acme-payroll") {
		t.Fatalf("certificate list:\n%s", out)
	}
	if _, errOut, err := adminRun(t, db, "logon", "remove", "--logon", "ana.tane"); err != nil {
		t.Fatalf("logon remove: %v\n%s", err, errOut)
	}
	if out, _, _ := adminRun(t, db, "export"); strings.Contains(out, "ana.tane") {
		t.Fatalf("removed logon still exported:\n%s", out)
	}
}
