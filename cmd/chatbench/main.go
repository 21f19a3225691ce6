// Command chatbench is the load generator of the chat service. It gets a
// token for each of its clients (signed with the deployment's JWT secret, or
// through POST /register), creates rooms, connects the clients over
// WebSocket (Engine.IO v4, Socket.IO v5), has each join one room, then has
// some of them send messages at a fixed rate or flat out. It reports
// deliveries per second, end-to-end and ack latency percentiles, and how
// many deliveries were expected and received. Given the server's process id
// (same machine), it also reports the server's CPU time and memory.
//
//	chatbench --url http://127.0.0.1:3000 --jwt-secret S --clients 1000 --rooms 10 --senders 10
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	URL       string
	base      *url.URL
	JWTSecret string
	Register  bool
	Password  string
	Prefix    string
	Label     string

	Clients int
	Rooms   int
	Senders int
	Rate    float64
	Window  int
	Size    int
	TempIDs bool

	Warmup   time.Duration
	Duration time.Duration
	Drain    time.Duration
	Settle   time.Duration
	Dials    int
	PID      int
	JSON     bool
	Profile  string
}

func parseFlags(args []string, usage io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("chatbench", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:3000", "base URL of the service")
	fs.StringVar(&c.JWTSecret, "jwt-secret", os.Getenv("CHAT_JWT_SECRET"), "HS256 secret to sign client tokens with (CHAT_JWT_SECRET)")
	fs.BoolVar(&c.Register, "register", false, "register accounts through POST /register instead of signing tokens")
	fs.StringVar(&c.Password, "password", "chatbench-password", "password of registered accounts")
	fs.StringVar(&c.Prefix, "prefix", "", "user name prefix; empty: a fresh one per run")
	fs.StringVar(&c.Label, "label", "", "label copied into the report")
	fs.IntVar(&c.Clients, "clients", 100, "connections, one user each")
	fs.IntVar(&c.Rooms, "rooms", 1, "rooms; clients are dealt round-robin, one room each")
	fs.IntVar(&c.Senders, "senders", 1, "clients that send (the first ones, so spread over the rooms)")
	fs.Float64Var(&c.Rate, "rate", 0, "messages per second over all senders; 0: flat out")
	fs.IntVar(&c.Window, "window", 32, "unacked messages a sender may have in flight")
	fs.IntVar(&c.Size, "size", 64, "content length in bytes")
	fs.BoolVar(&c.TempIDs, "temp-ids", true, "send a tempId with every message, as real clients do")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "sending before the measurement starts")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured sending time")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "after the load, how long to wait for outstanding acks and deliveries once none arrives")
	fs.DurationVar(&c.Settle, "settle", 2*time.Second, "pause after joining, before the memory sample")
	fs.IntVar(&c.Dials, "dials", 64, "connections opened in parallel")
	fs.IntVar(&c.PID, "pid", 0, "server process id on this machine, for its CPU time and RSS")
	fs.BoolVar(&c.JSON, "json", false, "print the report as one JSON object")
	fs.StringVar(&c.Profile, "cpuprofile", "", "write the generator's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.validate()
}

func (c *config) validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url: want http(s)://host:port, got %q", c.URL))
	}
	c.base = u
	if !c.Register && len(c.JWTSecret) < 16 {
		errs = append(errs, errors.New("jwt-secret: the deployment's secret (16 bytes or more) is needed, or use --register"))
	}
	if c.Clients < 1 || c.Rooms < 1 || c.Rooms > c.Clients {
		errs = append(errs, errors.New("want 1 <= rooms <= clients"))
	}
	if c.Senders < 0 || c.Senders > c.Clients || c.Window < 1 || c.Dials < 1 || c.Rate < 0 {
		errs = append(errs, errors.New("want 0 <= senders <= clients, window >= 1, dials >= 1, rate >= 0"))
	}
	if c.Prefix == "" {
		c.Prefix = "cb" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	}
	return errors.Join(errs...)
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Profile != "" {
		stopProfile, err := startProfile(cfg.Profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chatbench:", err)
			os.Exit(2)
		}
		defer stopProfile()
	}
	res, err := run(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(1) //nolint:gocritic // the profile of a failed run is of no use
	}
	if cfg.JSON {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		res.print(os.Stdout)
	}
}

// run performs one benchmark: set-up, connections, load, report.
func run(ctx context.Context, cfg config, log *slog.Logger) (*result, error) {
	b := newBench(cfg, log)
	defer b.close()
	res := &result{Label: cfg.Label, Clients: cfg.Clients, Rooms: cfg.Rooms, Senders: cfg.Senders, Rate: cfg.Rate, Size: cfg.Size}
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

// startProfile starts a CPU profile into path; the returned func ends it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
