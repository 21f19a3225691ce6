package messages

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestDeleteRoomRacesSends deletes a room while its members send and react
// to it: every send and change either succeeds (and its message is then
// purged with the rest) or fails with ErrRoomDeleted, the store keeps
// nothing of the room afterwards, the room log forgets it, and deleting it
// again, or a room never seen, succeeds.
func TestDeleteRoomRacesSends(t *testing.T) {
	ctx := context.Background()
	f := newSendFixture(t)
	f.limiter.allow = func(context.Context, string) (bool, time.Duration, error) { return true, 0, nil }
	var early []Message
	for i := range 20 {
		req := sendReq(fmt.Sprintf("early %d", i))
		req.TempID = strp(fmt.Sprintf("early-%d", i))
		m, _, err := f.svc.Send(ctx, alice, req)
		if err != nil {
			t.Fatal(err)
		}
		early = append(early, m)
	}
	if _, err := f.svc.React(ctx, alice, sendRoom, early[0].ID, "👍", true); err != nil {
		t.Fatal(err)
	}

	const senders, each = 4, 150
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		stored, refused int
		unexpected      []error
		started         = make(chan struct{}, senders*each)
	)
	record := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			stored++
		case errors.Is(err, ErrRoomDeleted):
			refused++
		default:
			unexpected = append(unexpected, err)
		}
	}
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				req := sendReq(fmt.Sprintf("racing %d/%d", s, i))
				req.TempID = strp(fmt.Sprintf("race-%d-%d", s, i))
				_, _, err := f.svc.Send(ctx, alice, req)
				record(err)
				started <- struct{}{}
			}
		})
	}
	wg.Go(func() {
		for i := range each {
			_, err := f.svc.React(ctx, alice, sendRoom, early[1+i%19].ID, fmt.Sprintf(":r%d:", i%15), i%2 == 0)
			record(err)
		}
	})
	for range 100 { // some sends are stored before the deletion starts
		<-started
	}
	if err := f.svc.DeleteRoom(ctx, sendRoom); err != nil {
		t.Fatalf("DeleteRoom: %v", err)
	}
	wg.Wait()

	if len(unexpected) > 0 {
		t.Errorf("%d sends or changes failed otherwise than ErrRoomDeleted: %v", len(unexpected), unexpected[0])
	}
	if stored == 0 || refused == 0 {
		t.Errorf("%d stored, %d refused: the deletion did not race the sends", stored, refused)
	}
	if left := f.stored(t); len(left) != 0 {
		t.Errorf("%d messages of the deleted room left, the first %q", len(left), left[0].Content)
	}
	if last, err := f.store.LastRev(ctx, sendRoom); err != nil || last != 0 {
		t.Errorf("LastRev of the deleted room = %d, %v; want 0", last, err)
	}
	if pins, err := f.store.Pins(ctx, sendRoom); err != nil || len(pins) != 0 {
		t.Errorf("pins of the deleted room = %d, %v", len(pins), err)
	}
	f.svc.log.mu.Lock()
	_, kept := f.svc.log.rooms[sendRoom]
	f.svc.log.mu.Unlock()
	if kept {
		t.Error("the room log still keeps the deleted room's state")
	}
	if _, ok := f.svc.log.Recent(alice.ID, "early-3"); ok {
		t.Error("the room log still remembers a send of the deleted room for repeats")
	}
	retry := sendReq("early 3")
	retry.TempID = strp("early-3")
	if m, _, err := f.svc.Send(ctx, alice, retry); !errors.Is(err, ErrRoomDeleted) {
		t.Errorf("a retry after the deletion = %+v, %v; want ErrRoomDeleted", m, err)
	}
	if err := f.svc.DeleteRoom(ctx, sendRoom); err != nil {
		t.Errorf("a second DeleteRoom: %v", err)
	}
	if err := f.svc.DeleteRoom(ctx, "fedcba9876543210fedcba98"); err != nil {
		t.Errorf("DeleteRoom of a room never seen: %v", err)
	}
}
