package adapter

import (
	"testing"
	"time"
)

// windowFactory returns n windows of limit per window that share their
// counts, as the instances of one cluster do.
type windowFactory func(t *testing.T, n, limit int, window time.Duration) []Window

func memoryWindows(_ *testing.T, n, limit int, window time.Duration) []Window {
	w := NewMemoryWindow(limit, window)
	out := make([]Window, n)
	for i := range out {
		out[i] = w
	}
	return out
}

func redisWindows(t *testing.T, n, limit int, window time.Duration) []Window {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	out := make([]Window, n)
	for i := range out {
		out[i] = NewRedisWindow(c, prefix, limit, window, testLogger(t))
	}
	return out
}

func TestWindowContract(t *testing.T) {
	for name, factory := range map[string]windowFactory{"memory": memoryWindows, "redis": redisWindows} {
		t.Run(name, func(t *testing.T) {
			t.Run("FullAtTheLimit", func(t *testing.T) { testWindowFull(t, factory(t, 1, 3, time.Minute)[0]) })
			t.Run("Slides", func(t *testing.T) { testWindowSlides(t, factory(t, 1, 2, 400*time.Millisecond)[0]) })
			t.Run("SharedByInstances", func(t *testing.T) { testWindowShared(t, factory(t, 3, 3, time.Minute)) })
		})
	}
}

func record(t *testing.T, w Window, key string) {
	t.Helper()
	if err := w.Record(testContext(t), key); err != nil {
		t.Fatalf("Record(%s): %v", key, err)
	}
}

func full(t *testing.T, w Window, key string) (bool, time.Duration) {
	t.Helper()
	ok, retry, err := w.Full(testContext(t), key)
	if err != nil {
		t.Fatalf("Full(%s): %v", key, err)
	}
	return ok, retry
}

// testWindowFull: full after limit events, with the wait until the oldest
// leaves the window; other keys untouched; Reset empties it.
func testWindowFull(t *testing.T, w Window) {
	for i := range 3 {
		if f, _ := full(t, w, "alice"); f {
			t.Fatalf("full after %d of 3 events", i)
		}
		record(t, w, "alice")
	}
	f, retry := full(t, w, "alice")
	if !f || retry <= 0 || retry > time.Minute {
		t.Fatalf("after 3 events: full %v, retry %v; want full, retry within a minute", f, retry)
	}
	if f, _ := full(t, w, "bob"); f {
		t.Error("another key is full")
	}
	record(t, w, "alice") // more events while full keep it full, and stored no more than the limit
	if f, _ := full(t, w, "alice"); !f {
		t.Error("not full after a fourth event")
	}
	if err := w.Reset(testContext(t), "alice"); err != nil {
		t.Fatal(err)
	}
	if f, _ := full(t, w, "alice"); f {
		t.Error("full after Reset")
	}
}

// testWindowSlides: events older than the window stop counting, one by one.
func testWindowSlides(t *testing.T, w Window) {
	record(t, w, "k")
	time.Sleep(200 * time.Millisecond)
	record(t, w, "k")
	f, retry := full(t, w, "k")
	if !f || retry > 250*time.Millisecond {
		t.Fatalf("full %v, retry %v; want full until the first event is 400ms old", f, retry)
	}
	time.Sleep(retry + 50*time.Millisecond)
	if f, _ := full(t, w, "k"); f {
		t.Error("still full once the first event left the window")
	}
	record(t, w, "k")
	if f, _ := full(t, w, "k"); !f {
		t.Error("the second event no longer counts, but it is within the window")
	}
}

// testWindowShared: events recorded by different instances add up.
func testWindowShared(t *testing.T, ws []Window) {
	for _, w := range ws {
		record(t, w, "carol")
	}
	for i, w := range ws {
		if f, _ := full(t, w, "carol"); !f {
			t.Errorf("instance %d does not see the others' events", i)
		}
	}
}
