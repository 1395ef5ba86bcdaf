package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestUnavailableErrors: the failures that mean the database cannot serve
// now are marked contactd.ErrUnavailable (503 with Retry-After); the
// refusals and the unexpected are not. The outage itself is tested over
// HTTP by scaleout's TestFailover and cmd/contactd's row-lock test; a full
// disk cannot be made there, so its SQLSTATE is checked here.
func TestUnavailableErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"disk full", &pgconn.PgError{Code: "53100"}, true},
		{"out of memory", &pgconn.PgError{Code: "53200"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"lock not available", &pgconn.PgError{Code: "55P03"}, true},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"network", &net.OpError{Op: "read", Err: errors.New("connection reset")}, true},
		{"commit without answer", commitError{errors.New("EOF")}, true},
		{"unique violation", &pgconn.PgError{Code: "23505", ConstraintName: "other"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"unexpected", errors.New("something else"), false},
		{"client gone", context.Canceled, false},
	} {
		err := wrap("op", tc.err)
		if got := errors.Is(err, contactd.ErrUnavailable); got != tc.want {
			t.Errorf("%s: unavailable %v, want %v (%v)", tc.name, got, tc.want, err)
		}
	}
}
