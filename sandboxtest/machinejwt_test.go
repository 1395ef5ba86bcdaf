package sandboxtest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/contactd/contactd/client"
	"github.com/contactd/contactd/sandboxtest"
)

// TestMachineJWT checks the client's hand-signed machine JWTs with a JWT
// library and sends one to the sandbox, which accepts it.
func TestMachineJWT(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vendor signing"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ts, err := client.MachineJWT(keyPEM, certPEM, "vendor-app", "mylogon")
	if err != nil {
		t.Fatal(err)
	}
	token, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.MapClaims
	parsed, err := jwt.ParseWithClaims(token, &claims, func(tk *jwt.Token) (any, error) {
		if tk.Header["kid"] != "M2M" {
			t.Errorf("kid %v, want M2M", tk.Header["kid"])
		}
		return &key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil || !parsed.Valid {
		t.Fatalf("the JWT library refuses the client's token: %v", err)
	}
	if claims["sub"] != client.Thumbprint(der) || claims["iss"] != "vendor-app" || claims["startLogon"] != "mylogon" {
		t.Errorf("claims %v", claims)
	}

	s := sandboxtest.Start(t)
	c := newClient(t, s, client.WithTokenSource(ts))
	if _, err := c.ListAccounts(ctx, client.IRD, "069096409"); err != nil {
		t.Errorf("sandbox refused a machine JWT: %v", err)
	}
}
