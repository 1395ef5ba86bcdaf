package http

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// errRateLimited is a caller over its rate limit.
var errRateLimited = errors.New("rate limit exceeded")

// RateLimit is the per-caller request rate: PerSecond requests a second
// with bursts of Burst. A zero PerSecond turns the limit off.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// callerLimiter keeps one token bucket per caller ID. Buckets idle for
// longer than idleAfter are dropped, so the map stays as small as the set
// of active callers.
type callerLimiter struct {
	limit     RateLimit
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

const idleAfter = 10 * time.Minute

func newCallerLimiter(l RateLimit) *callerLimiter {
	if l.PerSecond <= 0 {
		return nil
	}
	if l.Burst < 1 {
		l.Burst = int(math.Ceil(l.PerSecond))
	}
	return &callerLimiter{limit: l, buckets: map[string]*bucket{}}
}

// allow takes a token for the caller, or says how long to wait for one.
func (c *callerLimiter) allow(callerID string, now time.Time) (ok bool, retryAfter time.Duration) {
	if c == nil {
		return true, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.lastSweep) > idleAfter {
		for id, b := range c.buckets {
			if now.Sub(b.seen) > idleAfter {
				delete(c.buckets, id)
			}
		}
		c.lastSweep = now
	}
	b := c.buckets[callerID]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(rate.Limit(c.limit.PerSecond), c.limit.Burst)}
		c.buckets[callerID] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// DefaultAuthFailures is the default limit on refused authentications
// (EV1020) per remote address: a caller with a valid token is refused a
// few times at most (an expired token, a clock skew), while a prober of
// made-up tokens is slowed to this rate.
var DefaultAuthFailures = RateLimit{PerSecond: 1, Burst: 20}

// failureLimiter limits the refused authentications of each remote
// address: allowed reports whether the address has any left, spend uses
// one. It keeps a bucket per address as callerLimiter does.
type failureLimiter struct{ l *callerLimiter }

func newFailureLimiter(l RateLimit) failureLimiter { return failureLimiter{newCallerLimiter(l)} }

func (f failureLimiter) allowed(addr string, now time.Time) (bool, time.Duration) {
	if f.l == nil {
		return true, 0
	}
	f.l.mu.Lock()
	defer f.l.mu.Unlock()
	b := f.l.buckets[addr]
	if b == nil {
		return true, 0
	}
	if tokens := b.l.TokensAt(now); tokens < 1 {
		return false, time.Duration((1 - tokens) / f.l.limit.PerSecond * float64(time.Second))
	}
	return true, 0
}

func (f failureLimiter) spend(addr string, now time.Time) {
	if f.l != nil {
		f.l.allow(addr, now)
	}
}

// retryAfterSeconds is a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
