// Package wire is the client-facing edge shared by the HTTP routes and the
// Socket.IO event handlers of every domain package: the error codes of the
// wire contract, the one table that turns errors into codes and HTTP statuses,
// JSON bodies, and event payload decoding and acknowledgements.
package wire

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Code is an error code of the wire contract.
type Code string

// The error codes of the wire contract.
const (
	InvalidArgument Code = "invalid_argument"
	Unauthorized    Code = "unauthorized"
	TokenExpired    Code = "token_expired" // sent to a connected socket whose token expired
	Forbidden       Code = "forbidden"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	TooLarge        Code = "too_large"
	RateLimited     Code = "rate_limited"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

// statuses is the one table from wire code to HTTP status.
var statuses = map[Code]int{
	InvalidArgument: http.StatusBadRequest,
	Unauthorized:    http.StatusUnauthorized,
	TokenExpired:    http.StatusUnauthorized,
	Forbidden:       http.StatusForbidden,
	NotFound:        http.StatusNotFound,
	Conflict:        http.StatusConflict,
	TooLarge:        http.StatusRequestEntityTooLarge,
	RateLimited:     http.StatusTooManyRequests,
	Unavailable:     http.StatusServiceUnavailable,
	Internal:        http.StatusInternalServerError,
}

// Error is an error that carries a wire code. Domain packages declare
// their sentinel errors as *Error values, compared by identity (errors.Is
// finds the very value, however wrapped), so that the edge needs no
// knowledge of them; wrap them with %w to add context. Its fields cannot be
// changed once made.
type Error struct {
	code    Code
	message string
}

// Error implements error.
func (e *Error) Error() string { return e.message }

// Code is the wire code of the error.
func (e *Error) Code() Code { return e.code }

// NewError returns an *Error with the code and message.
func NewError(code Code, message string) *Error {
	return &Error{code: code, message: message}
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{code: code, message: fmt.Sprintf(format, args...)}
}

// ErrUnavailable marks a failure of storage or the broker: the database or
// Redis did not answer, or answered with an error. Stores wrap the failures
// of their I/O with it, and only those: data that cannot be read back is an
// internal error.
var ErrUnavailable = NewError(Unavailable, "storage unavailable")

// Unavailablef wraps a failure of a backend with ErrUnavailable.
func Unavailablef(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
}

// retryAfter is an error that says when to try again.
type retryAfter struct {
	err   error
	after time.Duration
}

func (r *retryAfter) Error() string { return r.err.Error() }
func (r *retryAfter) Unwrap() error { return r.err }

// WithRetryAfter wraps err (a RateLimited error) with the time after which
// the client may try again; Describe reports it as retryAfterMs.
func WithRetryAfter(err error, after time.Duration) error {
	return &retryAfter{err: err, after: after}
}

// RetryAfterOf returns the time WithRetryAfter attached to err, if any.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r *retryAfter
	if !errors.As(err, &r) {
		return 0, false
	}
	return r.after, true
}

// ErrorBody is the JSON shape of an error on the wire.
type ErrorBody struct {
	Code         Code   `json:"code"`
	Message      string `json:"message"`
	RetryAfterMs *int64 `json:"retryAfterMs,omitempty"`
	Event        string `json:"event,omitempty"`
}

// Describe turns any error into its wire form and HTTP status. Errors that
// carry no code are internal, and their text is not shown to clients.
func Describe(err error) (ErrorBody, int) {
	var we *Error
	if !errors.As(err, &we) {
		return ErrorBody{Code: Internal, Message: "internal error"}, http.StatusInternalServerError
	}
	body := ErrorBody{Code: we.code, Message: we.message}
	if we.code == RateLimited {
		after, _ := RetryAfterOf(err)
		ms := max(after.Milliseconds(), 1)
		body.RetryAfterMs = &ms
	}
	status, ok := statuses[we.code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return body, status
}

// CodeOf returns the wire code of err.
func CodeOf(err error) Code {
	body, _ := Describe(err)
	return body.Code
}

// TimeLayout is how the wire writes times: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime formats t in TimeLayout, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Now returns the current time truncated to the millisecond the wire shows,
// so that a stored time equals the one sent to clients.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
