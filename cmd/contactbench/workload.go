package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/contactd/contactd/synthetic"
)

// op is one kind of request in the mix.
type op int

const (
	readCustomer op = iota
	readAccount
	postContact
	postPhone
	putContact
	putPhone
	deletePhone
	deleteContact
	nOps
)

var opNames = [nOps]string{"read-customer", "read-account", "post-contact", "post-phone", "put-contact", "put-phone", "delete-phone", "delete-contact"}

func (o op) String() string { return opNames[o] }

func (o op) write() bool { return o >= postContact }

// defaultMix is the mix: 60% customer and account reads, 15%
// contact POST, 10% phone POST, 10% PUT (rename a contact or change a
// phone), 5% DELETE (a phone, or a contact the bench created).
const defaultMix = "read-customer=30,read-account=30,post-contact=15,post-phone=10,put-contact=5,put-phone=5,delete-phone=2.5,delete-contact=2.5"

// parseMix reads "name=weight,..." into cumulative weights.
func parseMix(s string) ([nOps]float64, error) {
	var w [nOps]float64
	var total float64
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return w, fmt.Errorf("mix %q: want name=weight,...", part)
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f < 0 {
			return w, fmt.Errorf("mix %q: weight must be a number >= 0", part)
		}
		found := false
		for o := range nOps {
			if opNames[o] == name {
				w[o] += f
				found = true
			}
		}
		if !found {
			return w, fmt.Errorf("mix: unknown operation %q (have %s)", name, strings.Join(opNames[:], ", "))
		}
		total += f
	}
	if total <= 0 {
		return w, fmt.Errorf("mix %q: the weights add up to 0", s)
	}
	for o := range w {
		w[o] /= total
	}
	return w, nil
}

// Slots: every customer has six places for a live contact (PRIMRY and
// SCNDRY on the customer and on each of its two accounts). The seeded data
// fills two (customer PRIMRY, INC SCNDRY); the other four are the slots the
// bench creates contacts in, and frees again by deleting them.
const slotsPerCustomer = 4

type slotKind struct {
	account     int // 0 customer, 1 INC, 2 GST
	contactType string
}

var slotKinds = [slotsPerCustomer]slotKind{{0, "SCNDRY"}, {1, "PRIMRY"}, {2, "PRIMRY"}, {2, "SCNDRY"}}

// contact is what the bench knows of a live contact.
type contact struct {
	id       int64
	slot     int32   // the slot of a contact the bench created; -1 for a seeded one
	phones   []int64 // live phones whose IDs the bench knows
	unknown  int     // live phones whose IDs it does not (those a contact POST created)
	busy     bool    // a write on it is in flight
	dead     bool    // deleted, or its state is no longer known
	createdI int     // index in workload.created, -1 when not there
}

func (c *contact) livePhones() int { return len(c.phones) + c.unknown }

// pending is a request in flight.
type pending struct {
	op      op
	c       *contact
	slot    int32
	phoneID int64
	nPhones int
}

// workload generates the mix against a synthetic data set and keeps the
// bench's model of it up to date from the answers, so that every write is
// valid when sent: contacts are created in free slots and only deleted by
// the bench, phones are added to contacts with room and deleted from
// contacts with two or more, and no two writes touch one contact or slot at
// once. On a freshly seeded database no write should fail; an error count
// therefore means something (see docs/performance.md).
type workload struct {
	base  string
	gen   *synthetic.Generator
	n     int
	mix   [nOps]float64
	token atomic.Pointer[string]

	mu       sync.Mutex
	rng      *rand.Rand
	seq      uint64
	pend     map[uint64]*pending
	seeded   map[int32]*contact // seeded contacts touched so far, by 2*customer+k
	created  []*contact         // live contacts the bench created
	free     []int32            // free slots
	freeing  int                // contact DELETEs in flight: slots on their way back
	reserve  int                // free slots under which contact POSTs turn into DELETEs at random
	balance  float64            // the chance they do, then
	subst    map[[2]op]int      // op drawn -> op sent instead
	lostSlot int                // slots given up (outcome unknown, or taken by someone else)
}

