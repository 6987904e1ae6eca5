// Package apperr defines the kinds of application error. Each carries the
// i18n key of the message a person sees; the web layer maps a kind to an
// HTTP status once (wtf error.go) and logs only internal errors.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error.
type Kind string

const (
	NotFound  Kind = "not_found"
	Invalid   Kind = "invalid"
	Conflict  Kind = "conflict"
	Forbidden Kind = "forbidden"
	// Unauthorized: the credentials sent (an API token) are not valid; as
	// opposed to Forbidden, valid credentials that do not allow the action.
	Unauthorized Kind = "unauthorized"
	RateLimited  Kind = "rate_limited"
	Unavailable  Kind = "unavailable"
	Internal     Kind = "internal"
)

// Error is an application error with a translation key.
type Error struct {
	Kind Kind
	// Key is the i18n message ID shown to the person.
	Key string
	// Args fill the message's template.
	Args map[string]any
	// Fields are the problems of a form's fields (FieldList.Err).
	Fields []FieldError
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an error of a kind with a message key.
func New(kind Kind, key string) *Error { return &Error{Kind: kind, Key: key} }

// Wrap makes an error of a kind around a cause.
func Wrap(kind Kind, key string, err error) *Error { return &Error{Kind: kind, Key: key, Err: err} }

// With adds template arguments.
func (e *Error) With(args map[string]any) *Error { e.Args = args; return e }

// KindOf returns the kind of err, Internal when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// KeyOf returns the message key of err, or the generic internal one.
func KeyOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Key != "" {
		return e.Key
	}
	return "error.internal"
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// FieldError is the problem of one field of a form: the message key and its
// template arguments.
type FieldError struct {
	Field string
	Key   string
	Args  map[string]any
}

// FieldList collects every problem of a form, so that the person sees them
// all at once.
type FieldList struct{ List []FieldError }

// Add records a field's problem (the first one of a field wins).
func (f *FieldList) Add(field, key string, args map[string]any) {
	for _, x := range f.List {
		if x.Field == field {
			return
		}
	}
	f.List = append(f.List, FieldError{Field: field, Key: key, Args: args})
}

// Err returns an Invalid error carrying the fields, or nil when there is
// none: an untyped nil, so that `return fe.Err()` from a function returning
// error is nil when nothing is wrong.
func (f *FieldList) Err() error {
	if len(f.List) == 0 {
		return nil
	}
	// The first problem is the error's own key, for callers that show one.
	return &Error{Kind: Invalid, Key: f.List[0].Key, Args: f.List[0].Args, Fields: f.List}
}

// FieldsOf returns the field problems of err: its list, or the field named
// by its Args["field"], or none.
func FieldsOf(err error) []FieldError {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	if len(e.Fields) > 0 {
		return e.Fields
	}
	if f, ok := e.Args["field"].(string); ok && f != "" {
		return []FieldError{{Field: f, Key: e.Key, Args: e.Args}}
	}
	return nil
}
