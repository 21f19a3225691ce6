package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// ChurnConfig is a run of connect/disconnect cycles.
type ChurnConfig struct {
	Base      *url.URL
	JWTSecret string
	Prefix    string
	Cycles    int
	Dials     int           // cycles in parallel
	Settle    time.Duration // pause before each sample
	PIDs      []int         // for RSS
	Pprof     string        // host:port of the server's pprof listener, for goroutines
}

// ChurnResult compares the server after the cycles with its baseline.
type ChurnResult struct {
	Label            string  `json:"label,omitempty"`
	Cycles           int64   `json:"cycles"`
	Failed           int64   `json:"failed"`
	FirstError       string  `json:"firstError,omitempty"`
	Seconds          float64 `json:"seconds"`
	GoroutinesBefore int     `json:"goroutinesBefore,omitempty"`
	GoroutinesAfter  int     `json:"goroutinesAfter,omitempty"`
	RSSBefore        int64   `json:"rssBeforeBytes,omitempty"`
	RSSAfter         int64   `json:"rssAfterBytes,omitempty"`
	// HeapBefore and HeapAfter are the live heap right after a collection
	// (a Go server's HeapAlloc, read through its pprof listener).
	HeapBefore int64 `json:"heapBeforeBytes,omitempty"`
	HeapAfter  int64 `json:"heapAfterBytes,omitempty"`
	// Within10 reports whether every figure measured is back within 10% of
	// its baseline.
	Within10 bool `json:"within10"`
}

// churnUsers is how many users the cycles take turns with: each cycle is a
// user's first socket connecting and its last one leaving (presence both
// ways).
const churnUsers = 100

// RunChurn connects and disconnects cfg.Cycles sockets, cfg.Dials at a time
// (bounded by 10 minutes), after a warm-up of a tenth as many cycles (at
// least 100) that the baseline is taken after, so that the pools and the
// heap the cycles settle into are counted in the baseline, and what stays
// after the run is what it left behind.
func RunChurn(ctx context.Context, cfg ChurnConfig, log *slog.Logger) (*ChurnResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	ids, err := SignIdentities([]byte(cfg.JWTSecret), cfg.Prefix, churnUsers)
	if err != nil {
		return nil, err
	}
	res := &ChurnResult{}
	var firstErr atomic.Value
	cycles := func(n int) error {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(cfg.Dials)
		for i := range n {
			g.Go(func() error {
				dctx, cancel := context.WithTimeout(gctx, 30*time.Second)
				defer cancel()
				c, err := Dial(dctx, cfg.Base, ids[i%churnUsers].Token, nil)
				if err != nil {
					atomic.AddInt64(&res.Failed, 1)
					firstErr.CompareAndSwap(nil, err.Error())
					return gctx.Err()
				}
				c.Close()
				return nil
			})
		}
		return g.Wait()
	}
	if err := cycles(max(churnUsers, cfg.Cycles/10)); err != nil {
		return nil, err
	}
	sleep(ctx, cfg.Settle)
	before, err := churnSample(ctx, cfg)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cycles(cfg.Cycles); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.Cycles = int64(cfg.Cycles) - res.Failed
	log.Info("cycles done", slog.Int64("cycles", res.Cycles), slog.Float64("seconds", res.Seconds))
	sleep(ctx, cfg.Settle)
	after, err := churnSample(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res.GoroutinesBefore, res.GoroutinesAfter = before.goroutines, after.goroutines
	res.RSSBefore, res.RSSAfter = before.rss, after.rss
	res.HeapBefore, res.HeapAfter = before.heap, after.heap
	within := func(b, a int64) bool { return float64(a) <= 1.1*float64(b) }
	res.Within10 = within(int64(before.goroutines), int64(after.goroutines)) && within(before.rss, after.rss) &&
		within(before.heap, after.heap)
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	return res, ctx.Err()
}

type churnPoint struct {
	goroutines int
	rss, heap  int64
}

func churnSample(ctx context.Context, cfg ChurnConfig) (churnPoint, error) {
	var p churnPoint
	if len(cfg.PIDs) > 0 {
		s, err := SampleProcs(cfg.PIDs)
		if err != nil {
			return p, err
		}
		p.rss = s.RSS
	}
	if cfg.Pprof != "" {
		n, err := Goroutines(ctx, cfg.Pprof)
		if err != nil {
			return p, err
		}
		p.goroutines = n
		if p.heap, err = LiveHeap(ctx, cfg.Pprof); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Goroutines reads the goroutine count of a Go server from its pprof
// listener at addr (host:port): the first line of
// /debug/pprof/goroutine?debug=1 is "goroutine profile: total N".
func Goroutines(ctx context.Context, addr string) (int, error) {
	return readPprof(ctx, addr, "/debug/pprof/goroutine?debug=1", "goroutines", func(r io.Reader) (int, error) {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil && line == "" {
			return 0, fmt.Errorf("goroutines: %w", err)
		}
		return parseGoroutineTotal(line)
	})
}

// LiveHeap reads the live heap of a Go server from its pprof listener at
// addr: the heap profile with gc=1 collects first, and its text form ends
// with the runtime's MemStats, among them "# HeapAlloc = N".
func LiveHeap(ctx context.Context, addr string) (int64, error) {
	return readPprof(ctx, addr, "/debug/pprof/heap?gc=1&debug=1", "live heap", parseHeapAlloc)
}

// readPprof gets path from the pprof listener at addr and parses the body;
// what names the figure in errors.
func readPprof[T any](ctx context.Context, addr, path, what string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	defer func() { _ = resp.Body.Close() }()
	return parse(resp.Body)
}

func parseHeapAlloc(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "# HeapAlloc = "); ok {
			return strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("live heap: %w", err)
	}
	return 0, fmt.Errorf("live heap: the heap profile has no HeapAlloc line")
}

func parseGoroutineTotal(line string) (int, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("goroutines: unexpected profile header %q", truncate([]byte(line)))
	}
	return strconv.Atoi(rest)
}

// Print writes the report as text.
func (r *ChurnResult) Print(w io.Writer) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format+"\n", args...) }
	p("%d connect/disconnect cycles in %.1f s, %d failed", r.Cycles, r.Seconds, r.Failed)
	if r.FirstError != "" {
		p("first failure: %s", r.FirstError)
	}
	if r.GoroutinesBefore > 0 {
		p("goroutines: %d before, %d after", r.GoroutinesBefore, r.GoroutinesAfter)
	}
	if r.RSSBefore > 0 {
		p("RSS: %.1f MB before, %.1f MB after", mb(r.RSSBefore), mb(r.RSSAfter))
	}
	if r.HeapBefore > 0 {
		p("live heap after a collection: %.1f MB before, %.1f MB after", mb(r.HeapBefore), mb(r.HeapAfter))
	}
	p("back within 10%%: %v", r.Within10)
}
