package messages

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Membership answers whether a user belongs to a room.
type Membership interface {
	// Members returns the member ids of the room if userID is one of them;
	// else the rooms package's forbidden or not-found error.
	Members(ctx context.Context, roomID, userID string) ([]string, error)
	// Role returns userID's role in the room (RoleOwner, RoleAdmin,
	// RoleMember or RoleDM) if userID is a member; else the rooms
	// package's forbidden or not-found error.
	Role(ctx context.Context, roomID, userID string) (string, error)
	// RoomIDs returns the ids of the rooms userID is a member of.
	RoomIDs(ctx context.Context, userID string) ([]string, error)
}

// Directory resolves usernames to users.
type Directory interface {
	// ByUsernames returns the users among the (case-folded) usernames that
	// exist, by username.
	ByUsernames(ctx context.Context, names []string) (map[string]auth.User, error)
}

// Limiter is the per-user send rate limit.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Broadcaster delivers an event to Socket.IO rooms on every instance,
// without waiting for the network.
type Broadcaster interface {
	Broadcast(rooms []string, event string, payload any)
}

// Config tunes the service.
type Config struct {
	// MaxContent is the longest content in Unicode code points; 4,000 when 0.
	MaxContent int
	// SweepEvery is how often expired tempId claims are deleted; a minute
	// when 0.
	SweepEvery time.Duration
	// EditWindow is how long after sending a message its sender may edit
	// it; 0 for no limit.
	EditWindow time.Duration
}

// sweepBatch and sweepBatches bound the work of one sweep of claims.
const (
	sweepBatch   = 1000
	sweepBatches = 10
)

// Service sends and pages messages.
type Service struct {
	store     Store
	log       *Log
	members   Membership
	directory Directory
	limiter   Limiter
	out       Broadcaster
	files     Files
	logger    *slog.Logger
	cfg       Config
	budget    *sockets.Budget // history reads; nil: unlimited (SetEventBudget)

	sent   prometheus.Counter
	failed *prometheus.CounterVec

	stop    chan struct{}
	stopped sync.WaitGroup
}

// NewService returns a Service, registers its metrics with reg and starts
// its sweeper of expired tempId claims; Close stops it.
func NewService(cfg Config, store Store, members Membership, directory Directory, limiter Limiter,
	out Broadcaster, log *slog.Logger, reg prometheus.Registerer) *Service {
	if cfg.MaxContent <= 0 {
		cfg.MaxContent = 4000
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	s := &Service{store: store, members: members, directory: directory, limiter: limiter, out: out, logger: log, cfg: cfg,
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_stored_total", Help: "Messages stored (deduplicated repeats excluded).",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_message_sends_failed_total", Help: "send_message events refused, by error code.",
		}, []string{"code"}),
		stop: make(chan struct{}),
	}
	s.log = NewLog(store, s.publish, s.publishChange, log)
	reg.MustRegister(s.sent, s.failed)
	s.stopped.Go(s.sweep)
	return s
}

// Close stops the sweeper and waits, until ctx ends, for the room log to
// finish what it was given.
func (s *Service) Close(ctx context.Context) error {
	close(s.stop)
	s.stopped.Wait()
	return s.log.Wait(ctx)
}

// sweep deletes expired tempId claims every SweepEvery, a bounded number
// per round, so that the claims stop growing once they are a window old.
func (s *Service) sweep() {
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.SweepClaims(context.Background())
		}
	}
}

// SweepClaims deletes tempId claims older than DedupeWindow, at most
// sweepBatches batches of sweepBatch, and returns how many it deleted.
func (s *Service) SweepClaims(ctx context.Context) int {
	cutoff := wire.Now().Add(-DedupeWindow)
	total := 0
	for range sweepBatches {
		n, err := s.store.SweepClaims(ctx, cutoff, sweepBatch)
		total += n
		if err != nil {
			s.logger.Warn("expired tempId claims not deleted", slog.Any("err", err))
			return total
		}
		if n < sweepBatch {
			break
		}
	}
	return total
}
