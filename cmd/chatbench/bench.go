package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// bench is one run of the load: its clients, rooms and counters. Counters
// are updated from every client's reading goroutine.
type bench struct {
	cfg  config
	log  *slog.Logger
	rest rest
	pad  string

	ids     []identity
	clients []*client
	roomIDs []string
	joined  []atomic.Int64 // sockets joined, per room

	sent, acked, failed atomic.Int64
	expected, received  atomic.Int64
	gaps, disorder      atomic.Int64 // seqs skipped, seqs not above the last one
	firstErr            atomic.Value // string: the first failed ack

	// Latencies are recorded for messages sent between from and to (unix
	// nanoseconds), the measurement window.
	from, to atomic.Int64
	e2e, ack histogram
}

func newBench(cfg config, log *slog.Logger) *bench {
	b := &bench{cfg: cfg, log: log, rest: rest{base: cfg.base, http: &http.Client{Timeout: time.Minute}}}
	b.pad = strings.Repeat("x", max(0, cfg.Size-len("chatbench 1234567890123456789 ")))
	b.joined = make([]atomic.Int64, cfg.Rooms)
	b.to.Store(-1)
	return b
}

// identities signs or registers one user per client.
func (b *bench) identities(ctx context.Context) (err error) {
	if b.cfg.Register {
		b.ids, err = registerIdentities(ctx, b.rest, b.cfg.Prefix, b.cfg.Password, b.cfg.Clients, b.cfg.Dials)
	} else {
		b.ids, err = signIdentities([]byte(b.cfg.JWTSecret), b.cfg.Prefix, b.cfg.Clients)
	}
	return err
}

// connect opens every client, Dials at a time.
func (b *bench) connect(ctx context.Context) error {
	b.clients = make([]*client, len(b.ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.cfg.Dials)
	for i, id := range b.ids {
		g.Go(func() error {
			dctx, cancel := context.WithTimeout(gctx, 30*time.Second)
			defer cancel()
			var last int64 // the seq this client saw last; read only by its reading goroutine
			c, err := dial(dctx, b.cfg.base, id.Token, func(name string, frame []byte) { b.onEvent(&last, name, frame) })
			if err != nil {
				return fmt.Errorf("client %d: %w", i, err)
			}
			b.clients[i] = c
			return nil
		})
	}
	return g.Wait()
}

// roomOf is the room client i belongs to: clients are dealt round-robin.
func (b *bench) roomOf(i int) int { return i % b.cfg.Rooms }

// makeRooms creates the rooms, each owned by its first client.
func (b *bench) makeRooms(ctx context.Context) error {
	b.roomIDs = make([]string, b.cfg.Rooms)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for r := range b.roomIDs {
		g.Go(func() error {
			var members []string
			for i := r; i < len(b.ids); i += b.cfg.Rooms {
				members = append(members, b.ids[i].ID)
			}
			id, err := createRoom(gctx, b.rest, b.ids[r], fmt.Sprintf("bench %s %d", b.cfg.Prefix, r), members[1:])
			b.roomIDs[r] = id
			return err
		})
	}
	return g.Wait()
}

// join makes every client join its room, a few at a time: a join reads the
// room from storage, and a queue of them would run into the server's event
// timeout.
func (b *bench) join(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(min(b.cfg.Dials, 8))
	for i := range b.clients {
		g.Go(func() error { return b.joinOne(gctx, i) })
	}
	return g.Wait()
}

// joinOne joins client i to its room, retrying a join refused as
// unavailable (a busy server) a few times.
func (b *bench) joinOne(ctx context.Context, i int) error {
	r := b.roomOf(i)
	for attempt := 1; ; attempt++ {
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ack, err := b.clients[i].call(jctx, "join_room", map[string]string{"roomId": b.roomIDs[r]})
		cancel()
		switch {
		case err != nil:
			return fmt.Errorf("client %d: %w", i, err)
		case ackOK(ack):
			b.joined[r].Add(1)
			return nil
		case attempt < 4 && bytes.Contains(ack, []byte(`"unavailable"`)):
			b.log.Warn("join_room refused, retrying", slog.Int("client", i), slog.String("ack", truncate(ack)))
			sleep(ctx, time.Duration(attempt)*time.Second)
		default:
			return fmt.Errorf("client %d: join_room refused: %s", i, truncate(ack))
		}
	}
}

func ackOK(ack []byte) bool { return bytes.Contains(ack, []byte(`"ok":true`)) }

var (
	stampMark = []byte(`"content":"chatbench `)
	seqMark   = []byte(`"seq":`)
)

// onEvent counts deliveries of bench messages, checks that the seq of the
// client's room only grows by one (last is the client's previous seq), and
// records their latency.
func (b *bench) onEvent(last *int64, name string, frame []byte) {
	if name != "message" {
		return
	}
	i := bytes.Index(frame, stampMark)
	if i < 0 {
		return
	}
	b.received.Add(1)
	if seq, ok := intAfter(frame, seqMark); ok {
		switch {
		case *last > 0 && seq > *last+1:
			b.gaps.Add(seq - *last - 1)
		case seq <= *last:
			b.disorder.Add(1)
		}
		*last = max(*last, seq)
	}
	rest := frame[i+len(stampMark):]
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		return
	}
	sent, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil {
		return
	}
	if b.inWindow(sent) {
		b.e2e.record(time.Duration(time.Now().UnixNano() - sent))
	}
}

