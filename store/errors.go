package store

// Error is a domain error: a stable code for programs and the translation key of a message
// that is safe to show to the person who caused it.
type Error struct {
	Code   string
	MsgKey string
}

func (e *Error) Error() string { return e.Code }

var (
	// ErrNotFound is returned when a record does not exist. Badger's own not-found error
	// never leaves this package.
	ErrNotFound = &Error{Code: "not_found", MsgKey: "error.not_found"}
	// ErrConflict is returned when a record changed after it was read.
	ErrConflict = &Error{Code: "conflict", MsgKey: "error.conflict"}
	// ErrEmailTaken is returned when a sign-in email already belongs to someone.
	ErrEmailTaken = &Error{Code: "email_taken", MsgKey: "error.email_taken"}
)
