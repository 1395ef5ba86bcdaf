package http

import (
	"net/http"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

// phoneJSON is a phone as the contact requests carry it.
type phoneJSON struct {
	PhoneType   string
	Country     string
	AreaCode    string
	PhoneNumber string
	Extension   string
}

func (p phoneJSON) phone(id int64) contactd.Phone {
	return contactd.Phone{
		ID:        id,
		Type:      contactd.PhoneType(p.PhoneType),
		Country:   p.Country,
		AreaCode:  p.AreaCode,
		Number:    p.PhoneNumber,
		Extension: p.Extension,
	}
}

type contactPOSTRequest struct {
	CustomerID     string
	CustomerIDType string
	AccountID      string
	AccountIDType  string
	Contact        struct {
		ContactType string
		Name        string
		Phone       []phoneJSON
	}
}

type contactPUTRequest struct {
	ContactID int64
	Contact   struct{ Name string }
}

type contactDELETERequest struct{ ContactID int64 }

type phonePOSTRequest struct {
	ContactID int64
	Phone     phoneJSON
}

type phonePUTRequest struct {
	PhoneID int64
	Phone   phoneJSON
}

type phoneDELETERequest struct{ PhoneID int64 }

func handleCreateContact(cfg Config) http.Handler {
	schema := api.RequestSchema("contact_POST_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req contactPOSTRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		owner, err := cfg.IRD.ParseOwnerRef(req.CustomerID, req.CustomerIDType, req.AccountID, req.AccountIDType)
		if err != nil {
			return err
		}
		if ch, err = withIdempotency(cfg, r, contactd.OpCreateContact, body, ch); err != nil {
			return err
		}
		c := contactd.Contact{Type: contactd.ContactType(req.Contact.ContactType), Name: req.Contact.Name}
		for _, p := range req.Contact.Phone {
			c.Phones = append(c.Phones, p.phone(0))
		}
		id, err := cfg.Service.CreateContact(r.Context(), ch, owner, c)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct{ ContactID int64 }{id})
		return nil
	})
}

func handleRenameContact(cfg Config) http.Handler {
	schema := api.RequestSchema("contact_PUT_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req contactPUTRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		if err := cfg.Service.RenameContact(r.Context(), ch, req.ContactID, req.Contact.Name); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func handleDeleteContact(cfg Config) http.Handler {
	schema := api.RequestSchema("contact_DELETE_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req contactDELETERequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		if err := cfg.Service.DeleteContact(r.Context(), ch, req.ContactID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func handleAddPhone(cfg Config) http.Handler {
	schema := api.RequestSchema("phone_POST_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req phonePOSTRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		ch, err := withIdempotency(cfg, r, contactd.OpAddPhone, body, ch)
		if err != nil {
			return err
		}
		id, err := cfg.Service.AddPhone(r.Context(), ch, req.ContactID, req.Phone.phone(0))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct{ PhoneID int64 }{id})
		return nil
	})
}

func handleUpdatePhone(cfg Config) http.Handler {
	schema := api.RequestSchema("phone_PUT_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req phonePUTRequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		if err := cfg.Service.UpdatePhone(r.Context(), ch, req.Phone.phone(req.PhoneID)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func handleDeletePhone(cfg Config) http.Handler {
	schema := api.RequestSchema("phone_DELETE_Request")
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req phoneDELETERequest
		if err := decode(schema, body, &req); err != nil {
			return err
		}
		if err := cfg.Service.DeletePhone(r.Context(), ch, req.PhoneID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}
