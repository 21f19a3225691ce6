package load

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// bench is one fan-out run: its clients, rooms and counters. Counters
// are updated from every client's reading goroutine.
type bench struct {
	cfg  Config
	log  *slog.Logger
	rest REST
	pad  string

	ids     []Identity
	clients []*Client
	roomIDs []string
	joined  []atomic.Int64 // sockets joined, per room

	sent, acked, failed atomic.Int64
	expected, received  atomic.Int64
	gaps, disorder      atomic.Int64 // seqs skipped, seqs not above the last one
	firstErr            atomic.Value // string: the first failed ack

	// Latencies are recorded for messages sent between from and to (unix
	// nanoseconds), the measurement window.
	from, to atomic.Int64
	e2e, ack Histogram
}

func newBench(cfg Config, log *slog.Logger) *bench {
	b := &bench{cfg: cfg, log: log, rest: NewREST(cfg.Bases[0])}
	b.pad = strings.Repeat("x", max(0, cfg.Size-len("chatbench 1234567890123456789 ")))
	b.joined = make([]atomic.Int64, cfg.Rooms)
	b.to.Store(-1)
	return b
}

// identities signs or registers one user per client.
func (b *bench) identities(ctx context.Context) (err error) {
	if b.cfg.Register {
		b.ids, err = RegisterIdentities(ctx, b.rest, b.cfg.Prefix, b.cfg.Password, b.cfg.Clients, b.cfg.Dials)
	} else {
		b.ids, err = SignIdentities([]byte(b.cfg.JWTSecret), b.cfg.Prefix, b.cfg.Clients)
	}
	return err
}

