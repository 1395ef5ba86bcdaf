package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"
)

const (
	// A SQLite WAL frame: a 24-byte frame header and a 4,096-byte page.
	walFrame = 24 + 4096
	// Slots overwritten in turn, as SQLite does once its WAL has wrapped:
	// the file neither grows nor needs new blocks during the probe.
	fsyncSlots = 64
	// Syncs slower than this are counted apart: on a shared VM they are
	// few but long, and they are what a p99 or p99.9 target runs into.
	fsyncSlow = 10 * time.Millisecond
)

// probeFsync measures the disk under dir for d (or until ctx is done) and
// prints the latency distribution to out. Contactd commits every write
// durably, and a SQLite WAL commit is frame writes and one fsync, so the
// tail of its write latency is that disk's fsync tail; this lets operators
// see it on their own disk, without a contactd, and know whether a p99
// target is reachable there.
func probeFsync(ctx context.Context, dir string, d time.Duration, out io.Writer) (err error) {
	if abs, aerr := filepath.Abs(dir); aerr == nil {
		dir = abs
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("fsync probe in %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("fsync probe in %s: not a directory", dir)
	}
	f, err := os.CreateTemp(dir, "contactbench-fsync-*")
	if err != nil {
		return fmt.Errorf("fsync probe in %s: cannot create a file there: %w", dir, err)
	}
	defer func() {
		f.Close()
		if rerr := os.Remove(f.Name()); rerr != nil {
			err = errors.Join(err, fmt.Errorf("fsync probe: %w", rerr))
		}
	}()

	// Allocate the region first, so that the timed syncs are of data, not
	// of the file growing.
	region := make([]byte, fsyncSlots*walFrame)
	for i := range region {
		region[i] = byte(i*131 + 7)
	}
	if _, err := f.WriteAt(region, 0); err != nil {
		return fmt.Errorf("fsync probe in %s: %w", dir, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync probe in %s: %w", dir, err)
	}

	frame := region[:walFrame]
	// A fast disk does about 10,000 syncs a second; the cap keeps a long
	// -duration from reserving memory up front that a slow disk never fills.
	lat := make([]time.Duration, 0, min(int(d.Seconds()*10000)+1024, 1<<21))
	start := time.Now()
	for i := 0; len(lat) == 0 || time.Since(start) < d; i++ {
		if ctx.Err() != nil {
			break
		}
		// each frame differs from the one it overwrites, as real ones do
		binary.BigEndian.PutUint64(frame, uint64(i))
		t0 := time.Now()
		if _, err := f.WriteAt(frame, int64(i%fsyncSlots)*walFrame); err != nil {
			return fmt.Errorf("fsync probe in %s: %w", dir, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("fsync probe in %s: %w", dir, err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return ctx.Err()
	}

	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	var slow int
	var slowSum time.Duration
	for _, l := range lat {
		if l > fsyncSlow {
			slow++
			slowSum += l
		}
	}
	fmt.Fprintf(out, "fsync probe: %s, %s, %d,%03d-byte overwrite + fsync, one at a time\n", dir, elapsed.Round(time.Millisecond), walFrame/1000, walFrame%1000)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "syncs\tsyncs/s\tp50\tp90\tp99\tp99.9\tmax\tover %s (total)\t\n", fsyncSlow)
	fmt.Fprintf(tw, "%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%d (%s)\t\n", len(lat), float64(len(lat))/elapsed.Seconds(),
		ms(q(0.50)), ms(q(0.90)), ms(q(0.99)), ms(q(0.999)), ms(lat[len(lat)-1]), slow, ms(slowSum))
	tw.Flush()
	// cut short by a signal: the figures so far are printed, and the run
	// still fails, as the bench's own runs do
	return ctx.Err()
}
