package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apidoc"
)

// The API's OpenAPI document is read and written for people by app/apidoc;
// here it is served as JSON and rendered.

// apiOpenAPI is GET /api/v1/openapi.json.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	return c.Send(s.apiDoc.JSON)
}

type apiDocsPage struct {
	Page
	apidoc.Reference
	JSONURL string
}

// apiDocs is GET /{lang}/api: the reference, from the document.
func (s *Server) apiDocs(c *fiber.Ctx) error {
	d := apiDocsPage{Page: s.page(c, "api.docs.title"), Reference: apidoc.Build(s.apiDoc.Doc), JSONURL: "/api/v1/openapi.json"}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render(c, fiber.StatusOK, "api/docs", d)
}
