package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr string // "" for success; else a part of the message
	}{
		{name: "object", payload: `{"roomId":"r","content":"hi","mentions":["u"],"limit":3}`},
		{name: "object with space", payload: " \t{\"roomId\":\"r\"}\n"},
		{name: "no payload", payload: `null`, wantErr: "payload must be an object"},
		{name: "empty", payload: ``, wantErr: "payload must be an object"},
		{name: "string", payload: `"r"`, wantErr: "payload must be an object"},
		{name: "number", payload: `5`, wantErr: "payload must be an object"},
		{name: "array", payload: `[{"roomId":"r"}]`, wantErr: "payload must be an object"},
		{name: "wrong field type", payload: `{"roomId":5}`, wantErr: "field roomId must be a string"},
		{name: "wrong array element", payload: `{"roomId":"r","mentions":[1]}`, wantErr: "must be a string"},
		{name: "mentions not an array", payload: `{"roomId":"r","mentions":"u"}`, wantErr: "field mentions must be an array"},
		{name: "fraction for an int", payload: `{"roomId":"r","limit":1.5}`, wantErr: "field limit must be a number"},
		{name: "int overflow", payload: `{"roomId":"r","limit":1e30}`, wantErr: "field limit must be a number"},
		{name: "truncated", payload: `{"roomId":"r"`, wantErr: "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst sendPayload
			err := Decode(json.RawMessage(tt.payload), &dst)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if dst.RoomID == nil || *dst.RoomID != "r" {
					t.Errorf("roomId = %v", dst.RoomID)
				}
				return
			}
			var we *Error
			if !errors.As(err, &we) || we.Code() != InvalidArgument {
				t.Fatalf("Decode error = %v, want an invalid_argument *Error", err)
			}
			if !strings.Contains(we.Error(), tt.wantErr) {
				t.Errorf("message %q does not contain %q", we.Error(), tt.wantErr)
			}
		})
	}
}

func TestDecodeLeavesMissingFieldsZero(t *testing.T) {
	var dst sendPayload
	if err := Decode(json.RawMessage(`{}`), &dst); err != nil {
		t.Fatal(err)
	}
	if dst.RoomID != nil || dst.Content != nil || dst.Mentions != nil || dst.Limit != nil {
		t.Errorf("Decode({}) = %+v, want every field unset", dst)
	}
	var join joinPayload
	if err := Decode(json.RawMessage(`{"roomId":null}`), &join); err != nil || join.RoomID != "" {
		t.Errorf("Decode(roomId null) = %+v, %v", join, err)
	}
}

type joinPayload struct {
	RoomID string `json:"roomId"`
}

type sendPayload struct {
	RoomID   *string  `json:"roomId"`
	Content  *string  `json:"content"`
	Mentions []string `json:"mentions"`
	Limit    *int     `json:"limit"`
}
