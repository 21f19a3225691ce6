package wire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/roomchat/chat/wire"
)

// sendMessagePayload, joinRoomPayload and fetchPayload have the shapes of
// the send_message, join_room and fetch_messages payloads (declared here so
// that this package's tests do not depend on the domain packages).
type sendMessagePayload struct {
	RoomID   *string  `json:"roomId"`
	Content  *string  `json:"content"`
	Mentions []string `json:"mentions"`
	TempID   *string  `json:"tempId"`
}

type joinRoomPayload struct {
	RoomID string `json:"roomId"`
}

type fetchPayload struct {
	RoomID   string `json:"roomId"`
	BeforeID string `json:"beforeId"`
	AfterSeq *int64 `json:"afterSeq"`
	Limit    *int   `json:"limit"`
}

// FuzzDecodeEvent feeds arbitrary bytes to Decode as the payload of
// send_message, join_room and fetch_messages: it must never panic, and must
// answer either nil or an *wire.Error with code invalid_argument.
func FuzzDecodeEvent(f *testing.F) {
	seeds := []string{
		`{"roomId":"0123456789abcdef01234567","content":"hi @bob","mentions":["u1"],"tempId":"t-1"}`,
		`{"roomId":"0123456789abcdef01234567"}`,
		`{"roomId":"r","beforeId":"x","afterSeq":3,"limit":20}`,
		`{"roomId":null,"content":null,"mentions":null}`,
		`{"roomId":5}`, `{"mentions":"u"}`, `{"mentions":[1,{}]}`, `{"afterSeq":1e400}`,
		`{"limit":-1}`, `{"content":"\ud800"}`, `{"content":"\u0000"}`,
		`null`, `[]`, `"x"`, `5`, `true`, ``, ` `, `{`, `}`, `{"a":`, `{} {}`,
		"\xff\xfe{", "{\"roomId\":\"\xff\"}", `[[[[[[[[[[`, `{"a":[{"a":[{"a":[]}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		targets := []any{&sendMessagePayload{}, &joinRoomPayload{}, &fetchPayload{}}
		for _, dst := range targets {
			err := wire.Decode(json.RawMessage(payload), dst)
			if err == nil {
				if trimmed := bytes.TrimSpace(payload); len(trimmed) == 0 || trimmed[0] != '{' {
					t.Fatalf("Decode(%q) into %T accepted a payload that is not an object", payload, dst)
				}
				continue
			}
			we, ok := err.(*wire.Error)
			if !ok {
				t.Fatalf("Decode(%q) into %T = %T %v, want *wire.Error", payload, dst, err, err)
			}
			if we.Code() != wire.InvalidArgument {
				t.Fatalf("Decode(%q) into %T code = %q, want invalid_argument", payload, dst, we.Code())
			}
		}
	})
}

// FuzzValidText: text that ValidText accepts decodes without encoding/json
// putting a replacement character anywhere the input did not spell one.
func FuzzValidText(f *testing.F) {
	for _, s := range []string{`"a"`, `"\ud83d\ude00"`, `"\ud800"`, "\"\xff\"", `"\\ud800"`, `["\udc00x"]`, `{"k":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if !wire.ValidText(b) || json.Unmarshal(b, &v) != nil {
			return
		}
		if bytes.Contains(b, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(b), []byte(`\ufffd`)) {
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("\uFFFD")) {
			t.Errorf("ValidText accepted %q, which decodes to %s", b, out)
		}
	})
}
