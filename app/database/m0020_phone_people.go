package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0020PhonePeople: on PostgreSQL, functions that count the people
// registered with a number at an event, and those waiting for a seat, read
// afresh where they are called.
//
// A registration's one-statement path (registration.fastRegister) takes the
// event's seat only when the number is new to the event, and two requests
// for the same new number must not both see it new: they wait for each
// other on the event's row, and PostgreSQL evaluates the condition again
// on the row it waited for, but a subquery there would still read the
// statement's first snapshot. A VOLATILE PL/pgSQL function reads with a
// fresh snapshot each time, so the second request sees the first's
// registration and goes the locked way instead. SQLite needs nothing: its
// writers are serialised from their first statement.
func m0020PhonePeople() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0020_phone_people",
		Migrate: func(tx *gorm.DB) error {
			if Dialect(tx) != "postgres" {
				return nil
			}
			err := tx.Exec(`CREATE OR REPLACE FUNCTION lantern_phone_people(ev bigint, ph text, live_only boolean)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (SELECT count(*) FROM registrations
          WHERE event_id = ev AND phone = ph AND kind = 'individual'
            AND (NOT live_only OR status <> 'cancelled'));
END $$`).Error
			if err != nil {
				return err
			}
			// The waiting list's length (up to lim), read afresh on the
			// locked row in the same way: the place in line of a person
			// joining it.
			return tx.Exec(`CREATE OR REPLACE FUNCTION lantern_waiting(ev bigint, lim int)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (SELECT count(*) FROM (SELECT 1 FROM registrations
          WHERE event_id = ev AND status = 'waitlisted' LIMIT lim) w);
END $$`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			if Dialect(tx) != "postgres" {
				return nil
			}
			return tx.Exec(`DROP FUNCTION IF EXISTS lantern_phone_people(bigint, text, boolean); DROP FUNCTION IF EXISTS lantern_waiting(bigint, int)`).Error
		},
	}
}
