package web

import "github.com/lantern-ngo/lantern/app/event"

// eventView is an event as a page shows it (event.View).
type eventView = event.View

var (
	viewEvent = event.ViewOf
	viewCard  = event.CardView
)
