package rooms

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// typingLog records the stop events a typingTracker sends, with the emit
// function they were sent through and the (fake) time they were sent.
type typingLog struct {
	mu     sync.Mutex
	events []typingStop
}

type typingStop struct {
	via string
	ev  TypingEvent
	at  time.Time
}

func (l *typingLog) emitter(via string) func(TypingEvent) {
	return func(ev TypingEvent) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, typingStop{via: via, ev: ev, at: time.Now()})
	}
}

func (l *typingLog) all() []typingStop {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]typingStop(nil), l.events...)
}

func newTestTracker(expiry time.Duration) *typingTracker {
	return newTypingTracker(expiry, func(emit func(TypingEvent), ev TypingEvent) { emit(ev) })
}

func typing(room string) TypingEvent {
	return TypingEvent{RoomID: room, UserID: "u1", Username: "alice", IsTyping: true}
}

func TestTypingExpiresOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log typingLog
		tr := newTestTracker(TypingExpiry)
		start := time.Now()
		tr.start("s1", typing("r1"), log.emitter("s1"))

		time.Sleep(TypingExpiry - time.Millisecond)
		synctest.Wait()
		if got := log.all(); len(got) != 0 {
			t.Fatalf("stopped before the expiry: %+v", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		got := log.all()
		if len(got) != 1 {
			t.Fatalf("stop events = %+v, want exactly one", got)
		}
		want := TypingEvent{RoomID: "r1", UserID: "u1", Username: "alice", IsTyping: false}
		if got[0].ev != want || got[0].via != "s1" || got[0].at.Sub(start) != TypingExpiry {
			t.Errorf("stop = %+v, want %+v via s1 after %v", got[0], want, TypingExpiry)
		}
		if tr.stop("s1", "r1") {
			t.Error("an expired indicator was still tracked")
		}
	})
}

func TestTypingRefreshResetsExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log typingLog
		tr := newTestTracker(TypingExpiry)
		start := time.Now()
		for range 3 {
			tr.start("s1", typing("r1"), log.emitter("s1"))
			time.Sleep(4 * time.Second)
		}
		synctest.Wait()
		if got := log.all(); len(got) != 0 {
			t.Fatalf("stopped although refreshed: %+v", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		got := log.all()
		if len(got) != 1 {
			t.Fatalf("stop events = %+v, want exactly one", got)
		}
		// The last refresh was at 8 s.
		if at := got[0].at.Sub(start); at != 8*time.Second+TypingExpiry {
			t.Errorf("stopped at %v, want %v", at, 8*time.Second+TypingExpiry)
		}
	})
}

func TestTypingStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log typingLog
		tr := newTestTracker(TypingExpiry)
		tr.start("s1", typing("r1"), log.emitter("s1"))
		tr.start("s1", typing("r2"), log.emitter("s1"))
		if !tr.stop("s1", "r1") {
			t.Error("stop of a typing socket reported false")
		}
		if tr.stop("s1", "r1") || tr.stop("s2", "r2") {
			t.Error("stop of a socket not typing there reported true")
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		got := log.all()
		if len(got) != 1 || got[0].ev.RoomID != "r2" {
			t.Errorf("stop events = %+v, want only r2's expiry", got)
		}
	})
}

func TestTypingStopSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log typingLog
		tr := newTestTracker(TypingExpiry)
		tr.start("s1", typing("r1"), log.emitter("s1"))
		tr.start("s1", typing("r2"), log.emitter("s1"))
		tr.start("s2", typing("r1"), log.emitter("s2"))

		tr.stopSocket("s1")
		got := log.all()
		if len(got) != 2 {
			t.Fatalf("stopSocket sent %+v, want the stops of r1 and r2", got)
		}
		rooms := map[string]bool{}
		for _, s := range got {
			if s.via != "s1" || s.ev.IsTyping {
				t.Errorf("stop = %+v", s)
			}
			rooms[s.ev.RoomID] = true
		}
		if !rooms["r1"] || !rooms["r2"] {
			t.Errorf("stopped rooms = %v", rooms)
		}

		time.Sleep(time.Minute)
		synctest.Wait()
		got = log.all()
		if len(got) != 3 || got[2].via != "s2" {
			t.Errorf("after the expiry: %+v, want only s2's stop added", got)
		}
		tr.stopSocket("s1")
		if n := len(log.all()); n != 3 {
			t.Errorf("a second stopSocket sent %d more", n-3)
		}
	})
}

func TestTypingClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log typingLog
		tr := newTestTracker(TypingExpiry)
		tr.start("s1", typing("r1"), log.emitter("s1"))
		tr.close()
		tr.start("s2", typing("r1"), log.emitter("s2"))
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := log.all(); len(got) != 0 {
			t.Errorf("events after close: %+v", got)
		}
		if tr.stop("s2", "r1") {
			t.Error("a socket was tracked after close")
		}
	})
}