func (b *bench) inWindow(at int64) bool {
	to := b.to.Load()
	return at >= b.from.Load() && (to < 0 || at <= to) && b.from.Load() > 0
}

type sendPayload struct {
	RoomID  string `json:"roomId"`
	Content string `json:"content"`
	TempID  string `json:"tempId,omitempty"`
}

// send emits one send_message from client i; slots is released by its ack.
func (b *bench) send(i int, seq int64, slots chan struct{}) error {
	r := b.roomOf(i)
	now := time.Now().UnixNano()
	p := sendPayload{RoomID: b.roomIDs[r], Content: "chatbench " + strconv.FormatInt(now, 10) + " " + b.pad}
	if b.cfg.TempIDs {
		p.TempID = b.cfg.Prefix + "-" + strconv.Itoa(i) + "-" + strconv.FormatInt(seq, 10)
	}
	b.sent.Add(1)
	return b.clients[i].emit("send_message", p, func(ack json.RawMessage) {
		<-slots
		if !ackOK(ack) {
			b.failed.Add(1)
			b.firstErr.CompareAndSwap(nil, truncate(ack))
			return
		}
		b.acked.Add(1)
		b.expected.Add(b.joined[r].Load())
		if b.inWindow(now) {
			b.ack.record(time.Duration(time.Now().UnixNano() - now))
		}
	})
}

// sendLoop sends from client i until ctx ends: at interval, or back to back
// when interval is 0, never more than Window unacked.
func (b *bench) sendLoop(ctx context.Context, i int, interval time.Duration) {
	slots := make(chan struct{}, b.cfg.Window)
	start := time.Now()
	for seq := int64(0); ; seq++ {
		if interval > 0 {
			if wait := time.Until(start.Add(time.Duration(seq) * interval)); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return
				}
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		if err := b.send(i, seq, slots); err != nil {
			b.log.Warn("send failed", slog.Int("client", i), slog.Any("err", err))
			return
		}
	}
}

// load runs the senders for warm-up plus the measured window, then waits
// for the outstanding acks and deliveries.
func (b *bench) load(ctx context.Context, res *result) {
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var interval time.Duration
	if b.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(b.cfg.Senders) / b.cfg.Rate)
	}
	for s := range b.cfg.Senders {
		wg.Go(func() { b.sendLoop(ctx, s, interval) })
	}
	sleep(ctx, b.cfg.Warmup)
	before := b.snapshot()
	b.from.Store(before.at.UnixNano())
	sleep(ctx, b.cfg.Duration)
	after := b.snapshot()
	b.to.Store(after.at.UnixNano())
	stop()
	wg.Wait()
	res.window(before, after)
	b.drain(res)
}

// drain waits for every sent message to be acked and every expected
// delivery to arrive, as long as acks or deliveries keep coming: it gives up
// once none has come for Drain.
func (b *bench) drain(res *result) {
	last, progress := int64(-1), time.Now()
	for time.Since(progress) < b.cfg.Drain {
		done := b.acked.Load() + b.failed.Load() + b.received.Load()
		if b.acked.Load()+b.failed.Load() == b.sent.Load() && b.received.Load() >= b.expected.Load() {
			break
		}
		if done != last {
			last, progress = done, time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.Sent, res.Acked, res.Failed = b.sent.Load(), b.acked.Load(), b.failed.Load()
	res.Expected, res.Received = b.expected.Load(), b.received.Load()
	res.Lost = max(0, res.Expected-res.Received)
	res.Gaps, res.Disorder = b.gaps.Load(), b.disorder.Load()
	for _, c := range b.clients {
		select {
		case <-c.done:
			res.Closed++
			if res.Closed == 1 {
				b.log.Warn("connection closed by the server", slog.Any("err", c.err))
			}
		default:
		}
	}
	res.Unacked = res.Sent - res.Acked - res.Failed
	if e, ok := b.firstErr.Load().(string); ok {
		res.FirstError = e
	}
	res.E2E, res.Ack = b.e2e.summary(), b.ack.summary()
}

// point is the state of the run at one instant.
type point struct {
	at       time.Time
	received int64
	acked    int64
	proc     procSample
	hasProc  bool
}

func (b *bench) snapshot() point {
	p := point{at: time.Now(), received: b.received.Load(), acked: b.acked.Load()}
	if b.cfg.PID > 0 {
		s, err := sampleProc(b.cfg.PID)
		if err != nil {
			b.log.Warn("cannot read server process", slog.Any("err", err))
		} else {
			p.proc, p.hasProc = s, true
		}
	}
	return p
}

func (b *bench) close() {
	var wg sync.WaitGroup
	for _, c := range b.clients {
		if c != nil {
			wg.Go(c.close)
		}
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// intAfter parses the decimal number that follows mark in frame.
func intAfter(frame, mark []byte) (int64, bool) {
	i := bytes.Index(frame, mark)
	if i < 0 {
		return 0, false
	}
	rest := frame[i+len(mark):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	v, err := strconv.ParseInt(string(rest[:n]), 10, 64)
	return v, err == nil
}
