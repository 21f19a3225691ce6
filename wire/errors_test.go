package wire

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    Code
		message string
		status  int
		retryMs int64 // 0: no retryAfterMs
	}{
		{name: "plain error is internal", err: errors.New("disk on fire"), code: Internal, message: "internal error", status: 500},
		{name: "invalid argument", err: NewError(InvalidArgument, "bad"), code: InvalidArgument, message: "bad", status: 400},
		{name: "unauthorized", err: NewError(Unauthorized, "who"), code: Unauthorized, message: "who", status: 401},
		{name: "forbidden", err: NewError(Forbidden, "no"), code: Forbidden, message: "no", status: 403},
		{name: "not found", err: NewError(NotFound, "gone"), code: NotFound, message: "gone", status: 404},
		{name: "conflict", err: NewError(Conflict, "taken"), code: Conflict, message: "taken", status: 409},
		{name: "too large", err: NewError(TooLarge, "long"), code: TooLarge, message: "long", status: 413},
		{name: "unavailable", err: ErrUnavailable, code: Unavailable, message: "storage unavailable", status: 503},
		{name: "internal code", err: NewError(Internal, "oops"), code: Internal, message: "oops", status: 500},
		{name: "unknown code is a 500", err: NewError("weird", "w"), code: "weird", message: "w", status: 500},
		{name: "wrapped keeps its code", err: fmt.Errorf("load room: %w", NewError(NotFound, "room not found")),
			code: NotFound, message: "room not found", status: 404},
		{name: "rate limited carries retry", err: WithRetryAfter(NewError(RateLimited, "slow down"), 1500*time.Millisecond),
			code: RateLimited, message: "slow down", status: 429, retryMs: 1500},
		{name: "rate limited rounds a zero retry up", err: NewError(RateLimited, "slow down"),
			code: RateLimited, message: "slow down", status: 429, retryMs: 1},
		{name: "rate limited rounds a sub-millisecond retry up", err: fmt.Errorf("send: %w", WithRetryAfter(NewError(RateLimited, "s"), 300*time.Microsecond)),
			code: RateLimited, message: "s", status: 429, retryMs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, status := Describe(tt.err)
			if body.Code != tt.code || body.Message != tt.message || status != tt.status {
				t.Errorf("Describe = %+v, %d; want code %q message %q status %d", body, status, tt.code, tt.message, tt.status)
			}
			switch {
			case tt.retryMs == 0 && body.RetryAfterMs != nil:
				t.Errorf("retryAfterMs = %d, want none", *body.RetryAfterMs)
			case tt.retryMs != 0 && (body.RetryAfterMs == nil || *body.RetryAfterMs != tt.retryMs):
				t.Errorf("retryAfterMs = %v, want %d", body.RetryAfterMs, tt.retryMs)
			}
			if got := CodeOf(tt.err); got != tt.code {
				t.Errorf("CodeOf = %q, want %q", got, tt.code)
			}
		})
	}
}

func TestDescribeHidesInternalText(t *testing.T) {
	body, _ := Describe(fmt.Errorf("query users: %w", errors.New("password=hunter2")))
	if strings.Contains(body.Message, "hunter2") {
		t.Errorf("internal error text reached the client: %q", body.Message)
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range []Code{InvalidArgument, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, RateLimited, Unavailable, Internal} {
		if _, ok := statuses[c]; !ok {
			t.Errorf("code %q has no HTTP status", c)
		}
	}
}

// TestErrorIsIdentity: sentinels are told apart by identity, never by
// their text, so two packages' errors with the same words stay distinct.
func TestErrorIsIdentity(t *testing.T) {
	sentinel := NewError(RateLimited, "sending too fast")
	twin := NewError(RateLimited, "sending too fast")
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{name: "same value", err: sentinel, target: sentinel, want: true},
		{name: "wrapped", err: fmt.Errorf("send: %w", sentinel), target: sentinel, want: true},
		{name: "with retry after", err: WithRetryAfter(sentinel, time.Second), target: sentinel, want: true},
		{name: "same code and words, another value", err: twin, target: sentinel, want: false},
		{name: "not an Error", err: sentinel, target: errors.New("sending too fast"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryAfterOf(t *testing.T) {
	err := fmt.Errorf("send: %w", WithRetryAfter(NewError(RateLimited, "slow"), 2*time.Second))
	if d, ok := RetryAfterOf(err); !ok || d != 2*time.Second {
		t.Errorf("RetryAfterOf = %v, %v; want 2s", d, ok)
	}
	if _, ok := RetryAfterOf(NewError(RateLimited, "slow")); ok {
		t.Error("RetryAfterOf found a retry time that was never attached")
	}
}

func TestErrorf(t *testing.T) {
	err := Errorf(NotFound, "user %q not found", "bob")
	if err.Code() != NotFound || err.Error() != `user "bob" not found` {
		t.Errorf("Errorf = %+v", err)
	}
}

func TestUnavailablef(t *testing.T) {
	cause := errors.New("database is locked")
	err := Unavailablef("append message", cause)
	if !errors.Is(err, ErrUnavailable) {
		t.Error("not errors.Is ErrUnavailable")
	}
	if !errors.Is(err, cause) {
		t.Error("the cause is lost")
	}
	if !strings.Contains(err.Error(), "append message") || !strings.Contains(err.Error(), "database is locked") {
		t.Errorf("Error() = %q, want the operation and the cause", err.Error())
	}
	body, status := Describe(err)
	if body.Code != Unavailable || status != http.StatusServiceUnavailable {
		t.Errorf("Describe = %+v, %d", body, status)
	}
	if strings.Contains(body.Message, "locked") {
		t.Errorf("the cause reached the client: %q", body.Message)
	}
}

func TestFormatTime(t *testing.T) {
	zone := time.FixedZone("CEST", 2*60*60)
	at := time.Date(2026, 11, 25, 14, 0, 0, 123_456_789, zone)
	if got, want := FormatTime(at), "2026-11-25T12:00:00.123Z"; got != want {
		t.Errorf("FormatTime = %q, want %q", got, want)
	}
	if got, want := FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), "2026-01-02T03:04:05.000Z"; got != want {
		t.Errorf("FormatTime = %q, want %q", got, want)
	}
}

func TestNow(t *testing.T) {
	now := Now()
	if now.Location() != time.UTC {
		t.Errorf("Now is in %v, want UTC", now.Location())
	}
	if now.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Now has sub-millisecond part: %v", now)
	}
	parsed, err := time.Parse(TimeLayout, FormatTime(now))
	if err != nil || !parsed.Equal(now) {
		t.Errorf("Now does not survive the wire: %v, %v", parsed, err)
	}
}
