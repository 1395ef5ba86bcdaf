package logbuf_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactd/contactd/logbuf"
)

// calls records every Write it gets, as one string each.
type calls struct {
	mu  sync.Mutex
	got []string
	err error
}

func (c *calls) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.got = append(c.got, string(p))
	return len(p), nil
}

func (c *calls) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

func (c *calls) writes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// never is a period the tests do not wait for.
const never = time.Hour

func TestLinesWaitForFlush(t *testing.T) {
	var c calls
	w := logbuf.New(&c, 1024, never)
	defer w.Close()
	for i := range 3 {
		if n, err := fmt.Fprintf(w, "line %d\n", i); err != nil || n != 7 {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if got := c.writes(); len(got) != 0 {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := c.writes(); len(got) != 1 || got[0] != "line 0\nline 1\nline 2\n" {
		t.Fatalf("after Flush: %q, want the three lines in one write", got)
	}
	if err := w.Flush(); err != nil || len(c.writes()) != 1 {
		t.Fatalf("an empty Flush wrote: %q, %v", c.writes(), err)
	}
}

func TestPeriodicFlush(t *testing.T) {
	var c calls
	w := logbuf.New(&c, 1024, 10*time.Millisecond)
	defer w.Close()
	fmt.Fprint(w, "late line\n")
	// no Flush: the writer's own goroutine must write it
	deadline := time.Now().Add(10 * time.Second)
	for len(c.writes()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the line was never written without a Flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := c.writes(); got[0] != "late line\n" {
		t.Fatalf("wrote %q", got)
	}
}

// A line that does not fit is never split: what is kept goes first, in a
// write of its own; a line larger than the buffer goes alone, at once.
func TestWholeLinesPerWrite(t *testing.T) {
	var c calls
	w := logbuf.New(&c, 16, never)
	defer w.Close()
	fmt.Fprint(w, "aaaaaaaaa\n")                // 10 bytes, kept
	fmt.Fprint(w, "bbbbbbbbb\n")                // would make 20: the a line goes first
	fmt.Fprint(w, strings.Repeat("c", 30)+"\n") // larger than the buffer
	want := []string{"aaaaaaaaa\n", "bbbbbbbbb\n", strings.Repeat("c", 30) + "\n"}
	if got := c.writes(); !slices.Equal(got, want) {
		t.Fatalf("writes %q, want %q", got, want)
	}
	w.Flush()
	if got := c.writes(); len(got) != 3 {
		t.Fatalf("the big line was kept too: %q", got)
	}
}

func TestCloseFlushesThenWritesThrough(t *testing.T) {
	var c calls
	w := logbuf.New(&c, 1024, never)
	fmt.Fprint(w, "before close\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := c.writes(); !slices.Equal(got, []string{"before close\n"}) {
		t.Fatalf("Close wrote %q", got)
	}
	fmt.Fprint(w, "after close\n")
	if got := c.writes(); !slices.Equal(got, []string{"before close\n", "after close\n"}) {
		t.Fatalf("a write after Close was kept: %q", got)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestWriteErrorDropsWhatWasKept(t *testing.T) {
	var c calls
	w := logbuf.New(&c, 1024, never)
	defer w.Close()
	fmt.Fprint(w, "lost\n")
	c.fail(errors.New("disk full"))
	if err := w.Flush(); err == nil {
		t.Fatal("Flush hid the write's error")
	}
	c.fail(nil)
	fmt.Fprint(w, "kept\n")
	w.Flush()
	if got := c.writes(); !slices.Equal(got, []string{"kept\n"}) {
		t.Fatalf("writes %q: the failed buffer should be dropped, not repeated", got)
	}
}

// Many goroutines logging at once: every line arrives once, whole, and
// each goroutine's lines in its order.
func TestConcurrentLines(t *testing.T) {
	var c calls
	w := logbuf.New(&c, 512, time.Millisecond)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "g%d line %04d\n", g, i)
			}
		})
	}
	wg.Wait()
	w.Close()
	var all bytes.Buffer
	for _, s := range c.writes() {
		if !strings.HasSuffix(s, "\n") {
			t.Fatalf("a write ends inside a line: %q", s)
		}
		all.WriteString(s)
	}
	next := make([]int, writers)
	for _, l := range strings.Split(strings.TrimSuffix(all.String(), "\n"), "\n") {
		var g, i int
		if _, err := fmt.Sscanf(l, "g%d line %d", &g, &i); err != nil {
			t.Fatalf("mangled line %q", l)
		}
		if i != next[g] {
			t.Fatalf("goroutine %d: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Fatalf("goroutine %d: %d of %d lines arrived", g, n, lines)
		}
	}
}
