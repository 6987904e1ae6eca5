package database

import "gorm.io/gorm"

// LockRow makes a row-locking write the first statement of a transaction.
// On PostgreSQL it locks the row, so that concurrent changes to one record
// run one after the other. On SQLite it takes the database's write lock at
// once (waiting under busy_timeout): glebarez/go-sqlite ignores
// _txlock=immediate when _time_format is also set, so transactions begin
// DEFERRED, and one that reads first and writes later fails with
// SQLITE_BUSY when another writer committed in between. With id 0 it only
// takes the write lock (an UPDATE that matches no row still does). table is
// a constant of the caller, never user input.
func LockRow(tx *gorm.DB, table string, id uint) error {
	return tx.Exec("UPDATE "+table+" SET id = id WHERE id = ?", id).Error
}
