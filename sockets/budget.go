package sockets

import (
	"context"
	"time"

	"github.com/roomchat/chat/wire"
)

// Limiter is a token bucket per key (the cluster's limiters).
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Budget is each user's allowance of the requests that cost the server far
// more than they cost the client: typing (fanned out to a room), join_room
// and history pages (database reads), over Socket.IO and REST together.
// Past it a request is refused with rate_limited and retryAfterMs. A nil
// Budget allows everything.
type Budget struct {
	limiter Limiter
}

// NewBudget returns a Budget taking one token from limiter, keyed by user,
// for each request.
func NewBudget(limiter Limiter) *Budget { return &Budget{limiter: limiter} }

// ErrOverBudget refuses a request beyond the user's budget.
var ErrOverBudget = wire.NewError(wire.RateLimited, "too many requests")

// Spend takes one request from userID's budget.
func (b *Budget) Spend(ctx context.Context, userID string) error {
	if b == nil {
		return nil
	}
	ok, retry, err := b.limiter.Allow(ctx, userID)
	if err != nil {
		return err
	}
	if !ok {
		return wire.WithRetryAfter(ErrOverBudget, retry)
	}
	return nil
}
