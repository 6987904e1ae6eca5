// Command lantern runs the Lantern site. Wiring lives here and only here.
//
//	go run ./app                 serve (the default)
//	go run ./app migrate         apply pending migrations
//	go run ./app seed            seed the programme (and demo staff with LANTERN_DEMO=true)
//	go run ./app seed --scale N  add a generated programme N times the seeded size (load runs)
//	go run ./app create-admin --email a@b.org [--name …] [--lang vi]
//	lantern healthcheck          exit 0 when the running server is ready (container HEALTHCHECK)
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/config"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/user"
	"github.com/lantern-ngo/lantern/app/web"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "lantern:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cmd == "healthcheck" {
		// For the container's HEALTHCHECK: the image has no curl.
		return healthcheck(cfg)
	}

	db, err := database.Open(cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, db, log)
	case "migrate":
		if err := database.Migrate(ctx, db); err != nil {
			return err
		}
		fmt.Println("migrations applied")
		return nil
	case "seed":
		return seedCmd(ctx, cfg, db, args)
	case "create-admin":
		return createAdmin(ctx, db, args)
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, seed, create-admin)", cmd)
	}
}

func healthcheck(cfg *config.Config) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", cfg.Port))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz answered %d", resp.StatusCode)
	}
	return nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if os.Getenv("LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(os.Stdout, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stdout, opts))
}

func serve(ctx context.Context, cfg *config.Config, db *gorm.DB, log *slog.Logger) error {
	if os.Getenv("GOGC") == "" {
		// The live heap is small (tens of MB) and pages allocate a lot of
		// short-lived values: collecting less often buys 10-25 % throughput
		// (docs/PERFORMANCE.md) for a few MB of memory. GOGC overrides it.
		debug.SetGCPercent(400)
	}
	if err := database.Migrate(ctx, db); err != nil {
		return err
	}
	if cfg.Demo {
		if err := seed.Run(ctx, db, lantern.Assets, seed.Options{Demo: true}); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	srv, err := web.New(web.Options{Config: cfg, DB: db, Logger: log, Assets: lantern.Assets})
	if err != nil {
		return err
	}
	app := srv.App()
	srv.Start(ctx)
	defer srv.Stop()

	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		// Go's profiler, for measuring (docs/PERFORMANCE.md), on its own
		// listener: give it a private address such as 127.0.0.1:6060.
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			log.Info("profiler listening", slog.String("addr", addr), slog.Any("error", http.ListenAndServe(addr, mux)))
		}()
	}

	errc := make(chan error, 1)
	go func() { errc <- app.Listen(cfg.Addr()) }()
	url := cfg.BaseURL + "/" + locale.Default + "/events"
	log.Info("Lantern is running", slog.String("url", url), slog.String("database", dialectName(cfg)), slog.Bool("demo", cfg.Demo))
	fmt.Printf("\n  Lantern is running: %s\n", url)
	if cfg.Demo {
		fmt.Printf("  Demo staff sign-in: %s/%s/login (see README.md for the accounts)\n\n", cfg.BaseURL, locale.Default)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let requests in flight finish.
	log.Info("shutting down")
	return app.ShutdownWithTimeout(cfg.ShutdownGrace)
}

func dialectName(cfg *config.Config) string {
	d, _, _ := config.ParseDatabaseURL(cfg.DatabaseURL)
	return d
}

func seedCmd(ctx context.Context, cfg *config.Config, db *gorm.DB, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", cfg.Demo, "also create the demo staff accounts")
	scale := fs.Int("scale", 0, "fill the database with a programme N times the seeded size (benchmarks, load runs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := database.Migrate(ctx, db); err != nil {
		return err
	}
	if *scale > 0 {
		if *demo {
			if err := seed.Run(ctx, db, lantern.Assets, seed.Options{Demo: true}); err != nil {
				return err
			}
		}
		st, err := seed.Scale(ctx, db, lantern.Assets, *scale, time.Now().UTC(), func(s string) { fmt.Println("  " + s) })
		if err != nil {
			return err
		}
		fmt.Printf("scale %d: %d events, %d registrations, %d check-ins, %d quiz attempts, %d answers in %s\n",
			*scale, st.Events, st.Registrations, st.Checkins, st.Attempts, st.Answers, st.Took.Round(time.Millisecond))
		return nil
	}
	if err := seed.Run(ctx, db, lantern.Assets, seed.Options{Demo: *demo}); err != nil {
		return err
	}
	fmt.Println("programme seeded")
	return nil
}

func createAdmin(ctx context.Context, db *gorm.DB, args []string) error {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	email := fs.String("email", "", "the administrator's e-mail address (required)")
	name := fs.String("name", "Administrator", "the administrator's name")
	lang := fs.String("lang", "vi", "interface language: vi, fr or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || !strings.Contains(*email, "@") {
		return errors.New("create-admin: --email is required")
	}
	if !locale.IsSupported(*lang) {
		return errors.New("create-admin: --lang must be vi, fr or en")
	}
	if err := database.Migrate(ctx, db); err != nil {
		return err
	}
	pw := os.Getenv("LANTERN_ADMIN_PASSWORD")
	if pw == "" {
		var err error
		pw, err = readPassword("Password for " + *email + ": ")
		if err != nil {
			return err
		}
	}
	if key := user.CheckPasswordStrength(pw, *email); key != "" {
		return fmt.Errorf("create-admin: the password is too weak (%s)", key)
	}
	u := &user.User{Email: *email, Name: *name, Roles: string(user.RoleAdmin), Lang: *lang}
	if err := user.Create(ctx, db, u, pw); err != nil {
		return err
	}
	fmt.Printf("admin %s created (id %d)\n", u.Email, u.ID)
	return nil
}

func readPassword(prompt string) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	if term.IsTerminal(int(os.Stdin.Fd())) {
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
