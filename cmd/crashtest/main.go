// Command crashtest kills contactd with SIGKILL under a write load, again
// and again, and then checks that nothing acknowledged was lost: every
// write that got a 200 is in the audit trail, no invariant is broken, and
// replaying the audit trail over the starting data gives exactly the data
// contactd serves.
//
//	go run ./cmd/crashtest            # the short form CI runs
//	go run ./cmd/crashtest -long      # more kills, then every fuzz target for a minute
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactd/contactd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

type config struct {
	kills     int
	workers   int
	minUptime time.Duration
	maxUptime time.Duration
	bin       string
	dir       string
	db        string
	long      bool
	fuzzTime  time.Duration
}

func run() error {
	var cfg config
	flag.IntVar(&cfg.kills, "kills", 4, "how many times to kill contactd with SIGKILL")
	flag.IntVar(&cfg.workers, "workers", 8, "concurrent writers")
	flag.DurationVar(&cfg.minUptime, "min-uptime", 300*time.Millisecond, "shortest time under load before a kill")
	flag.DurationVar(&cfg.maxUptime, "max-uptime", 1500*time.Millisecond, "longest time under load before a kill")
	flag.StringVar(&cfg.bin, "bin", "", "contactd binary (default: build ./cmd/contactd)")
	flag.StringVar(&cfg.dir, "dir", "", "work directory (default: a new temporary one)")
	flag.StringVar(&cfg.db, "db", "", "database: a postgres:// URL whose schema holds nothing yet (default: a new SQLite file)")
	flag.BoolVar(&cfg.long, "long", false, "long form: 20 kills, then each fuzz target for -fuzztime")
	flag.DurationVar(&cfg.fuzzTime, "fuzztime", time.Minute, "how long the long form runs each fuzz target")
	flag.Parse()
	if cfg.long {
		cfg.kills = max(cfg.kills, 20)
	}
	if cfg.dir == "" {
		dir, err := os.MkdirTemp("", "crashtest")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.dir = dir
	}
	if cfg.bin == "" {
		cfg.bin = filepath.Join(cfg.dir, "contactd")
		build := exec.Command("go", "build", "-o", cfg.bin, "./cmd/contactd")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build contactd: %w", err)
		}
	}
	if err := crash(cfg); err != nil {
		return err
	}
	if cfg.long {
		return fuzzAll(cfg.fuzzTime)
	}
	return nil
}

// fuzzTargets are every fuzz target of the repository: package and name.
var fuzzTargets = [][2]string{
	{"./api/", "FuzzValidate"},
	{"./http/", "FuzzRequestBodies"},
	{"./auth/", "FuzzSandboxToken"},
	{".", "FuzzSuiteRules"},
}

func fuzzAll(d time.Duration) error {
	for _, ft := range fuzzTargets {
		fmt.Printf("fuzzing %s %s for %s\n", ft[0], ft[1], d)
		cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+ft[1]+"$", "-fuzztime", d.String(), ft[0])
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("fuzz %s %s: %w", ft[0], ft[1], err)
		}
	}
	return nil
}

// server is one run of contactd.
type server struct {
	cmd  *exec.Cmd
	base string
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func start(cfg config, db string, logs io.Writer) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.bin, "serve", "--sandbox", "--db", db, "--addr", addr, "--log-format", "json")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, errors.New("contactd did not become ready within 15 s")
}

func (s *server) kill() {
	s.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
	s.cmd.Wait()
}

// client talks to whichever contactd runs now.
type client struct {
	http  *http.Client
	token string
	base  atomic.Pointer[string]
	seq   atomic.Int64
}

type answer struct {
	status int
	body   []byte
	reqID  string
}

func (c *client) do(method, path, body string) (answer, error) {
	id := fmt.Sprintf("crash-%d", c.seq.Add(1))
	req, err := http.NewRequest(method, *c.base.Load()+path, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", c.token)
	req.Header.Set("X-Request-ID", id)
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{reqID: id}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: b, reqID: id}, err
}

// The owners the load writes to: sandbox personas the sandbox caller may reach.
var customers = []contactd.CustomerID{
	{Type: contactd.IRD, Value: "069096409"}, {Type: contactd.IRD, Value: "132243158"}, {Type: contactd.IRD, Value: "139369673"},
	{Type: contactd.CST, Value: "1512100301"}, {Type: contactd.CST, Value: "1512150403"},
}

