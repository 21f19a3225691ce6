package mongo

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return addr
}

func TestConnectUnreachable(t *testing.T) {
	uri := "mongodb://chat:s3cret@" + closedPort(t) + "/"
	done := make(chan error, 1)
	go func() {
		client, db, err := Connect(context.Background(), uri, "chat")
		if client != nil || db != nil {
			t.Error("Connect returned a client for an unreachable server")
		}
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(3 * ConnectTimeout / 2):
		t.Fatal("Connect to an unreachable server did not return")
	}
	if err == nil {
		t.Fatal("Connect to an unreachable server succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "does not answer") {
		t.Errorf("error %q does not say the server does not answer", msg)
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error %q shows the password", msg)
	}
}
