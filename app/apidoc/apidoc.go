// Package apidoc reads the API's OpenAPI 3.1 document and writes its
// reference for people. The document is api/openapi.yaml, written by hand
// (the file says why) and embedded with the other assets. It is loaded and
// validated once at start with kin-openapi (a document that is not valid
// OpenAPI stops the server, like a template that does not parse), its
// servers set to BASE_URL; the web edge serves it as JSON at
// /api/v1/openapi.json and renders the readable page at /{lang}/api from
// Build, on the server, without script.
package apidoc

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Document is the loaded document and its JSON.
type Document struct {
	Doc  *openapi3.T
	JSON []byte
}

// openAPIPath is the document in the assets.
const openAPIPath = "api/openapi.yaml"

// Load reads, validates and prepares the document.
func Load(fsys fs.FS, baseURL string) (*Document, error) {
	b, err := fs.ReadFile(fsys, openAPIPath)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", openAPIPath, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", openAPIPath, err)
	}
	doc.Servers = openapi3.Servers{{URL: baseURL}}
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return &Document{Doc: doc, JSON: j}, nil
}

// Reference is the document written for people: its operations by tag
// and path, and its named schemas.
type Reference struct {
	APITitle    string
	Version     string
	Description []string // paragraphs
	Ops         []Op
	Schemas     []Schema
}

// Build writes the reference of a document.
func Build(doc *openapi3.T) Reference {
	d := Reference{APITitle: doc.Info.Title, Version: doc.Info.Version, Description: paragraphs(doc.Info.Description)}
	tagOrder := map[string]int{}
	for i, t := range doc.Tags {
		tagOrder[t.Name] = i
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			d.Ops = append(d.Ops, operation(doc, method, path, op))
		}
	}
	sort.SliceStable(d.Ops, func(i, j int) bool {
		a, b := d.Ops[i], d.Ops[j]
		if tagOrder[a.Tag] != tagOrder[b.Tag] {
			return tagOrder[a.Tag] < tagOrder[b.Tag]
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := doc.Components.Schemas[name].Value
		sc := Schema{Name: name, Description: v.Description, Type: schemaType(&openapi3.SchemaRef{Value: v})}
		sc.Props = schemaProps(v)
		d.Schemas = append(d.Schemas, sc)
	}
	return d
}

type Op struct {
	ID          string
	Method      string
	Path        string
	Tag         string
	Summary     string
	Description []string
	// Public: callable with no credentials; Scopes: the token scopes that
	// allow it; Session: Lantern's pages may call it with the staff
	// session; Gateway: the SMS gateway's secret.
	Public, Session, Gateway bool
	Scopes                   []string
	Params                   []Field
	Body                     []Body
	Responses                []Response
}

type Field struct {
	Name        string
	In          string
	Type        Type
	Required    bool
	Description string
}

type Body struct {
	MediaType string
	Type      Type
}

type Response struct {
	Status      string
	Description string
	Type        Type // zero when no body
}

// Type is a schema written for people: its text, and the anchor of
// the named schema it refers to, if any.
type Type struct {
	Text   string
	Anchor string
}

type Schema struct {
	Name        string
	Description string
	Type        Type
	Props       []Field
}

func operation(doc *openapi3.T, method, path string, op *openapi3.Operation) Op {
	o := Op{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: paragraphs(op.Description)}
	if len(op.Tags) > 0 {
		o.Tag = op.Tags[0]
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, req := range security {
		if len(req) == 0 {
			o.Public = true
		}
		for name, scopes := range req {
			switch name {
			case "bearerToken":
				o.Scopes = append(o.Scopes, scopes...)
			case "staffSession":
				o.Session = true
			case "smsGateway":
				o.Gateway = true
			}
		}
	}
	for _, pr := range op.Parameters {
		p := pr.Value
		o.Params = append(o.Params, Field{Name: p.Name, In: p.In, Type: schemaType(p.Schema), Required: p.Required, Description: p.Description})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, mt := range sortedKeys(op.RequestBody.Value.Content) {
			o.Body = append(o.Body, Body{MediaType: mt, Type: schemaType(op.RequestBody.Value.Content[mt].Schema)})
		}
	}
	if op.Responses != nil {
		for _, status := range sortedKeys(op.Responses.Map()) {
			r := op.Responses.Map()[status].Value
			resp := Response{Status: status}
			if r.Description != nil {
				resp.Description = *r.Description
			}
			if mt := r.Content.Get("application/json"); mt != nil {
				resp.Type = schemaType(mt.Schema)
			}
			o.Responses = append(o.Responses, resp)
		}
	}
	return o
}

// schemaType writes a schema for people: a named schema by its name (with
// its anchor), an array as "array of …", an enum as its values.
func schemaType(ref *openapi3.SchemaRef) Type {
	if ref == nil {
		return Type{}
	}
	if ref.Ref != "" {
		name := ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
		return Type{Text: name, Anchor: "schema-" + name}
	}
	v := ref.Value
	if v == nil {
		return Type{}
	}
	var types []string
	if v.Type != nil {
		types = v.Type.Slice()
	}
	if slices.Contains(types, "array") && v.Items != nil {
		it := schemaType(v.Items)
		it.Text = "array of " + it.Text
		if slices.Contains(types, "null") {
			it.Text += " | null"
		}
		return it
	}
	if v.Const != nil {
		return Type{Text: fmt.Sprint(v.Const)}
	}
	if len(v.Enum) > 0 {
		vals := make([]string, len(v.Enum))
		for i, e := range v.Enum {
			vals[i] = fmt.Sprint(e)
		}
		return Type{Text: strings.Join(vals, " | ")}
	}
	text := strings.Join(types, " | ")
	if v.Format != "" {
		text += " (" + v.Format + ")"
	}
	if text == "" {
		text = "any"
	}
	return Type{Text: text}
}

func schemaProps(v *openapi3.Schema) []Field {
	var out []Field
	for _, name := range sortedKeys(v.Properties) {
		p := v.Properties[name]
		desc := ""
		if p.Value != nil {
			desc = p.Value.Description
		}
		out = append(out, Field{Name: name, Type: schemaType(p), Required: slices.Contains(v.Required, name), Description: desc})
	}
	return out
}

// paragraphs splits a description at its blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
