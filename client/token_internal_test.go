package client

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// TestMachineJWTRenewsBeforeExpiry checks the cache on a fake clock: one
// token for most of its life, a new one shortly before it expires.
func TestMachineJWTRenewsBeforeExpiry(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "m2m"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ts, err := MachineJWT(keyPEM, certPEM, "iss", "")
	if err != nil {
		t.Fatal(err)
	}
	m := ts.(*machineJWT)
	now := time.Unix(1_800_000_000, 0)
	m.now = func() time.Time { return now }

	first, err := m.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(MachineJWTLife - machineJWTRenew - time.Second)
	if again, _ := m.Token(context.Background()); again != first {
		t.Error("token replaced before it was close to expiry")
	}
	now = now.Add(2 * time.Second)
	renewed, _ := m.Token(context.Background())
	if renewed == first {
		t.Error("token not replaced close to its expiry")
	}
	if !m.expires.Equal(now.Add(MachineJWTLife)) {
		t.Errorf("new token expires %v, want %v", m.expires, now.Add(MachineJWTLife))
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 0 ":                           0,
		"-5":                            0,
		"soon":                          0,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:04:00 GMT": 0,
		"99999999999999999999":          0,
		"9999999999":                    maxRetryAfterSecs * time.Second,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}
