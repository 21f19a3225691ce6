package load

import (
	"encoding/json"
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

func TestParseEvent(t *testing.T) {
	tests := []struct {
		body, name, arg string
		ok              bool
	}{
		{`["message",{"seq":1}]`, "message", `{"seq":1}`, true},
		{`7["join_room",{}]`, "join_room", `{}`, true},
		{`["ping"]`, "ping", `null`, true},
		{`["a\"b",1]`, `a"b`, `1`, true},
		{`["unterminated`, "", "", false},
		{`{"not":"an array"}`, "", "", false},
		{`[1,2]`, "", "", false},
		{`[]`, "", "", false},
		{``, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			name, arg, ok := parseEvent([]byte(tt.body))
			if name != tt.name || string(arg) != tt.arg || ok != tt.ok {
				t.Fatalf("parseEvent(%q) = %q %s %v, want %q %s %v", tt.body, name, arg, ok, tt.name, tt.arg, tt.ok)
			}
		})
	}
}

func TestDecodeAck(t *testing.T) {
	if a := DecodeAck([]byte(`{"ok":true,"message":{"id":"m1","seq":7}}`)); !a.OK || a.Message == nil || a.Message.Seq != 7 {
		t.Fatalf("ok ack decoded as %+v", a)
	}
	// A refusal whose text contains "ok":true is still a refusal.
	a := DecodeAck([]byte(`{"ok":false,"error":{"code":"unavailable","message":"\"ok\":true"}}`))
	if a.OK || a.Code() != "unavailable" {
		t.Fatalf("refusal decoded as %+v", a)
	}
	if a := DecodeAck([]byte(`"ok":true`)); a.OK {
		t.Fatal("a non-object was taken for an ok ack")
	}
}

func TestStampOf(t *testing.T) {
	if at, ok := stampOf("chatbench 1234 xxx"); !ok || at != 1234 {
		t.Fatalf("stampOf = %d %v", at, ok)
	}
	for _, c := range []string{"hello chatbench 12 x", "chatbench x12 y", ""} {
		if _, ok := stampOf(c); ok {
			t.Fatalf("stampOf(%q) accepted", c)
		}
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
			if _, arg, ok := parseEvent(body); ok && !json.Valid(arg) {
				t.Fatalf("accepted event %q with an argument that is not JSON", frame)
			}
		case packetAck:
			if _, arg, ok := parseAck(body); ok && len(arg) == 0 {
				t.Fatalf("accepted ack %q without an argument", frame)
			}
		}
	})
}
