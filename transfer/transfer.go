package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

// Read returns the customer with the ID as a record: what the customer
// read shows of it, and what the account read shows of each of its
// accounts, in the order they were added.
func Read(ctx context.Context, s contactd.Store, id contactd.CustomerID) (contactd.CustomerRecord, error) {
	c, contacts, err := s.CustomerContacts(ctx, id)
	if err != nil {
		return contactd.CustomerRecord{}, err
	}
	r := contactd.CustomerRecord{Customer: c, Contacts: contacts}
	accounts, err := s.CustomerAccounts(ctx, c.Key)
	if err != nil {
		return r, err
	}
	for _, a := range accounts {
		acc, contacts, err := s.AccountContacts(ctx, a.ID)
		if err != nil {
			return r, err
		}
		r.Accounts = append(r.Accounts, contactd.AccountRecord{Account: acc, Contacts: contacts})
	}
	return r, nil
}

// exportPage is how many customers Export lists at a time.
const exportPage = 1000

// Export writes every customer of the store, in the order they were added,
// one line each, and returns how many it wrote. It reads customer by
// customer: each line is consistent in itself, and a customer added while
// it runs may or may not be in it (export a backup for a copy of one
// instant). progress, if set, is called after each page.
func Export(ctx context.Context, s contactd.Store, l contactd.CustomerLister, w io.Writer, progress func(customers int)) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	n := 0
	for after := int64(0); ; {
		page, err := l.CustomersAfter(ctx, after, exportPage)
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			r, err := Read(ctx, s, c.ID)
			if err != nil {
				return n, fmt.Errorf("customer %s: %w", contactd.CustomerRef(c.ID), err)
			}
			if line, err = Append(line[:0], r); err != nil {
				return n, err
			}
			if _, err := bw.Write(line); err != nil {
				return n, err
			}
			n++
		}
		after = page[len(page)-1].Key
		if progress != nil {
			progress(n)
		}
	}
	return n, bw.Flush()
}

// Existing says what Import does with a line whose customer the store
// already holds.
type Existing string

// The choices for Existing.
const (
	// ExistingRefuse refuses the line.
	ExistingRefuse Existing = "refuse"
	// ExistingMerge adds what the store lacks: accounts it does not hold,
	// and contacts (with their phones) whose ContactID it does not hold
	// live for that owner. What it holds stays as it is: profiles, and
	// contacts and phones it already has.
	ExistingMerge Existing = "merge"
	// ExistingReplace makes what the store holds of the customer what
	// the line says, in one transaction with its audit records
	// (contactd.PlanReplace says how); accounts the line does not name
	// are left as they are.
	ExistingReplace Existing = "replace"
)

// ImportCaller is the caller of the changes an import records in the
// audit trail (a replace's).
var ImportCaller = contactd.Caller{Subject: "contactd import"}

// ImportOptions says how Import runs.
type ImportOptions struct {
	// DryRun checks every line and writes nothing.
	DryRun bool
	// Parse says how lines are checked.
	Parse ParseOptions
	// Existing is ExistingRefuse when empty.
	Existing Existing
	// Batch is the number of lines written in one transaction;
	// DefaultBatch when 0.
	Batch int
	// Refused, if set, is told each refused line.
	Refused func(line int, err error)
	// Progress, if set, is told the counts after each batch.
	Progress func(ImportResult)
}

// DefaultBatch is the lines Import writes in one transaction.
const DefaultBatch = 5000

// maxLine bounds one line.
const maxLine = 16 << 20

// ImportResult counts what Import did.
type ImportResult struct {
	Lines    int // lines read, blank ones included
	Imported int // new customers written (or, in a dry run, found valid)
	Merged   int // held customers merged into
	Replaced int // held customers replaced
	Refused  int // lines refused
}

// item is one line read: its record, or why it was refused.
type item struct {
	line int
	rec  contactd.CustomerRecord
	err  error
}

