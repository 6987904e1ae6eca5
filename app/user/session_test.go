package user_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// Resolve reads session and account in one query; what it refuses and what
// it ends must stay what it was.
func TestResolveSession(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		u := testutil.Staff(t, db, user.RoleTrainer, user.RoleCoach)
		tok, err := user.StartSession(ctx, db, u.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := user.Resolve(ctx, db, tok, 2*time.Hour, now.Add(time.Minute))
		if err != nil || got == nil || got.ID != u.ID || got.Email != u.Email || !got.Has(user.RoleCoach) || !got.Active {
			t.Fatalf("Resolve = %+v, %v", got, err)
		}
		if got, _ := user.Resolve(ctx, db, tok+"x", 2*time.Hour, now); got != nil {
			t.Fatal("an unknown token resolved")
		}
		// Seen two minutes later: last_seen_at moves, so the idle limit
		// counts from then.
		if got, _ := user.Resolve(ctx, db, tok, 2*time.Hour, now.Add(2*time.Minute)); got == nil {
			t.Fatal("session lost after two minutes")
		}
		if got, _ := user.Resolve(ctx, db, tok, 2*time.Hour, now.Add(2*time.Hour+time.Minute)); got == nil {
			t.Fatal("last_seen_at was not refreshed")
		}
		// A deactivated account has no session.
		db.Model(&user.User{}).Where("id = ?", u.ID).Update("active", false)
		if got, _ := user.Resolve(ctx, db, tok, 2*time.Hour, now.Add(2*time.Hour+2*time.Minute)); got != nil {
			t.Fatal("a deactivated account resolved")
		}
		db.Model(&user.User{}).Where("id = ?", u.ID).Update("active", true)
		// Idle too long: refused and ended.
		if got, _ := user.Resolve(ctx, db, tok, 2*time.Hour, now.Add(5*time.Hour)); got != nil {
			t.Fatal("an idle session resolved")
		}
		var n int64
		db.Model(&user.Session{}).Where("user_id = ?", u.ID).Count(&n)
		if n != 0 {
			t.Fatalf("idle session kept: %d rows", n)
		}
	})
}
