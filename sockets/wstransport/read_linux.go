//go:build linux

package wstransport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// The states of a pollReader.
const (
	pollArmed   int32 = iota // waiting for the poller: no goroutine, no buffer
	pollReading              // a drain goroutine owns the parser
	pollDone                 // ended; the poller has forgotten it
)

// pollReader reads one TCP connection without a goroutine of its own: the
// poller starts a short-lived drain when bytes arrive, which reads what is
// there with a pooled buffer, hands the whole messages to the engine in
// order and re-arms the connection. Between messages the connection costs
// this struct and its entry in the poller.
type pollReader struct {
	t     *transport
	p     *poller
	rc    syscall.RawConn
	id    uint64       // set by poller.add
	state atomic.Int32 // pollArmed, pollReading or pollDone
	timer *time.Timer  // ends a connection silent for t.idle; nil without
	once  sync.Once    // guards the release
	frame frameParser  // owned by the drain under way
}

// newPollReader returns the reader of t's connection, or nil when it is
// not a plain TCP connection (TLS, a pipe) or no poller is available: the
// goroutine reader is used then.
func newPollReader(t *transport) *pollReader {
	tc, ok := t.ws.NetConn().(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	p, err := sharedPoller()
	if err != nil {
		return nil
	}
	releaseGorillaBuffers(t.ws.Conn)
	return &pollReader{t: t, p: p, rc: rc, frame: frameParser{max: t.maxMessage}}
}

// start registers the connection with the poller; the engine's read
// permission has been given.
func (r *pollReader) start() {
	if r.t.idle > 0 {
		r.timer = time.AfterFunc(r.t.idle, r.expire)
	}
	var err error
	if cerr := r.rc.Control(func(fd uintptr) { err = r.p.add(r, int(fd)) }); cerr != nil {
		err = cerr
	}
	if err != nil && r.state.CompareAndSwap(pollArmed, pollDone) {
		r.release()
		r.t.readFailed(err)
	}
}

// ready is called by the poller when the connection has bytes to read or
// was closed by the peer.
func (r *pollReader) ready() {
	if r.state.CompareAndSwap(pollArmed, pollReading) {
		go r.drain()
	}
}

// readBufPool holds the buffers drains read into; an idle connection holds
// none.
var readBufPool = sync.Pool{New: func() any {
	b := make([]byte, 8<<10)
	return &b
}}

// drain reads what the connection has, then re-arms it or ends it.
func (r *pollReader) drain() {
	bp := readBufPool.Get().(*[]byte)
	err := r.readAll(*bp)
	readBufPool.Put(bp)
	if err != nil {
		r.end(err)
		return
	}
	r.rearm()
}

// readAll reads until the socket has nothing more for now, feeding the
// frame parser, which hands each whole message to the engine.
func (r *pollReader) readAll(buf []byte) error {
	for {
		n, err := r.readNow(buf)
		if n > 0 {
			if ferr := r.frame.feed(buf[:n], r); ferr != nil {
				return ferr
			}
		}
		if err != nil {
			return err
		}
		if n < len(buf) {
			return nil
		}
	}
}

// readNow reads what the socket holds without waiting: 0 and no error
// when it holds nothing, io.EOF when the peer has closed.
func (r *pollReader) readNow(buf []byte) (int, error) {
	var (
		n   int
		err error
	)
	if cerr := r.rc.Read(func(fd uintptr) bool {
		for {
			n, err = syscall.Read(int(fd), buf)
			if err != syscall.EINTR {
				return true
			}
		}
	}); cerr != nil {
		return 0, cerr
	}
	switch {
	case err == syscall.EAGAIN:
		return 0, nil
	case err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", err)}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// message implements frameSink: the engine gets the message on the
// drain's goroutine, before the next one is parsed.
func (r *pollReader) message(op byte, data []byte) {
	if op == opText {
		r.t.OnData(types.NewStringBuffer(data))
	} else {
		r.t.OnData(types.NewBytesBuffer(data))
	}
}

// ping implements frameSink: the pong goes through the write queue.
func (r *pollReader) ping(data []byte) { r.t.out.frame(opPong, data) }

// rearm hands the connection back to the poller after a drain.
func (r *pollReader) rearm() {
	if r.timer != nil {
		r.timer.Reset(r.t.idle)
	}
	if !r.state.CompareAndSwap(pollReading, pollArmed) {
		r.release() // detached during the drain
		return
	}
	var err error
	if cerr := r.rc.Control(func(fd uintptr) { err = r.p.rearm(r.id, int(fd)) }); cerr != nil {
		err = cerr
	}
	if err != nil && r.state.CompareAndSwap(pollArmed, pollDone) {
		r.release()
		r.t.readFailed(err)
	}
}

// end ends the connection after a read error, a refused frame or the
// client's close frame, answering the last two with a close frame.
func (r *pollReader) end(err error) {
	if !r.state.CompareAndSwap(pollReading, pollDone) {
		r.release() // detached during the drain: the engine knows
		return
	}
	r.release()
	var pe *protocolError
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &pe):
		r.t.out.frame(opClose, websocket.FormatCloseMessage(pe.code, pe.reason))
	case errors.As(err, &ce):
		r.t.out.frame(opClose, websocket.FormatCloseMessage(ce.Code, ""))
	}
	r.t.readFailed(err)
}

// expire ends a connection that sent nothing for t.idle.
func (r *pollReader) expire() {
	if r.state.CompareAndSwap(pollArmed, pollDone) {
		r.release()
		r.t.readFailed(fmt.Errorf("websocket: nothing read for %s: %w", r.t.idle, os.ErrDeadlineExceeded))
	}
}

// connClosed is called once this side has closed the connection: an
// armed reader would never hear of it from the poller, so it reports the
// end as a read of a closed connection would.
func (r *pollReader) connClosed() {
	if r.state.CompareAndSwap(pollArmed, pollDone) {
		r.release()
		go r.t.readFailed(net.ErrClosed)
	}
}

// detach forgets the connection without reporting anything: the
// transport is closing already.
func (r *pollReader) detach() {
	if r.state.Swap(pollDone) != pollReading {
		r.release()
	}
	// else the drain under way releases it when it finishes.
}

// release takes the connection out of the poller and stops the timer.
func (r *pollReader) release() {
	r.once.Do(func() {
		if r.timer != nil {
			r.timer.Stop()
		}
		_ = r.rc.Control(func(fd uintptr) { r.p.remove(int(fd)) })
		r.p.forget(r.id)
	})
}
