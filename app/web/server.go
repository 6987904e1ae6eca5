// Package web is the only package that knows Fiber: the server, its routes,
// middleware, renderer, error handler, forms, and one file per page or action.
package web

import (
	"context"
	"errors"
	"github.com/lantern-ngo/lantern/app/apidoc"
	"github.com/lantern-ngo/lantern/app/csrftoken"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/pagecache"
	"html/template"
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/locale"
)

// Server holds what handlers need. It is built once in main and passed
// explicitly; there are no package-level globals.
type Server struct {
	cfg      *config.Config
	db       *gorm.DB
	log      *slog.Logger
	bundle   *locale.Bundle
	renderer *Renderer
	assets   *Assets
	validate *validator.Validate
	metrics  *metrics
	// pageCache holds rendered anonymous public pages (nil when off).
	pageCache *pageCache
	// content holds events' descriptions for the registration form, gains
	// the knowledge-gain API's answers (nil when the page cache is off).
	content *pagecache.Memo[uint, *eventContent]
	gains   *pagecache.Memo[uint, []byte]
	// proxies are TRUSTED_PROXIES, read once (clientIP).
	proxies []netip.Prefix
	// apiDoc is the API's OpenAPI document (app/apidoc).
	apiDoc *apidoc.Document
	// csrfSigner signs the CSRF tokens (keyed from SECRET_KEY, see csrf.go).
	csrfSigner csrftoken.Signer
	now        func() time.Time
	// dhis2 is the DHIS2 client (DHIS2_URL…; not configured when unset).
	dhis2 *dhis2.Client
	// background work started by the server (SMS sender, janitor); stopped on shutdown.
	stopBackground context.CancelFunc
}

// Options are the dependencies of a Server.
type Options struct {
	Config *config.Config
	DB     *gorm.DB
	Logger *slog.Logger
	// Assets is the embedded file system with views/, locales/, static/.
	Assets fs.FS
	// Now replaces the clock in tests.
	Now func() time.Time
}

// New builds the server: bundle, templates and static files are loaded once
// and fail loudly.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	bundle, err := locale.Load(o.Assets, "locales")
	if err != nil {
		return nil, err
	}
	assets, err := LoadAssets(o.Assets)
	if err != nil {
		return nil, err
	}
	proxies, err := trustedProxies(o.Config)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: o.Config, db: o.DB, log: o.Logger, bundle: bundle, assets: assets, proxies: proxies, now: o.Now,
		csrfSigner: csrftoken.New(o.Config.SecretKey),
		dhis2: dhis2.NewClient(dhis2.Settings{URL: o.Config.DHIS2URL, Token: o.Config.DHIS2Token,
			Username: o.Config.DHIS2Username, Password: o.Config.DHIS2Password})}
	s.renderer, err = NewRenderer(o.Assets, s.templateFuncs())
	if err != nil {
		return nil, err
	}
	s.apiDoc, err = apidoc.Load(o.Assets, o.Config.BaseURL)
	if err != nil {
		return nil, err
	}
	s.validate = newValidator()
	s.metrics = newMetrics(o.DB)
	s.pageCache = s.newPageCache()
	s.content = newMemo[*eventContent](s, func(ctx context.Context) (int64, error) {
		return database.ContentVersion(s.db.WithContext(ctx))
	})
	s.gains = newMemo[[]byte](s, func(ctx context.Context) (int64, error) {
		return database.QuizVersion(s.db.WithContext(ctx))
	})
	return s, nil
}

// Bundle exposes the messages (for tests and the CLI).
func (s *Server) Bundle() *locale.Bundle { return s.bundle }

// Renderer exposes the templates (for tests).
func (s *Server) Renderer() *Renderer { return s.renderer }

// App builds the Fiber application with every route.
func (s *Server) App() *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "Lantern",
		ErrorHandler:          s.handleError,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		BodyLimit:             1 << 20, // 1 MiB: forms are small; CSV imports set their own limit
		ReadBufferSize:        8192,
		DisableStartupMessage: true,
		// The trusted proxies decide X-Forwarded-Proto and -Host; the
		// client's address is read by clientIP, not by c.IP(): no
		// ProxyHeader (Fiber would take the whole X-Forwarded-For).
		EnableTrustedProxyCheck: len(s.cfg.TrustedProxies) > 0,
		TrustedProxies:          s.cfg.TrustedProxies,
		StrictRouting:           false,
		CaseSensitive:           true,
	})
	s.routes(app)
	return app
}

// Start launches the background workers (SMS sender, janitor). Call Stop on
// shutdown.
func (s *Server) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	s.stopBackground = cancel
	for _, w := range s.workers() {
		go w(ctx)
	}
}

// Stop ends the background workers.
func (s *Server) Stop() {
	if s.stopBackground != nil {
		s.stopBackground()
	}
}

func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset": s.assets.URL,
		"add":   func(a, b int) int { return a + b },
		"sub":   func(a, b int) int { return a - b },
		"lower": strings.ToLower,
		// isolate wraps text people typed (a name) in Unicode's first-strong
		// isolate and its pop (U+2068 … U+2069) where no element can hold it:
		// inside a translated sentence or an attribute, so that right-to-left
		// letters in it cannot reorder the words around it.
		"isolate": func(s string) string { return "\u2068" + s + "\u2069" },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict needs pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, _ := kv[i].(string)
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
	}
}
