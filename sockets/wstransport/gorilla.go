package wstransport

import (
	"bufio"
	"reflect"
	"sync"
	"unsafe"

	"github.com/gorilla/websocket"
)

// gorillaWritePool lends a write buffer to a gorilla connection whose own
// was released, for the rare write that still goes through it (the
// engine's close frame of an upgrade it aborts); gorilla gives the buffer
// back when the frame is written.
var gorillaWritePool sync.Pool

// releaseGorillaBuffers drops the read buffer and the write buffer of a
// gorilla connection that this package reads and writes itself: the
// engine's Upgrader allocates them (1 KB each, with their headers about
// 2.3 KB per connection) and the connection keeps them for its whole life,
// though only the goroutine reader ever used them. Gorilla offers no way
// to release them, so the two fields are cleared by name; writes through
// the connection take a pooled buffer from then on. It reports false, and
// changes nothing, when the fields are not what this version of gorilla
// has. Reading through c afterwards is not possible: call it only for a
// connection read by a pollReader, before any read.
func releaseGorillaBuffers(c *websocket.Conn) bool {
	v := reflect.ValueOf(c).Elem()
	br := v.FieldByName("br")
	buf := v.FieldByName("writeBuf")
	pool := v.FieldByName("writePool")
	if !br.IsValid() || br.Type() != reflect.TypeFor[*bufio.Reader]() ||
		!buf.IsValid() || buf.Type() != reflect.TypeFor[[]byte]() ||
		!pool.IsValid() || pool.Type() != reflect.TypeFor[websocket.BufferPool]() {
		return false
	}
	settable(pool).Set(reflect.ValueOf(websocket.BufferPool(&gorillaWritePool)))
	settable(buf).SetZero()
	settable(br).SetZero()
	return true
}

// settable is the field f of an addressable struct, made settable.
func settable(f reflect.Value) reflect.Value {
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}
