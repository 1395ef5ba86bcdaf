// Package logbuf gathers log lines and writes them together. The access
// log writes a line per request, and a write(2) per line was about 4% of
// the CPU of a read (docs/performance.md); a Writer makes one write(2) of
// many lines at most every period, or sooner when its buffer fills.
//
// Every write(2) it makes holds whole lines, as it was given them: other
// writers of the same file (the unbuffered logger beside it) never land in
// the middle of one.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// Writer buffers what it is given, a whole line or more per Write as
// log/slog's handlers give it, and writes it to the underlying writer at
// most period after it came. It is safe for concurrent use.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	closed bool

	stop chan struct{}
	done chan struct{}
}

// New returns a Writer to w with a buffer of size bytes, flushed every
// period by a goroutine of its own until Close.
func New(w io.Writer, size int, period time.Duration) *Writer {
	b := &Writer{w: w, buf: make([]byte, 0, size), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(period)
	return b
}

func (b *Writer) flushEvery(period time.Duration) {
	defer close(b.done)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.Flush()
		}
	}
}

// Write keeps p to write later. What is already kept is written first if
// p does not fit beside it; p larger than the whole buffer, or given after
// Close, is written at once.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) || b.closed {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b.buf) || b.closed {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes what is kept.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// flushLocked writes the buffer in one call. What a failed write did not
// take is dropped: a log line is not worth blocking or growing for.
func (b *Writer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close stops the periodic flush and writes what is kept; later writes go
// straight through.
func (b *Writer) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	<-b.done
	return b.Flush()
}
