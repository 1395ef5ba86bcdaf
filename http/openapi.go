package http

import (
	"io/fs"
	"net/http"

	"github.com/contactd/contactd/api"
)

// handleSwagger serves the published Swagger 2.0 file of one API
// ("contact", "name", ...: api/<name>-<release>.yaml) byte for byte. It
// needs no credentials: the files are public.
func handleSwagger(apiName string) methods {
	names, err := fs.Glob(api.Files, apiName+"-*.yaml")
	if err != nil || len(names) != 1 {
		panic("http: not one published Swagger file for API " + apiName)
	}
	file, err := api.Files.ReadFile(names[0])
	if err != nil {
		panic(err)
	}
	return methods{http.MethodGet: serveDocument(file, "application/yaml")}
}

// handleOpenAPI serves contactd's own OpenAPI 3.1 document.
func handleOpenAPI() methods {
	return methods{http.MethodGet: serveDocument(api.ContactdOpenAPI, "application/json; charset=utf-8")}
}

func serveDocument(body []byte, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(body)
	})
}
