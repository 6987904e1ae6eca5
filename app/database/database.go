// Package database opens Lantern's database (PostgreSQL in production, SQLite
// embedded), runs the versioned migrations and offers WithTx.
package database

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/lantern-ngo/lantern/app/config"
)

// Dialect names the database family a *gorm.DB talks to.
func Dialect(db *gorm.DB) string {
	if db.Dialector.Name() == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// Open connects to the database named by a DATABASE_URL value.
func Open(databaseURL string, log *slog.Logger) (*gorm.DB, error) {
	dialect, dsn, err := config.ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	gcfg := &gorm.Config{
		// ParameterizedQueries keeps values (phone numbers, names) out of the
		// SQL that GORM logs.
		Logger: logger.New(slogWriter{log}, logger.Config{
			SlowThreshold:             500 * time.Millisecond,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true,
		}),
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
		// No GORM prepared-statement cache. On PostgreSQL the driver (pgx)
		// already prepares and reuses statements per connection, inside
		// transactions too, while GORM's cache prepared each statement of a
		// transaction on it and deallocated it at commit (two more round
		// trips per statement of every check-in). On SQLite the cache's
		// global lock deadlocked with the single writer: a transaction
		// holding the write lock waited for the cache, whose holder waited
		// for a pooled connection held by writers waiting for that lock
		// (seen under load: 50 concurrent check-ins, 503 after 15 s).
		PrepareStmt:            false,
		SkipDefaultTransaction: true,
	}
	var db *gorm.DB
	switch dialect {
	case "postgres":
		db, err = gorm.Open(postgres.Open(dsn), gcfg)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(25)
		sqlDB.SetMaxIdleConns(25)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		// Each connection keeps the plans PostgreSQL made for its prepared
		// statements; renewing connections lets new plans follow tables
		// that grew since (a receipts table empty on the morning of a
		// screening and large by noon), and lets a failover or a proxy
		// rebalance them.
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	default:
		if dir := filepath.Dir(dsn); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create the folder for %s: %w", dsn, err)
			}
		}
		// WAL lets readers run beside the single writer; _txlock=immediate takes
		// the write lock at BEGIN so that two read-then-write transactions never
		// deadlock, and busy_timeout makes waiting writers queue instead of failing.
		// (No _time_format: the driver's default is already SQLite's own
		// format, and go-sqlite stops reading options after _time_format, which
		// silently dropped _txlock.)
		q := "_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		db, err = gorm.Open(sqlite.Open(dsn+sep+q), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open SQLite database %s: %w", dsn, err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	}
	return db, nil
}

// Ping tells whether the database answers, for /readyz.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return sqlDB.PingContext(ctx)
}

// WithTx runs fn in one transaction; the service that starts it owns it and
// helpers take the tx (wtf sqlite/dial.go, gitea models/db/context.go).
func WithTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return db.WithContext(ctx).Transaction(fn)
}

type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Printf(format string, args ...any) {
	if w.log != nil {
		w.log.Warn("database", "detail", fmt.Sprintf(format, args...))
	}
}
