package http

import (
	"encoding/json"
	"net/http"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

type customerIDRequest struct {
	CustomerID     string
	CustomerIDType string
}

type accountRequest struct {
	AccountID     string
	AccountIDType string
}

type phoneView struct {
	PhoneID     int64
	PhoneType   contactd.PhoneType
	Country     string
	AreaCode    string
	PhoneNumber string
	Extension   string
}

type contactView struct {
	ContactID   int64
	ContactType contactd.ContactType
	Name        string
	Updated     string
	Phone       []phoneView
}

func contactViews(contacts []contactd.Contact) []contactView {
	views := make([]contactView, len(contacts))
	for i, c := range contacts {
		phones := make([]phoneView, len(c.Phones))
		for j, p := range c.Phones {
			phones[j] = phoneView{p.ID, p.Type, p.Country, p.AreaCode, p.Number, p.Extension}
		}
		views[i] = contactView{c.ID, c.Type, c.Name, contactd.FormatUpdated(c.Updated), phones}
	}
	return views
}

func handleCustomer(cfg Config) http.Handler {
	schema := api.RequestSchema("customer_POST_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req customerIDRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		id, err := cfg.IRD.ParseCustomerID(contactd.CustomerIDType(req.CustomerIDType), req.CustomerID)
		if err != nil {
			return err
		}
		c, contacts, err := cfg.Service.Customer(r.Context(), ch.Caller, id)
		if err != nil {
			return err
		}
		head, err := customerHead(c)
		if err != nil {
			return err
		}
		return writeRead(w, "Customer", head, c.Profile, customerShape, c.Records, contacts)
	})
}

func handleAccount(cfg Config) http.Handler {
	schema := api.RequestSchema("account_POST_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req accountRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		a, contacts, err := cfg.Service.Account(r.Context(), ch.Caller, req.AccountID, req.AccountIDType)
		if err != nil {
			return err
		}
		head, err := accountHead(a)
		if err != nil {
			return err
		}
		return writeRead(w, "Account", head, a.Profile, accountShape, a.Records, contacts)
	})
}

// customerHead and accountHead are the fields a read's answer opens with.
func customerHead(c contactd.Customer) ([]byte, error) {
	return json.Marshal(struct {
		ID     string
		IDType contactd.CustomerIDType
	}{c.ID.Value, c.ID.Type})
}

func accountHead(a contactd.Account) ([]byte, error) {
	return json.Marshal(struct {
		ID          string
		IDType      string
		AccountType string
	}{a.ID, a.IDType, a.Type})
}

type accountRef struct {
	ID     string
	IDType string
}

func handleList(cfg Config) http.Handler {
	schema := api.RequestSchema("list_POST_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req customerIDRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		id, err := cfg.IRD.ParseCustomerID(contactd.CustomerIDType(req.CustomerIDType), req.CustomerID)
		if err != nil {
			return err
		}
		accounts, err := cfg.Service.Accounts(r.Context(), ch.Caller, id)
		if err != nil {
			return err
		}
		refs := make([]accountRef, len(accounts))
		for i, a := range accounts {
			refs[i] = accountRef{a.ID, a.IDType}
		}
		writeJSON(w, http.StatusOK, struct{ Accounts []accountRef }{refs})
		return nil
	})
}
