package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// BigRoomConfig is a comparison of the same operations in a room of
// Members members and in a room of 10.
type BigRoomConfig struct {
	Base      *url.URL
	JWTSecret string
	Prefix    string
	Members   int
	Samples   int // of each operation in each room, one at a time
	Dials     int
	PIDs      []int
}

// OpPair is one operation's latency in the small and in the big room.
type OpPair struct {
	Op    string  `json:"op"`
	Small Summary `json:"small"`
	Big   Summary `json:"big"`
	// Ratio is the big room's p50 over the small room's.
	Ratio float64 `json:"ratio"`
	// Bytes is the size of the answer (REST reads only).
	SmallBytes int `json:"smallBytes,omitempty"`
	BigBytes   int `json:"bigBytes,omitempty"`
}

// BigRoomResult is the report of a big-room run.
type BigRoomResult struct {
	Label          string   `json:"label,omitempty"`
	Members        int      `json:"members"`
	SetupSeconds   float64  `json:"setupSeconds"`
	Ops            []OpPair `json:"ops"`
	Failed         int      `json:"failed"`
	FirstError     string   `json:"firstError,omitempty"`
	ServerRSSBytes int64    `json:"serverRssBytes,omitempty"`
}

// bigRoomSide is one of the two rooms with the sockets used in it.
type bigRoomSide struct {
	ids      []Identity
	roomID   string
	sender   *Client // ids[0], the owner, joined
	observer *Client // ids[3], joined: receives presence
	presence chan bool
	subject  Identity // ids[4]: connects and disconnects
}

// RunBigRoom measures, one at a time, the ack of a send_message with two
// @mentions, of typing, join_room and mark_read, the time from a member's
// connect (and disconnect) until another member's socket receives the
// presence event, and GET /rooms and GET /rooms/{id} for a member, in a room
// of 10 and in a room of cfg.Members. Members other than the few used are
// never connected. The server must not limit sends or events (send and
// event rates 0), or the samples measure the limits.
func RunBigRoom(ctx context.Context, cfg BigRoomConfig, log *slog.Logger) (*BigRoomResult, error) {
	res := &BigRoomResult{Members: cfg.Members}
	start := time.Now()
	rest := NewREST(cfg.Base)
	sides := make([]*bigRoomSide, 2)
	for k, n := range []int{10, cfg.Members} {
		ids, err := SignIdentities([]byte(cfg.JWTSecret), cfg.Prefix+"-"+strconv.Itoa(n), n)
		if err != nil {
			return nil, err
		}
		if err := Touch(ctx, rest, ids, cfg.Dials); err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		members := make([]string, 0, n-1)
		for _, id := range ids[1:] {
			members = append(members, id.ID)
		}
		roomID, err := CreateRoom(ctx, rest, ids[0], fmt.Sprintf("bench %s %d", cfg.Prefix, n), members)
		if err != nil {
			return nil, fmt.Errorf("room of %d: %w", n, err)
		}
		s := &bigRoomSide{ids: ids, roomID: roomID, presence: make(chan bool, 16), subject: ids[4]}
		if s.sender, err = dialJoined(ctx, cfg.Base, ids[0], roomID, nil); err != nil {
			return nil, err
		}
		defer s.sender.Close()
		subject := ids[4].ID
		s.observer, err = dialJoined(ctx, cfg.Base, ids[3], roomID, func(name string, arg json.RawMessage) {
			if name != "presence" {
				return
			}
			var p struct {
				UserID string `json:"userId"`
				Online bool   `json:"online"`
			}
			if json.Unmarshal(arg, &p) == nil && p.UserID == subject {
				select {
				case s.presence <- p.Online:
				default:
				}
			}
		})
		if err != nil {
			return nil, err
		}
		defer s.observer.Close()
		sides[k] = s
	}
	res.SetupSeconds = time.Since(start).Seconds()
	log.Info("rooms ready", slog.Int("members", cfg.Members), slog.Float64("seconds", res.SetupSeconds))

	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Failed++
		if res.FirstError == "" {
			res.FirstError = err.Error()
		}
	}
	// call times one event's ack; a refused ack counts as a failure.
	call := func(c *Client, event string, arg any) (time.Duration, Ack, bool) {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		t0 := time.Now()
		raw, err := c.Call(cctx, event, arg)
		took := time.Since(t0)
		if err != nil {
			fail(err)
			return 0, Ack{}, false
		}
		a := DecodeAck(raw)
		if !a.OK {
			fail(fmt.Errorf("%s: %s", event, truncate(raw)))
			return 0, a, false
		}
		return took, a, true
	}
	msgIDs := make([][]string, 2)
	ops := []struct {
		name string
		run  func(k int, s *bigRoomSide, h *Histogram, i int)
	}{
		{"send_message with 2 @mentions", func(k int, s *bigRoomSide, h *Histogram, i int) {
			content := "@" + s.ids[1].Name + " @" + s.ids[2].Name + " big room bench " + strconv.Itoa(i)
			took, a, ok := call(s.sender, "send_message", map[string]any{"roomId": s.roomID, "content": content, "tempId": cfg.Prefix + "-" + strconv.Itoa(k) + "-" + strconv.Itoa(i)})
			if ok {
				h.Record(took)
				if a.Message != nil {
					msgIDs[k] = append(msgIDs[k], a.Message.ID)
				}
			}
		}},
		{"typing", func(_ int, s *bigRoomSide, h *Histogram, i int) {
			if took, _, ok := call(s.sender, "typing", map[string]any{"roomId": s.roomID, "isTyping": i%2 == 0}); ok {
				h.Record(took)
			}
		}},
		{"join_room", func(_ int, s *bigRoomSide, h *Histogram, _ int) {
			if took, _, ok := call(s.sender, "join_room", map[string]string{"roomId": s.roomID}); ok {
				h.Record(took)
			}
		}},
		{"mark_read", func(k int, s *bigRoomSide, h *Histogram, i int) {
			if len(msgIDs[k]) == 0 {
				return
			}
			id := msgIDs[k][i%len(msgIDs[k])]
			if took, _, ok := call(s.observer, "mark_read", map[string]string{"roomId": s.roomID, "messageId": id}); ok {
				h.Record(took)
			}
		}},
	}
	for _, op := range ops {
		pair := OpPair{Op: op.name}
		for k, s := range sides {
			var h Histogram
			for i := range cfg.Samples {
				op.run(k, s, &h, i)
			}
			if k == 0 {
				pair.Small = h.Summary()
			} else {
				pair.Big = h.Summary()
			}
		}
		res.Ops = append(res.Ops, pair.withRatio())
	}
	res.Ops = append(res.Ops, presencePairs(ctx, cfg, sides, fail)...)
	res.Ops = append(res.Ops, restPairs(ctx, rest, cfg, sides, fail)...)
	if len(cfg.PIDs) > 0 {
		if s, err := SampleProcs(cfg.PIDs); err == nil {
			res.ServerRSSBytes = s.RSS
		}
	}
	return res, ctx.Err()
}

