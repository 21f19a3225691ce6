package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/roomchat/chat/wire"
)

// countWindow is a Window that counts forever: full at limit events.
type countWindow struct {
	limit int

	mu     sync.Mutex
	events map[string]int
}

func newCountWindow(limit int) *countWindow {
	return &countWindow{limit: limit, events: map[string]int{}}
}

func (w *countWindow) Record(_ context.Context, key string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events[key]++
	return nil
}

func (w *countWindow) Full(_ context.Context, key string) (bool, time.Duration, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.events[key] >= w.limit {
		return true, time.Minute, nil
	}
	return false, 0, nil
}

func (w *countWindow) Reset(_ context.Context, key string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.events, key)
	return nil
}

// compares counts the bcrypt comparisons of a guard and the cost of the
// hashes compared.
type compares struct {
	n     atomic.Int64
	costs sync.Map // cost -> true
}

func (c *compares) hook(g *guard) {
	plain := g.compare
	g.compare = func(hash, pw []byte) error {
		c.n.Add(1)
		if cost, err := bcrypt.Cost(hash); err == nil {
			c.costs.Store(cost, true)
		}
		return plain(hash, pw)
	}
}

func limitedFixture(t *testing.T) (*authFixture, *compares) {
	t.Helper()
	f := newAuthFixture(t)
	f.svc.SetLimits(Limits{UserFailures: newCountWindow(MaxUserFailures), AddrFailures: newCountWindow(MaxAddrFailures)})
	c := &compares{}
	c.hook(f.svc.guard)
	return f, c
}

func fromAddr(addr string) context.Context { return WithClientAddr(context.Background(), addr) }

