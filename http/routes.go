package http

import (
	"net/http"
)

// addRoutes lists every route. Each API route is served under
// /gateway/{api}/{service} and, as the YAML's basePath gives it, under
// /secure/gateway/{api}/{service}.
func addRoutes(mux *http.ServeMux, cfg Config) {
	api := map[string]methods{
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
		"/gateway/contact/status":    {http.MethodGet: handleStatus(cfg)},
		"/gateway/customer/status":   {http.MethodGet: handleStatus(cfg)},
		"/gateway/account/status":    {http.MethodGet: handleStatus(cfg)},
	}
	for path, h := range api {
		mux.Handle(path, h)
		mux.Handle("/secure"+path, h)
	}
	mux.Handle("/gateway/contact/swagger.yaml", handleSwagger("contact"))
	mux.Handle("/gateway/customer/swagger.yaml", handleSwagger("customer"))
	mux.Handle("/gateway/account/swagger.yaml", handleSwagger("account"))
	mux.Handle("/secure/gateway/contact/swagger.yaml", handleSwagger("contact"))
	mux.Handle("/secure/gateway/customer/swagger.yaml", handleSwagger("customer"))
	mux.Handle("/secure/gateway/account/swagger.yaml", handleSwagger("account"))
	mux.Handle("/openapi.json", handleOpenAPI())
	healthz, readyz := handleHealthz(), handleReadyz(cfg)
	mux.Handle("/healthz", methods{http.MethodGet: healthz, http.MethodHead: healthz})
	mux.Handle("/readyz", methods{http.MethodGet: readyz, http.MethodHead: readyz})
	mux.Handle("/", handleNotFound(cfg))
}
