package http

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/contactd/contactd"
)

// idempotencyHeader is the IETF httpapi draft's Idempotency-Key.
const idempotencyHeader = "Idempotency-Key"

// withIdempotency adds the request's Idempotency-Key, if it has one, to
// the change. The key may be sent bare or as the draft's quoted string; it
// must be 1 to 255 printable ASCII characters (EV1100 otherwise). The
// fingerprint covers the operation and the body's exact bytes.
func withIdempotency(cfg Config, r *http.Request, op string, body []byte, ch contactd.Change) (contactd.Change, error) {
	key, ok := r.Header[idempotencyHeader]
	if !ok {
		return ch, nil
	}
	k := strings.TrimSpace(strings.Join(key, ","))
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" || len(k) > 255 || !printableASCII(k) {
		return ch, contactd.ErrIdempotencyKeyReused // EV1100 naming Idempotency-Key
	}
	sum := sha256.New()
	sum.Write([]byte(op))
	sum.Write([]byte{0})
	sum.Write(body)
	ch.Time = time.Now()
	ch.Idempotency = &contactd.Idempotency{
		Key:         k,
		Fingerprint: hex.EncodeToString(sum.Sum(nil)),
		Expires:     ch.Time.Add(cfg.IdempotencyTTL),
	}
	return ch, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
