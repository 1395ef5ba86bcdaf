package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The Bank API: an account's refund bank account.

type bankNewZealandJSON struct {
	Bank, Branch, Account, Suffix, Reference string
}

type bankInternationalJSON struct {
	RoutingNumber, AccountNumber, BankAccountType, BankName, Country string
}

type bankPOSTRequest struct {
	ownerRequest
	NameOnAccount string
	NewZealand    *bankNewZealandJSON
	International *bankInternationalJSON
}

// bankAccount is the request's bank account.
func (req *bankPOSTRequest) bankAccount() contactd.BankAccount {
	b := contactd.BankAccount{NameOnAccount: req.NameOnAccount}
	if nz := req.NewZealand; nz != nil {
		b.NewZealand = &contactd.NZBankAccount{Bank: nz.Bank, Branch: nz.Branch, Account: nz.Account, Suffix: nz.Suffix}
		b.Reference = nz.Reference
	}
	if in := req.International; in != nil {
		b.International = &contactd.InternationalBankAccount{RoutingNumber: in.RoutingNumber, AccountNumber: in.AccountNumber,
			BankAccountType: contactd.BankAccountType(in.BankAccountType), BankName: in.BankName, Country: in.Country}
	}
	return b
}

func handleAddBank(cfg Config) http.Handler {
	return operation(cfg, "bank/bank_POST_Request", func(r *http.Request, ch contactd.Change, req *bankPOSTRequest, body []byte) (any, error) {
		ref, err := req.ref(cfg.IRD)
		if err != nil {
			return nil, err
		}
		b := req.bankAccount()
		// Invalid input (EV1100) is answered before the account is looked
		// up; the number's own rules (BNK100) after, as the API's rules.
		if err := contactd.ValidateBankAccount(b); contactd.ErrorCode(err) == contactd.EV1100 {
			return nil, err
		}
		if ch, err = withIdempotency(cfg, r, contactd.RecordOp(contactd.KindBank, contactd.VerbCreate), body, ch); err != nil {
			return nil, err
		}
		_, err = cfg.Service.AddBankAccount(r.Context(), ch, ref, b)
		return nil, err
	})
}

func handleDeleteBank(cfg Config) http.Handler {
	return operation(cfg, "bank/bank_DELETE_Request", func(r *http.Request, ch contactd.Change, req *ownerRequest, _ []byte) (any, error) {
		ref, err := req.ref(cfg.IRD)
		if err != nil {
			return nil, err
		}
		return nil, cfg.Service.DeleteBankAccount(r.Context(), ch, ref)
	})
}