// connect opens every client, Dials at a time.
func (b *bench) connect(ctx context.Context) error {
	b.clients = make([]*Client, len(b.ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.cfg.Dials)
	for i, id := range b.ids {
		g.Go(func() error {
			dctx, cancel := context.WithTimeout(gctx, 30*time.Second)
			defer cancel()
			var last int64 // the seq this client saw last; read only by its reading goroutine
			c, err := Dial(dctx, b.baseOf(i), id.Token, func(name string, arg json.RawMessage) { b.onEvent(&last, name, arg) })
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

// baseOf is the instance client i connects to: the clients of a room are
// dealt over the instances in turn (client i is the (i/Rooms)-th of its room).
func (b *bench) baseOf(i int) *url.URL { return b.cfg.Bases[(i/b.cfg.Rooms)%len(b.cfg.Bases)] }

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
			id, err := CreateRoom(gctx, b.rest, b.ids[r], fmt.Sprintf("bench %s %d", b.cfg.Prefix, r), members[1:])
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
		ack, err := b.clients[i].Call(jctx, "join_room", map[string]string{"roomId": b.roomIDs[r]})
		cancel()
		if err != nil {
			return fmt.Errorf("client %d: %w", i, err)
		}
		a := DecodeAck(ack)
		switch {
		case a.OK:
			b.joined[r].Add(1)
			return nil
		case attempt < 4 && a.Code() == "unavailable":
			b.log.Warn("join_room refused, retrying", slog.Int("client", i), slog.String("ack", truncate(ack)))
			sleep(ctx, time.Duration(attempt)*time.Second)
		default:
			return fmt.Errorf("client %d: join_room refused: %s", i, truncate(ack))
		}
	}
}

// stampPrefix starts the content of every bench message; the intended send
// time (unix nanoseconds) follows it.
const stampPrefix = "chatbench "

// deliveredMessage is the part of a message event the generator reads.
type deliveredMessage struct {
	Seq     int64  `json:"seq"`
	Content string `json:"content"`
}

// onEvent counts deliveries of bench messages, checks that the seq of the
// client's room only grows by one (last is the client's previous seq), and
// records their latency from the intended send time.
func (b *bench) onEvent(last *int64, name string, arg json.RawMessage) {
	if name != "message" {
		return
	}
	now := time.Now().UnixNano()
	var m deliveredMessage
	if err := json.Unmarshal(arg, &m); err != nil {
		return
	}
	at, ok := stampOf(m.Content)
	if !ok {
		return
	}
	b.received.Add(1)
	switch {
	case *last > 0 && m.Seq > *last+1:
		b.gaps.Add(m.Seq - *last - 1)
	case m.Seq <= *last:
		b.disorder.Add(1)
	}
	*last = max(*last, m.Seq)
	if b.inWindow(at) {
		b.e2e.Record(time.Duration(now - at))
	}
}

// stampOf returns the intended send time written in a bench message's
// content.
func stampOf(content string) (int64, bool) {
	rest, ok := strings.CutPrefix(content, stampPrefix)
	if !ok {
		return 0, false
	}
	stamp, _, _ := strings.Cut(rest, " ")
	at, err := strconv.ParseInt(stamp, 10, 64)
	return at, err == nil
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

// send emits one send_message from client i, intended at at (unix
// nanoseconds); slots is released by its ack. Latencies are counted from at,
// so a send that had to wait (for the window, or for a stalled sender) is
// counted with its wait.
func (b *bench) send(i int, seq, at int64, slots chan struct{}) error {
	r := b.roomOf(i)
	p := sendPayload{RoomID: b.roomIDs[r], Content: stampPrefix + strconv.FormatInt(at, 10) + " " + b.pad}
	if b.cfg.TempIDs {
		p.TempID = b.cfg.Prefix + "-" + strconv.Itoa(i) + "-" + strconv.FormatInt(seq, 10)
	}
	b.sent.Add(1)
	return b.clients[i].Emit("send_message", p, func(ack json.RawMessage) {
		now := time.Now().UnixNano()
		<-slots
		if !DecodeAck(ack).OK {
			b.failed.Add(1)
			b.firstErr.CompareAndSwap(nil, truncate(ack))
			return
		}
		b.acked.Add(1)
		b.expected.Add(b.joined[r].Load())
		if b.inWindow(at) {
			b.ack.Record(time.Duration(now - at))
		}
	})
}

// sendLoop sends from client i until ctx ends: message seq is intended at
// start + seq×interval, or, when interval is 0 (flat out), as soon as the
// window has room; never more than Window unacked. A message that leaves
// after its intended time (the window was full, the goroutine was not
// scheduled) keeps its intended time, and the next ones follow the schedule,
// not the late send.
func (b *bench) sendLoop(ctx context.Context, i int, interval time.Duration) {
	slots := make(chan struct{}, b.cfg.Window)
	start := time.Now()
	for seq := int64(0); ; seq++ {
		intended := start.Add(time.Duration(seq) * interval)
		if interval > 0 {
			if wait := time.Until(intended); wait > 0 {
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
		at := intended.UnixNano()
		if interval == 0 {
			at = time.Now().UnixNano()
		}
		if err := b.send(i, seq, at, slots); err != nil {
			b.log.Warn("send failed", slog.Int("client", i), slog.Any("err", err))
			return
		}
	}
}

// load runs the senders for warm-up plus the measured window, then waits
// for the outstanding acks and deliveries.
func (b *bench) load(ctx context.Context, res *Result) {
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
func (b *bench) drain(res *Result) {
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
		case <-c.Done():
			res.Closed++
			if res.Closed == 1 {
				b.log.Warn("connection closed by the server", slog.Any("err", c.Err()))
			}
		default:
		}
	}
	res.Unacked = res.Sent - res.Acked - res.Failed
	if e, ok := b.firstErr.Load().(string); ok {
		res.FirstError = e
	}
	res.E2E, res.Ack = b.e2e.Summary(), b.ack.Summary()
}

// point is the state of the run at one instant.
type point struct {
	at       time.Time
	received int64
	acked    int64
	proc     ProcSample
	hasProc  bool
}

func (b *bench) snapshot() point {
	p := point{at: time.Now(), received: b.received.Load(), acked: b.acked.Load()}
	if len(b.cfg.PIDs) > 0 {
		s, err := SampleProcs(b.cfg.PIDs)
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
			wg.Go(c.Close)
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

// Run performs one fan-out run: identities, connections, rooms (client i
// in room i mod Rooms), joins, the memory sample, then the load. cfg must
// have passed Validate.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (*Result, error) {
	b := newBench(cfg, log)
	defer b.close()
	res := &Result{Label: cfg.Label, Clients: cfg.Clients, Rooms: cfg.Rooms, Senders: cfg.Senders, Rate: cfg.Rate, Window: cfg.Window, Size: cfg.Size, Instances: len(cfg.Bases)}
	if err := b.identities(ctx); err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	idle := b.snapshot()
	start := time.Now()
	if err := b.connect(ctx); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	res.ConnectSeconds = time.Since(start).Seconds()
	log.Info("connected", slog.Int("clients", len(b.clients)), slog.Float64("seconds", res.ConnectSeconds))
	if err := b.makeRooms(ctx); err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	if err := b.join(ctx); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	sleep(ctx, cfg.Settle)
	res.memory(idle, b.snapshot(), cfg.Clients)
	if cfg.Senders > 0 {
		log.Info("sending", slog.Int("senders", cfg.Senders), slog.Float64("rate", cfg.Rate))
		b.load(ctx, res)
	}
	return res, ctx.Err()
}
