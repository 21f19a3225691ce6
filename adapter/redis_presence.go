package adapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/roomchat/chat/wire"
)

// RedisPresence is Presence shared by every instance through Redis.
//
// Redis holds, per user, a hash of their sockets (socket id -> instance id)
// and, per instance, a hash of the sockets it holds (socket id -> user id).
// The first and last socket of a user are decided inside Lua scripts, so two
// instances can never both see a "first" or both a "last".
//
// Each instance keeps a deadline in a sorted set and moves it forward every
// tick (TTL/10). An instance that stops doing so (it crashed) is swept by a
// live one once its deadline has passed: its sockets are removed and the
// users left with none are handed to the OnExpired callbacks, so that they
// are announced offline within TTL plus one tick.
//
// The instance also remembers its own sockets. When Redis has lost them (it
// restarted empty, or this instance was swept while paused) or a step failed
// while Redis was unreachable, the next tick puts Redis back in line with
// what the instance holds; users whose last socket was closed meanwhile are
// handed to the OnExpired callbacks too.
type RedisPresence struct {
	client   redis.UniversalClient
	scripts  presenceScripts
	keys     presenceKeys
	instance string
	ttl      time.Duration
	tick     time.Duration
	log      *slog.Logger
	health   *health

	// ops is held shared by Connect and Disconnect for the whole of their
	// Redis step and exclusively by resync, so that a resync never sees a
	// step half done.
	ops sync.RWMutex

	mu       sync.Mutex        // guards local, dirty and expired
	local    map[string]string // socket id -> user id, this instance's sockets
	dirty    bool              // a step failed: Redis may disagree with local
	expired  []func(userID string)
	notifies sync.WaitGroup // callbacks running

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ Presence = (*RedisPresence)(nil)

// PresenceOptions configures a RedisPresence.
type PresenceOptions struct {
	// Prefix starts every key; instances that share presence share it.
	Prefix string
	// Instance names this instance; empty for a random id.
	Instance string
	// TTL is how long a crashed instance's sockets still count as online.
	TTL time.Duration
	// Log receives connectivity changes and sweeps.
	Log *slog.Logger
}

// sweepBatch is how many expired instances one sweep step removes.
const sweepBatch = 50

// restoreBatch is how many sockets one restore step registers.
const restoreBatch = 500

// presenceKeys names the keys of one presence prefix. Every key carries the
// hash tag {presence}, so that all of them live in one Redis Cluster slot
// and the scripts that touch several stay valid there.
type presenceKeys struct {
	instances string // sorted set: instance id -> deadline (ms)
	instance  string // prefix of an instance's hash: socket id -> user id
	user      string // prefix of a user's hash: socket id -> instance id
}

func newPresenceKeys(prefix string) presenceKeys {
	base := prefix + ":{presence}:"
	return presenceKeys{instances: base + "instances", instance: base + "i:", user: base + "u:"}
}

// NewRedisPresence registers this instance in Redis and starts its
// heartbeat; it fails when Redis does not answer.
func NewRedisPresence(ctx context.Context, client redis.UniversalClient, opts PresenceOptions) (*RedisPresence, error) {
	if opts.TTL <= 0 {
		return nil, fmt.Errorf("presence TTL must be positive, got %s", opts.TTL)
	}
	if opts.Instance == "" {
		opts.Instance = newInstanceID()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	log := opts.Log.With(slog.String("instance", opts.Instance))
	p := &RedisPresence{
		client: client, scripts: loadPresenceScripts(), keys: newPresenceKeys(opts.Prefix),
		instance: opts.Instance, ttl: opts.TTL, tick: max(opts.TTL/10, 10*time.Millisecond),
		log: log, health: newHealth(log, "presence"),
		local: make(map[string]string), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if _, err := p.heartbeat(ctx); err != nil {
		return nil, wire.Unavailablef("register instance", err)
	}
	go p.run()
	return p, nil
}

func newInstanceID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Instance returns the id of this instance in Redis.
func (p *RedisPresence) Instance() string { return p.instance }

func (p *RedisPresence) instanceKey() string { return p.keys.instance + p.instance }

func (p *RedisPresence) userKey(userID string) string { return p.keys.user + userID }

// Connect implements Presence.
func (p *RedisPresence) Connect(ctx context.Context, userID, socketID string) (bool, error) {
	p.ops.RLock()
	defer p.ops.RUnlock()
	p.mu.Lock()
	p.local[socketID] = userID
	p.mu.Unlock()
	first, err := p.scripts.connect.Run(ctx, p.client, []string{p.userKey(userID), p.instanceKey()},
		socketID, p.instance, userID).Int()
	if err != nil {
		p.markDirty()
		return false, wire.Unavailablef("record presence", err)
	}
	return first == 1, nil
}

// Disconnect implements Presence.
func (p *RedisPresence) Disconnect(ctx context.Context, userID, socketID string) (bool, error) {
	p.ops.RLock()
	defer p.ops.RUnlock()
	p.mu.Lock()
	_, had := p.local[socketID]
	delete(p.local, socketID)
	p.mu.Unlock()
	if !had {
		return false, nil
	}
	last, err := p.scripts.disconnect.Run(ctx, p.client, []string{p.userKey(userID), p.instanceKey()}, socketID).Int()
	if err != nil {
		p.markDirty()
		return false, wire.Unavailablef("forget presence", err)
	}
	return last == 1, nil
}

// Online implements Presence. A user whose sockets were all on a crashed
// instance counts as online until that instance is swept.
func (p *RedisPresence) Online(ctx context.Context, userIDs []string) (map[string]bool, error) {
	out := make(map[string]bool, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	pipe := p.client.Pipeline()
	cmds := make([]*redis.IntCmd, len(userIDs))
	for i, id := range userIDs {
		cmds[i] = pipe.Exists(ctx, p.userKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wire.Unavailablef("read presence", err)
	}
	for i, id := range userIDs {
		out[id] = cmds[i].Val() > 0
	}
	return out, nil
}

// OnExpired implements Presence. fn runs on a goroutine of the presence
// loop, one call per user, possibly concurrently with Connect.
func (p *RedisPresence) OnExpired(fn func(userID string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expired = append(p.expired, fn)
}

func (p *RedisPresence) markDirty() {
	p.mu.Lock()
	p.dirty = true
	p.mu.Unlock()
}

// run beats every tick until Close.
func (p *RedisPresence) run() {
	defer close(p.done)
	t := time.NewTicker(p.tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.beat()
		}
	}
}

// beat moves this instance's deadline, repairs Redis when it disagrees with
// this instance, and sweeps crashed instances.
func (p *RedisPresence) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), max(p.tick, time.Second))
	defer cancel()
	known, err := p.heartbeat(ctx)
	if err == nil {
		p.mu.Lock()
		dirty := p.dirty
		p.mu.Unlock()
		if !known || dirty {
			err = p.resync(ctx)
		}
	}
	if err == nil {
		err = p.sweepExpired(ctx)
	}
	p.health.report(err)
}

// heartbeat moves the deadline; known is false when Redis had forgotten
// this instance.
func (p *RedisPresence) heartbeat(ctx context.Context) (known bool, err error) {
	n, err := p.scripts.heartbeat.Run(ctx, p.client, []string{p.keys.instances}, p.instance, p.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("presence heartbeat: %w", err)
	}
	return n == 1, nil
}
