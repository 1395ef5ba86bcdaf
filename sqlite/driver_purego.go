//go:build !cgo

package sqlite

import (
	"errors"
	"net/url"
	"strconv"

	msqlite "modernc.org/sqlite"
)

// driverName is modernc.org/sqlite, SQLite translated to Go: the build's
// choice without cgo (no C compiler, or CGO_ENABLED=0), so that contactd
// builds and runs anywhere Go does. driver_cgo.go has the faster one.
const driverName = "sqlite"

// Driver names the SQLite driver this build uses, for the start-up log.
const Driver = "modernc.org/sqlite (SQLite in Go, no cgo)"

// dsn is the URI for the file with the PRAGMAs every connection of a pool
// runs when it opens: WAL, synchronous=FULL (a commit is fsynced before it
// returns), foreign keys on, a busy timeout, temporary files in memory
// (driver_cgo.go says why), walAutocheckpoint and pageCacheKiB. Writers
// begin IMMEDIATE; readers are query_only.
func dsn(file string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walAutocheckpoint)+")")
	q.Add("_pragma", "cache_size(-"+strconv.Itoa(pageCacheKiB)+")")
	return fileURI(file, q, readOnly)
}

// errorCode is SQLite's extended result code of err, if it is SQLite's.
func errorCode(err error) (int, bool) {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return 0, false
	}
	return se.Code(), true
}
