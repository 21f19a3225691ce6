package sockets

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// twoPerUser allows two requests per key.
type twoPerUser map[string]int

func (l twoPerUser) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	l[key]++
	return l[key] <= 2, 250 * time.Millisecond, nil
}

func TestBudget(t *testing.T) {
	b := NewBudget(twoPerUser{})
	ctx := context.Background()
	for range 2 {
		if err := b.Spend(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	err := b.Spend(ctx, "alice")
	if retry, _ := wire.RetryAfterOf(err); !errors.Is(err, ErrOverBudget) || retry != 250*time.Millisecond {
		t.Errorf("third request = %v, want %v with retry 250ms", err, ErrOverBudget)
	}
	if err := b.Spend(ctx, "bob"); err != nil {
		t.Errorf("another user: %v", err)
	}
	var none *Budget
	if err := none.Spend(ctx, "alice"); err != nil {
		t.Errorf("a nil budget refused: %v", err)
	}
}
