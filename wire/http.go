package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
)

// maxBodyBytes bounds every JSON request body.
const maxBodyBytes = 1 << 20

// WriteJSON writes v as a JSON response with the status. Browsers are told
// not to guess another type for it (nosniff).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes err in the wire's error shape. Internal errors are logged
// with the request path; their text never reaches the client.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	body, status := Describe(err)
	if body.Code == Internal || body.Code == Unavailable {
		log.Error("request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if body.RetryAfterMs != nil {
		w.Header().Set("Retry-After", strconv.FormatInt((*body.RetryAfterMs+999)/1000, 10))
	}
	WriteJSON(w, status, struct {
		Error ErrorBody `json:"error"`
	}{body})
}

// Respond writes what a handler answered: err in the wire's error shape,
// else body as JSON with status, or status alone when body is nil.
func Respond(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, body any, err error) {
	switch {
	case err != nil:
		WriteError(w, r, log, err)
	case body == nil:
		w.WriteHeader(status)
	default:
		WriteJSON(w, status, body)
	}
}

// Errors of request bodies that are not JSON text.
var (
	ErrBodyTooLarge = Errorf(TooLarge, "request body over %d MiB", maxBodyBytes>>20)
	ErrInvalidText  = NewError(InvalidArgument, "request body is not valid UTF-8")
)

// DecodeJSON decodes a JSON request body into dst. A body over the size
// limit is ErrBodyTooLarge; one that is not valid UTF-8 (ValidText) is
// ErrInvalidText; one that is not a single JSON object of the right shape is
// an InvalidArgument error.
func DecodeJSON(r *http.Request, dst any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return Errorf(InvalidArgument, "request body: %s", describeJSONError(err))
	}
	if len(body) > maxBodyBytes {
		return ErrBodyTooLarge
	}
	if !ValidText(body) {
		return ErrInvalidText
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return Errorf(InvalidArgument, "request body: %s", describeJSONError(err))
	}
	// More misses a stray ']' or '}'; only the end of input may follow.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return NewError(InvalidArgument, "request body: more than one JSON value")
	}
	return nil
}

// Decode decodes an event payload into dst, which must be a pointer to a
// struct. A payload that is not a JSON object, or whose fields have the wrong
// types, is an InvalidArgument error.
func Decode(payload json.RawMessage, dst any) error {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return NewError(InvalidArgument, "payload must be an object")
	}
	if err := json.Unmarshal(trimmed, dst); err != nil {
		return Errorf(InvalidArgument, "payload: %s", describeJSONError(err))
	}
	return nil
}

// describeJSONError turns a decoding error into words for the client.
func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return "field " + typeErr.Field + " must be " + jsonKind(typeErr.Type.Kind().String())
		}
		return "must be a JSON object"
	case errors.As(err, &syntaxErr):
		return "malformed JSON"
	case errors.Is(err, io.EOF):
		return "empty body"
	default:
		return "malformed JSON"
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "int32", "uint64", "float64":
		return "a number"
	default:
		return "of another type"
	}
}

// ErrInvalidLimit refuses a limit that is not a positive number.
var ErrInvalidLimit = NewError(InvalidArgument, "limit must be a positive number")

// QueryLimit reads the limit parameter of a query: 0 when absent,
// ErrInvalidLimit unless it is a positive integer.
func QueryLimit(q url.Values) (int, error) {
	if !q.Has("limit") {
		return 0, nil
	}
	n, err := strconv.Atoi(q.Get("limit"))
	if err != nil || n < 1 {
		return 0, ErrInvalidLimit
	}
	return n, nil
}
