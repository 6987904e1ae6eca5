package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// staticFile is one embedded asset, with its gzip form prepared at start.
type staticFile struct {
	body        []byte
	gz          []byte
	contentType string
}

// Assets serves static/ under fingerprinted names ("css/app.3f2a1b9c.css")
// with a one-year immutable cache; a changed file gets a new name.
type Assets struct {
	byURL map[string]*staticFile // "/static/css/app.3f2a1b9c.css"
	urls  map[string]string      // "css/app.css" -> "/static/css/app.3f2a1b9c.css"
}

// LoadAssets reads static/ from fsys.
func LoadAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byURL: map[string]*staticFile{}, urls: map[string]string{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(rel)
		url := "/static/" + strings.TrimSuffix(rel, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		f := &staticFile{body: body, contentType: mime.TypeByExtension(ext)}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		switch ext {
		case ".css", ".js", ".svg", ".json", ".webmanifest", ".txt":
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body) {
				f.gz = buf.Bytes()
			}
		}
		a.byURL[url] = f
		a.urls[rel] = url
		return nil
	})
	return a, err
}

// URL returns the fingerprinted URL of a static file ("css/app.css").
func (a *Assets) URL(rel string) string {
	if u, ok := a.urls[rel]; ok {
		return u
	}
	return "/static/" + rel
}

// Size returns the size in bytes (compressed when it would be sent so) of a
// static file, for page-weight checks.
func (a *Assets) Size(rel string) int {
	f := a.byURL[a.URL(rel)]
	if f == nil {
		return 0
	}
	if f.gz != nil {
		return len(f.gz)
	}
	return len(f.body)
}

// Handler serves the files.
func (a *Assets) Handler(c *fiber.Ctx) error {
	f, ok := a.byURL[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Vary(fiber.HeaderAcceptEncoding)
	if f.gz != nil && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(f.gz)
	}
	return c.Send(f.body)
}
