package registrydb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// failingTx fails every statement from the failAt'th (1-based) on; the
// others affect no row and find none.
type failingTx struct{ failAt, ran int }

var errDisk = errors.New("disk on fire")

func (f *failingTx) Exec(context.Context, string, ...any) (int64, error) {
	f.ran++
	if f.ran >= f.failAt {
		return 0, errDisk
	}
	return 0, nil
}

func (f *failingTx) QueryRow(ctx context.Context, query string, _ []any, _ ...any) (bool, error) {
	_, err := f.Exec(ctx, query)
	return false, err
}

func (f *failingTx) Time(t time.Time) any { return t }

// The stores' tests cannot make a statement fail; these pin that a
// database failure ends the flow and is returned as it is.
func TestRemoveFailure(t *testing.T) {
	d := contactd.RegistryData{Logons: []contactd.Logon{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	tx := &failingTx{failAt: 2}
	err := Remove(context.Background(), tx, d)
	if tx.ran != 2 || err == nil || err.Error() != `logon "b": disk on fire` || !errors.Is(err, errDisk) ||
		errors.Is(err, contactd.ErrNotRegistered) {
		t.Errorf("ran %d, %v", tx.ran, err)
	}
}

func TestImportPartyKindFailure(t *testing.T) {
	d := contactd.RegistryData{Parties: []contactd.Party{{ID: "p", Kind: contactd.PartyProvider}}}
	tx := &failingTx{failAt: 1}
	if err := Import(context.Background(), tx, d); tx.ran != 1 || err != errDisk {
		t.Errorf("ran %d, %v", tx.ran, err)
	}
}

func TestDollarPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		``:                                  ``,
		`SELECT 1`:                          `SELECT 1`,
		`DELETE FROM t WHERE a = ?`:         `DELETE FROM t WHERE a = $1`,
		`INSERT INTO t VALUES (?, ?, ?)`:    `INSERT INTO t VALUES ($1, $2, $3)`,
		"?,?\n?":                            "$1,$2\n$3",
		`UPDATE t SET a=?, b=? WHERE c = ?`: `UPDATE t SET a=$1, b=$2 WHERE c = $3`,
		`? ? ? ? ? ? ? ? ? ? ?`:             `$1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11`,
	} {
		if got := DollarPlaceholders(in); got != want {
			t.Errorf("DollarPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}
