package http

import (
	"net/http"
	"slices"
	"strings"
)

// apis are the APIs of the suite contactd serves, by the name in their
// paths: each has /gateway/{api}/status and its published Swagger file.
var apis = []string{"contact", "customer", "account", "address", "name", "bic", "bank", "period"}

// addRoutes serves every route of routeTable. Each API route is served
// under /gateway/{api}/{service} and, as the YAML's basePath gives it,
// under /secure/gateway/{api}/{service}.
func addRoutes(mux *http.ServeMux, cfg Config) {
	for path, h := range routeTable(cfg) {
		mux.Handle(path, h)
		if strings.HasPrefix(path, "/gateway/") {
			mux.Handle("/secure"+path, h)
		}
	}
	mux.Handle("/", handleNotFound(cfg))
}

// Routes lists every path contactd serves with its methods, sorted; each
// /gateway path is served under /secure too.
func Routes() map[string][]string {
	list := map[string][]string{}
	for path, m := range routeTable(Config{}) {
		for method := range m {
			list[path] = append(list[path], method)
		}
		slices.Sort(list[path])
	}
	return list
}

// routeTable is every route: the whole API surface, in one place.
func routeTable(cfg Config) map[string]methods {
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
		"/gateway/bank/bank": {
			http.MethodPost:   handleAddBank(cfg),
			http.MethodDelete: handleDeleteBank(cfg),
		},
		"/gateway/period/list": {http.MethodPost: handleListPeriods(cfg)},
	}
	for _, name := range apis {
		routes["/gateway/"+name+"/status"] = methods{http.MethodGet: handleStatus(cfg)}
		routes["/gateway/"+name+"/swagger.yaml"] = handleSwagger(name)
	}
	routes["/openapi.json"] = handleOpenAPI()
	healthz, readyz := handleHealthz(), handleReadyz(cfg)
	routes["/healthz"] = methods{http.MethodGet: healthz, http.MethodHead: healthz}
	routes["/readyz"] = methods{http.MethodGet: readyz, http.MethodHead: readyz}
	return routes
}