func newWorkload(base string, gen *synthetic.Generator, mix [nOps]float64, seed uint64) *workload {
	w := &workload{
		base: strings.TrimRight(base, "/"), gen: gen, n: gen.Len(), mix: mix,
		rng:    rand.New(rand.NewPCG(seed, 0x5eed)),
		pend:   map[uint64]*pending{},
		seeded: map[int32]*contact{},
		free:   make([]int32, 0, gen.Len()*slotsPerCustomer),
		subst:  map[[2]op]int{},
	}
	for s := range int32(gen.Len() * slotsPerCustomer) {
		w.free = append(w.free, s)
	}
	// The mix creates contacts faster than it deletes them, so the slots
	// run out. Under the reserve, a drawn contact POST becomes a DELETE
	// with a chance that gives back a little more than the POSTs take:
	// a coin decides, not whether earlier DELETEs have completed, which
	// would put the substituted DELETEs in the server's slowest moments
	// (docs/performance.md, eleventh round).
	w.reserve = min(256, len(w.free)/8)
	if post, del := mix[postContact], mix[deleteContact]; post > del {
		w.balance = min(1, (post-del)/(2*post)+0.1)
	}
	return w
}

func (w *workload) setToken(t string) { w.token.Store(&t) }

// draw picks an operation by the mix.
func (w *workload) draw() op {
	x := w.rng.Float64()
	for o := range nOps {
		if x < w.mix[o] {
			return o
		}
		x -= w.mix[o]
	}
	return readCustomer
}

// seededContact returns seeded contact k (0 PRIMRY, 1 SCNDRY) of customer i.
func (w *workload) seededContact(i int, k int) *contact {
	key := int32(2*i + k)
	if c, ok := w.seeded[key]; ok {
		return c
	}
	cu := w.gen.Customer(i)
	sc := cu.Primary
	if k == 1 {
		sc = cu.Secondary
	}
	c := &contact{id: sc.ID, slot: -1, createdI: -1}
	for _, p := range sc.Phones {
		c.phones = append(c.phones, p.ID)
	}
	w.seeded[key] = c
	return c
}

// pickContact draws live, idle contacts (seeded or created, uniformly)
// until one satisfies ok; nil after a few misses.
func (w *workload) pickContact(ok func(*contact) bool) *contact {
	for range 24 {
		r := w.rng.IntN(2*w.n + len(w.created))
		var c *contact
		if r < 2*w.n {
			c = w.seededContact(r/2, r%2)
		} else {
			c = w.created[r-2*w.n]
		}
		if !c.busy && !c.dead && ok(c) {
			return c
		}
	}
	return nil
}

// pickCreated draws an idle contact the bench created.
func (w *workload) pickCreated() *contact {
	for range 24 {
		if len(w.created) == 0 {
			return nil
		}
		c := w.created[w.rng.IntN(len(w.created))]
		if !c.busy {
			return c
		}
	}
	return nil
}

func (w *workload) removeCreated(c *contact) {
	if c.createdI < 0 {
		return
	}
	last := w.created[len(w.created)-1]
	w.created[c.createdI] = last
	last.createdI = c.createdI
	w.created = w.created[:len(w.created)-1]
	c.createdI = -1
}

func (w *workload) addCreated(c *contact) {
	c.createdI = len(w.created)
	w.created = append(w.created, c)
}

func hasRoom(c *contact) bool      { return c.livePhones() < 5 }
func canLosePhone(c *contact) bool { return c.livePhones() >= 2 && len(c.phones) > 0 }
func anyContact(c *contact) bool   { return true }
func hasKnownPhone(c *contact) bool {
	return len(c.phones) > 0
}

