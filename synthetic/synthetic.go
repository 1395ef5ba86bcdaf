// Package synthetic generates deterministic customers, accounts, contacts
// and phones for load tests: any number of customers up to MaxCustomers,
// reproducible from a seed, so that a load generator can regenerate the
// identifiers a database was seeded with instead of reading them back.
//
// Customer i of a seed has:
//
//   - a valid, unique IRD number (in range, check digit valid), never one of
//     the sandbox personas', so both data sets can live in one database;
//   - two accounts, <ird>INC001 and <ird>GST001;
//   - a customer-level PRIMRY contact with one or two NZ phones;
//   - an account-level SCNDRY contact on the INC account with one or two
//     NZ phones;
//   - a small profile (an individual or, one in seven, a company), its
//     legal name and its physical (LOC) address as records, and small
//     account profiles.
//
// Contact and phone IDs are fixed by the customer's index: customer i uses
// IDs from IDBase+i*IDsPerCustomer on (contact, its phones, contact, its
// phones), above every sandbox persona ID. Everything else derives from
// (seed, i), so a customer can be regenerated alone.
package synthetic

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/sandbox"
)

// IDBase is the first contact or phone ID a synthetic customer uses. It lies
// above every sandbox persona ID (the highest is 9,005,454,545,845) and the
// IDs the sandbox issues after them for a long time.
const IDBase int64 = 10_000_000_000_000

// IDsPerCustomer is the block of IDs each customer owns: PRIMRY at +0 with
// phones at +1, +2; SCNDRY at +3 with phones at +4, +5; the legal name at
// +6 and the LOC address at +7.
const IDsPerCustomer = 8

// The IRD numbers are drawn from the 8-digit bases (the number without its
// check digit) in [baseLo, baseHi): IRD = base*10 + check digit, which keeps
// every number inside the valid range 10,000,000 to 150,000,000.
const (
	baseLo = 1_000_000
	baseHi = 15_000_000
	nBases = baseHi - baseLo // 14,000,000 = 2^7 * 5^6 * 7
	// baseStride is coprime with nBases, so k -> (k*baseStride + offset) mod
	// nBases visits every base exactly once.
	baseStride = 9_999_991
)

// MaxCustomers is the most customers one seed can give: the number of
// 8-digit bases with a valid check digit, less the personas'. It is a
// lower bound good enough to check requests against.
const MaxCustomers = 12_000_000

// Generator produces the synthetic customers of one seed.
type Generator struct {
	seed int64
	irds []uint32 // customer i's IRD number
}

// New returns the generator of the first n customers of seed. It computes
// their IRD numbers (4 bytes each) up front; nothing else is kept.
func New(n int, seed int64) (*Generator, error) {
	if n < 0 || n > MaxCustomers {
		return nil, fmt.Errorf("synthetic: %d customers: want 0 to %d", n, MaxCustomers)
	}
	excluded := personaNumbers()
	g := &Generator{seed: seed, irds: make([]uint32, 0, n)}
	offset := uint64(mix(uint64(seed), 0x9e3779b97f4a7c15) % nBases)
	for k := uint64(0); len(g.irds) < n; k++ {
		if k >= nBases {
			return nil, fmt.Errorf("synthetic: ran out of IRD numbers after %d customers", len(g.irds))
		}
		base := baseLo + (k*baseStride+offset)%nBases
		check, ok := checkDigit(base)
		if !ok {
			continue
		}
		ird := uint32(base*10 + check)
		if excluded[ird] {
			continue
		}
		g.irds = append(g.irds, ird)
	}
	return g, nil
}

// Len is the number of customers.
func (g *Generator) Len() int { return len(g.irds) }

// Seed is the generator's seed.
func (g *Generator) Seed() int64 { return g.seed }

// IRD is customer i's IRD number in its nine-digit form.
func (g *Generator) IRD(i int) string { return irdString(g.irds[i]) }

