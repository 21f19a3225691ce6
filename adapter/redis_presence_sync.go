package adapter

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"
)

// closeTimeout bounds the removal of this instance's entries at shutdown.
const closeTimeout = 5 * time.Second

// resync makes Redis hold exactly this instance's sockets: it registers the
// ones Redis lacks and removes the ones closed while Redis was unreachable,
// announcing users who have no socket left.
func (p *RedisPresence) resync(ctx context.Context) error {
	p.ops.Lock()
	defer p.ops.Unlock()
	p.mu.Lock()
	local := maps.Clone(p.local)
	p.dirty = false
	p.mu.Unlock()
	err := p.syncWith(ctx, local)
	if err != nil {
		p.markDirty()
	}
	return err
}

func (p *RedisPresence) syncWith(ctx context.Context, local map[string]string) error {
	remote, err := p.client.HGetAll(ctx, p.instanceKey()).Result()
	if err != nil {
		return fmt.Errorf("read this instance's sockets: %w", err)
	}
	var missing []any
	for sock, user := range local {
		if remote[sock] != user {
			missing = append(missing, user, sock)
		}
	}
	if err := p.restore(ctx, missing); err != nil {
		return err
	}
	var offline []string
	for sock, user := range remote {
		if _, ok := local[sock]; ok {
			continue
		}
		last, err := p.scripts.disconnect.Run(ctx, p.client, []string{p.userKey(user), p.instanceKey()}, sock).Int()
		if err != nil {
			return fmt.Errorf("remove a closed socket: %w", err)
		}
		if last == 1 {
			offline = append(offline, user)
		}
	}
	if len(missing) > 0 || len(remote) > len(local) {
		p.log.Info("presence resynchronised", slog.Int("registered", len(missing)/2), slog.Int("offline", len(offline)))
	}
	p.notify(offline)
	return nil
}

// restore registers pairs of user id, socket id, a batch per step.
func (p *RedisPresence) restore(ctx context.Context, pairs []any) error {
	for len(pairs) > 0 {
		n := min(len(pairs), 2*restoreBatch)
		args := append([]any{p.keys.user, p.instance, p.ttl.Milliseconds()}, pairs[:n]...)
		if err := p.scripts.restore.Run(ctx, p.client, []string{p.keys.instances, p.instanceKey()}, args...).Err(); err != nil {
			return fmt.Errorf("register sockets again: %w", err)
		}
		pairs = pairs[n:]
	}
	return nil
}

// sweepExpired removes the instances whose deadline has passed and
// announces the users they leave with no socket.
func (p *RedisPresence) sweepExpired(ctx context.Context) error {
	for {
		dead, offline, err := p.sweep(ctx, "")
		if err != nil {
			return err
		}
		if len(dead) > 0 {
			p.log.Info("swept expired instances", slog.Any("instances", dead), slog.Int("offline", len(offline)))
		}
		p.notify(offline)
		if len(dead) < sweepBatch {
			return nil
		}
	}
}

// sweep runs the sweep script: over expired instances, or over this one
// alone when self is set.
func (p *RedisPresence) sweep(ctx context.Context, self string) (dead, offline []string, err error) {
	args := []any{p.keys.instance, p.keys.user, sweepBatch}
	if self != "" {
		args = append(args, self)
	}
	res, err := p.scripts.sweep.Run(ctx, p.client, []string{p.keys.instances}, args...).Slice()
	if err != nil {
		return nil, nil, fmt.Errorf("sweep expired instances: %w", err)
	}
	if len(res) != 2 {
		return nil, nil, fmt.Errorf("sweep expired instances: unexpected reply %v", res)
	}
	return redisStrings(res[0]), redisStrings(res[1]), nil
}

// redisStrings converts a Redis array of strings.
func redisStrings(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// notify hands users to the OnExpired callbacks on a goroutine, so that
// slow callbacks never delay the heartbeat.
func (p *RedisPresence) notify(users []string) {
	if len(users) == 0 {
		return
	}
	p.mu.Lock()
	fns := append([]func(string){}, p.expired...)
	p.mu.Unlock()
	p.notifies.Add(1)
	go func() {
		defer p.notifies.Done()
		for _, u := range users {
			for _, fn := range fns {
				fn(u)
			}
		}
	}()
}

// Close stops the heartbeat, waits for running callbacks and removes this
// instance and its remaining sockets from Redis. Users left with no socket
// are not announced: by then the sockets of a shutting-down instance have
// been disconnected one by one, each announcing its own.
func (p *RedisPresence) Close() error {
	var err error
	p.closeOnce.Do(func() { err = p.close() })
	return err
}

func (p *RedisPresence) close() error {
	close(p.stop)
	<-p.done
	p.notifies.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	p.ops.Lock()
	defer p.ops.Unlock()
	_, offline, err := p.sweep(ctx, p.instance)
	if err != nil {
		return fmt.Errorf("remove this instance from presence: %w", err)
	}
	if len(offline) > 0 {
		p.log.Info("presence entries removed at shutdown", slog.Int("offline", len(offline)))
	}
	return nil
}
