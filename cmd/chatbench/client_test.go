package main

import (
	"testing"
)

func TestParsePacket(t *testing.T) {
	tests := []struct {
		frame string
		kind  packetKind
		body  string
	}{
		{"2", packetPing, ""},
		{"1", packetClose, ""},
		{"41", packetDisconnect, ""},
		{`42["message",{"seq":1}]`, packetEvent, `["message",{"seq":1}]`},
		{`4312[{"ok":true}]`, packetAck, `12[{"ok":true}]`},
		{`42/admin,["x"]`, packetOther, ""},
		{`40{"sid":"a"}`, packetOther, ""},
		{"", packetOther, ""},
		{"4", packetOther, ""},
		{"6", packetOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.frame, func(t *testing.T) {
			kind, body := parsePacket([]byte(tt.frame))
			if kind != tt.kind || string(body) != tt.body {
				t.Fatalf("parsePacket(%q) = %v %q, want %v %q", tt.frame, kind, body, tt.kind, tt.body)
			}
		})
	}
}

func TestEventName(t *testing.T) {
	tests := []struct {
		body, name string
		ok         bool
	}{
		{`["message",{}]`, "message", true},
		{`7["join_room",{}]`, "join_room", true},
		{`["unterminated`, "", false},
		{`{"not":"an array"}`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			name, ok := eventName([]byte(tt.body))
			if name != tt.name || ok != tt.ok {
				t.Fatalf("eventName(%q) = %q %v, want %q %v", tt.body, name, ok, tt.name, tt.ok)
			}
		})
	}
}

func TestParseAck(t *testing.T) {
	tests := []struct {
		body string
		id   uint64
		arg  string
		ok   bool
	}{
		{`3[{"ok":true}]`, 3, `{"ok":true}`, true},
		{`12[{"ok":false},"extra"]`, 12, `{"ok":false}`, true},
		{`5[]`, 5, `null`, true},
		{`[{"ok":true}]`, 0, "", false},
		{`9{"ok":true}`, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			id, arg, ok := parseAck([]byte(tt.body))
			if id != tt.id || string(arg) != tt.arg || ok != tt.ok {
				t.Fatalf("parseAck(%q) = %d %s %v, want %d %s %v", tt.body, id, arg, ok, tt.id, tt.arg, tt.ok)
			}
		})
	}
}

// FuzzParseFrame feeds server frames, untrusted input, to the parsers: they
// must never panic, and an ack they accept must have a JSON argument.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{"2", "41", `42["message",{"seq":1,"content":"chatbench 1 x"}]`, `4312[{"ok":true}]`, `43[`, `42[""`, "4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		kind, body := parsePacket(frame)
		switch kind {
		case packetEvent:
			_, _ = eventName(body)
		case packetAck:
			if _, arg, ok := parseAck(body); ok && len(arg) == 0 {
				t.Fatalf("accepted ack %q without an argument", frame)
			}
		}
		_, _ = intAfter(frame, seqMark)
	})
}