// plan chooses the next request: the drawn operation when the model has a
// valid target for it, else its counterpart (a contact POST with no free
// slot deletes a created contact, a phone POST with no room deletes a
// phone, and the reverse), else a read. Under the slot reserve a contact
// POST is first tried as a DELETE by chance (see newWorkload); the slots
// counted for that include those whose DELETE is in flight, so that the
// server's speed does not change the choice. Substitutions are counted.
func (w *workload) plan() *pending {
	drawn := w.draw()
	first := drawn
	if drawn == postContact && len(w.free)+w.freeing < w.reserve && w.rng.Float64() < w.balance {
		first = deleteContact
	}
	for _, o := range [...]op{first, counterpart(first), readCustomer} {
		p := w.target(o)
		if p == nil {
			continue
		}
		if o != drawn {
			w.subst[[2]op{drawn, o}]++
		}
		if p.c != nil {
			p.c.busy = true
		}
		if o == deleteContact {
			w.freeing++
		}
		return p
	}
	panic("unreachable: reads always have a target")
}

func counterpart(o op) op {
	switch o {
	case postContact:
		return deleteContact
	case deleteContact:
		return postContact
	case postPhone:
		return deletePhone
	case deletePhone:
		return postPhone
	}
	return readAccount
}

// target finds a valid target for o, or nil.
func (w *workload) target(o op) *pending {
	p := &pending{op: o, slot: -1}
	switch o {
	case readCustomer, readAccount:
		p.slot = int32(w.rng.IntN(w.n)) // the customer
	case postContact:
		if len(w.free) == 0 {
			return nil
		}
		j := w.rng.IntN(len(w.free))
		p.slot = w.free[j]
		w.free[j] = w.free[len(w.free)-1]
		w.free = w.free[:len(w.free)-1]
		p.nPhones = 1 + w.rng.IntN(2)
	case postPhone:
		if p.c = w.pickContact(hasRoom); p.c == nil {
			return nil
		}
	case putContact:
		if p.c = w.pickContact(anyContact); p.c == nil {
			return nil
		}
	case putPhone:
		if p.c = w.pickContact(hasKnownPhone); p.c == nil {
			return nil
		}
		p.phoneID = p.c.phones[w.rng.IntN(len(p.c.phones))]
	case deletePhone:
		if p.c = w.pickContact(canLosePhone); p.c == nil {
			return nil
		}
		p.phoneID = p.c.phones[w.rng.IntN(len(p.c.phones))]
	case deleteContact:
		if p.c = w.pickCreated(); p.c == nil {
			return nil
		}
	}
	return p
}

// Paths of the API.
const (
	pathCustomer = "/gateway/customer/customer"
	pathAccount  = "/gateway/account/account"
	pathContact  = "/gateway/contact/contact"
	pathPhone    = "/gateway/contact/phone"
)

var firstNames = []string{"Ana", "Tane", "Aroha", "Wiremu", "Olivia", "Jack", "Mere", "Hemi", "Priya", "Wei", "Sione", "Grace"}
var lastNames = []string{"Smith", "Ngata", "Parata", "Walker", "Chen", "Singh", "Tupou", "Wilson", "Harris", "Te Whata"}

