package messages

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestPublishOrderReleasesInSeqOrder runs sends whose stores finish in a
// random order and checks that every stored message is published once, in
// seq order, per room.
func TestPublishOrderReleasesInSeqOrder(t *testing.T) {
	o := newPublishOrder()
	var (
		seqMu sync.Mutex
		seqs  = map[string]int64{}
		pubMu sync.Mutex
		got   = map[string][]int64{}
	)
	publish := func(m Message) {
		pubMu.Lock()
		defer pubMu.Unlock()
		got[m.RoomID] = append(got[m.RoomID], m.Seq)
	}
	rooms := []string{"a", "b", "c"}
	const perRoom = 300
	var wg sync.WaitGroup
	for i := range perRoom * len(rooms) {
		wg.Go(func() {
			room := rooms[i%len(rooms)]
			q, ticket := o.begin(room)
			seqMu.Lock()
			seqs[room]++
			m := Message{RoomID: room, Seq: seqs[room]}
			seqMu.Unlock()
			waitFor := o.stored(q)
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			o.end(room, q, ticket, waitFor, &m, publish)
		})
	}
	wg.Wait()
	for _, room := range rooms {
		if len(got[room]) != perRoom {
			t.Fatalf("room %s: published %d messages, want %d", room, len(got[room]), perRoom)
		}
		for i, seq := range got[room] {
			if seq != int64(i+1) {
				t.Fatalf("room %s: position %d has seq %d; order %v", room, i, seq, got[room][:min(len(got[room]), i+5)])
			}
		}
	}
	if len(o.rooms) != 0 {
		t.Fatalf("%d room queues left behind", len(o.rooms))
	}
}

// TestPublishOrderFailedSendDoesNotBlock checks that a send that stored
// nothing releases the messages waiting for it.
func TestPublishOrderFailedSendDoesNotBlock(t *testing.T) {
	o := newPublishOrder()
	var got []int64
	publish := func(m Message) { got = append(got, m.Seq) }
	q1, t1 := o.begin("r") // will fail
	q2, t2 := o.begin("r")
	w2 := o.stored(q2)
	o.end("r", q2, t2, w2, &Message{RoomID: "r", Seq: 1}, publish)
	if len(got) != 0 {
		t.Fatalf("published %v while an earlier send was still under way", got)
	}
	o.end("r", q1, t1, o.stored(q1), nil, publish)
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("published %v, want [1]", got)
	}
}

// TestPublishOrderQueuedSendIsNotHeldBack checks that a message waits only
// for the sends under way when it was queued: a send that starts later is
// queued behind it, and the message goes out without waiting for it.
func TestPublishOrderQueuedSendIsNotHeldBack(t *testing.T) {
	o := newPublishOrder()
	var got []int64
	publish := func(m Message) { got = append(got, m.Seq) }
	q1, t1 := o.begin("r")
	w1 := o.stored(q1) // queued: seq 1
	q2, t2 := o.begin("r")
	w2 := o.stored(q2) // queued behind it: seq 2
	o.end("r", q1, t1, w1, &Message{RoomID: "r", Seq: 1}, publish)
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("published %v while a later send was under way, want [1]", got)
	}
	o.end("r", q2, t2, w2, &Message{RoomID: "r", Seq: 2}, publish)
	if len(got) != 2 || got[1] != 2 {
		t.Fatalf("published %v, want [1 2]", got)
	}
}
