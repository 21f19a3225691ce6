package load

import (
	"strings"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	s := h.Summary()
	if s.Count != 1000 || s.Max != 1000 {
		t.Fatalf("count %d max %v, want 1000 and 1000 ms", s.Count, s.Max)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p50", s.P50, 500}, {"p90", s.P90, 900}, {"p99", s.P99, 990}} {
		if c.got < c.want*0.96 || c.got > c.want*1.04 {
			t.Errorf("%s = %.1f ms, want %.0f ms within the 4%% bucket width", c.name, c.got, c.want)
		}
	}
}

func TestHistogramEmptyAndTiny(t *testing.T) {
	var h Histogram
	if s := h.Summary(); s.Count != 0 || s.P99 != 0 {
		t.Fatalf("empty Histogram Summary %+v", s)
	}
	h.Record(-time.Second) // clock skew: counted as zero
	h.Record(3 * time.Microsecond)
	if s := h.Summary(); s.Count != 2 || s.P50 > 0.003 {
		t.Fatalf("Summary %+v, want 2 samples at most 3 µs", s)
	}
}

func TestBucketsAreMonotonic(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<30; us = us*9/8 + 1 {
		b := bucketOf(us)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d after %d", us, b, prev)
		}
		if v := bucketValue(b); us >= 64 && (float64(v) < float64(us)*0.96 || float64(v) > float64(us)*1.04) {
			t.Fatalf("bucket %d of %d µs stands for %d µs", b, us, v)
		}
		prev = b
	}
}

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and parentheses; utime 150, stime 50 ticks.
	stat := []byte("4242 (chat d (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 8 0 100 0 0")
	got, err := parseStatCPU(stat)
	if err != nil || got != 2*time.Second {
		t.Fatalf("parseStatCPU = %v, %v; want 2s", got, err)
	}
	if _, err := parseStatCPU([]byte("4242 (chatd) S 1")); err == nil {
		t.Fatal("a short stat line was accepted")
	}
}

func TestParseStatusRSS(t *testing.T) {
	got, err := parseStatusRSS([]byte("Name:\tchatd\nVmPeak:\t 900 kB\nVmRSS:\t  1536 kB\nThreads:\t8\n"))
	if err != nil || got != 1536*1024 {
		t.Fatalf("parseStatusRSS = %d, %v; want %d", got, err, 1536*1024)
	}
	if _, err := parseStatusRSS([]byte("Name:\tchatd\n")); err == nil {
		t.Fatal("a status without VmRSS was accepted")
	}
}

func TestParseGoroutineTotal(t *testing.T) {
	if n, err := parseGoroutineTotal("goroutine profile: total 42\n"); err != nil || n != 42 {
		t.Fatalf("parseGoroutineTotal = %d, %v", n, err)
	}
	if _, err := parseGoroutineTotal("goroutine 1 [running]:"); err == nil {
		t.Fatal("a line that is not the header was accepted")
	}
}

func TestParseHeapAlloc(t *testing.T) {
	profile := "heap profile: 1: 2 [3: 4] @ heap/1048576\n\n# runtime.MemStats\n# Alloc = 123\n# TotalAlloc = 999\n# HeapAlloc = 4567\n# Sys = 1\n"
	if n, err := parseHeapAlloc(strings.NewReader(profile)); err != nil || n != 4567 {
		t.Fatalf("parseHeapAlloc = %d, %v; want 4567", n, err)
	}
	if _, err := parseHeapAlloc(strings.NewReader("heap profile: nothing else\n")); err == nil {
		t.Fatal("parseHeapAlloc of a profile without MemStats: no error")
	}
}
