package adapter

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
)

// jsonArgsParser encodes what goes through Redis in MessagePack, as Node's
// @socket.io/redis-adapter and @socket.io/redis-emitter do, with one
// change: the arguments of an event are first turned into what
// encoding/json makes of them.
//
// The library's own parser hands Go values to MessagePack as they are,
// which knows nothing of json tags or MarshalJSON: a struct emitted on one
// instance reached the sockets of the others with its Go field names
// ({"Content": ...} instead of {"content": ...}), times in MessagePack's
// format and nil slices as null, while the sockets of the emitting
// instance got the JSON form (TestLibraryParserLosesJSONShape). Going
// through JSON once per broadcast makes every instance send the same bytes.
type jsonArgsParser struct{}

var _ sioredis.Parser = jsonArgsParser{}

// Encode implements sioredis.Parser.
func (jsonArgsParser) Encode(v any) ([]byte, error) {
	switch p := v.(type) {
	case *sioredis.RedisPacket:
		if p != nil && p.Packet != nil {
			pk, err := jsonPacket(p.Packet)
			if err != nil {
				return nil, err
			}
			cp := *p
			cp.Packet = pk
			v = &cp
		}
	case *sioredis.RedisRequest:
		if p != nil && p.Packet != nil {
			pk, err := jsonPacket(p.Packet)
			if err != nil {
				return nil, err
			}
			cp := *p
			cp.Packet = pk
			v = &cp
		}
	}
	return msgpack.Marshal(v)
}

// Decode implements sioredis.Parser.
func (jsonArgsParser) Decode(data []byte, v any) error {
	return msgpack.Unmarshal(data, v)
}

// jsonPacket returns a copy of p whose event arguments are in JSON form.
// p itself is left alone: the emitting instance still sends it to its own
// sockets.
func jsonPacket(p *parser.Packet) (*parser.Packet, error) {
	args, ok := p.Data.([]any)
	if !ok {
		return p, nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		v, err := jsonValue(a)
		if err != nil {
			return nil, fmt.Errorf("encode argument %d for redis: %w", i, err)
		}
		out[i] = v
	}
	cp := *p
	cp.Data = out
	return &cp, nil
}

// jsonValue returns v as encoding/json sees it: maps, slices, strings,
// booleans, nil, and numbers as int64 when whole, else float64. Binary
// arguments stay binary.
func jsonValue(v any) (any, error) {
	switch v.(type) {
	case nil, string, bool, []byte, int, int64, float64:
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return wholeNumbers(out), nil
}

// wholeNumbers replaces, in place, each json.Number by an int64 when it is
// whole and fits, else by a float64.
func wholeNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i := range t {
			t[i] = wholeNumbers(t[i])
		}
	case map[string]any:
		for k, x := range t {
			t[k] = wholeNumbers(x)
		}
	}
	return v
}
