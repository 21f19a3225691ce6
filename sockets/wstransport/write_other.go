//go:build !unix

package wstransport

import "net"

// canWriteNow reports false where a write that does not wait for the peer
// is not available: every connection's frames are then written by its own
// flush goroutine, which is correct, only dearer under load.
func canWriteNow(net.Conn) bool { return false }

func writeNow(net.Conn, []byte) (int, error) { return 0, nil }
