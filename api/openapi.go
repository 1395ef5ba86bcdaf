package api

import _ "embed"

// ContactdOpenAPI is the OpenAPI 3.1 document of contactd itself
// (contactd-openapi.json): every route it serves, with the published
// constraints and what contactd adds to them.
//
//go:embed contactd-openapi.json
var ContactdOpenAPI []byte