func (p OpPair) withRatio() OpPair {
	if p.Small.P50 > 0 {
		p.Ratio = p.Big.P50 / p.Small.P50
	}
	return p
}

// dialJoined connects id and joins roomID.
func dialJoined(ctx context.Context, base *url.URL, id Identity, roomID string, on EventHandler) (*Client, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := Dial(dctx, base, id.Token, on)
	if err != nil {
		return nil, err
	}
	raw, err := c.Call(dctx, "join_room", map[string]string{"roomId": roomID})
	if err == nil && !DecodeAck(raw).OK {
		err = fmt.Errorf("join_room refused: %s", truncate(raw))
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// presencePairs times a member's connect until the observer hears it online,
// and its disconnect until the observer hears it offline.
func presencePairs(ctx context.Context, cfg BigRoomConfig, sides []*bigRoomSide, fail func(error)) []OpPair {
	on, off := OpPair{Op: "presence: connect → online event"}, OpPair{Op: "presence: disconnect → offline event"}
	wait := func(s *bigRoomSide, want bool) bool {
		timer := time.NewTimer(10 * time.Second)
		defer timer.Stop()
		for {
			select {
			case got := <-s.presence:
				if got == want {
					return true
				}
			case <-timer.C:
				fail(fmt.Errorf("no presence online=%v within 10 s", want))
				return false
			case <-ctx.Done():
				return false
			}
		}
	}
	for k, s := range sides {
		var hOn, hOff Histogram
		for range min(cfg.Samples, 100) {
			t0 := time.Now()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			c, err := Dial(dctx, cfg.Base, s.subject.Token, nil)
			cancel()
			if err != nil {
				fail(err)
				continue
			}
			if wait(s, true) {
				hOn.Record(time.Since(t0))
			}
			t1 := time.Now()
			c.Close()
			if wait(s, false) {
				hOff.Record(time.Since(t1))
			}
		}
		if k == 0 {
			on.Small, off.Small = hOn.Summary(), hOff.Summary()
		} else {
			on.Big, off.Big = hOn.Summary(), hOff.Summary()
		}
	}
	return []OpPair{on.withRatio(), off.withRatio()}
}

// restPairs times GET /rooms and GET /rooms/{id} for a member (not the
// owner) and records the size of the answers.
func restPairs(ctx context.Context, rest REST, cfg BigRoomConfig, sides []*bigRoomSide, fail func(error)) []OpPair {
	list, one := OpPair{Op: "GET /rooms (a member)"}, OpPair{Op: "GET /rooms/{id}"}
	for k, s := range sides {
		var hList, hOne Histogram
		var nList, nOne int
		for range max(1, min(cfg.Samples, 50)) {
			if raw, took, err := rest.Raw(ctx, http.MethodGet, "/rooms", s.ids[1].Token); err != nil {
				fail(err)
			} else {
				hList.Record(took)
				nList = len(raw)
			}
			if raw, took, err := rest.Raw(ctx, http.MethodGet, "/rooms/"+s.roomID, s.ids[1].Token); err != nil {
				fail(err)
			} else {
				hOne.Record(took)
				nOne = len(raw)
			}
		}
		if k == 0 {
			list.Small, one.Small, list.SmallBytes, one.SmallBytes = hList.Summary(), hOne.Summary(), nList, nOne
		} else {
			list.Big, one.Big, list.BigBytes, one.BigBytes = hList.Summary(), hOne.Summary(), nList, nOne
		}
	}
	return []OpPair{list.withRatio(), one.withRatio()}
}

// Print writes the report as text.
func (r *BigRoomResult) Print(w io.Writer) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format+"\n", args...) }
	p("room of 10 against a room of %d members (set up in %.1f s); p50 / p99 ms", r.Members, r.SetupSeconds)
	for _, op := range r.Ops {
		line := fmt.Sprintf("%-40s 10: %7.2f / %7.2f   %d: %7.2f / %7.2f   ratio %.2f×",
			op.Op, op.Small.P50, op.Small.P99, r.Members, op.Big.P50, op.Big.P99, op.Ratio)
		if op.BigBytes > 0 {
			line += fmt.Sprintf("   size %d B / %d B", op.SmallBytes, op.BigBytes)
		}
		p("%s", line)
	}
	p("%d failed", r.Failed)
	if r.FirstError != "" {
		p("first failure: %s", r.FirstError)
	}
}
