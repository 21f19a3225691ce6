// Package sioparser is the Socket.IO packet parser of the server: the
// library's encoder, and the library's decoder behind the limits a public
// server needs, applied to what a client sends before anything else reads
// it:
//
//   - before the connection is authenticated, a packet may hold only a few
//     KB of text and no binary attachment, so a connection that never
//     authenticates holds nothing substantial;
//   - a packet counts with all its binary attachments toward the packet
//     limit (the library bounds their number, and the transport each
//     frame, but not their sum: ten attachments of 900 KB held 9 MB);
//   - an event whose text is not valid UTF-8 reaches its handler with
//     ErrInvalidText as its argument, instead of text that encoding/json
//     would have mended with U+FFFD.
//
// A packet beyond a limit is a decoding error, which closes the connection
// as a malformed packet does in Socket.IO.
//
// The decoder learns that its connection is authenticated from the
// namespace middleware that accepted it: it hands its admission over in the
// auth payload of the CONNECT packet it decoded (see Admit).
package sioparser

import (
	"errors"
	"strings"
	"sync/atomic"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/roomchat/chat/wire"
)

// Config sets the limits.
type Config struct {
	// MaxPacket bounds a packet with its attachments, in bytes.
	MaxPacket int
	// MaxUnauthenticated bounds a packet before the connection is
	// authenticated, in bytes.
	MaxUnauthenticated int
}

// ErrInvalidText replaces the arguments of an event whose text is not valid
// UTF-8 (see wire.ValidText); handlers answer it as any other error.
var ErrInvalidText = wire.NewError(wire.InvalidArgument, "payload is not valid UTF-8")

// Errors of Add; each closes the connection.
var (
	errUnauthenticatedSize   = errors.New("sioparser: packet too large before authentication")
	errUnauthenticatedBinary = errors.New("sioparser: binary packet before authentication")
	errAttachments           = errors.New("sioparser: packet and attachments over the packet limit")
)

// New returns the parser.
func New(cfg Config) parser.Parser { return &sioParser{cfg: cfg} }

type sioParser struct{ cfg Config }

func (*sioParser) NewEncoder() parser.Encoder { return parser.NewEncoder() }

func (p *sioParser) NewDecoder() parser.Decoder {
	d := &decoder{EventEmitter: types.NewEventEmitter(), inner: parser.NewDecoder(), cfg: p.cfg}
	_ = d.inner.On("decoded", d.decoded)
	return d
}

// decoder is the library's decoder behind the limits. The Socket.IO client
// calls Add for one frame at a time, in order; only admitted is set from
// elsewhere.
type decoder struct {
	types.EventEmitter // emits "decoded", as the library's does

	inner    parser.Decoder
	cfg      Config
	admitted atomic.Bool

	held    int  // bytes of the binary packet being reconstructed
	invalid bool // the packet being decoded has text that is not valid UTF-8
}

// Add implements parser.Decoder.
func (d *decoder) Add(data any) error {
	switch v := data.(type) {
	case string:
		return d.text(types.NewStringBufferString(v))
	case *strings.Reader:
		b, err := types.NewStringBufferReader(v)
		if err != nil {
			return err
		}
		return d.text(b)
	case *types.StringBuffer:
		return d.text(v)
	default:
		return d.binary(data)
	}
}

func (d *decoder) text(b types.BufferInterface) error {
	raw := b.Bytes()
	binary := len(raw) > 0 && (raw[0] == '0'+byte(parser.BINARY_EVENT) || raw[0] == '0'+byte(parser.BINARY_ACK))
	if !d.admitted.Load() {
		if len(raw) > d.cfg.MaxUnauthenticated {
			return errUnauthenticatedSize
		}
		if binary {
			return errUnauthenticatedBinary
		}
	}
	if binary {
		d.held = len(raw)
	}
	d.invalid = !wire.ValidText(raw)
	return d.inner.Add(b)
}

func (d *decoder) binary(data any) error {
	if !d.admitted.Load() {
		return errUnauthenticatedBinary
	}
	switch v := data.(type) {
	case interface{ Len() int }:
		d.held += v.Len()
	case []byte:
		d.held += len(v)
	}
	if d.held > d.cfg.MaxPacket {
		return errAttachments
	}
	return d.inner.Add(data)
}

// decoded passes on a packet the library decoded.
func (d *decoder) decoded(args ...any) {
	p, ok := first(args).(*parser.Packet)
	if !ok {
		return
	}
	d.held = 0
	switch p.Type {
	case parser.CONNECT:
		auth, _ := p.Data.(map[string]any)
		if auth == nil {
			auth = map[string]any{}
		}
		auth[admissionKey] = &admission{d: d}
		p.Data = auth
	case parser.EVENT, parser.BINARY_EVENT:
		if ev, ok := p.Data.([]any); ok && d.invalid && len(ev) > 0 {
			p.Data = []any{ev[0], ErrInvalidText}
		}
	}
	d.invalid = false
	d.Emit("decoded", p)
}

func first(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

// Destroy implements parser.Decoder.
func (d *decoder) Destroy() { d.inner.Destroy() }

// admissionKey is where a CONNECT packet's auth payload carries the
// decoder's admission. A client may send the key, but never a Go value
// under it: the decoder overwrites it.
const admissionKey = "\x00admission"

type admission struct{ d *decoder }

// Admit tells the decoder of the connection whose CONNECT packet carried
// auth (a socket's Handshake().Auth) that the connection is authenticated:
// from then on it takes packets up to the full limit, with attachments. It
// removes the admission from auth. Call it from the namespace middleware
// that accepts the connection, before accepting it.
func Admit(auth map[string]any) {
	if a, ok := auth[admissionKey].(*admission); ok {
		delete(auth, admissionKey)
		a.d.admitted.Store(true)
	}
}
