package http

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the overload limits (docs/operations.md).
const (
	// DefaultMaxInFlight is how many requests are served at once; more
	// are answered 503 at once rather than queued. On a 2-core machine a
	// few dozen keep both cores and the database busy; hundreds more only
	// wait, each holding its memory.
	DefaultMaxInFlight = 256
	// DefaultMaxConnections is how many client connections are kept open
	// at once; more are answered 503 and closed.
	DefaultMaxConnections = 2048
)

// limitInFlight answers 503 with Retry-After, in the envelope, to API
// requests beyond max served at once, instead of queueing them: under
// overload a caller is better told at once to come back. The probes are
// not counted, so that a busy replica still reports itself alive and
// ready. max <= 0 is no limit.
func limitInFlight(max int, next http.Handler) http.Handler {
	if max <= 0 {
		return next
	}
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/healthz" || p == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			writeError(w, nil, errOverloaded)
		}
	})
}

// overloadedResponse is what a connection beyond the limit gets, without
// being read: the envelope's EU6001 with 503 and Retry-After.
var overloadedResponse = func() []byte {
	body := `{"errors":[{"code":"EU6001","type":"server","message":"Unexpected error occurred"}]}`
	return []byte("HTTP/1.1 503 Service Unavailable\r\n" +
		"Content-Type: application/json; charset=utf-8\r\n" +
		"Cache-Control: no-store\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Retry-After: " + unavailableRetryAfter + "\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

// overflowLinger bounds how long a refused connection is kept to deliver
// its 503: long enough for a client of a busy machine to send its request.
// At most maxRefusing are kept at once; beyond that a connection over the
// limit is closed at once, so that refusing costs bounded memory too.
const (
	overflowLinger = 5 * time.Second
	maxRefusing    = 4096
)

// LimitConnections returns a listener that holds at most max connections
// open at once. A connection beyond that is not queued: over plain HTTP
// it is answered 503 with Retry-After and closed (or closed at once while
// maxRefusing others are being answered so), over TLS (plainText false)
// closed at once, since an answer would first cost a handshake. max <= 0
// is no limit.
func LimitConnections(ln net.Listener, max int, plainText bool) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimiter{Listener: ln, max: int64(max), plainText: plainText}
}

type connLimiter struct {
	net.Listener
	max       int64
	open      atomic.Int64
	plainText bool
	refusing  atomic.Int64
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		if !l.plainText || l.refusing.Add(1) > maxRefusing {
			if l.plainText {
				l.refusing.Add(-1)
			}
			c.Close()
			continue
		}
		go func() {
			defer l.refusing.Add(-1)
			refuse(c)
		}()
	}
}

// refuse answers a connection beyond the limit and closes it. It waits
// for the request's first bytes (a client takes an answer that comes
// before its request for a broken connection), answers without reading
// the rest, then closes the write half and drains the request, so that
// closing does not reset the connection before the client has read its
// answer.
func refuse(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(overflowLinger))
	var buf [512]byte
	if _, err := c.Read(buf[:]); err != nil {
		return
	}
	if _, err := c.Write(overloadedResponse); err != nil {
		return
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	for {
		if _, err := c.Read(buf[:]); err != nil {
			return
		}
	}
}

// limitedConn gives its slot back when it is closed, once.
type limitedConn struct {
	net.Conn
	l    *connLimiter
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}