var accounts = []string{
	"069096409EMP003", "069096409INC002", "132243158FAM005", "132243158GST004", "132243158INC003", "132243158INC002",
	"132243158DSB006", "132243158FBT005", "139369673AIL023", "139369673INC003", "139369673REB001",
	"512100301REB001", "512100301INC003", "512100301AIL023",
}

// ledger is what the load saw acknowledged.
type ledger struct {
	mu        sync.Mutex
	acked     map[string]string // request ID -> operation
	contacts  []int64           // contacts created, for later operations
	phones    map[int64][]int64 // phones added, by contact
	names     []int64           // names created
	addresses []int64           // addresses created
	codes     map[string]int    // answers by code
}

func (l *ledger) ack(reqID, op string) {
	l.mu.Lock()
	l.acked[reqID] = op
	l.mu.Unlock()
}

func (l *ledger) count(code string) {
	l.mu.Lock()
	l.codes[code]++
	l.mu.Unlock()
}

func (l *ledger) pick(r *rand.Rand) (contact int64, phone int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.contacts) == 0 {
		return 0, 0
	}
	contact = l.contacts[r.IntN(len(l.contacts))]
	if ps := l.phones[contact]; len(ps) > 0 {
		phone = ps[r.IntN(len(ps))]
	}
	return contact, phone
}

func ownerFields(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		c := customers[r.IntN(len(customers))]
		return fmt.Sprintf(`"CustomerID":%q,"CustomerIDType":%q`, c.Value, c.Type)
	}
	return fmt.Sprintf(`"AccountID":%q,"AccountIDType":"ACC"`, accounts[r.IntN(len(accounts))])
}

func randomPhone(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return fmt.Sprintf(`{"PhoneType":"BSN","Country":"AU","AreaCode":"02","PhoneNumber":"9%07d"}`, r.IntN(1e7))
	}
	return fmt.Sprintf(`{"PhoneType":"CELL","Country":"NZ","PhoneNumber":"021%07d","Extension":"%d"}`, r.IntN(1e7), r.IntN(100))
}

// write sends one random write and records what was acknowledged: a third
// of them to the Address, Name, BIC and Bank APIs, the rest to the Contact
// API.
func write(c *client, l *ledger, r *rand.Rand) {
	contact, phone := l.pick(r)
	var method, path, body, op string
	switch n := r.IntN(100); {
	case n < 33:
		method, path, body, op = writeRecord(l, r)
	case n < 53 || contact == 0:
		method, path, op = "POST", "/gateway/contact/contact", contactd.OpCreateContact
		typ := []string{"PRIMRY", "SCNDRY"}[r.IntN(2)]
		phones := make([]string, 1+r.IntN(2))
		for i := range phones {
			phones[i] = randomPhone(r)
		}
		body = fmt.Sprintf(`{%s,"Contact":{"ContactType":%q,"Name":"Crash %d","Phone":[%s]}}`, ownerFields(r), typ, r.IntN(1e6), strings.Join(phones, ","))
	case n < 70:
		method, path, op = "POST", "/gateway/contact/phone", contactd.OpAddPhone
		body = fmt.Sprintf(`{"ContactID":%d,"Phone":%s}`, contact, randomPhone(r))
	case n < 80:
		method, path, op = "PUT", "/gateway/contact/contact", contactd.OpRenameContact
		body = fmt.Sprintf(`{"ContactID":%d,"Contact":{"Name":"Renamed %d"}}`, contact, r.IntN(1e6))
	case n < 87 && phone != 0:
		method, path, op = "PUT", "/gateway/contact/phone", contactd.OpUpdatePhone
		body = fmt.Sprintf(`{"PhoneID":%d,"Phone":%s}`, phone, randomPhone(r))
	case n < 95 && phone != 0:
		method, path, op = "DELETE", "/gateway/contact/phone", contactd.OpCeasePhone
		body = fmt.Sprintf(`{"PhoneID":%d}`, phone)
	default:
		method, path, op = "DELETE", "/gateway/contact/contact", contactd.OpCeaseContact
		body = fmt.Sprintf(`{"ContactID":%d}`, contact)
	}
	a, err := c.do(method, path, body)
	if err != nil {
		l.count("no answer")
		return
	}
	if a.status != http.StatusOK {
		var env struct{ Errors []struct{ Code string } }
		json.Unmarshal(a.body, &env)
		code := fmt.Sprint(a.status)
		if len(env.Errors) == 1 {
			code = env.Errors[0].Code
		}
		l.count(code)
		return
	}
	l.count("200")
	l.ack(a.reqID, op)
	var ids struct{ ContactID, PhoneID, NameID, AddressID int64 }
	json.Unmarshal(a.body, &ids)
	l.mu.Lock()
	switch op {
	case contactd.OpCreateContact:
		l.contacts = append(l.contacts, ids.ContactID)
	case contactd.OpAddPhone:
		l.phones[contact] = append(l.phones[contact], ids.PhoneID)
	case contactd.RecordOp(contactd.KindName, contactd.VerbCreate):
		l.names = append(l.names, ids.NameID)
	case contactd.RecordOp(contactd.KindAddress, contactd.VerbCreate):
		l.addresses = append(l.addresses, ids.AddressID)
	}
	l.mu.Unlock()
}

