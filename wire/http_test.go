package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

type credentialsBody struct {
	Username string   `json:"username"`
	Age      int      `json:"age"`
	Tags     []string `json:"tags"`
	Admin    bool     `json:"admin"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantErr  string // "" for success; else a part of the message
		wantCode Code   // InvalidArgument unless set
	}{
		{name: "object", body: `{"username":"alice","age":3,"tags":["a"],"admin":true}`},
		{name: "object with surrounding space", body: " \n{\"username\":\"alice\"}\n "},
		{name: "unknown fields are ignored", body: `{"username":"alice","extra":{"x":1}}`},
		{name: "empty body", body: ``, wantErr: "empty body"},
		{name: "array", body: `[1,2]`, wantErr: "must be a JSON object"},
		{name: "string", body: `"alice"`, wantErr: "must be a JSON object"},
		{name: "string field given a number", body: `{"username":5}`, wantErr: "field username must be a string"},
		{name: "number field given a string", body: `{"age":"5"}`, wantErr: "field age must be a number"},
		{name: "array field given an object", body: `{"tags":{}}`, wantErr: "field tags must be an array"},
		{name: "bool field given a string", body: `{"admin":"yes"}`, wantErr: "field admin must be a boolean"},
		{name: "malformed", body: `{"username":`, wantErr: "malformed JSON"},
		{name: "syntax error", body: `{username:"alice"}`, wantErr: "malformed JSON"},
		{name: "two values", body: `{"username":"a"} {"username":"b"}`, wantErr: "more than one JSON value"},
		{name: "trailing bracket", body: `{"username":"a"}]`, wantErr: "request body"},
		{name: "trailing brace", body: `{"username":"a"}}`, wantErr: "request body"},
		{name: "trailing garbage", body: `{"username":"a"}x`, wantErr: "request body"},
		{name: "over the size limit", body: `{"username":"` + strings.Repeat("a", maxBodyBytes) + `"}`, wantErr: "over 1 MiB", wantCode: TooLarge},
		{name: "at the size limit", body: `{"username":"alice","x":"` + strings.Repeat("a", maxBodyBytes-30) + `"}`},
		{name: "not UTF-8", body: "{\"username\":\"al\xffice\"}", wantErr: "not valid UTF-8"},
		{name: "lone surrogate", body: `{"username":"al\ud800ice"}`, wantErr: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/register", strings.NewReader(tt.body))
			var dst credentialsBody
			err := DecodeJSON(r, &dst)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("DecodeJSON: %v", err)
				}
				if dst.Username != "alice" {
					t.Errorf("username = %q", dst.Username)
				}
				return
			}
			code := tt.wantCode
			if code == "" {
				code = InvalidArgument
			}
			var we *Error
			if !errors.As(err, &we) || we.Code() != code {
				t.Fatalf("DecodeJSON error = %v, want a %s *Error", err, code)
			}
			if !strings.Contains(we.Error(), tt.wantErr) {
				t.Errorf("message %q does not contain %q", we.Error(), tt.wantErr)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, http.StatusCreated, map[string]int{"n": 1})
	if w.Code != http.StatusCreated {
		t.Errorf("status = %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if got := strings.TrimSpace(w.Body.String()); got != `{"n":1}` {
		t.Errorf("body = %s", got)
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		body       string
		retryAfter string
		logged     bool
	}{
		{
			name: "not found", err: NewError(NotFound, "room not found"), status: 404,
			body: `{"error":{"code":"not_found","message":"room not found"}}`,
		},
		{
			name: "rate limited", err: WithRetryAfter(NewError(RateLimited, "sending too fast"), 1500*time.Millisecond),
			status: 429, body: `{"error":{"code":"rate_limited","message":"sending too fast","retryAfterMs":1500}}`,
			retryAfter: "2",
		},
		{
			name: "rate limited below a second", err: WithRetryAfter(NewError(RateLimited, "s"), 20*time.Millisecond),
			status: 429, body: `{"error":{"code":"rate_limited","message":"s","retryAfterMs":20}}`, retryAfter: "1",
		},
		{
			name: "internal", err: fmt.Errorf("scan: %w", errors.New("secret detail")), status: 500,
			body: `{"error":{"code":"internal","message":"internal error"}}`, logged: true,
		},
		{
			name: "unavailable", err: Unavailablef("load room", errors.New("connection refused")), status: 503,
			body: `{"error":{"code":"unavailable","message":"storage unavailable"}}`, logged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			r := httptest.NewRequest(http.MethodGet, "/rooms/abc", nil)
			w := httptest.NewRecorder()
			WriteError(w, r, log, tt.err)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if got := strings.TrimSpace(w.Body.String()); got != tt.body {
				t.Errorf("body = %s\nwant   %s", got, tt.body)
			}
			if got := w.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			if tt.logged != strings.Contains(logs.String(), "/rooms/abc") {
				t.Errorf("logged = %v, want %v; log: %s", !tt.logged, tt.logged, logs.String())
			}
			var shape struct {
				Error ErrorBody `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &shape); err != nil || shape.Error.Code == "" {
				t.Errorf("body is not the error shape: %v", err)
			}
		})
	}
}

func TestQueryLimit(t *testing.T) {
	for _, tt := range []struct {
		query string
		want  int
		err   error
	}{
		{"", 0, nil}, {"limit=7", 7, nil}, {"limit=0", 0, ErrInvalidLimit}, {"limit=-1", 0, ErrInvalidLimit},
		{"limit=x", 0, ErrInvalidLimit}, {"limit=", 0, ErrInvalidLimit},
	} {
		q, _ := url.ParseQuery(tt.query)
		got, err := QueryLimit(q)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("QueryLimit(%q) = %d, %v; want %d, %v", tt.query, got, err, tt.want, tt.err)
		}
	}
}
