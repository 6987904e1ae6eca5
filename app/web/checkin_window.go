package web

import (
	"errors"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

// checkinWindow is when sessions take check-ins, undos and headcounts
// (CHECKIN_WINDOW_BEFORE, CHECKIN_WINDOW_AFTER); attendance enforces it on
// every way in, the pages only say it.
func (s *Server) checkinWindow() attendance.Window {
	return attendance.Window{Before: s.cfg.CheckinWindowBefore, After: s.cfg.CheckinWindowAfter}
}

// windowNotice is what the check-in, headcount and paper-sheet pages of e
// say when the session takes nothing now ("" when it does).
func (s *Server) windowNotice(t *locale.Translator, e *event.Event) string {
	return windowMessage(t, e, s.checkinWindow().Check(attendance.SessionOf(e), s.now()))
}

// windowMessage translates a refusal of the window, with when check-in
// opens or when it closed, in the session's time zone ("" for nil).
func windowMessage(t *locale.Translator, e *event.Event, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || !attendance.IsWindowRefusal(err) {
		return ""
	}
	msg := t.T(ae.Key)
	if at, ok := ae.Args["opens"].(time.Time); ok {
		msg += " " + t.T("checkin.window.opens", "Time", t.DateTime(at.In(e.Location())))
	}
	if at, ok := ae.Args["closes"].(time.Time); ok {
		msg += " " + t.T("checkin.window.closed_on", "Time", t.DateTime(at.In(e.Location())))
	}
	return msg
}
