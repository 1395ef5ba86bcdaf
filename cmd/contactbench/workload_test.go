package main

import (
	"fmt"
	"testing"

	"github.com/contactd/contactd/synthetic"
)

// TestSlotReserve: the contact POSTs the bench sends as DELETEs, once its
// slots run short, are spread over the server's fast and slow moments
// alike. Without the reserve a POST became a DELETE only when no slot was
// free, that is mostly while earlier DELETEs were slow to complete, which
// put the substituted DELETEs in the server's slowest moments.
func TestSlotReserve(t *testing.T) {
	gen, err := synthetic.New(50, 1) // 200 slots, a reserve of 25
	if err != nil {
		t.Fatal(err)
	}
	var mix [nOps]float64
	mix[readCustomer], mix[postContact], mix[deleteContact] = 0.825, 0.15, 0.025
	// run plans n requests in phases of 100, alternately fast (every
	// request answered at once) and slow (contact DELETEs answered only
	// at the phase's end), and counts the POSTs sent as DELETEs in each
	// kind of phase once the slots have first run short.
	run := func(noReserve bool) (inFast, inSlow int) {
		w := newWorkload("http://contactd.test", gen, mix, 7)
		if noReserve {
			w.reserve = 0
		}
		nextID := int64(1_000_000)
		var held []*pending
		short := false
		for i := range 40000 {
			slow := i/100%2 == 1
			if !slow {
				for _, p := range held {
					w.apply(p, "", nil)
				}
				held = held[:0]
			}
			before := w.subst[[2]op{postContact, deleteContact}]
			p := w.plan()
			switch {
			case p.op == deleteContact && slow:
				held = append(held, p)
			case p.op == postContact:
				nextID++
				w.apply(p, "", fmt.Appendf(nil, `{"ContactID":%d}`, nextID))
			default:
				w.apply(p, "", nil)
			}
			short = short || len(w.free) < 32
			if short && w.subst[[2]op{postContact, deleteContact}] > before {
				if slow {
					inSlow++
				} else {
					inFast++
				}
			}
		}
		return inFast, inSlow
	}
	fast, slow := run(false)
	t.Logf("POSTs sent as DELETEs in fast phases %d, in slow phases %d", fast, slow)
	if fast == 0 || slow == 0 {
		t.Fatalf("no substitutions: %d, %d", fast, slow)
	}
	if r := float64(slow) / float64(fast); r > 1.25 || r < 0.8 {
		t.Errorf("slow phases had %.2f times the substitutions of fast ones", r)
	}
	// the scenario does show the bias the reserve removes
	fast, slow = run(true)
	t.Logf("without the reserve: %d and %d", fast, slow)
	if slow < 3*fast {
		t.Errorf("without the reserve the slow phases had %d substitutions against %d: the scenario shows no bias", slow, fast)
	}
}
