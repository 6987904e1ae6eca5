package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

// The API's OpenAPI 3.1 document is api/openapi.yaml, written by hand (the
// file says why) and embedded with the other assets. It is loaded and
// validated once at start with kin-openapi (a document that is not valid
// OpenAPI stops the server, like a template that does not parse), its
// servers set to BASE_URL, and served as JSON at /api/v1/openapi.json; the
// readable page at /{lang}/api is rendered from the same document, on the
// server, without script.

// apiDocument is the loaded document and its JSON.
type apiDocument struct {
	doc  *openapi3.T
	json []byte
}

// openAPIPath is the document in the assets.
const openAPIPath = "api/openapi.yaml"

// loadAPIDocument reads, validates and prepares the document.
func loadAPIDocument(fsys fs.FS, baseURL string) (*apiDocument, error) {
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
	return &apiDocument{doc: doc, json: j}, nil
}

// apiOpenAPI is GET /api/v1/openapi.json.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	return c.Send(s.apiDoc.json)
}

// The readable page.

type apiDocsPage struct {
	Page
	APITitle    string
	Version     string
	Description []string // paragraphs
	JSONURL     string
	Ops         []apiDocOp
	Schemas     []apiDocSchema
}

type apiDocOp struct {
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
	Params                   []apiDocField
	Body                     []apiDocBody
	Responses                []apiDocResponse
}

type apiDocField struct {
	Name        string
	In          string
	Type        apiDocType
	Required    bool
	Description string
}

type apiDocBody struct {
	MediaType string
	Type      apiDocType
}

type apiDocResponse struct {
	Status      string
	Description string
	Type        apiDocType // zero when no body
}

// apiDocType is a schema written for people: its text, and the anchor of
// the named schema it refers to, if any.
type apiDocType struct {
	Text   string
	Anchor string
}

type apiDocSchema struct {
	Name        string
	Description string
	Type        apiDocType
	Props       []apiDocField
}

// apiDocs is GET /{lang}/api: the reference, from the document.
func (s *Server) apiDocs(c *fiber.Ctx) error {
	p := s.page(c, "api.docs.title")
	doc := s.apiDoc.doc
	d := apiDocsPage{Page: p, APITitle: doc.Info.Title, Version: doc.Info.Version,
		Description: docParagraphs(doc.Info.Description), JSONURL: "/api/v1/openapi.json"}
	tagOrder := map[string]int{}
	for i, t := range doc.Tags {
		tagOrder[t.Name] = i
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			d.Ops = append(d.Ops, apiDocOperation(doc, method, path, op))
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
		sc := apiDocSchema{Name: name, Description: v.Description, Type: schemaType(&openapi3.SchemaRef{Value: v})}
		sc.Props = schemaProps(v)
		d.Schemas = append(d.Schemas, sc)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render(c, fiber.StatusOK, "api/docs", d)
}

func apiDocOperation(doc *openapi3.T, method, path string, op *openapi3.Operation) apiDocOp {
	o := apiDocOp{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: docParagraphs(op.Description)}
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
		o.Params = append(o.Params, apiDocField{Name: p.Name, In: p.In, Type: schemaType(p.Schema), Required: p.Required, Description: p.Description})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, mt := range sortedKeys(op.RequestBody.Value.Content) {
			o.Body = append(o.Body, apiDocBody{MediaType: mt, Type: schemaType(op.RequestBody.Value.Content[mt].Schema)})
		}
	}
	if op.Responses != nil {
		for _, status := range sortedKeys(op.Responses.Map()) {
			r := op.Responses.Map()[status].Value
			resp := apiDocResponse{Status: status}
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
func schemaType(ref *openapi3.SchemaRef) apiDocType {
	if ref == nil {
		return apiDocType{}
	}
	if ref.Ref != "" {
		name := ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
		return apiDocType{Text: name, Anchor: "schema-" + name}
	}
	v := ref.Value
	if v == nil {
		return apiDocType{}
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
		return apiDocType{Text: fmt.Sprint(v.Const)}
	}
	if len(v.Enum) > 0 {
		vals := make([]string, len(v.Enum))
		for i, e := range v.Enum {
			vals[i] = fmt.Sprint(e)
		}
		return apiDocType{Text: strings.Join(vals, " | ")}
	}
	text := strings.Join(types, " | ")
	if v.Format != "" {
		text += " (" + v.Format + ")"
	}
	if text == "" {
		text = "any"
	}
	return apiDocType{Text: text}
}

func schemaProps(v *openapi3.Schema) []apiDocField {
	var out []apiDocField
	for _, name := range sortedKeys(v.Properties) {
		p := v.Properties[name]
		desc := ""
		if p.Value != nil {
			desc = p.Value.Description
		}
		out = append(out, apiDocField{Name: name, Type: schemaType(p), Required: slices.Contains(v.Required, name), Description: desc})
	}
	return out
}

// docParagraphs splits a description at its blank lines.
func docParagraphs(s string) []string {
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
