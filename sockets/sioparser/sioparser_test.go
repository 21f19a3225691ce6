package sioparser

import (
	"errors"
	"strings"
	"testing"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

var testConfig = Config{MaxPacket: 1000, MaxUnauthenticated: 100}

// decoded collects what a decoder emits.
func newTestDecoder(t *testing.T) (parser.Decoder, *[]*parser.Packet) {
	t.Helper()
	d := New(testConfig).NewDecoder()
	var got []*parser.Packet
	_ = d.On("decoded", func(args ...any) { got = append(got, args[0].(*parser.Packet)) })
	t.Cleanup(d.Destroy)
	return d, &got
}

func text(s string) *types.StringBuffer {
	return types.NewStringBufferString(s).(*types.StringBuffer)
}

func bin(n int) types.BufferInterface { return types.NewBytesBuffer(make([]byte, n)) }

// admit decodes a CONNECT and admits it as the namespace middleware would.
func admit(t *testing.T, d parser.Decoder, got *[]*parser.Packet) {
	t.Helper()
	if err := d.Add(text(`0{"token":"t"}`)); err != nil {
		t.Fatal(err)
	}
	p := (*got)[len(*got)-1]
	auth := p.Data.(map[string]any)
	Admit(auth)
	if _, left := auth[admissionKey]; left || auth["token"] != "t" {
		t.Fatalf("auth after Admit = %v", auth)
	}
}

func TestBeforeAuthentication(t *testing.T) {
	for _, c := range []struct {
		name string
		data any
		err  error
	}{
		{"a CONNECT", text(`0{"token":"t"}`), nil},
		{"a CONNECT without auth", "0", nil},
		{"text over the limit", text(`0{"token":"` + strings.Repeat("t", 100) + `"}`), errUnauthenticatedSize},
		{"a binary event header", text(`51-["up",{"_placeholder":true,"num":0}]`), errUnauthenticatedBinary},
		{"a binary ack header", text(`61-1[{"_placeholder":true,"num":0}]`), errUnauthenticatedBinary},
		{"an attachment", bin(10), errUnauthenticatedBinary},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, got := newTestDecoder(t)
			err := d.Add(c.data)
			if !errors.Is(err, c.err) {
				t.Fatalf("Add = %v, want %v", err, c.err)
			}
			if err == nil {
				if len(*got) != 1 {
					t.Fatalf("decoded %d packets", len(*got))
				}
				if _, ok := (*got)[0].Data.(map[string]any)[admissionKey].(*admission); !ok {
					t.Errorf("the CONNECT carries no admission: %v", (*got)[0].Data)
				}
			}
		})
	}
}

func TestAttachmentsCountTogether(t *testing.T) {
	d, got := newTestDecoder(t)
	admit(t, d, got)
	header := `52-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`
	if err := d.Add(text(header)); err != nil {
		t.Fatal(err)
	}
	if err := d.Add(bin(400)); err != nil {
		t.Fatal(err)
	}
	if err := d.Add(bin(600)); !errors.Is(err, errAttachments) {
		t.Errorf("second attachment = %v, want %v: header and attachments exceed 1000 bytes", err, errAttachments)
	}

	d, got = newTestDecoder(t)
	admit(t, d, got)
	for range 3 { // within the limit, again and again: each packet counts alone
		if err := d.Add(text(header)); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := d.Add(bin(300)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(*got); n != 4 {
		t.Errorf("decoded %d packets, want the CONNECT and 3 binary events", n)
	}
}

func TestAfterAuthenticationTheLimitIsThePacket(t *testing.T) {
	d, got := newTestDecoder(t)
	admit(t, d, got)
	if err := d.Add(text(`2["e","` + strings.Repeat("x", 500) + `"]`)); err != nil {
		t.Errorf("a 500-byte event after authentication: %v", err)
	}
}

func TestInvalidText(t *testing.T) {
	d, got := newTestDecoder(t)
	admit(t, d, got)
	for _, c := range []struct {
		name, packet string
		refused      bool
	}{
		{"valid", `21["send",{"content":"h\u00e9 😀"}]`, false},
		{"invalid byte", "22[\"send\",{\"content\":\"a\xffb\"}]", true},
		{"lone surrogate", `23["send",{"content":"a\ud800b"}]`, true},
		{"valid again", `24["send",{"content":"ok"}]`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := d.Add(text(c.packet)); err != nil {
				t.Fatal(err)
			}
			p := (*got)[len(*got)-1]
			args := p.Data.([]any)
			if args[0] != "send" || p.Id == nil {
				t.Errorf("event name or ack id lost: %v %v", args, p.Id)
			}
			if refused := args[1] == error(ErrInvalidText); refused != c.refused {
				t.Errorf("arguments %v, refused %v, want %v", args[1:], refused, c.refused)
			}
		})
	}
}
