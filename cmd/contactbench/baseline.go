package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/contactd/contactd/synthetic"
)

// The baseline is the ceiling a JSON-over-HTTP service reaches on this
// machine: net/http and encoding/json alone. It decodes each request body
// into a struct of the same shape as contactd's, and answers a fixed body
// of the size and shape contactd's answer has. No validation, no
// authentication, no database.

type bPhone struct{ PhoneType, Country, AreaCode, PhoneNumber, Extension string }

type bCustomerReq struct{ CustomerID, CustomerIDType string }
type bAccountReq struct{ AccountID, AccountIDType string }
type bContactPOST struct {
	CustomerID, CustomerIDType, AccountID, AccountIDType string
	Contact                                              struct {
		ContactType, Name string
		Phone             []bPhone
	}
}
type bContactPUT struct {
	ContactID int64
	Contact   struct{ Name string }
}
type bContactDELETE struct{ ContactID int64 }
type bPhonePOST struct {
	ContactID int64
	Phone     bPhone
}
type bPhonePUT struct {
	PhoneID int64
	Phone   bPhone
}
type bPhoneDELETE struct{ PhoneID int64 }

// baselineHandler serves the API's paths with fixed answers.
func baselineHandler(gen *synthetic.Generator) http.Handler {
	customerBody, accountBody := cannedReads(gen)
	mux := http.NewServeMux()
	mux.Handle("POST "+pathCustomer, fixed[bCustomerReq](customerBody))
	mux.Handle("POST "+pathAccount, fixed[bAccountReq](accountBody))
	mux.Handle("POST "+pathContact, fixed[bContactPOST]([]byte(`{"ContactID":1}`)))
	mux.Handle("PUT "+pathContact, fixed[bContactPUT](nil))
	mux.Handle("DELETE "+pathContact, fixed[bContactDELETE](nil))
	mux.Handle("POST "+pathPhone, fixed[bPhonePOST]([]byte(`{"PhoneID":2}`)))
	mux.Handle("PUT "+pathPhone, fixed[bPhonePUT](nil))
	mux.Handle("DELETE "+pathPhone, fixed[bPhoneDELETE](nil))
	return mux
}

// fixed decodes the request body into a Req with encoding/json, as contactd
// must, and answers body; a body that does not decode gets contactd's EV1100.
func fixed[Req any](body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req Req
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err == nil {
			err = json.Unmarshal(b, &req)
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errors":[{"code":"EV1100","type":"validation","message":"Invalid input parameters. Please check documentation: body"}]}`)
			return
		}
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	}
}

// cannedReads renders synthetic customer 0 and its INC account as contactd
// answers them, for the baseline to send.
func cannedReads(gen *synthetic.Generator) (customer, account []byte) {
	d := gen.Dataset(0, 1)
	c := gen.Customer(0)
	contacts := func(cs ...int) string {
		out := "["
		for j, k := range cs {
			sc := d.Contacts[k].Contact
			if j > 0 {
				out += ","
			}
			out += `{"ContactID":` + strconv.FormatInt(sc.ID, 10) + `,"ContactType":"` + string(sc.Type) +
				`","Name":` + quote(sc.Name) + `,"Updated":"` + sc.Updated.Format("2006-01-02T15:04:05") + `","Phone":[`
			for i, p := range sc.Phones {
				if i > 0 {
					out += ","
				}
				out += `{"PhoneID":` + strconv.FormatInt(p.ID, 10) + `,"PhoneType":"` + string(p.Type) + `","Country":"NZ","AreaCode":"","PhoneNumber":"` +
					p.Number + `","Extension":"` + p.Extension + `"}`
			}
			out += "]}"
		}
		return out + "]"
	}
	inner := func(profile []byte) string { return string(profile[1 : len(profile)-1]) }
	customer = []byte(`{"Customer":{"ID":"` + c.IRD + `","IDType":"IRD",` + inner(d.Customers[0].Profile) + `,"Contact":` + contacts(0) + `}}`)
	account = []byte(`{"Account":{"ID":"` + c.INC + `","IDType":"ACC","AccountType":"INC",` + inner(d.Accounts[0].Profile) + `,"Contact":` + contacts(1) + `}}`)
	return customer, account
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// newBaselineServer is the baseline's server, wherever it runs.
func newBaselineServer(gen *synthetic.Generator) *http.Server {
	return &http.Server{Handler: baselineHandler(gen), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
}

// startBaseline serves the baseline on a loopback port of the bench's own
// process and returns its URL.
func startBaseline(gen *synthetic.Generator) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := newBaselineServer(gen)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// startBaselineProcess serves the baseline from a child process (this
// program with -serve-baseline), so that it runs as contactd does: a Go
// runtime of its own beside the bench's, its requests crossing between
// processes. It returns the child's URL and pid.
func startBaselineProcess(cfg config) (url string, pid int, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(exe, "-serve-baseline", "127.0.0.1:0",
		"-customers", strconv.Itoa(cfg.customers), "-seed", strconv.FormatInt(cfg.seed, 10))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childProcAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	// its first line is its URL; EOF if it failed
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", 0, nil, fmt.Errorf("bare handler process: %w", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid, stop, nil
}

// serveBaseline serves the baseline alone on addr, printing its URL first,
// until ctx ends.
func serveBaseline(ctx context.Context, gen *synthetic.Generator, addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newBaselineServer(gen)
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
