//go:build !linux

package wstransport

// pollReader is the Linux reader that holds no goroutine while a
// connection is idle. Elsewhere every connection has the goroutine reader.
type pollReader struct{}

func newPollReader(*transport) *pollReader { return nil }

func (*pollReader) start()      {}
func (*pollReader) connClosed() {}
func (*pollReader) detach()     {}
