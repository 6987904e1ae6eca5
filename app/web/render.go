package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

// Renderer holds one template set per page (layout + partials + the page),
// parsed once at start. Nothing in it changes per request: the translator
// travels in the page data, never as a per-request FuncMap on a shared
// template (the race miniflux fixed in 56d0b31c). gofiber/template/html shares
// one namespace across pages, hence this small renderer.
type Renderer struct {
	pages map[string]*template.Template
	pool  sync.Pool
}

// NewRenderer parses views/ from fsys. It fails loudly on any template error.
func NewRenderer(fsys fs.FS, funcs template.FuncMap) (*Renderer, error) {
	base := template.New("").Funcs(funcs)
	var shared []string
	for _, dir := range []string{"views/layouts", "views/partials"} {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			return nil, fmt.Errorf("views: %w", err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".html") {
				shared = append(shared, path.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(shared)
	if _, err := base.ParseFS(fsys, shared...); err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	r.pool.New = func() any { return new(bytes.Buffer) }
	err := fs.WalkDir(fsys, "views", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		var name string
		switch {
		case strings.HasPrefix(p, "views/pages/"):
			name = strings.TrimSuffix(strings.TrimPrefix(p, "views/pages/"), ".html")
		case strings.HasPrefix(p, "views/errors/"):
			name = "errors/" + strings.TrimSuffix(strings.TrimPrefix(p, "views/errors/"), ".html")
		default:
			return nil
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(fsys, p); err != nil {
			return fmt.Errorf("views: %s: %w", p, err)
		}
		r.pages[name] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Has tells whether a page exists.
func (r *Renderer) Has(name string) bool { _, ok := r.pages[name]; return ok }

// Pages lists the page names.
func (r *Renderer) Pages() []string {
	var out []string
	for k := range r.pages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Render executes the page's "layout" (or "print" / the page itself when it
// defines no layout use) into w. It renders into a buffer first so that a
// template error never sends half a page.
func (r *Renderer) Render(w io.Writer, name string, data any) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	buf := r.pool.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.pool.Put(buf)
	entry := "layout"
	if t.Lookup("page") != nil {
		entry = "page" // a page that brings its own frame (print sheets, tickets)
	}
	if err := t.ExecuteTemplate(buf, entry, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