func crash(cfg config) error {
	db := cfg.db
	if db == "" {
		db = filepath.Join(cfg.dir, "crash.db")
	}
	logs, err := os.Create(filepath.Join(cfg.dir, "contactd.log"))
	if err != nil {
		return err
	}
	defer logs.Close()
	tok, err := exec.Command(cfg.bin, "token").Output()
	if err != nil {
		return fmt.Errorf("contactd token: %w", err)
	}
	c := &client{http: &http.Client{Timeout: 10 * time.Second}, token: strings.TrimSpace(string(tok))}
	l := &ledger{acked: map[string]string{}, phones: map[int64][]int64{}, codes: map[string]int{}}

	srv, err := start(cfg, db, logs)
	if err != nil {
		return err
	}
	c.base.Store(&srv.base)
	initial, initialRecords, err := snapshot(c)
	if err != nil {
		srv.kill()
		return fmt.Errorf("read the starting data: %w", err)
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for k := 0; k < cfg.kills; k++ {
		var stop atomic.Bool
		var wg sync.WaitGroup
		for w := 0; w < cfg.workers; w++ {
			wr := rand.New(rand.NewPCG(r.Uint64(), uint64(w)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					write(c, l, wr)
				}
			}()
		}
		uptime := cfg.minUptime + time.Duration(r.Int64N(int64(cfg.maxUptime-cfg.minUptime)+1))
		time.Sleep(uptime)
		srv.kill()
		stop.Store(true)
		wg.Wait()
		if srv, err = start(cfg, db, logs); err != nil {
			return fmt.Errorf("restart after kill %d: %w", k+1, err)
		}
		c.base.Store(&srv.base)
	}
	defer srv.kill()
	return verify(c, l, db, initial, initialRecords, cfg)
}

// contactState is one live contact as the read API shows it.
type contactState struct {
	Owner   string
	Type    string
	Name    string
	Phones  map[int64]string // PhoneID -> "type country area number ext"
	Updated string
}

type readContact struct {
	ContactID   int64
	ContactType string
	Name        string
	Updated     string
	Phone       []struct {
		PhoneID                                              int64
		PhoneType, Country, AreaCode, PhoneNumber, Extension string
	}
}

func phoneKey(typ, country, area, number, ext string) string {
	return strings.Join([]string{typ, country, area, number, ext}, " ")
}

// snapshot reads every live contact and record of the load's owners
// through the API.
func snapshot(c *client) (map[int64]contactState, map[string]recordState, error) {
	out := map[int64]contactState{}
	records := map[string]recordState{}
	add := func(owner string, cs []readContact) {
		for _, rc := range cs {
			st := contactState{Owner: owner, Type: rc.ContactType, Name: rc.Name, Updated: rc.Updated, Phones: map[int64]string{}}
			for _, p := range rc.Phone {
				st.Phones[p.PhoneID] = phoneKey(p.PhoneType, p.Country, p.AreaCode, p.PhoneNumber, p.Extension)
			}
			out[rc.ContactID] = st
		}
	}
	for _, cu := range customers {
		a, err := c.do("POST", "/gateway/customer/customer", fmt.Sprintf(`{"CustomerID":%q,"CustomerIDType":%q}`, cu.Value, cu.Type))
		if err != nil || a.status != 200 {
			return nil, nil, fmt.Errorf("customer %s: %d %s %v", cu.Value, a.status, a.body, err)
		}
		var v struct {
			Customer struct {
				Contact []readContact
				readRecords
			}
		}
		if err := json.Unmarshal(a.body, &v); err != nil {
			return nil, nil, err
		}
		add(contactd.CustomerRef(cu), v.Customer.Contact)
		addRecords(records, contactd.CustomerRef(cu), v.Customer.readRecords)
	}
	for _, acc := range accounts {
		a, err := c.do("POST", "/gateway/account/account", fmt.Sprintf(`{"AccountID":%q,"AccountIDType":"ACC"}`, acc))
		if err != nil || a.status != 200 {
			return nil, nil, fmt.Errorf("account %s: %d %s %v", acc, a.status, a.body, err)
		}
		var v struct {
			Account struct {
				Contact []readContact
				readRecords
			}
		}
		if err := json.Unmarshal(a.body, &v); err != nil {
			return nil, nil, err
		}
		add("ACC:"+acc, v.Account.Contact)
		addRecords(records, "ACC:"+acc, v.Account.readRecords)
	}
	return out, records, nil
}

// replay applies the audit trail to the starting data.
func replay(initial map[int64]contactState, initialRecords map[string]recordState, recs []contactd.AuditRecord) (map[int64]contactState, map[string]recordState, error) {
	records := maps.Clone(initialRecords)
	state := map[int64]contactState{}
	for id, st := range initial {
		phones := map[int64]string{}
		for k, v := range st.Phones {
			phones[k] = v
		}
		st.Phones = phones
		state[id] = st
	}
	for _, r := range recs {
		owner := contactd.CustomerRef(r.Customer)
		if r.AccountID != "" {
			owner = "ACC:" + r.AccountID
		}
		if r.RecordID != 0 {
			if err := replayRecord(records, owner, r); err != nil {
				return nil, nil, err
			}
			continue
		}
		switch r.Operation {
		case contactd.OpCreateContact:
			var v contactd.ContactValues
			if err := json.Unmarshal(r.After, &v); err != nil {
				return nil, nil, err
			}
			st := contactState{Owner: owner, Type: string(v.ContactType), Name: v.Name, Phones: map[int64]string{}}
			for _, p := range v.Phone {
				st.Phones[p.PhoneID] = phoneKey(string(p.PhoneType), p.Country, p.AreaCode, p.PhoneNumber, p.Extension)
			}
			state[r.ContactID] = st
		case contactd.OpRenameContact:
			var v contactd.ContactValues
			if err := json.Unmarshal(r.After, &v); err != nil {
				return nil, nil, err
			}
			st := state[r.ContactID]
			st.Name = v.Name
			state[r.ContactID] = st
		case contactd.OpCeaseContact:
			delete(state, r.ContactID)
		case contactd.OpAddPhone, contactd.OpUpdatePhone:
			var p contactd.PhoneValues
			if err := json.Unmarshal(r.After, &p); err != nil {
				return nil, nil, err
			}
			state[r.ContactID].Phones[r.PhoneID] = phoneKey(string(p.PhoneType), p.Country, p.AreaCode, p.PhoneNumber, p.Extension)
		case contactd.OpCeasePhone:
			delete(state[r.ContactID].Phones, r.PhoneID)
		default:
			return nil, nil, fmt.Errorf("audit record %d: unknown operation %q", r.Seq, r.Operation)
		}
	}
	return state, records, nil
}

func verify(c *client, l *ledger, db string, initial map[int64]contactState, initialRecords map[string]recordState, cfg config) error {
	now, nowRecords, err := snapshot(c)
	if err != nil {
		return err
	}
	recs, err := readAudit(cfg.bin, db)
	if err != nil {
		return err
	}
	var problems []string
	audited := map[string]string{}
	for _, r := range recs {
		audited[r.RequestID] = r.Operation
	}
	// 1. Every acknowledged write is there.
	for reqID, op := range l.acked {
		if prefix, wildcard := strings.CutSuffix(op, "*"); wildcard && strings.HasPrefix(audited[reqID], prefix) {
			continue
		}
		if audited[reqID] != op {
			problems = append(problems, fmt.Sprintf("acknowledged %s %s is missing from the audit trail", op, reqID))
		}
	}
	// 2. No invariant is broken.
	perOwnerType := map[string]int{}
	for id, st := range now {
		if n := len(st.Phones); n < contactd.MinPhones || n > contactd.MaxPhones {
			problems = append(problems, fmt.Sprintf("contact %d has %d phones", id, n))
		}
		perOwnerType[st.Owner+" "+st.Type]++
	}
	for k, n := range perOwnerType {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("%s has %d live contacts of one type", k, n))
		}
	}
	problems = append(problems, recordProblems(nowRecords)...)
	// 3. The audit trail, replayed over the starting data, is the data.
	replayed, replayedRecords, err := replay(initial, initialRecords, recs)
	if err != nil {
		return err
	}
	for k := range nowRecords {
		if _, ok := replayedRecords[k]; !ok {
			replayedRecords[k] = recordState{} // so that the loop below sees it
		}
	}
	for k, b := range replayedRecords {
		if a := nowRecords[k]; a != b {
			problems = append(problems, fmt.Sprintf("%s: served %+v, audit gives %+v", k, a, b))
		}
	}
	for id := range union(now, replayed) {
		a, b := now[id], replayed[id]
		if a.Owner != b.Owner || a.Type != b.Type || a.Name != b.Name || fmt.Sprint(a.Phones) != fmt.Sprint(b.Phones) {
			problems = append(problems, fmt.Sprintf("contact %d: served %+v, audit gives %+v", id, a, b))
		}
	}
	codes := make([]string, 0, len(l.codes))
	for code, n := range l.codes {
		codes = append(codes, fmt.Sprintf("%s=%d", code, n))
	}
	sort.Strings(codes)
	fmt.Printf("crashtest: %d kills with SIGKILL, %d acknowledged writes checked, %d audit records, %d live contacts, %d live records; answers: %s\n",
		cfg.kills, len(l.acked), len(recs), len(now), len(nowRecords), strings.Join(codes, " "))
	if len(problems) > 0 {
		var b bytes.Buffer
		for _, p := range problems {
			fmt.Fprintln(&b, " -", p)
		}
		return fmt.Errorf("%d problems:\n%s", len(problems), b.String())
	}
	if len(l.acked) == 0 {
		return errors.New("no write was acknowledged: the load did not run")
	}
	fmt.Println("crashtest: no acknowledged write missing, no invariant broken, audit trail matches the data")
	return nil
}

