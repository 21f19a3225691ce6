package wstransport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// clientFrame is one frame as a client sends it: masked.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		out = append(out, 0x80|byte(n))
	case n <= 0xFFFF:
		out = append(out, 0x80|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, 0x80|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	out = append(out, key[:]...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// record is a frameSink writing down what it gets.
type record struct{ got []string }

func (r *record) message(op byte, data []byte) {
	r.got = append(r.got, fmt.Sprintf("msg %d %s", op, data))
}

func (r *record) ping(data []byte) { r.got = append(r.got, "ping "+string(data)) }

// parse feeds in to a new parser in pieces of size step (all at once when
// 0) and returns what the sink got and the error.
func parse(in []byte, max int64, step int) ([]string, error) {
	p := frameParser{max: max}
	var r record
	if step == 0 {
		step = len(in) + 1
	}
	for len(in) > 0 {
		n := min(step, len(in))
		if err := p.feed(in[:n], &r); err != nil {
			return r.got, err
		}
		in = in[n:]
	}
	return r.got, nil
}

var long = strings.Repeat("0123456789", 7000) // 70,000 bytes: a 64-bit length

var frameTests = []struct {
	name string
	in   []byte
	want []string
	code int   // close code of the error; 0: none
	max  int64 // the longest message; 1 MiB when 0
}{
	{"text", clientFrame(true, opText, []byte("42[\"m\"]")), []string{`msg 1 42["m"]`}, 0, 0},
	{"binary", clientFrame(true, opBinary, []byte{1, 2, 3}), []string{"msg 2 \x01\x02\x03"}, 0, 0},
	{"empty text", clientFrame(true, opText, nil), []string{"msg 1 "}, 0, 0},
	{"16-bit length", clientFrame(true, opText, []byte(long[:300])), []string{"msg 1 " + long[:300]}, 0, 0},
	{"64-bit length", clientFrame(true, opText, []byte(long)), []string{"msg 1 " + long}, 0, 0},
	{"two messages", cat(clientFrame(true, opText, []byte("a")), clientFrame(true, opBinary, []byte("b"))),
		[]string{"msg 1 a", "msg 2 b"}, 0, 0},
	{"fragmented", cat(clientFrame(false, opText, []byte("ab")), clientFrame(false, opContinuation, []byte("cd")),
		clientFrame(true, opContinuation, []byte("ef"))), []string{"msg 1 abcdef"}, 0, 0},
	{"empty fragments", cat(clientFrame(false, opBinary, nil), clientFrame(true, opContinuation, []byte("x"))),
		[]string{"msg 2 x"}, 0, 0},
	{"control frames between fragments", cat(clientFrame(false, opText, []byte("ab")), clientFrame(true, opPing, []byte("p1")),
		clientFrame(true, opPongIn, []byte("ignored")), clientFrame(true, opContinuation, []byte("cd"))),
		[]string{"ping p1", "msg 1 abcd"}, 0, 0},
	{"empty ping", clientFrame(true, opPing, nil), []string{"ping "}, 0, 0},
	{"close", clientFrame(true, opClose, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye")), nil, websocket.CloseGoingAway, 0},
	{"close without code", clientFrame(true, opClose, nil), nil, websocket.CloseNoStatusReceived, 0},
	{"message then close", cat(clientFrame(true, opText, []byte("a")), clientFrame(true, opClose, websocket.FormatCloseMessage(1000, "")),
		clientFrame(true, opText, []byte("after"))), []string{"msg 1 a"}, websocket.CloseNormalClosure, 0},
	{"oversize", clientFrame(true, opText, []byte(long[:1001])), nil, websocket.CloseMessageTooBig, 1000},
	{"oversize in fragments", cat(clientFrame(false, opText, []byte(long[:600])), clientFrame(true, opContinuation, []byte(long[:401]))),
		nil, websocket.CloseMessageTooBig, 1000},
	{"at the limit", clientFrame(true, opText, []byte(long[:1000])), []string{"msg 1 " + long[:1000]}, 0, 1000},
	{"bad opcode", clientFrame(true, 0x3, []byte("x")), nil, websocket.CloseProtocolError, 0},
	{"bad control opcode", clientFrame(true, 0xB, nil), nil, websocket.CloseProtocolError, 0},
	{"unmasked", []byte{0x81, 0x01, 'x'}, nil, websocket.CloseProtocolError, 0},
	{"reserved bit", func() []byte { f := clientFrame(true, opText, []byte("x")); f[0] |= 0x40; return f }(), nil, websocket.CloseProtocolError, 0},
	{"continuation first", clientFrame(true, opContinuation, []byte("x")), nil, websocket.CloseProtocolError, 0},
	{"text inside a fragmented message", cat(clientFrame(false, opText, []byte("a")), clientFrame(true, opText, []byte("b"))),
		nil, websocket.CloseProtocolError, 0},
	{"fragmented ping", clientFrame(false, opPing, []byte("p")), nil, websocket.CloseProtocolError, 0},
	{"long ping", clientFrame(true, opPing, []byte(long[:126])), nil, websocket.CloseProtocolError, 0},
	{"one-byte close", clientFrame(true, opClose, []byte{3}), nil, websocket.CloseProtocolError, 0},
	{"reserved close code", clientFrame(true, opClose, []byte{0x03, 0xED}), nil, websocket.CloseProtocolError, 0},
	{"close reason not UTF-8", clientFrame(true, opClose, append(websocket.FormatCloseMessage(1000, ""), 0xff)), nil, websocket.CloseProtocolError, 0},
	{"64-bit length with the top bit", append([]byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, 1, 2, 3, 4), nil, websocket.CloseProtocolError, 0},
}

// closeCode is the close code an error of feed ends the connection with.
func closeCode(err error) int {
	var pe *protocolError
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &pe):
		return pe.code
	case errors.As(err, &ce):
		return ce.Code
	}
	return 0
}

func TestFrameParser(t *testing.T) {
	for _, tt := range frameTests {
		t.Run(tt.name, func(t *testing.T) {
			// At once, byte by byte, and in pieces that cut headers and
			// payloads anywhere.
			for _, step := range []int{0, 1, 2, 3, 5, 7, 13, 4096} {
				max := tt.max
				if max == 0 {
					max = 1 << 20
				}
				got, err := parse(tt.in, max, step)
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("step %d: got %q, want %q", step, got, tt.want)
				}
				if code := closeCode(err); code != tt.code || (err != nil) != (tt.code != 0) {
					t.Errorf("step %d: error %v (close code %d), want close code %d", step, err, code, tt.code)
				}
			}
		})
	}
}

func TestFrameParserHoldsNoBufferBetweenMessages(t *testing.T) {
	p := frameParser{max: 1 << 20}
	var r record
	in := cat(clientFrame(true, opText, []byte(long)), clientFrame(true, opPing, []byte("p")))
	if err := p.feed(in, &r); err != nil {
		t.Fatal(err)
	}
	if p.msg != nil || p.ctrl != nil || p.inFrame || p.nhdr != 0 {
		t.Errorf("after whole frames the parser keeps msg %d bytes, ctrl %d bytes, inFrame %v, %d header bytes",
			cap(p.msg), cap(p.ctrl), p.inFrame, p.nhdr)
	}
}

// FuzzFrameParser checks that any input, cut anywhere, parses to the same
// messages and error as it does whole, without panicking.
func FuzzFrameParser(f *testing.F) {
	for _, tt := range frameTests {
		f.Add(tt.in, uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole, werr := parse(in, 4096, 0)
		cut, cerr := parse(in, 4096, int(step)+1)
		if strings.Join(whole, "|") != strings.Join(cut, "|") || closeCode(werr) != closeCode(cerr) {
			t.Fatalf("whole: %q, %v; in pieces of %d: %q, %v", whole, werr, int(step)+1, cut, cerr)
		}
	})
}
