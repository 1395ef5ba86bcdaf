//go:build cgo

package sqlite

/*
// sqlite3_config is SQLite's own, compiled in by github.com/mattn/go-sqlite3,
// which has no call for it; cgo cannot call a variadic C function, hence
// the wrapper.
int sqlite3_config(int, ...);
static int contactd_memstatus_off(void) { return sqlite3_config(9, 0); } // SQLITE_CONFIG_MEMSTATUS
*/
import "C"

import (
	"database/sql"
	"errors"
	"net/url"
	"strconv"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// driverName is SQLite itself, in C, through github.com/mattn/go-sqlite3:
// the build's choice whenever cgo is on (a C compiler is installed). It
// serves reads 10 to 25% faster than the pure-Go translation (driver_purego.go),
// which builds where there is no C compiler (docs/performance.md, ninth round).
const driverName = "contactd-sqlite3"

// Driver names the SQLite driver this build uses, for the start-up log.
const Driver = "mattn/go-sqlite3 (SQLite in C, cgo)"

func init() {
	// Unless told otherwise before its first use, SQLite counts every
	// allocation for sqlite3_status under one global mutex. contactd never
	// reads those counts, and taking the mutex cost 8% of the writer's CPU
	// in an import (docs/performance.md, R10). It can only fail when
	// SQLite is already in use; the counts then simply stay on.
	C.contactd_memstatus_off()
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: connectHook})
}

// connectHook sets the PRAGMAs the driver has no DSN parameter for; dsn
// says why temp_store, walAutocheckpoint and pageCacheKiB why those.
func connectHook(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec("PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = "+strconv.Itoa(walAutocheckpoint)+
		"; PRAGMA cache_size = -"+strconv.Itoa(pageCacheKiB), nil)
	return err
}

// dsn is the URI for the file with the PRAGMAs every connection of a pool
// runs when it opens: WAL, synchronous=FULL (a commit is fsynced before it
// returns), foreign keys on, a busy timeout, and (connectHook) temporary
// files in memory, walAutocheckpoint and pageCacheKiB. Writers begin
// IMMEDIATE; readers are query_only.
//
// temp_store=MEMORY keeps the savepoints' journal of a group commit
// (batch.go) in memory: on disk SQLite spills it to a temporary file past
// 64 KiB, and a batch of 16 writes passes that, at two pwrite(2) calls per
// page on the writer's path (about 5% of the CPU of writes, in a profile).
// That journal only undoes a failed job inside a live transaction; a crash
// needs none of it, since an uncommitted transaction never reaches the WAL.
func dsn(file string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	return fileURI(file, q, readOnly)
}

// errorCode is SQLite's extended result code of err, if it is SQLite's.
func errorCode(err error) (int, bool) {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return 0, false
	}
	return int(se.ExtendedCode), true
}