func irdString(n uint32) string {
	var b [9]byte
	for j := len(b) - 1; j >= 0; j-- {
		b[j] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// Customer is one synthetic customer as a load generator needs to know it.
type Customer struct {
	Index     int
	IRD       string // nine digits
	INC, GST  string // account IDs
	Primary   contactd.Contact
	Secondary contactd.Contact // on the INC account
	Company   bool
	Name      string // the customer's formatted name
}

// The account types and suffixes of the two accounts.
const (
	incSuffix = "INC001"
	gstSuffix = "GST001"
)

// Customer regenerates customer i.
func (g *Generator) Customer(i int) Customer {
	r := g.rand(i)
	ird := g.IRD(i)
	c := Customer{Index: i, IRD: ird, INC: ird + incSuffix, GST: ird + gstSuffix}
	c.Company = r.IntN(7) == 0
	first, last := pick(r, firstNames), pick(r, lastNames)
	if c.Company {
		c.Name = last + " " + pick(r, companyWords) + " LIMITED"
	} else {
		c.Name = first + " " + last
	}
	base := ContactIDs(i)
	updated := time.Date(2021, 9, 14, 9, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(3*365*24*3600)) * time.Second)
	c.Primary = contactd.Contact{ID: base, Type: contactd.Primary, Name: titleName(first, last), Updated: updated,
		Phones: phones(r, base+1, 1+r.IntN(2))}
	sf, sl := pick(r, firstNames), pick(r, lastNames)
	c.Secondary = contactd.Contact{ID: base + 3, Type: contactd.Secondary, Name: titleName(sf, sl), Updated: updated,
		Phones: phones(r, base+4, 1+r.IntN(2))}
	return c
}

// ContactIDs is the first ID of customer i's block: its PRIMRY contact.
func ContactIDs(i int) int64 { return IDBase + int64(i)*IDsPerCustomer }

// rand is customer i's own generator, independent of every other's.
func (g *Generator) rand(i int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(g.seed), mix(uint64(i), 0xd1b54a32d192ed03)))
}

// Dataset returns customers [from, to) ready for Store.Load: customers,
// then accounts, then contacts.
func (g *Generator) Dataset(from, to int) contactd.Dataset {
	n := to - from
	d := contactd.Dataset{
		Customers: make([]contactd.Customer, 0, n),
		Accounts:  make([]contactd.Account, 0, 2*n),
		Contacts:  make([]contactd.SeedContact, 0, 2*n),
		Records:   make([]contactd.SeedRecord, 0, 2*n),
	}
	for i := from; i < to; i++ {
		c := g.Customer(i)
		id := contactd.CustomerID{Type: contactd.IRD, Value: c.IRD}
		r := rand.New(rand.NewPCG(uint64(g.seed), mix(uint64(i), 0x8cb92ba72f3d8dd7))) // apart from Customer's
		profile, records := customerProfile(r, c)
		d.Customers = append(d.Customers, contactd.Customer{ID: id, Profile: profile})
		for _, rec := range records {
			d.Records = append(d.Records, contactd.SeedRecord{Owner: contactd.OwnerRef{Customer: id}, Record: rec})
		}
		d.Accounts = append(d.Accounts,
			contactd.Account{ID: c.INC, IDType: contactd.AccountIDTypeACC, Type: "INC", Customer: id, Profile: accountProfile(r, "INC")},
			contactd.Account{ID: c.GST, IDType: contactd.AccountIDTypeACC, Type: "GST", Customer: id, Profile: accountProfile(r, "GST")})
		d.Contacts = append(d.Contacts,
			contactd.SeedContact{Owner: contactd.OwnerRef{Customer: id}, Contact: c.Primary},
			contactd.SeedContact{Owner: contactd.OwnerRef{AccountID: c.INC}, Contact: c.Secondary})
	}
	return d
}

// Dataset returns the first n customers of seed in one piece; for large n
// use Load, which holds one batch at a time.
func Dataset(n int, seed int64) contactd.Dataset {
	g, err := New(n, seed)
	if err != nil {
		panic(err)
	}
	return g.Dataset(0, n)
}

// DefaultBatch is the number of customers Load puts in one transaction.
const DefaultBatch = 10_000

