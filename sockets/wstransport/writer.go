package wstransport

import (
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"sync"
	"time"
)

// ErrSlowConsumer closes a connection whose peer does not read fast enough:
// more than the configured queue of frames waited to be written to it.
var ErrSlowConsumer = errors.New("websocket: slow consumer, write queue full")

// closeGrace bounds how long frames still queued at close may take to go
// out before the connection is closed anyway.
const closeGrace = time.Second

// WebSocket opcodes of the frames the server writes (RFC 6455 §5.2).
const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPong   = 0xA
)

// appendFrame appends one final, unmasked server frame to dst.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	n := len(payload)
	switch {
	case n <= 125:
		dst = append(dst, 0x80|op, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 0x80|op, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0x80|op, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

// bufPool holds the buffers of queued frames. A connection holds one only
// while it has frames waiting, so idle connections cost no buffer.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled is the largest buffer returned to the pool; bigger ones, left
// by a burst, are dropped for the collector.
const maxPooled = 64 << 10

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

func putBuf(b []byte) {
	if b == nil || cap(b) > maxPooled {
		return
	}
	bufPool.Put(&b)
}

// writer queues the frames of one connection and writes them from a
// goroutine that exists only while frames are waiting: every frame queued
// while a write is in progress goes out with the next one, in a single
// write(2). The queue is bounded: past max bytes the connection fails with
// ErrSlowConsumer, so a peer that stops reading costs neither unbounded
// memory nor the time of anyone else.
type writer struct {
	conn net.Conn
	max  int
	fail func(error) // called once, on its own goroutine, when writing fails
	// closed, when set, is called after the writer has closed conn.
	closed func()

	mu      sync.Mutex // guards the fields below; never held during a write
	buf     []byte     // frames waiting; nil when none
	writing bool       // a flush goroutine owns conn's write side
	closing bool       // close conn once buf is written
	done    bool       // failed or closed: frames are dropped
}

// frame queues one frame and starts writing it. It reports false when the
// frame was dropped because the connection failed or is closing.
func (w *writer) frame(op byte, payload []byte) bool {
	queued, start := w.queue(op, payload)
	if start {
		go w.flush()
	}
	return queued
}

// queue queues one frame without writing it. queued is false when the frame
// was dropped; start is true when no write is under way: the caller must
// then have the writer flushed, by flush or by flushAll.
func (w *writer) queue(op byte, payload []byte) (queued, start bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done || w.closing {
		return false, false
	}
	if w.buf == nil {
		w.buf = getBuf()
	}
	w.buf = appendFrame(w.buf, op, payload)
	if len(w.buf) > w.max {
		w.done = true
		putBuf(w.buf)
		w.buf = nil
		go w.fail(ErrSlowConsumer)
		return false, false
	}
	if w.writing {
		return true, false
	}
	w.writing = true
	return true, true
}

// flushAll writes what is queued on each writer, all of which queue told to
// start, from this one goroutine: a broadcast reaches many connections
// whose writers are idle, and a goroutine for each would cost more than the
// write. Each write is tried once without waiting; a connection that cannot
// take all of it at once gets a goroutine of its own to finish.
func flushAll(ws []*writer) {
	// Let the goroutines already waiting run first: under load they are
	// the broadcasts of the next messages, whose frames then leave in the
	// same writes.
	runtime.Gosched()
	for _, w := range ws {
		if !w.tryFlush() {
			go w.flush()
		}
	}
}

// tryFlush writes the queued frames with one write that does not wait for
// the peer. It reports false when frames are left to write (the caller
// goes on with flush), true when the writer is idle again or has failed.
func (w *writer) tryFlush() bool {
	if !canWriteNow(w.conn) {
		return false
	}
	w.mu.Lock()
	out := w.buf
	w.buf = nil
	if len(out) == 0 || w.done || w.closing {
		w.buf = out
		w.mu.Unlock()
		return false // flush finishes the close or releases the writer
	}
	w.mu.Unlock()
	n, err := writeNow(w.conn, out)
	if err != nil {
		putBuf(out)
		w.writeFailed(err)
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if n == len(out) && len(w.buf) == 0 {
		putBuf(out)
		if !w.closing {
			w.writing = false
			return true
		}
		return false
	}
	// What is left goes first, before frames queued meanwhile.
	rest := append(getBuf(), out[n:]...)
	w.buf = append(rest, w.buf...)
	putBuf(out)
	return false
}

func (w *writer) startLocked() {
	if !w.writing {
		w.writing = true
		go w.flush()
	}
}

// flush writes queued frames until none is left, then exits.
func (w *writer) flush() {
	for {
		w.mu.Lock()
		out := w.buf
		w.buf = nil
		if len(out) == 0 || w.done {
			w.writing = false
			closeNow := w.closing && !w.done
			if closeNow {
				w.done = true
			}
			w.mu.Unlock()
			putBuf(out)
			if closeNow {
				w.closeConn()
			}
			return
		}
		w.mu.Unlock()
		_, err := w.conn.Write(out)
		putBuf(out)
		if err != nil {
			w.writeFailed(err)
			return
		}
	}
}

// writeFailed ends the writer after a failed write; fail is called unless
// the writer had already failed or closed.
func (w *writer) writeFailed(err error) {
	w.mu.Lock()
	failed := !w.done
	w.done, w.writing = true, false
	w.mu.Unlock()
	if failed {
		w.fail(err)
	}
}

// close closes the connection once the frames already queued are written,
// within closeGrace; at once when none is queued.
func (w *writer) close() {
	w.mu.Lock()
	if w.done || w.closing {
		w.mu.Unlock()
		return
	}
	w.closing = true
	if w.writing || len(w.buf) > 0 {
		_ = w.conn.SetWriteDeadline(time.Now().Add(closeGrace))
		w.startLocked()
		w.mu.Unlock()
		return
	}
	w.done = true
	w.mu.Unlock()
	w.closeConn()
}

func (w *writer) closeConn() {
	_ = w.conn.Close()
	if w.closed != nil {
		w.closed()
	}
}
