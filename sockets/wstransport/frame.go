package wstransport

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// WebSocket opcodes of the frames a client sends besides those of
// writer.go (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opPing         = 0x9
	opPongIn       = 0xA
)

// maxControlPayload is the longest payload of a control frame.
const maxControlPayload = 125

// maxHeader is the longest header of a client frame: 2 bytes, 8 of length,
// 4 of mask key.
const maxHeader = 14

// protocolError is a client frame the server does not accept; code is the
// close code the server answers it with.
type protocolError struct {
	code   int
	reason string
}

func (e *protocolError) Error() string { return "websocket: " + e.reason }

func badFrame(reason string) error {
	return &protocolError{code: websocket.CloseProtocolError, reason: reason}
}

// frameSink receives what a frameParser reads, in order.
type frameSink interface {
	// message is one whole text or binary message; data is the sink's.
	message(op byte, data []byte)
	// ping is a ping's payload, valid only during the call.
	ping(data []byte)
}

// frameParser reads the frames of one client connection from the bytes as
// they arrive, in pieces of any size. Between messages it holds no buffer:
// only the few bytes of a header that arrived incomplete, so an idle
// connection costs the size of this struct. It is not safe for concurrent
// use; the connection's reader owns it.
type frameParser struct {
	max int64 // the longest message; past it the frame fails with close 1009

	hdr  [maxHeader]byte // the header read so far
	nhdr int

	inFrame bool // the header is read; left payload bytes follow
	op      byte
	fin     bool
	left    int64
	mask    [4]byte
	maskPos int
	ctrl    []byte // the payload of a control frame so far

	msgOp byte   // opcode of the message being assembled; 0 when none
	msg   []byte // its payload so far, unmasked
}

// feed parses b, calling the sink for each message and ping it completes.
// It stops at the first error: a *protocolError for a frame the server
// refuses, or a *websocket.CloseError when the client closed the
// connection; the parser must not be fed again after an error.
func (p *frameParser) feed(b []byte, sink frameSink) error {
	for len(b) > 0 {
		if !p.inFrame {
			want := p.headerLen()
			n := copy(p.hdr[p.nhdr:want], b)
			p.nhdr += n
			b = b[n:]
			if p.nhdr >= 2 && p.hdr[1]&0x80 == 0 {
				return badFrame("unmasked client frame") // before waiting for a mask key
			}
			if p.nhdr < p.headerLen() {
				continue
			}
			if err := p.begin(); err != nil {
				return err
			}
		}
		n := int(min(p.left, int64(len(b))))
		p.payload(b[:n])
		b = b[n:]
		if p.left == 0 {
			if err := p.end(sink); err != nil {
				return err
			}
		}
	}
	return nil
}

// headerLen is the length of the header being read, as far as its first
// two bytes tell.
func (p *frameParser) headerLen() int {
	if p.nhdr < 2 {
		return 2
	}
	n := 2 + 4 // client frames carry a mask key
	switch p.hdr[1] & 0x7F {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	return n
}

// begin checks the header just read and starts its frame.
func (p *frameParser) begin() error {
	h := p.hdr[:p.nhdr]
	p.nhdr = 0
	p.fin, p.op = h[0]&0x80 != 0, h[0]&0x0F
	if h[0]&0x70 != 0 {
		return badFrame("reserved bits set")
	}
	length, rest := int64(h[1]&0x7F), h[2:]
	switch length {
	case 126:
		length, rest = int64(binary.BigEndian.Uint16(rest)), rest[2:]
	case 127:
		u := binary.BigEndian.Uint64(rest)
		if u>>63 != 0 {
			return badFrame("bad frame length")
		}
		length, rest = int64(u), rest[8:]
	}
	copy(p.mask[:], rest)
	p.maskPos, p.left = 0, length
	if err := p.check(length); err != nil {
		return err
	}
	p.inFrame = true
	return nil
}

// check refuses a frame of the wrong kind at this point or of a size over
// the limits, and starts the message of a first data frame.
func (p *frameParser) check(length int64) error {
	switch p.op {
	case opClose, opPing, opPongIn:
		if !p.fin || length > maxControlPayload {
			return badFrame("bad control frame")
		}
		return nil
	case opContinuation:
		if p.msgOp == 0 {
			return badFrame("continuation frame with no message")
		}
	case opText, opBinary:
		if p.msgOp != 0 {
			return badFrame("data frame inside a fragmented message")
		}
	default:
		return badFrame("unknown opcode")
	}
	if p.max > 0 && length > p.max-int64(len(p.msg)) {
		return &protocolError{code: websocket.CloseMessageTooBig, reason: "message too big"}
	}
	if p.op != opContinuation {
		p.msgOp = p.op
		// Sized for the frame, within reason: a header announcing a large
		// frame costs nothing until its bytes arrive.
		p.msg = make([]byte, 0, min(length, 64<<10))
	}
	return nil
}

// payload appends a piece of the frame's payload, unmasked.
func (p *frameParser) payload(b []byte) {
	if len(b) == 0 {
		return
	}
	var dst []byte
	if p.op >= opClose {
		p.ctrl = append(p.ctrl, b...)
		dst = p.ctrl[len(p.ctrl)-len(b):]
	} else {
		p.msg = append(p.msg, b...)
		dst = p.msg[len(p.msg)-len(b):]
	}
	for i := range dst {
		dst[i] ^= p.mask[p.maskPos&3]
		p.maskPos++
	}
	p.left -= int64(len(b))
}

// end finishes the frame whose payload is all read.
func (p *frameParser) end(sink frameSink) error {
	p.inFrame = false
	switch p.op {
	case opClose:
		return closeFrame(p.takeCtrl())
	case opPing:
		sink.ping(p.takeCtrl())
		return nil
	case opPongIn:
		p.takeCtrl()
		return nil
	}
	if !p.fin {
		return nil
	}
	op, msg := p.msgOp, p.msg
	p.msgOp, p.msg = 0, nil
	sink.message(op, msg)
	return nil
}

// takeCtrl returns the control frame's payload and forgets it, so that a
// connection holds no buffer between frames.
func (p *frameParser) takeCtrl() []byte {
	b := p.ctrl
	p.ctrl = nil
	return b
}

// closeFrame reads a close frame's payload: the close error to end the
// connection with, or a protocol error for a malformed one.
func closeFrame(b []byte) error {
	switch {
	case len(b) == 0:
		return &websocket.CloseError{Code: websocket.CloseNoStatusReceived}
	case len(b) == 1:
		return badFrame("bad close frame")
	}
	code, reason := int(binary.BigEndian.Uint16(b)), b[2:]
	if !validCloseCode(code) || !utf8.Valid(reason) {
		return badFrame("bad close frame")
	}
	return &websocket.CloseError{Code: code, Text: string(reason)}
}

// validCloseCode reports whether a client may send code (RFC 6455 §7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}
