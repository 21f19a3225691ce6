package wstransport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

func TestAppendFrameHeaders(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		header []byte
	}{
		{"empty", 0, []byte{0x81, 0}},
		{"largest one-byte length", 125, []byte{0x81, 125}},
		{"smallest 16-bit length", 126, []byte{0x81, 126, 0, 126}},
		{"largest 16-bit length", 0xFFFF, []byte{0x81, 126, 0xFF, 0xFF}},
		{"smallest 64-bit length", 0x10000, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendFrame(nil, opText, bytes.Repeat([]byte("a"), tt.size))
			if !bytes.HasPrefix(got, tt.header) {
				t.Fatalf("header % x, want % x", got[:min(len(got), 10)], tt.header)
			}
			if len(got) != len(tt.header)+tt.size {
				t.Fatalf("frame is %d bytes, want %d", len(got), len(tt.header)+tt.size)
			}
		})
	}
}

// countingConn counts the writes made to a net.Conn.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// readFrame reads one unmasked frame and returns its opcode and payload.
func readFrame(r *bufio.Reader) (byte, string, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, "", err
	}
	size := uint64(h[1] & 0x7F)
	switch size {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 0, "", err
		}
		size = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 0, "", err
		}
		size = binary.BigEndian.Uint64(l[:])
	}
	p := make([]byte, size)
	_, err := io.ReadFull(r, p)
	return h[0] & 0x0F, string(p), err
}

func newTestWriter(conn net.Conn, max int) (*writer, chan error) {
	failed := make(chan error, 1)
	return &writer{conn: conn, max: max, fail: func(err error) { failed <- err }}, failed
}

func TestWriterSendsQueuedFramesInOrderInFewWrites(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	conn := &countingConn{Conn: server}
	w, _ := newTestWriter(conn, 1<<20)
	const n = 100
	for i := range n {
		if !w.frame(opText, fmt.Appendf(nil, "m%d", i)) {
			t.Fatalf("frame %d dropped", i)
		}
	}
	r := bufio.NewReader(client)
	for i := range n {
		op, p, err := readFrame(r)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want := fmt.Sprintf("m%d", i); op != opText || p != want {
			t.Fatalf("frame %d = %d %q, want text %q", i, op, p, want)
		}
	}
	// Nothing was read while the frames were queued: the first write blocks,
	// and everything queued meanwhile goes out in the next one.
	if got := conn.writes.Load(); got > 2 {
		t.Fatalf("%d frames took %d writes, want at most 2", n, got)
	}
}

func TestWriterDisconnectsSlowConsumer(t *testing.T) {
	server, client := net.Pipe() // nobody reads client: writes block
	defer client.Close()
	w, failed := newTestWriter(server, 1000)
	payload := bytes.Repeat([]byte("x"), 100)
	queued := 0
	for w.frame(opText, payload) {
		if queued++; queued > 100 {
			t.Fatal("the queue grew past its bound without failing")
		}
	}
	select {
	case err := <-failed:
		if !errors.Is(err, ErrSlowConsumer) {
			t.Fatalf("failed with %v, want ErrSlowConsumer", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("slow consumer not reported")
	}
	if w.frame(opText, payload) {
		t.Fatal("a failed writer accepted a frame")
	}
}

func TestWriterCloseWritesQueuedFramesFirst(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	w, _ := newTestWriter(server, 1<<20)
	w.frame(opText, []byte("last words"))
	w.close()
	if w.frame(opText, []byte("after close")) {
		t.Fatal("a closing writer accepted a frame")
	}
	r := bufio.NewReader(client)
	if _, p, err := readFrame(r); err != nil || p != "last words" {
		t.Fatalf("got %q, %v; want the frame queued before close", p, err)
	}
	if _, _, err := readFrame(r); !errors.Is(err, io.EOF) {
		t.Fatalf("after the queued frame: %v, want the connection closed", err)
	}
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() {
		_ = server.Close()
		_ = client.Close()
	})
	return server, client
}

// TestFlushAllFinishesWhatTheSocketCannotTakeAtOnce queues more than a
// loopback socket takes in one write while the peer is not reading: the
// shared flush writes what fits, a goroutine of the connection writes the
// rest once the peer reads, and the frames arrive whole and in order, with
// those queued in the meantime after them.
func TestFlushAllFinishesWhatTheSocketCannotTakeAtOnce(t *testing.T) {
	server, client := tcpPair(t)
	w, failed := newTestWriter(server, 64<<20)
	big := bytes.Repeat([]byte("b"), 8<<20)
	queued, start := w.queue(opBinary, big)
	if !queued || !start {
		t.Fatalf("queue = %v, %v; want queued and to be started", queued, start)
	}
	if _, start := w.queue(opText, []byte("second")); start {
		t.Fatal("a second frame asked for another flush while one was pending")
	}
	flushAll([]*writer{w})
	if !w.frame(opText, []byte("third")) {
		t.Fatal("frame dropped")
	}
	r := bufio.NewReaderSize(client, 64<<10)
	for _, want := range []string{string(big), "second", "third"} {
		_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, p, err := readFrame(r)
		if err != nil {
			t.Fatalf("reading: %v", err)
		}
		if p != want {
			t.Fatalf("frame of %d bytes, want %d (%.10q…)", len(p), len(want), want)
		}
	}
	select {
	case err := <-failed:
		t.Fatalf("writer failed: %v", err)
	default:
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writing || len(w.buf) != 0 {
		t.Fatalf("writer still busy after everything was read: writing %v, %d bytes queued", w.writing, len(w.buf))
	}
}

// TestFlushAllWritesIdleConnectionsInOneGoroutine checks that a shared
// flush that can write everything at once leaves the writers idle, ready to
// be started again.
func TestFlushAllWritesIdleConnectionsInOneGoroutine(t *testing.T) {
	var ws []*writer
	var readers []*bufio.Reader
	for range 5 {
		server, client := tcpPair(t)
		w, _ := newTestWriter(server, 1<<20)
		if _, start := w.queue(opText, []byte("hello")); !start {
			t.Fatal("an idle writer did not ask to be started")
		}
		ws = append(ws, w)
		readers = append(readers, bufio.NewReader(client))
	}
	flushAll(ws)
	for i, w := range ws {
		w.mu.Lock()
		busy := w.writing
		w.mu.Unlock()
		if busy {
			t.Fatalf("writer %d still marked writing after a complete write", i)
		}
		_, p, err := readFrame(readers[i])
		if err != nil || p != "hello" {
			t.Fatalf("connection %d read %q, %v", i, p, err)
		}
	}
}
