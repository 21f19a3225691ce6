package auth

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/roomchat/chat/wire"
)

// The login limits of the wire contract: after MaxUserFailures failed logins
// for one username within FailureWindow, or MaxAddrFailures from one client
// address, further logins are refused without checking the password.
const (
	MaxUserFailures = 10
	MaxAddrFailures = 50
	FailureWindow   = 15 * time.Minute
)

// bcryptWait bounds how long a login or registration waits for its turn at
// bcrypt before it is refused as too busy.
const bcryptWait = 5 * time.Second

// Window counts the events of each key over a sliding window and tells when
// a key reached its limit (the cluster's windows).
type Window interface {
	Record(ctx context.Context, key string) error
	Full(ctx context.Context, key string) (full bool, retryAfter time.Duration, err error)
	Reset(ctx context.Context, key string) error
}

// Limiter is a token bucket per key (the cluster's limiters).
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Limits guard the password endpoints against guessing and mass sign-ups.
// Each is optional: nil limits nothing.
type Limits struct {
	// UserFailures counts failed logins per username, AddrFailures per
	// client address; a full window refuses logins. Their limits should be
	// MaxUserFailures and MaxAddrFailures per FailureWindow.
	UserFailures, AddrFailures Window
	// Registrations is the accounts a client address may create.
	Registrations Limiter
	// Proxies are the load balancers whose X-Forwarded-For names the client.
	Proxies wire.Proxies
}

// Errors of the limits.
var (
	ErrTooManyFailures      = wire.NewError(wire.RateLimited, "too many failed logins; try again later")
	ErrTooManyRegistrations = wire.NewError(wire.RateLimited, "too many accounts created from this address; try again later")
	ErrBcryptBusy           = wire.NewError(wire.RateLimited, "too many logins at once; try again")
)

// SetLimits sets the limits of the password endpoints; call it before
// serving.
func (s *Service) SetLimits(l Limits) { s.guard.limits = l }

// guard stands between the password endpoints and bcrypt. It applies the
// limits, lets bcrypt use at most half of the CPUs, so that a flood of
// logins cannot starve the connections being served, and makes an unknown
// username cost the same comparison as a wrong password, so that the time
// of an answer does not tell whether a username exists.
type guard struct {
	limits  Limits
	cost    int
	sem     chan struct{}               // a token per bcrypt allowed to run
	compare func(hash, pw []byte) error // bcrypt.CompareHashAndPassword

	dummyOnce sync.Once
	dummy     []byte // a hash of the configured cost that no password matches
}

func newGuard(cost int) *guard {
	return &guard{cost: cost, sem: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
		compare: bcrypt.CompareHashAndPassword}
}

// bcrypt runs fn when a slot is free, waiting at most bcryptWait.
func (g *guard) bcrypt(ctx context.Context, fn func()) error {
	ctx, cancel := context.WithTimeout(ctx, bcryptWait)
	defer cancel()
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return wire.WithRetryAfter(ErrBcryptBusy, time.Second)
	}
	defer func() { <-g.sem }()
	fn()
	return nil
}

// hash returns the bcrypt hash of a password.
func (g *guard) hash(ctx context.Context, password string) (hash []byte, err error) {
	if berr := g.bcrypt(ctx, func() { hash, err = bcrypt.GenerateFromPassword(bcryptInput(password), g.cost) }); berr != nil {
		return nil, berr
	}
	return hash, err
}

// admitLogin refuses a login for username while its window or its client
// address's is full.
func (g *guard) admitLogin(ctx context.Context, username string) error {
	var wait time.Duration
	for _, c := range []struct {
		w   Window
		key string
	}{{g.limits.UserFailures, username}, {g.limits.AddrFailures, clientAddr(ctx)}} {
		if c.w == nil || c.key == "" {
			continue
		}
		full, retry, err := c.w.Full(ctx, c.key)
		if err != nil {
			return err
		}
		if full {
			wait = max(wait, retry)
		}
	}
	if wait > 0 {
		return wire.WithRetryAfter(ErrTooManyFailures, wait)
	}
	return nil
}

// checkPassword compares password with hash (nil for an unknown user, who
// gets the same comparison against a dummy hash) and counts a failure
// against username and the client address; a success clears the username's
// failures. It returns ErrBadCredentials for a wrong password.
func (g *guard) checkPassword(ctx context.Context, username string, hash []byte, password string) error {
	known := len(hash) > 0
	if !known {
		hash = g.dummyHash()
	}
	var mismatch error
	if err := g.bcrypt(ctx, func() { mismatch = g.compare(hash, bcryptInput(password)) }); err != nil {
		return err
	}
	if known && mismatch == nil {
		if w := g.limits.UserFailures; w != nil {
			_ = w.Reset(ctx, username)
		}
		return nil
	}
	if w := g.limits.UserFailures; w != nil {
		_ = w.Record(ctx, username)
	}
	if w, addr := g.limits.AddrFailures, clientAddr(ctx); w != nil && addr != "" {
		_ = w.Record(ctx, addr)
	}
	return ErrBadCredentials
}

func (g *guard) dummyHash() []byte {
	g.dummyOnce.Do(func() {
		var err error
		if g.dummy, err = bcrypt.GenerateFromPassword([]byte(rand.Text()), g.cost); err != nil {
			panic("auth: cannot make the dummy password hash: " + err.Error())
		}
	})
	return g.dummy
}

// admitRegistration takes one registration from the client address's
// allowance.
func (g *guard) admitRegistration(ctx context.Context) error {
	addr := clientAddr(ctx)
	if g.limits.Registrations == nil || addr == "" {
		return nil
	}
	ok, retry, err := g.limits.Registrations.Allow(ctx, addr)
	if err != nil {
		return err
	}
	if !ok {
		return wire.WithRetryAfter(ErrTooManyRegistrations, retry)
	}
	return nil
}

// clientAddrKey is the context key of the address of the request's client.
type clientAddrKey struct{}

// WithClientAddr returns ctx carrying addr as the address of the client on
// whose behalf Login and Register run; their per-address limits count it.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// clientAddr is the key of ctx's client address in the per-address
// limits: the address, or for IPv6 its /64, which one subscriber usually
// holds whole (and could otherwise walk through).
func clientAddr(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddrKey{}).(string)
	a, err := netip.ParseAddr(addr)
	switch {
	case err != nil:
		return addr
	case a.Unmap().Is4():
		return a.Unmap().String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// fromClient returns r with its client's address in its context.
func (s *Service) fromClient(r *http.Request) *http.Request {
	return r.WithContext(WithClientAddr(r.Context(), s.guard.limits.Proxies.ClientAddr(r)))
}
