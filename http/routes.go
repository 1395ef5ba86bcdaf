package http

import (
	"net/http"
)

// apis are the APIs of the suite contactd serves, by the name in their
// paths: each has /gateway/{api}/status and its published Swagger file.
var apis = []string{"contact", "customer", "account", "address", "name", "bic"}

// addRoutes lists every route. Each API route is served under
// /gateway/{api}/{service} and, as the YAML's basePath gives it, under
// /secure/gateway/{api}/{service}.
func addRoutes(mux *http.ServeMux, cfg Config) {
	routes := map[string]methods{
		"/gateway/contact/contact": {
			http.MethodPost:   handleCreateContact(cfg),
			http.MethodPut:    handleRenameContact(cfg),
			http.MethodDelete: handleDeleteContact(cfg),
		},
		"/gateway/contact/phone": {
			http.MethodPost:   handleAddPhone(cfg),
			http.MethodPut:    handleUpdatePhone(cfg),
			http.MethodDelete: handleDeletePhone(cfg),
		},
		"/gateway/customer/customer": {http.MethodPost: handleCustomer(cfg)},
		"/gateway/account/account":   {http.MethodPost: handleAccount(cfg)},
		"/gateway/account/list":      {http.MethodPost: handleList(cfg)},
		"/gateway/address/address": {
			http.MethodPost:   handleCreateAddress(cfg),
			http.MethodPut:    handleUpdateAddress(cfg),
			http.MethodDelete: handleDeleteAddress(cfg),
		},
		"/gateway/name/name": {
			http.MethodPost:   handleCreateName(cfg),
			http.MethodPut:    handleUpdateName(cfg),
			http.MethodDelete: handleDeleteName(cfg),
		},
		"/gateway/bic/bic": {
			http.MethodPost:   handleAddBIC(cfg),
			http.MethodDelete: handleDeleteBIC(cfg),
		},
	}
	for _, name := range apis {
		routes["/gateway/"+name+"/status"] = methods{http.MethodGet: handleStatus(cfg)}
		routes["/gateway/"+name+"/swagger.yaml"] = handleSwagger(name)
	}
	for path, h := range routes {
		mux.Handle(path, h)
		mux.Handle("/secure"+path, h)
	}
	mux.Handle("/openapi.json", handleOpenAPI())
	mux.Handle("/healthz", methods{http.MethodGet: handleHealthz()})
	mux.Handle("/readyz", methods{http.MethodGet: handleReadyz(cfg)})
	mux.Handle("/", handleNotFound(cfg))
}
