package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram counts durations in log-linear buckets of microseconds: exact
// below 64 µs, then 32 buckets per power of two (about 3% wide). Safe for
// concurrent use; recording is one atomic add.
type Histogram struct {
	counts [64 + 40*32]atomic.Uint64
	max    atomic.Int64
}

func bucketOf(us uint64) int {
	if us < 64 {
		return int(us)
	}
	e := bits.Len64(us) - 6 // us>>e is in [32, 64)
	i := 64 + (e-1)*32 + int(us>>e) - 32
	return min(i, 64+40*32-1)
}

// bucketValue is the middle of bucket i, in microseconds.
func bucketValue(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	e := (i-64)/32 + 1
	sub := uint64((i-64)%32 + 32)
	return sub<<e + (1<<e)/2
}

func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d/time.Microsecond))].Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Summary is a Histogram's count and percentiles, in milliseconds.
type Summary struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	P999  float64 `json:"p999Ms"`
	Max   float64 `json:"maxMs"`
}

func (h *Histogram) Summary() Summary {
	var counts [len(Histogram{}.counts)]uint64
	var total uint64
	for i := range h.counts {
		counts[i] = h.counts[i].Load()
		total += counts[i]
	}
	s := Summary{Count: int64(total), Max: ms(time.Duration(h.max.Load()))}
	if total == 0 {
		return s
	}
	q := func(p float64) float64 {
		rank := uint64(p*float64(total-1)) + 1
		var seen uint64
		for i, c := range counts {
			if seen += c; seen >= rank {
				return min(float64(bucketValue(i))/1000, s.Max)
			}
		}
		return s.Max
	}
	s.P50, s.P90, s.P99, s.P999 = q(0.50), q(0.90), q(0.99), q(0.999)
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
