package api

import (
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"
)

// RecordSchema is the schema of one line of `contactd import` and `contactd
// export`: the Customer object of customer_POST_Response200 (the customer
// read's answer) with one field added, "Accounts", an array of the Account
// object of account_POST_Response200 (the account read's answer). Every
// length, enum and required field is the published YAML's, but for the
// AccountType enum, which leaves out types contactd holds. It panics if the
// embedded YAML cannot be loaded, as RequestSchema does.
func RecordSchema() *Schema {
	s, err := loadRecordSchema()
	if err != nil {
		panic("api: " + err.Error())
	}
	return s
}

// RecordAccountsField is the field RecordSchema adds to the Customer object.
const RecordAccountsField = "Accounts"

var loadRecordSchema = sync.OnceValues(func() (*Schema, error) {
	customer, err := responseObject("customer-2021-09-14.yaml", "customer_POST_Response200", "Customer")
	if err != nil {
		return nil, err
	}
	account, err := responseObject("account-2021-09-14.yaml", "account_POST_Response200", "Account")
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(customer.Properties, func(p *Property) bool { return p.Name == RecordAccountsField }) {
		return nil, fmt.Errorf("customer_POST_Response200: Customer already has a field %s", RecordAccountsField)
	}
	account.Name, account.Required = RecordAccountsField, false
	// contactd holds accounts of the types their IDs name, DSB and KSS
	// among them although the published enum lists neither (README,
	// "Decisions"); the type is checked against the ID instead.
	account.Properties = slices.Clone(account.Properties)
	for i, p := range account.Properties {
		if p.Name == "AccountType" {
			open := *p
			open.Enum = nil
			account.Properties[i] = &open
		}
	}
	accounts := &Property{Name: RecordAccountsField, Type: "array", kind: kindArray, Items: account}
	return &Schema{Name: "import record", Properties: append(slices.Clone(customer.Properties), accounts)}, nil
})

// responseObject builds the object property field of the definition def of
// the embedded YAML file.
func responseObject(file, def, field string) (*Property, error) {
	data, err := fs.ReadFile(Files, file)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s: not a YAML document", file)
	}
	b := builder{file: file, defs: mapGet(doc.Content[0], "definitions")}
	s, err := b.schema(def)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(s.Properties, func(p *Property) bool { return p.Name == field })
	if i < 0 || s.Properties[i].kind != kindObject {
		return nil, fmt.Errorf("%s: %s has no object %s", file, def, field)
	}
	return s.Properties[i], nil
}
