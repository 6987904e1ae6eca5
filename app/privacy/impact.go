package privacy

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/user"
)

// ImpactFacts are the live facts a draft of the personal-data processing
// impact assessment (Law 91/2025, Decree 356/2025) is filled from: what the
// NGO must keep on file and send to the authority. Lantern drafts it; the
// NGO completes, signs and files it.
type ImpactFacts struct {
	GeneratedAt time.Time
	Periods     Periods
	// Staff holding each role (active accounts), in display order.
	Roles []RoleCount
	// Where data lives and who processes it.
	Database   string // "PostgreSQL" or "SQLite"
	SMSDriver  string // "outbox" (kept for organisers) or "http" (a gateway)
	SMSGateway string // the gateway's host, when one is set
	// What is held today.
	Registrations int64 // not anonymised
	Children      int64 // of which registered with a guardian
	Phones        int64 // still holding a number
	ReadLogDays   int
}

// RoleCount is how many active staff accounts hold a role.
type RoleCount struct {
	Role  user.Role
	Count int
}

// Impact gathers the facts.
func Impact(ctx context.Context, db *gorm.DB, p Periods, smsDriver, smsGatewayHost string, readLogDays int, now time.Time) (*ImpactFacts, error) {
	f := &ImpactFacts{GeneratedAt: now.UTC(), Periods: p, SMSDriver: smsDriver, SMSGateway: smsGatewayHost, ReadLogDays: readLogDays, Database: "SQLite"}
	if db.Dialector.Name() == "postgres" {
		f.Database = "PostgreSQL"
	}
	var roles []string
	if err := db.WithContext(ctx).Table("users").Where("active = ?", true).Pluck("roles", &roles).Error; err != nil {
		return nil, err
	}
	for _, r := range user.AllRoles {
		n := 0
		for _, have := range roles {
			u := user.User{Roles: have}
			if u.Has(r) {
				n++
			}
		}
		f.Roles = append(f.Roles, RoleCount{Role: r, Count: n})
	}
	q := func(where string) (int64, error) {
		var n int64
		err := db.WithContext(ctx).Table("registrations").Where("anonymised_at IS NULL" + where).Count(&n).Error
		return n, err
	}
	var err error
	if f.Registrations, err = q(""); err != nil {
		return nil, err
	}
	if f.Children, err = q(" AND guardian_name <> ''"); err != nil {
		return nil, err
	}
	if f.Phones, err = q(" AND phone IS NOT NULL"); err != nil {
		return nil, err
	}
	return f, nil
}