// Import reads JSON lines from r and adds each customer with its accounts,
// contacts and phones, keeping their identifiers; the store's ID sequence
// moves above every ContactID and PhoneID written. A refused line (Parse's
// rules, or a customer, account, contact or phone ID the store already
// holds) writes nothing and is reported to opts.Refused; the other lines
// are written. Lines are written opts.Batch at a time, each batch in one
// transaction; a batch that the store refuses as a whole is split in
// halves until the lines at fault are found alone. Records the lines give
// no ID for (the reads show none for BIC codes and bank accounts) are
// written last, with IDs above every ID of the input, and so are the
// replaces of held customers (ExistingReplace), each in a transaction of
// its own. Memory does not grow with the input. The error is for what
// stops the import (reading r, the store failing); refused lines are
// counted in the result.
func Import(ctx context.Context, s contactd.Store, r io.Reader, opts ImportOptions) (ImportResult, error) {
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Existing == "" {
		opts.Existing = ExistingRefuse
	}
	switch opts.Existing {
	case ExistingRefuse, ExistingMerge, ExistingReplace:
	default:
		return ImportResult{}, fmt.Errorf("existing customers: %q is not refuse, merge or replace", opts.Existing)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Reading and checking lines runs beside the writes to the store.
	batches := make(chan []item, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- readBatches(ctx, r, opts.Batch, opts.Parse, batches)
	}()
	im := importer{store: s, opts: opts}
	var err error
	for batch := range batches {
		if err == nil {
			err = im.write(ctx, batch)
			if opts.Progress != nil {
				opts.Progress(im.res)
			}
			if err != nil {
				cancel() // stop the reader; drain what it sent
			}
		}
	}
	if err == nil {
		err = <-readErr
	}
	if err == nil {
		err = im.finish(ctx)
	}
	im.close()
	return im.res, err
}

// readBatches reads the lines of r and sends them, batch at a time and in
// the order read, each batch parsed by one of GOMAXPROCS goroutines: the
// checks then keep ahead of the writer with CPU to spare, and a dry run
// checks on every core (docs/performance.md, R10).
func readBatches(ctx context.Context, r io.Reader, batch int, po ParseOptions, out chan<- []item) error {
	type job struct {
		first int // the line number of lines[0]
		lines [][]byte
		items chan []item // buffered: a worker never waits
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job)
	order := make(chan chan []item, 1) // the batches being parsed, in order
	forwarded := make(chan struct{})
	for range workers {
		go func() {
			for j := range jobs {
				items := make([]item, len(j.lines))
				for i, b := range j.lines {
					items[i].line = j.first + i
					if len(b) > 0 {
						items[i].rec, items[i].err = Parse(b, po)
					}
				}
				j.items <- items
			}
		}()
	}
	go func() {
		defer close(forwarded)
		for next := range order {
			items := <-next
			select {
			case out <- items:
			case <-ctx.Done():
			}
		}
	}()
	defer func() {
		close(jobs)
		close(order)
		<-forwarded
	}()

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var (
		buf   []byte // the batch's lines, end to end
		ends  []int
		first = 1
	)
	send := func() bool {
		j := job{first: first, lines: make([][]byte, len(ends)), items: make(chan []item, 1)}
		start := 0
		for i, end := range ends {
			j.lines[i] = buf[start:end:end]
			start = end
		}
		first += len(ends)
		buf, ends = nil, ends[:0]
		select {
		case jobs <- j:
		case <-ctx.Done():
			return false
		}
		select {
		case order <- j.items:
			return true
		case <-ctx.Done():
			return false
		}
	}
	line := 0
	for sc.Scan() {
		line++
		buf = append(buf, sc.Bytes()...)
		ends = append(ends, len(buf))
		if len(ends) == batch && !send() {
			return ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes", line+1, maxLine)
		}
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(ends) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

type importer struct {
	store contactd.Store
	opts  ImportOptions
	res   ImportResult
	// later holds the records without an ID of the lines written, one
	// JSON line each, until every line is (a temporary file: memory does
	// not grow with the input).
	later   *os.File
	laterW  *bufio.Writer
	pending int
	// replaces holds the lines of held customers to replace, one JSON
	// line each, until every other line is written (a temporary file);
	// maxID is the highest ID of every line read.
	replaces  *os.File
	replacesW *bufio.Writer
	maxID     int64
	mu        sync.Mutex // the result and Refused, while replaces run at once
}

// tempFile is a temporary file, gone with the process, and its writer.
func tempFile() (*os.File, *bufio.Writer, error) {
	f, err := os.CreateTemp("", "contactd-import-*.jsonl")
	if err != nil {
		return nil, nil, err
	}
	os.Remove(f.Name()) // gone with the process; kept open until then
	return f, bufio.NewWriter(f), nil
}

// close closes the temporary files.
func (im *importer) close() {
	for _, f := range []*os.File{im.later, im.replaces} {
		if f != nil {
			f.Close()
		}
	}
}

// laterRecord is a record without an ID as the temporary file holds it.
type laterRecord struct {
	Customer string
	Account  string `json:",omitempty"`
	Kind     contactd.Kind
	Key      string
	Fields   json.RawMessage
}

// postpone keeps records without an ID for finish.
func (im *importer) postpone(records []contactd.SeedRecord) error {
	if len(records) == 0 {
		return nil
	}
	if im.later == nil {
		var err error
		if im.later, im.laterW, err = tempFile(); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(im.laterW)
	enc.SetEscapeHTML(false) // fields as they are
	for _, sr := range records {
		if err := enc.Encode(laterRecord{contactd.CustomerRef(sr.Owner.Customer), sr.Owner.AccountID, sr.Record.Kind,
			sr.Record.Key, sr.Record.Fields}); err != nil {
			return err
		}
		im.pending++
	}
	return nil
}

// finish writes the records without an ID, now that the ID sequence is
// above every ID of the input, batch at a time; then it replaces the held
// customers.
func (im *importer) finish(ctx context.Context) error {
	if err := im.finishLater(ctx); err != nil {
		return err
	}
	return im.finishReplaces(ctx)
}

func (im *importer) finishLater(ctx context.Context) error {
	if im.later == nil {
		return nil
	}
	if err := im.laterW.Flush(); err != nil {
		return err
	}
	if _, err := im.later.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sc := bufio.NewScanner(im.later)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var d contactd.Dataset
	flush := func() error {
		if len(d.Records) == 0 {
			return nil
		}
		err := im.store.Load(ctx, d)
		d.Records = d.Records[:0]
		return err
	}
	for sc.Scan() {
		var lr laterRecord
		if err := json.Unmarshal(sc.Bytes(), &lr); err != nil {
			return err
		}
		id, err := contactd.ParseCustomerRef(lr.Customer)
		if err != nil {
			return err
		}
		d.Records = append(d.Records, contactd.SeedRecord{Owner: contactd.OwnerRef{Customer: id, AccountID: lr.Account},
			Record: contactd.Record{Kind: lr.Kind, Key: lr.Key, Fields: lr.Fields}})
		if len(d.Records) == im.opts.Batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

func (im *importer) refused(line int, err error) {
	im.res.Refused++
	if im.opts.Refused != nil {
		im.opts.Refused(line, err)
	}
}

// write writes a batch: in one transaction, or, when the store refuses
// it whole, each half the same way, down to single lines, so that a bad
// line among many costs a few transactions more, not one a line.
func (im *importer) write(ctx context.Context, batch []item) error {
	var good []item
	for _, it := range batch {
		im.res.Lines++
		switch {
		case it.err != nil:
			im.refused(it.line, it.err)
		case it.rec.Customer.ID == (contactd.CustomerID{}):
			// a blank line
		default:
			good = append(good, it)
			if im.opts.Existing == ExistingReplace {
				im.maxID = max(im.maxID, contactd.ReplaceMaxID(it.rec))
			}
		}
	}
	if im.opts.DryRun {
		im.res.Imported += len(good)
		return nil
	}
	return im.writeSplit(ctx, good, false)
}

// writeSplit writes items in one transaction; when the store refuses
// them, the lines of customers it holds go one by one (refused, merged or
// replaced: writeOne) unless heldOut says they are, and the others are written
// again in halves. A batch of many held customers, as a merge or replace
// brings, would otherwise be halved down to each of them.
func (im *importer) writeSplit(ctx context.Context, items []item, heldOut bool) error {
	switch len(items) {
	case 0:
		return nil
	case 1:
		return im.writeOne(ctx, items[0])
	}
	var d contactd.Dataset
	var later []contactd.SeedRecord
	for _, it := range items {
		addRecord(&d, &later, it.rec, true, nil)
	}
	err := im.store.Load(ctx, d)
	if err == nil {
		im.res.Imported += len(items)
		return im.postpone(later)
	}
	if ctx.Err() != nil {
		return err
	}
	if !heldOut {
		var fresh []item
		for _, it := range items {
			_, err := im.store.Customer(ctx, it.rec.Customer.ID)
			switch {
			case err == nil:
				if err := im.writeOne(ctx, it); err != nil {
					return err
				}
			case contactd.ErrorCode(err) == contactd.CST404:
				fresh = append(fresh, it)
			default:
				return err
			}
		}
		if len(fresh) < len(items) {
			return im.writeSplit(ctx, fresh, true)
		}
	}
	half := len(items) / 2
	if err := im.writeSplit(ctx, items[:half], true); err != nil {
		return err
	}
	return im.writeSplit(ctx, items[half:], true)
}

// writeOne writes one line in a transaction of its own, after finding out
// what the store already holds of it, so that a refusal names the field.
func (im *importer) writeOne(ctx context.Context, it item) error {
	rec := it.rec
	held, err := Read(ctx, im.store, rec.Customer.ID)
	merge := false
	switch {
	case err == nil && im.opts.Existing == ExistingMerge:
		merge = true
	case err == nil && im.opts.Existing == ExistingReplace:
		return im.deferReplace(it)
	case err == nil:
		im.refused(it.line, refuse(fieldID, contactd.EV1100, "customer "+contactd.CustomerRef(rec.Customer.ID)+
			" is already held (merge into it with --existing=merge, or replace it with --existing=replace)"))
		return nil
	case contactd.ErrorCode(err) != contactd.CST404:
		return err
	}
	var d contactd.Dataset
	skip, ferr := im.conflicts(ctx, rec, held, merge)
	if ferr != nil {
		if contactd.ErrorCode(ferr) == contactd.EU6001 && !isFieldError(ferr) {
			return ferr
		}
		im.refused(it.line, ferr)
		return nil
	}
	var later []contactd.SeedRecord
	addRecord(&d, &later, rec, !merge, skip)
	if err := im.store.Load(ctx, d); err != nil {
		if ctx.Err() != nil || im.store.Ping(ctx) != nil {
			return err
		}
		// what the checks above cannot see, such as an ID a ceased
		// contact or phone holds
		code := contactd.ErrorCode(err)
		if code == contactd.EU6001 {
			code = contactd.EV1100
		}
		im.refused(it.line, refuse("", code, err.Error()))
		return nil
	}
	if merge {
		im.res.Merged++
	} else {
		im.res.Imported++
	}
	return im.postpone(later)
}

func isFieldError(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe)
}

// skipSet is what a merge leaves out of a line because the store holds it:
// accounts by ID, contacts by ID.
type skipSet struct {
	accounts map[string]bool
	contacts map[int64]bool
	records  map[recordSlot]bool
}

// recordSlot is where an owner holds at most one live record.
type recordSlot struct {
	account string // "" for the customer
	kind    contactd.Kind
	key     string
}

// conflicts checks the line's identifiers against what the store holds
// (held is the customer's record when merging) and returns what a merge
// leaves out, or the refusal naming the first field at fault.
func (im *importer) conflicts(ctx context.Context, rec, held contactd.CustomerRecord, merge bool) (*skipSet, error) {
	skip := &skipSet{accounts: map[string]bool{}, contacts: map[int64]bool{}, records: map[recordSlot]bool{}}
	heldOwner := map[string]map[contactd.ContactType]int64{} // owner account ID ("" for the customer) -> live contact IDs by type
	note := func(account string, contacts []contactd.Contact) {
		m := map[contactd.ContactType]int64{}
		for _, c := range contacts {
			m[c.Type] = c.ID
		}
		heldOwner[account] = m
	}
	if merge {
		note("", held.Contacts)
		for _, r := range held.Customer.Records {
			skip.records[recordSlot{"", r.Kind, r.Key}] = true
		}
		for _, a := range held.Accounts {
			skip.accounts[a.Account.ID] = true
			note(a.Account.ID, a.Contacts)
			for _, r := range a.Account.Records {
				skip.records[recordSlot{a.Account.ID, r.Kind, r.Key}] = true
			}
		}
	}
	check := func(path, account string, contacts []contactd.Contact) error {
		for i, c := range contacts {
			at := path + "[" + strconv.Itoa(i) + "]"
			if byType, ok := heldOwner[account]; ok {
				if id, live := byType[c.Type]; live {
					if id == c.ID {
						skip.contacts[c.ID] = true // held: the merge leaves it as it is
						continue
					}
					return refuse(at+".ContactType", contactd.CNT101, "the customer holds contact "+strconv.FormatInt(id, 10)+" of this type")
				}
			}
			if c.ID != 0 {
				if _, err := im.store.ContactOwner(ctx, c.ID); err == nil {
					return refuse(at+".ContactID", contactd.EV1100, "ID "+strconv.FormatInt(c.ID, 10)+" is already held")
				} else if contactd.ErrorCode(err) != contactd.CST404 {
					return err
				}
			}
			for j, p := range c.Phones {
				if p.ID == 0 {
					continue
				}
				if _, err := im.store.PhoneOwner(ctx, p.ID); err == nil {
					return refuse(at+".Phone["+strconv.Itoa(j)+"].PhoneID", contactd.EV1100, "ID "+strconv.FormatInt(p.ID, 10)+" is already held")
				} else if contactd.ErrorCode(err) != contactd.CST404 {
					return err
				}
			}
		}
		return nil
	}
	if err := check(fieldContact, "", rec.Contacts); err != nil {
		return nil, err
	}
	for i, a := range rec.Accounts {
		path := "Accounts[" + strconv.Itoa(i) + "]"
		if !skip.accounts[a.Account.ID] {
			if other, err := im.store.Account(ctx, a.Account.ID); err == nil {
				return nil, refuse(path+"."+fieldID, contactd.EV1100, "account "+a.Account.ID+" is held by customer "+contactd.CustomerRef(other.Customer))
			} else if contactd.ErrorCode(err) != contactd.CST404 {
				return nil, err
			}
		}
		if err := check(path+"."+fieldContact, a.Account.ID, a.Contacts); err != nil {
			return nil, err
		}
	}
	return skip, nil
}

// addRecord adds a customer's line to a dataset: the customer itself when
// withCustomer, and its accounts, contacts and records less what skip
// leaves out (what a merge finds held: accounts, contacts by ID, records
// by kind and key).
//
// Records without an ID (the reads show none for BIC codes and bank
// accounts) go to later instead: an ID issued for one now could be one a
// later line carries, so they are written once every line is
// (importer.postpone).
func addRecord(d *contactd.Dataset, later *[]contactd.SeedRecord, r contactd.CustomerRecord, withCustomer bool, skip *skipSet) {
	id := r.Customer.ID
	if withCustomer {
		d.Customers = append(d.Customers, contactd.Customer{ID: id, Profile: r.Customer.Profile})
	}
	addRecords := func(owner contactd.OwnerRef, records []contactd.Record) {
		for _, rec := range records {
			if skip != nil && skip.records[recordSlot{owner.AccountID, rec.Kind, rec.Key}] {
				continue
			}
			sr := contactd.SeedRecord{Owner: owner, Record: rec}
			if rec.ID == 0 {
				*later = append(*later, sr)
				continue
			}
			d.Records = append(d.Records, sr)
		}
	}
	addRecords(contactd.OwnerRef{Customer: id}, r.Customer.Records)
	addContacts := func(owner contactd.OwnerRef, contacts []contactd.Contact) {
		for _, c := range contacts {
			if skip != nil && c.ID != 0 && skip.contacts[c.ID] {
				continue
			}
			d.Contacts = append(d.Contacts, contactd.SeedContact{Owner: owner, Contact: c})
		}
	}
	addContacts(contactd.OwnerRef{Customer: id}, r.Contacts)
	for _, a := range r.Accounts {
		if skip == nil || !skip.accounts[a.Account.ID] {
			d.Accounts = append(d.Accounts, a.Account)
		}
		addContacts(contactd.OwnerRef{Customer: id, AccountID: a.Account.ID}, a.Contacts)
		addRecords(contactd.OwnerRef{Customer: id, AccountID: a.Account.ID}, a.Account.Records)
	}
}

// replaceLine is a line to replace as the temporary file holds it.
type replaceLine struct {
	Line int
	Rec  contactd.CustomerRecord
}

// deferReplace keeps a line of a held customer for finishReplaces.
//
// Replaces come last, after every other line, so that the IDs a replace
// issues (for a bank account or BIC code the store does not hold) are
// above every ID of the input: a later line's IDs are not known before
// it is read.
func (im *importer) deferReplace(it item) error {
	if im.replaces == nil {
		var err error
		if im.replaces, im.replacesW, err = tempFile(); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(im.replacesW)
	enc.SetEscapeHTML(false) // profiles and fields as they are
	return enc.Encode(replaceLine{it.line, it.rec})
}

// replaceWorkers is how many replaces run at once. A replace is a few
// reads and writes and a commit: run one at a time, each waited for its
// own commit; at once, the store commits them together (SQLite's group
// commit) or side by side (PostgreSQL).
const replaceWorkers = 8

// finishReplaces replaces the held customers: those of each customer in
// the order of their lines, different customers at once.
func (im *importer) finishReplaces(ctx context.Context) error {
	if im.replaces == nil {
		return nil
	}
	if err := im.replacesW.Flush(); err != nil {
		return err
	}
	if _, err := im.replaces.Seek(0, io.SeekStart); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		firstErr error
		once     sync.Once
	)
	queues := make([]chan item, replaceWorkers)
	for w := range queues {
		queues[w] = make(chan item, 16)
		wg.Go(func() {
			for it := range queues[w] {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := im.replace(ctx, it); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
	sc := bufio.NewScanner(im.replaces)
	sc.Buffer(make([]byte, 0, 64<<10), 2*maxLine)
	var err error
	for err == nil && ctx.Err() == nil && sc.Scan() {
		var rl replaceLine
		if err = json.Unmarshal(sc.Bytes(), &rl); err == nil {
			h := fnv.New32a()
			h.Write([]byte(contactd.CustomerRef(rl.Rec.Customer.ID)))
			queues[h.Sum32()%replaceWorkers] <- item{line: rl.Line, rec: rl.Rec}
		}
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err != nil {
		return err
	}
	return sc.Err()
}

// replace replaces a held customer by the line, in one transaction of
// the store's (contactd.PlanReplace).
func (im *importer) replace(ctx context.Context, it item) error {
	ch := contactd.Change{Time: time.Now(), Caller: ImportCaller, RequestID: "import line " + strconv.Itoa(it.line)}
	err := im.store.ReplaceCustomer(ctx, it.rec, im.maxID, ch)
	im.mu.Lock() // replaces run at once (finishReplaces)
	defer im.mu.Unlock()
	if err == nil {
		im.res.Replaced++
		return nil
	}
	var rr *contactd.ReplaceRefusal
	if errors.As(err, &rr) {
		im.refused(it.line, refuse(replacePath(it.rec, rr), rr.Err.Code, rr.Reason))
		return nil
	}
	code := contactd.ErrorCode(err)
	if code == contactd.EU6001 && (ctx.Err() != nil || im.store.Ping(ctx) != nil) {
		return err
	}
	if code == contactd.EU6001 {
		code = contactd.EV1100
	}
	im.refused(it.line, refuse("", code, err.Error()))
	return nil
}

// replacePath is the field of the line that a replace's refusal names.
func replacePath(rec contactd.CustomerRecord, rr *contactd.ReplaceRefusal) string {
	prefix := ""
	records := rec.Customer.Records
	if rr.Account != "" {
		for i, a := range rec.Accounts {
			if a.Account.ID == rr.Account {
				prefix = api.RecordAccountsField + "[" + strconv.Itoa(i) + "]."
				records = a.Account.Records
			}
		}
	}
	switch rr.Item {
	case "account":
		return prefix + rr.Field
	case "contact":
		return prefix + fieldContact + "[" + strconv.Itoa(rr.Index) + "]." + rr.Field
	case "phone":
		return prefix + fieldContact + "[" + strconv.Itoa(rr.Index) + "].Phone[" + strconv.Itoa(rr.Phone) + "]." + rr.Field
	case "record":
		if rr.Index >= len(records) {
			break
		}
		kind := records[rr.Index].Kind
		v := views[kind]
		if v.Field == "" {
			return strings.TrimSuffix(prefix, ".")
		}
		k := 0
		for _, r := range records[:rr.Index] {
			if r.Kind == kind {
				k++
			}
		}
		field := rr.Field
		if field == fieldID && v.IDField != "" {
			field = v.IDField
		}
		return prefix + v.Field + "[" + strconv.Itoa(k) + "]." + field
	}
	return strings.TrimSuffix(prefix, ".")
}
