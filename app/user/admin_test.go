package user_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// Two people racing with the same link: exactly one sets the password.
func TestPasswordLinkIsSingleUseUnderConcurrency(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		admin := testutil.Staff(t, db, user.RoleAdmin)
		u := testutil.Staff(t, db, user.RoleTrainer)
		now := time.Now().UTC()
		token, err := user.NewPasswordLink(ctx, db, admin.ID, u.ID, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = user.SetPasswordWithToken(ctx, db, token, "a-new-password-"+string(rune('a'+i)), now)
			}()
		}
		wg.Wait()
		ok, invalid := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.NotFound):
				invalid++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || invalid != 3 {
			t.Errorf("%d succeeded and %d were refused, want 1 and 3", ok, invalid)
		}
	})
}

func TestPasswordRules(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                 "error.password.too_short",
		"aaaaaaaaaaaaaaaa":      "error.password.too_simple",
		"mai.tran-is-my-name":   "error.password.contains_email",
		"correct horse battery": "",
	} {
		if got := user.CheckPasswordStrength(pw, "mai.tran@lantern.test"); got != want {
			t.Errorf("%q: %q, want %q", pw, got, want)
		}
	}
}