// request renders p as method, path and JSON body.
func (w *workload) request(p *pending) (method, path string, body []byte) {
	b := make([]byte, 0, 256)
	switch p.op {
	case readCustomer:
		b = append(b, `{"CustomerID":"`...)
		b = append(b, w.gen.IRD(int(p.slot))...)
		b = append(b, `","CustomerIDType":"IRD"}`...)
		return http.MethodPost, pathCustomer, b
	case readAccount:
		b = append(b, `{"AccountID":"`...)
		b = append(b, w.gen.IRD(int(p.slot))...)
		if w.rng.IntN(2) == 0 {
			b = append(b, "INC001"...)
		} else {
			b = append(b, "GST001"...)
		}
		b = append(b, `","AccountIDType":"ACC"}`...)
		return http.MethodPost, pathAccount, b
	case postContact:
		i, k := int(p.slot)/slotsPerCustomer, slotKinds[p.slot%slotsPerCustomer]
		ird := w.gen.IRD(i)
		switch k.account {
		case 0:
			b = append(b, `{"CustomerID":"`+ird+`","CustomerIDType":"IRD"`...)
		case 1:
			b = append(b, `{"AccountID":"`+ird+`INC001","AccountIDType":"ACC"`...)
		case 2:
			b = append(b, `{"AccountID":"`+ird+`GST001","AccountIDType":"ACC"`...)
		}
		b = append(b, `,"Contact":{"ContactType":"`+k.contactType+`","Name":"`...)
		b = w.appendName(b)
		b = append(b, `","Phone":[`...)
		for j := range p.nPhones {
			if j > 0 {
				b = append(b, ',')
			}
			b = w.appendPhone(b)
		}
		b = append(b, "]}}"...)
		return http.MethodPost, pathContact, b
	case postPhone:
		b = append(b, `{"ContactID":`...)
		b = strconv.AppendInt(b, p.c.id, 10)
		b = append(b, `,"Phone":`...)
		b = w.appendPhone(b)
		b = append(b, '}')
		return http.MethodPost, pathPhone, b
	case putContact:
		b = append(b, `{"ContactID":`...)
		b = strconv.AppendInt(b, p.c.id, 10)
		b = append(b, `,"Contact":{"Name":"`...)
		b = w.appendName(b)
		b = append(b, `"}}`...)
		return http.MethodPut, pathContact, b
	case putPhone:
		b = append(b, `{"PhoneID":`...)
		b = strconv.AppendInt(b, p.phoneID, 10)
		b = append(b, `,"Phone":`...)
		b = w.appendPhone(b)
		b = append(b, '}')
		return http.MethodPut, pathPhone, b
	case deletePhone:
		b = append(b, `{"PhoneID":`...)
		b = strconv.AppendInt(b, p.phoneID, 10)
		b = append(b, '}')
		return http.MethodDelete, pathPhone, b
	case deleteContact:
		b = append(b, `{"ContactID":`...)
		b = strconv.AppendInt(b, p.c.id, 10)
		b = append(b, '}')
		return http.MethodDelete, pathContact, b
	}
	panic("unknown op")
}

func (w *workload) appendName(b []byte) []byte {
	b = append(b, firstNames[w.rng.IntN(len(firstNames))]...)
	b = append(b, ' ')
	return append(b, lastNames[w.rng.IntN(len(lastNames))]...)
}

func (w *workload) appendPhone(b []byte) []byte {
	p := synthetic.Phone(w.rng)
	b = append(b, `{"PhoneType":"`...)
	b = append(b, p.Type...)
	b = append(b, `","Country":"NZ","AreaCode":"","PhoneNumber":"`...)
	b = append(b, p.Number...)
	b = append(b, `","Extension":"`...)
	b = append(b, p.Extension...)
	return append(b, `"}`...)
}

// targeter is the vegeta.Targeter of the workload. The request's sequence
// number rides in the URL's fragment, which the client never sends, and
// comes back in vegeta.Result.URL, even for a request that failed in
// transport.
func (w *workload) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		w.mu.Lock()
		p := w.plan()
		w.seq++
		id := w.seq
		w.pend[id] = p
		method, path, body := w.request(p)
		w.mu.Unlock()
		t.Method = method
		t.URL = w.base + path + "#" + strconv.FormatUint(id, 10)
		t.Body = body
		t.Header = http.Header{
			"Authorization": {"Bearer " + *w.token.Load()},
			"Content-Type":  {"application/json"},
		}
		return nil
	}
}

// outcome is the answer to one request as the report counts it.
type outcome struct {
	op   op
	code string // "" for a 200, else the API error code or a transport error
}

// done applies a result to the model and classifies it.
func (w *workload) done(r *vegeta.Result) outcome {
	_, frag, _ := strings.Cut(r.URL, "#")
	id, _ := strconv.ParseUint(frag, 10, 64)
	code := resultCode(r)
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.pend[id]
	if !ok {
		return outcome{op: readCustomer, code: "bench: unknown request " + frag}
	}
	delete(w.pend, id)
	w.apply(p, code, r.Body)
	return outcome{op: p.op, code: code}
}

