//go:build unix

package wstransport

import (
	"net"
	"syscall"
)

// canWriteNow reports whether writeNow can write to conn without waiting:
// it is a connection with a file descriptor (TCP; not an in-memory pipe).
func canWriteNow(conn net.Conn) bool {
	_, ok := rawConn(conn)
	return ok
}

// writeNow writes what the socket takes at once, without waiting for the
// peer (the descriptor is non-blocking): n may be short, and 0 when the
// socket's buffer is full.
func writeNow(conn net.Conn, out []byte) (int, error) {
	rc, ok := rawConn(conn)
	if !ok {
		return 0, nil
	}
	var (
		n   int
		err error
	)
	if werr := rc.Write(func(fd uintptr) bool {
		n, err = syscall.Write(int(fd), out)
		return true
	}); werr != nil {
		err = werr
	}
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return 0, nil
	}
	if n < 0 {
		n = 0
	}
	return n, err
}

func rawConn(conn net.Conn) (syscall.RawConn, bool) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	return rc, err == nil
}