// Load loads the generator's customers into s, batch customers per
// Store.Load (one transaction each). The next batch is generated while one
// loads. progress, if not nil, is called with the number of customers
// loaded after each batch.
func (g *Generator) Load(ctx context.Context, s contactd.Store, batch int, progress func(done int)) error {
	if batch <= 0 {
		batch = DefaultBatch
	}
	type job struct {
		to int
		d  contactd.Dataset
	}
	jobs := make(chan job, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(jobs)
		for from := 0; from < g.Len(); from += batch {
			to := min(from+batch, g.Len())
			select {
			case jobs <- job{to, g.Dataset(from, to)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for j := range jobs {
		if err := s.Load(ctx, j.d); err != nil {
			return fmt.Errorf("synthetic: load customers up to %d: %w", j.to, err)
		}
		if progress != nil {
			progress(j.to)
		}
	}
	return ctx.Err()
}

// checkDigit is the IRD check digit of an 8-digit base by the modulus-11
// rule (primary weights, then the secondary ones when the primary give 10);
// ok is false when neither gives a digit.
func checkDigit(base uint64) (uint64, bool) {
	w1 := [8]uint64{3, 2, 7, 6, 5, 4, 3, 2}
	w2 := [8]uint64{7, 4, 3, 2, 5, 2, 7, 6}
	var d [8]uint64
	for j := 7; j >= 0; j-- {
		d[j] = base % 10
		base /= 10
	}
	for _, w := range [][8]uint64{w1, w2} {
		var sum uint64
		for j := range d {
			sum += d[j] * w[j]
		}
		c := (11 - sum%11) % 11
		if c < 10 {
			return c, true
		}
	}
	return 0, false
}

// personaNumbers are the nine-digit numbers the sandbox personas use, as
// customer IRD numbers or as the prefix of their account IDs.
func personaNumbers() map[uint32]bool {
	m := map[uint32]bool{}
	add := func(s string) {
		if len(s) >= 9 {
			if n, err := strconv.ParseUint(s[:9], 10, 32); err == nil {
				m[uint32(n)] = true
			}
		}
		if len(s) == 8 {
			if n, err := strconv.ParseUint(s, 10, 32); err == nil {
				m[uint32(n)] = true
			}
		}
	}
	d := sandbox.Dataset()
	for _, c := range d.Customers {
		add(c.ID.Value)
	}
	for _, a := range d.Accounts {
		add(a.ID)
	}
	return m
}

// mix is a 64-bit finaliser (splitmix64) to spread seeds and indexes.
func mix(x, salt uint64) uint64 {
	x ^= salt
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func titleName(first, last string) string {
	return first[:1] + lower(first[1:]) + " " + last[:1] + lower(last[1:])
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// phones returns n valid NZ phones with consecutive IDs from id: mobiles
// (02x, 9 to 10 digits) and landlines (0[3679] and 7 digits).
func phones(r *rand.Rand, id int64, n int) []contactd.Phone {
	ps := make([]contactd.Phone, n)
	for j := range ps {
		ps[j] = Phone(r)
		ps[j].ID = id + int64(j)
	}
	return ps
}

// Phone returns a random valid NZ phone without an ID.
func Phone(r *rand.Rand) contactd.Phone {
	if r.IntN(2) == 0 {
		prefix := mobilePrefixes[r.IntN(len(mobilePrefixes))]
		return contactd.Phone{Type: "CELL", Country: "NZ", Number: prefix + digits(r, 7)}
	}
	area := areaCodes[r.IntN(len(areaCodes))]
	typ := contactd.PhoneType("HOM")
	var ext string
	if r.IntN(2) == 0 {
		typ = "BSN"
		if r.IntN(4) == 0 {
			ext = digits(r, 2)
		}
	}
	// NZ landlines: area code then 7 digits, the first not 0 or 1
	return contactd.Phone{Type: typ, Country: "NZ", Number: area + strconv.Itoa(2+r.IntN(8)) + digits(r, 6), Extension: ext}
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte('0' + r.IntN(10))
	}
	return string(b)
}

var (
	mobilePrefixes = []string{"021", "022", "027", "029", "020"}
	areaCodes      = []string{"03", "04", "06", "07", "09"}
	firstNames     = []string{"ARIA", "AROHA", "ANA", "TANE", "WIREMU", "MERE", "HEMI", "NIKAU", "OLIVIA", "JACK",
		"CHARLOTTE", "OLIVER", "ISLA", "NOAH", "AMELIA", "LEO", "MIA", "LUCA", "RUBY", "GEORGE", "SOPHIE", "TAMATI",
		"PRIYA", "WEI", "LAUTALO", "SIONE", "GRACE", "HUGO", "ZOE", "ARJUN"}
	lastNames = []string{"SMITH", "WILLIAMS", "BROWN", "WILSON", "TAYLOR", "JONES", "NGATA", "TAMIHANA", "PARATA",
		"WALKER", "THOMPSON", "WHITE", "HARRIS", "KING", "LEE", "CHEN", "SINGH", "PATEL", "FALEOLO", "TUPOU",
		"MARTIN", "ANDERSON", "CAMPBELL", "STEWART", "ROBINSON", "CLARKE", "YOUNG", "WRIGHT", "HOHAIA", "TE WHATA"}
	companyWords = []string{"HOLDINGS", "TRADING", "CONSTRUCTION", "FARMS", "CONSULTING", "ELECTRICAL", "PLUMBING",
		"ENTERPRISES", "DAIRY", "ORCHARDS"}
	streets = []string{"QUEEN STREET", "ELM CRESCENT", "HIGH STREET", "RATA ROAD", "KOWHAI AVENUE", "BEACH ROAD",
		"VICTORIA STREET", "MAIN ROAD", "TOTARA DRIVE", "STATION ROAD"}
	places = []struct{ suburb, city, post string }{
		{"PONSONBY", "AUCKLAND", "1011"}, {"WIRI", "AUCKLAND", "2104"}, {"TE ARO", "WELLINGTON", "6011"},
		{"RICCARTON", "CHRISTCHURCH", "8041"}, {"HILLCREST", "HAMILTON", "3216"}, {"GLADSTONE", "INVERCARGILL", "9810"},
		{"MILSON", "PALMERSTON NORTH", "4414"}, {"NORTH EAST VALLEY", "DUNEDIN", "9010"}, {"STOKE", "NELSON", "7011"},
		{"GREERTON", "TAURANGA", "3112"},
	}
)

// customerProfile is a small profile shaped like the published customer
// sample (entity type, dates) and the customer's records: its legal name
// and its LOC address.
func customerProfile(r *rand.Rand, c Customer) (json.RawMessage, []contactd.Record) {
	p := places[r.IntN(len(places))]
	street := strconv.Itoa(1+r.IntN(250)) + " " + streets[r.IntN(len(streets))]
	entity, sub := "INDVDL", ""
	var first, last string
	if c.Company {
		entity, sub = "COMPNY", "CC"
	} else {
		first, last, _ = cut(c.Name)
	}
	profile := mustJSON(struct{ EntityType, EntitySubType, Commence, Cease string }{
		entity, sub, fmt.Sprintf("%04d-%02d-01", 1990+r.IntN(32), 1+r.IntN(12)), "9999-12-31"})
	base := ContactIDs(c.Index)
	updated := time.Date(2020, 5, 21, 6, 2, 52, 0, time.UTC)
	name := contactd.Record{ID: base + 6, Kind: contactd.KindName, Key: "LGL", Updated: updated,
		Fields: mustJSON(struct{ Type, LastName, FirstName, MiddleName, Title, Suffix, Formatted string }{
			Type: "LGL", LastName: last, FirstName: first, Formatted: c.Name})}
	address := contactd.Record{ID: base + 7, Kind: contactd.KindAddress, Key: "LOC", Updated: updated,
		Fields: mustJSON(struct {
			Type, Street, Street2, Unit, UnitType, City, State, PostCode, Country, Attention, Urbanisation string
			District, SubDistrict, SubProvince, Formatted                                                  string
		}{Type: "LOC", Street: street, City: p.city, PostCode: p.post, Country: "NZ", Urbanisation: p.suburb,
			Formatted: street + " " + p.suburb + " " + p.city + " " + p.post})}
	return profile, []contactd.Record{name, address}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func cut(s string) (first, last string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// accountProfile is a small account profile like the published samples'.
func accountProfile(r *rand.Rand, accountType string) json.RawMessage {
	extra := ""
	switch accountType {
	case "INC":
		extra = `,"INC":{"ProvTaxMethod":"STD","ProvTaxRatio":0.0,"GroupMember":false,"GroupRepresentative":false,"ICAGroup":false,"ICAMember":false,"BalanceDate":"31-Mar"}`
	case "GST":
		basis := []string{"INV", "PYM", "HYB"}[r.IntN(3)]
		extra = `,"GST":{"AccountingBasis":"` + basis + `","GroupMember":false,"GroupRepresentative":false}`
	}
	return json.RawMessage(`{"FilingFrequency":"ITN03C","Status":"ACT","FilingChannel":"API",` +
		`"Commence":"2015-04-01","Cease":"9999-12-31"` + extra + `}`)
}
