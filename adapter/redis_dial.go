package adapter

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Bounds of the subscriber's dial backoff.
const (
	dialBackoffMin = 50 * time.Millisecond
	dialBackoffMax = 500 * time.Millisecond
)

// subscriberOptions are opt with a dialer that waits before dialing again
// after a failed dial.
//
// The library's adapter reads its subscriptions in a loop that, on any
// error, reports it and reads again at once. While Redis is down, each read
// is a dial that fails at once, so without a pause the loop spins on a core
// and reports errors by the hundred thousand per second
// (TestLibraryReceiveLoopSpins shows it). go-redis reconnects and
// resubscribes by itself on the next successful dial, so a pause in the
// dialer is all that is needed.
func subscriberOptions(opt *redis.Options) *redis.Options {
	o := *opt
	d := &backoffDialer{net: &net.Dialer{Timeout: opt.DialTimeout, KeepAlive: 30 * time.Second}, tls: opt.TLSConfig}
	o.Dialer = d.dial
	o.PoolSize = 2
	return &o
}

// backoffDialer dials Redis, waiting after each failed dial 50 ms, then
// twice as long after each further one, up to 500 ms; a successful dial
// resets the wait.
type backoffDialer struct {
	net *net.Dialer
	tls *tls.Config

	mu       sync.Mutex // guards failures and next
	failures int
	next     time.Time // no dial before
}

func (d *backoffDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := d.wait(ctx); err != nil {
		return nil, err
	}
	var conn net.Conn
	var err error
	if d.tls != nil {
		conn, err = (&tls.Dialer{NetDialer: d.net, Config: d.tls}).DialContext(ctx, network, addr)
	} else {
		conn, err = d.net.DialContext(ctx, network, addr)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.failures++
		d.next = time.Now().Add(backoff(d.failures))
		return nil, err
	}
	d.failures, d.next = 0, time.Time{}
	return conn, nil
}

func (d *backoffDialer) wait(ctx context.Context) error {
	d.mu.Lock()
	wait := time.Until(d.next)
	d.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait after the nth failure in a row.
func backoff(n int) time.Duration {
	d := dialBackoffMin
	for i := 1; i < n && d < dialBackoffMax; i++ {
		d *= 2
	}
	return min(d, dialBackoffMax)
}