// readAudit reads the whole audit trail as an operator would, with
// `contactd audit --format json`.
func readAudit(bin, db string) ([]contactd.AuditRecord, error) {
	cmd := exec.Command(bin, "audit", "--db", db, "--format", "json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("contactd audit: %w: %s", err, stderr.String())
	}
	var recs []contactd.AuditRecord
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var line struct {
			Seq           int64
			Operation     string
			ContactID     int64 `json:"contact_id"`
			PhoneID       int64 `json:"phone_id"`
			RecordID      int64 `json:"record_id"`
			Customer      string
			AccountID     string `json:"account_id"`
			RequestID     string `json:"request_id"`
			Before, After json.RawMessage
		}
		if err := dec.Decode(&line); err != nil {
			return nil, fmt.Errorf("contactd audit: %w", err)
		}
		customer, err := contactd.ParseCustomerRef(line.Customer)
		if err != nil {
			return nil, fmt.Errorf("audit record %d: %w", line.Seq, err)
		}
		recs = append(recs, contactd.AuditRecord{Seq: line.Seq, Operation: line.Operation, ContactID: line.ContactID,
			PhoneID: line.PhoneID, RecordID: line.RecordID, Customer: customer, AccountID: line.AccountID, RequestID: line.RequestID,
			Before: line.Before, After: line.After})
	}
	return recs, nil
}

func union(a, b map[int64]contactState) map[int64]bool {
	u := map[int64]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}