func TestLoginLockedAfterTenFailures(t *testing.T) {
	f, c := limitedFixture(t)
	f.register(t, "alice")
	ctx := fromAddr("198.51.100.1")
	for i := range MaxUserFailures {
		if _, err := f.svc.Login(ctx, "alice", "wrong horse"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	before := c.n.Load()
	_, err := f.svc.Login(fromAddr("203.0.113.9"), "alice", "correct horse")
	if retry, _ := wire.RetryAfterOf(err); !errors.Is(err, ErrTooManyFailures) || retry <= 0 {
		t.Fatalf("login after %d failures = %v, want rate_limited with a retry time", MaxUserFailures, err)
	}
	if n := c.n.Load() - before; n != 0 {
		t.Errorf("the refused login compared the password %d times, want none", n)
	}
	if _, err := f.svc.Login(ctx, "bob", "anything at all"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("another username from the same address: %v, want a plain wrong-password answer", err)
	}
}

func TestSuccessClearsUserFailures(t *testing.T) {
	f, _ := limitedFixture(t)
	f.register(t, "alice")
	for range 2 {
		for range MaxUserFailures - 1 {
			_, _ = f.svc.Login(context.Background(), "alice", "wrong horse")
		}
		if _, err := f.svc.Login(context.Background(), "alice", "correct horse"); err != nil {
			t.Fatalf("the right password after %d failures: %v", MaxUserFailures-1, err)
		}
	}
}

func TestLoginLockedPerAddress(t *testing.T) {
	f, _ := limitedFixture(t)
	f.register(t, "alice")
	ctx := fromAddr("198.51.100.7")
	for i := range MaxAddrFailures {
		name := "guess" + strings.Repeat("x", i%5) + string(rune('a'+i%26))
		if _, err := f.svc.Login(ctx, name, "wrong horse"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.Login(ctx, "alice", "correct horse"); !errors.Is(err, ErrTooManyFailures) {
		t.Errorf("from the address after %d failures: %v, want %v", MaxAddrFailures, err, ErrTooManyFailures)
	}
	if _, err := f.svc.Login(fromAddr("198.51.100.8"), "alice", "correct horse"); err != nil {
		t.Errorf("from another address: %v", err)
	}
}

// TestIPv6CountsBySubnet: the addresses of one IPv6 /64 count as one.
func TestIPv6CountsBySubnet(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"},
		{"198.51.100.7", "198.51.100.7"},
		{"::ffff:198.51.100.7", "198.51.100.7"},
		{"not an address", "not an address"},
	} {
		if got := clientAddr(fromAddr(c.addr)); got != c.want {
			t.Errorf("clientAddr(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}

// TestUnknownUserCostsAComparison: an unknown username and an account known
// only from an identity provider cost one bcrypt comparison of the
// configured cost, as a wrong password does.
func TestUnknownUserCostsAComparison(t *testing.T) {
	f, c := limitedFixture(t)
	f.register(t, "alice")
	if _, err := f.svc.Authenticate(context.Background(), f.providerToken(t, "idp-1", "carol", "")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "nobody", "carol"} {
		before := c.n.Load()
		if _, err := f.svc.Login(context.Background(), name, "wrong horse"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("%s: %v", name, err)
		}
		if n := c.n.Load() - before; n != 1 {
			t.Errorf("login as %s compared %d times, want 1", name, n)
		}
	}
	c.costs.Range(func(cost, _ any) bool {
		if cost != bcrypt.MinCost {
			t.Errorf("compared a hash of cost %v, want the configured %d", cost, bcrypt.MinCost)
		}
		return true
	})
}

// TestBcryptRunsOnHalfTheCPUs: however many logins arrive at once, at most
// the guard's slots compare passwords at the same time.
func TestBcryptRunsOnHalfTheCPUs(t *testing.T) {
	f := newAuthFixture(t)
	f.register(t, "alice")
	g := f.svc.guard
	if want := max(1, runtime.GOMAXPROCS(0)/2); cap(g.sem) != want {
		t.Errorf("%d bcrypt slots, want %d: half the CPUs", cap(g.sem), want)
	}
	g.sem = make(chan struct{}, 2)
	var running, most atomic.Int64
	plain := g.compare
	g.compare = func(hash, pw []byte) error {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return plain(hash, pw)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = f.svc.Login(context.Background(), "alice", "wrong horse") })
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("%d comparisons ran at once, want 2 (the slots)", m)
	}
}

// fixedLimiter allows n calls per key.
type fixedLimiter struct {
	n    int
	mu   sync.Mutex
	seen map[string]int
}

func (l *fixedLimiter) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[key]++
	if l.seen[key] > l.n {
		return false, time.Hour, nil
	}
	return true, 0, nil
}

func TestRegistrationsPerAddress(t *testing.T) {
	f := newAuthFixture(t)
	f.svc.SetLimits(Limits{Registrations: &fixedLimiter{n: 2, seen: map[string]int{}}})
	ctx := fromAddr("198.51.100.3")
	for _, name := range []string{"one", "two"} {
		if _, err := f.svc.Register(ctx, name, "correct horse", ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.Register(ctx, "three", "correct horse", "")
	if retry, _ := wire.RetryAfterOf(err); !errors.Is(err, ErrTooManyRegistrations) || retry != time.Hour {
		t.Errorf("third registration = %v, want %v with a retry time", err, ErrTooManyRegistrations)
	}
	if _, err := f.svc.Register(fromAddr("198.51.100.4"), "three", "correct horse", ""); err != nil {
		t.Errorf("from another address: %v", err)
	}
}

// TestLoginRouteCountsTheClient: behind a trusted proxy the failures count
// against the address X-Forwarded-For names, and the answer is 429 with
// Retry-After.
func TestLoginRouteCountsTheClient(t *testing.T) {
	f, _ := limitedFixture(t)
	proxies, err := wire.ParseProxies([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	limits := f.svc.guard.limits
	limits.Proxies = proxies
	f.svc.SetLimits(limits)
	h := authRouter(f)
	login := func(client string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(`{"username":"zed","password":"wrong horse"}`))
		r.RemoteAddr = "10.0.0.2:1234"
		r.Header.Set("X-Forwarded-For", client)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for range MaxUserFailures {
		if w := login("198.51.100.1"); w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	w := login("198.51.100.2")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" ||
		!strings.Contains(w.Body.String(), `"retryAfterMs"`) {
		t.Errorf("after the failures: %d %q %s, want 429 with Retry-After and retryAfterMs", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	addr := f.svc.guard.limits.AddrFailures.(*countWindow)
	if addr.events["198.51.100.1"] != MaxUserFailures || addr.events["10.0.0.2"] != 0 {
		t.Errorf("failures by address = %v, want them counted against the client, not the proxy", addr.events)
	}
}