// resultCode is "" for a 200, the code of an error envelope, "HTTP nnn" for
// another answer, or "net: ..." when no answer came.
func resultCode(r *vegeta.Result) string {
	if r.Code == http.StatusOK {
		return ""
	}
	if r.Code == 0 {
		msg := r.Error
		switch {
		case strings.Contains(msg, "Client.Timeout"), strings.Contains(msg, "deadline exceeded"):
			return "net: timeout"
		case strings.Contains(msg, "connection refused"):
			return "net: connection refused"
		case strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"):
			return "net: connection reset"
		}
		return "net: error"
	}
	var env struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &env) == nil && len(env.Errors) > 0 && env.Errors[0].Code != "" {
		return env.Errors[0].Code
	}
	return "HTTP " + strconv.Itoa(int(r.Code))
}

// apply moves the model on by the answer, which ends the request: its
// contact is free for the next write. A request whose outcome is unknown
// (no answer) retires what it touched: the bench no longer knows its
// state.
func (w *workload) apply(p *pending, code string, body []byte) {
	lost := strings.HasPrefix(code, "net:") || strings.HasPrefix(code, "HTTP 5") || code == "EU6001"
	if p.c != nil {
		p.c.busy = false
	}
	if p.op == deleteContact {
		w.freeing--
	}
	switch p.op {
	case postContact:
		switch {
		case code == "":
			id := decodeID(body, "ContactID")
			c := &contact{id: id, slot: p.slot, unknown: p.nPhones, createdI: -1}
			w.addCreated(c)
		case lost, code == "CNT101":
			w.lostSlot++ // maybe (or certainly) taken: never offered again
		default:
			w.free = append(w.free, p.slot)
		}
	case postPhone:
		switch {
		case code == "":
			p.c.phones = append(p.c.phones, decodeID(body, "PhoneID"))
		case code == "CNT103":
			p.c.unknown += 5 - p.c.livePhones() // full after all
		case lost, code == "CST404":
			w.retire(p.c)
		}
	case putContact, putPhone:
		if lost || code == "CST404" {
			w.retire(p.c)
		}
	case deletePhone:
		switch {
		case code == "":
			removePhone(p.c, p.phoneID)
		case code == "CNT103":
			p.c.phones, p.c.unknown = []int64{p.phoneID}, 0 // it was the last
		case lost, code == "CST404":
			w.retire(p.c)
		}
	case deleteContact:
		switch {
		case code == "":
			p.c.dead = true
			w.removeCreated(p.c)
			w.free = append(w.free, p.c.slot)
		case lost:
			w.retire(p.c)
			w.lostSlot++
		case code == "CST404":
			w.retire(p.c)
			w.free = append(w.free, p.c.slot)
		}
	}
}

// retire forgets a contact whose state the bench no longer knows.
func (w *workload) retire(c *contact) {
	c.dead = true
	w.removeCreated(c)
}

func removePhone(c *contact, id int64) {
	for j, pid := range c.phones {
		if pid == id {
			c.phones = append(c.phones[:j], c.phones[j+1:]...)
			return
		}
	}
}

// decodeID reads {"<key>":n}; 0 if it is not there.
func decodeID(body []byte, key string) int64 {
	i := bytes.Index(body, []byte(`"`+key+`":`))
	if i < 0 {
		return 0
	}
	rest := body[i+len(key)+3:]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, _ := strconv.ParseInt(string(rest[:j]), 10, 64)
	return n
}

// substitutions lists the operations sent instead of the drawn ones.
func (w *workload) substitutions() map[[2]op]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make(map[[2]op]int, len(w.subst))
	for k, v := range w.subst {
		m[k] = v
	}
	return m
}

func (w *workload) snapshot() (free, created, lostSlots, inFlight int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.free), len(w.created), w.lostSlot, len(w.pend)
}
