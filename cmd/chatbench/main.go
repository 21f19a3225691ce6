// Command chatbench is the load generator of the chat service, a thin
// command over package load (which scenarios written in Go can import). It gets a
// token for each of its clients (signed with the deployment's JWT secret, or
// through POST /register), creates rooms, connects the clients over
// WebSocket (Engine.IO v4, Socket.IO v5), has each join one room, then has
// some of them send messages at a fixed rate or flat out. It reports
// deliveries per second, end-to-end and ack latency percentiles, and how
// many deliveries were expected and received. Given the server's process id
// (same machine), it also reports the server's CPU time and memory.
// --scenario bigroom and churn run the other scenarios of package load.
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
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roomchat/chat/cmd/chatbench/load"
)

// options is the command line: a fan-out run's configuration and the
// scenario to run.
type options struct {
	load.Config
	Scenario string
	PIDList  string
	Members  int
	Samples  int
	Cycles   int
	Pprof    string
	JSON     bool
	Profile  string
}

func parseFlags(args []string, usage io.Writer) (options, error) {
	var o options
	c := &o.Config
	fs := flag.NewFlagSet("chatbench", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&o.Scenario, "scenario", "fanout", "fanout: rooms and senders (the flags below); bigroom: operation latencies in a big room against a small one; churn: connect/disconnect cycles, then the server's goroutines and RSS against their baseline")
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:3000", "base URL of the service; several, comma-separated, are instances of one cluster (fanout deals each room's clients over them)")
	fs.StringVar(&c.JWTSecret, "jwt-secret", os.Getenv("CHAT_JWT_SECRET"), "HS256 secret to sign client tokens with (CHAT_JWT_SECRET)")
	fs.BoolVar(&c.Register, "register", false, "register accounts through POST /register instead of signing tokens")
	fs.StringVar(&c.Password, "password", "chatbench-password", "password of registered accounts")
	fs.StringVar(&c.Prefix, "prefix", "", "user name prefix; empty: a fresh one per run")
	fs.StringVar(&c.Label, "label", "", "label copied into the report")
	fs.IntVar(&c.Clients, "clients", 100, "connections, one user each")
	fs.IntVar(&c.Rooms, "rooms", 1, "rooms; clients are dealt round-robin, one room each")
	fs.IntVar(&c.Senders, "senders", 1, "clients that send (the first ones, so spread over the rooms)")
	fs.Float64Var(&c.Rate, "rate", 0, "messages per second over all senders, each message with its intended send time; 0: flat out")
	fs.IntVar(&c.Window, "window", 32, "unacked messages a sender may have in flight")
	fs.IntVar(&c.Size, "size", 64, "content length in bytes")
	fs.BoolVar(&c.TempIDs, "temp-ids", true, "send a tempId with every message, as real clients do")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "sending before the measurement starts")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured sending time")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "after the load, how long to wait for outstanding acks and deliveries once none arrives")
	fs.DurationVar(&c.Settle, "settle", 2*time.Second, "pause after joining, before the memory sample")
	fs.IntVar(&c.Dials, "dials", 64, "connections opened in parallel")
	fs.StringVar(&o.PIDList, "pid", "", "server process ids on this machine, comma-separated (instances, Redis, database): their CPU time and RSS, summed")
	fs.IntVar(&o.Members, "members", 10000, "bigroom: members of the big room")
	fs.IntVar(&o.Samples, "samples", 200, "bigroom: samples of each operation in each room")
	fs.IntVar(&o.Cycles, "cycles", 10000, "churn: connect/disconnect cycles")
	fs.StringVar(&o.Pprof, "pprof", "", "churn: the server's pprof address (CHAT_PPROF_ADDR) for its goroutine count")
	fs.BoolVar(&o.JSON, "json", false, "print the report as one JSON object")
	fs.StringVar(&o.Profile, "cpuprofile", "", "write the generator's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var errs []error
	for _, p := range strings.Split(o.PIDList, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			errs = append(errs, fmt.Errorf("pid: want process ids, got %q", p))
			continue
		}
		c.PIDs = append(c.PIDs, pid)
	}
	switch o.Scenario {
	case "fanout", "bigroom", "churn":
	default:
		errs = append(errs, fmt.Errorf("scenario: want fanout, bigroom or churn, got %q", o.Scenario))
	}
	if o.Members < 10 || o.Samples < 1 || o.Cycles < 1 {
		errs = append(errs, errors.New("want members >= 10, samples >= 1, cycles >= 1"))
	}
	errs = append(errs, c.Validate())
	return o, errors.Join(errs...)
}

// printer is a report that prints itself as text.
type printer interface{ Print(io.Writer) }

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
	res, err := runScenario(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(1) //nolint:gocritic // the profile of a failed run is of no use
	}
	if cfg.JSON {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		res.Print(os.Stdout)
	}
}

func runScenario(ctx context.Context, o options, log *slog.Logger) (printer, error) {
	switch o.Scenario {
	case "bigroom":
		return load.RunBigRoom(ctx, load.BigRoomConfig{Base: o.Bases[0], JWTSecret: o.JWTSecret, Prefix: o.Prefix,
			Members: o.Members, Samples: o.Samples, Dials: o.Dials, PIDs: o.PIDs}, log)
	case "churn":
		return load.RunChurn(ctx, load.ChurnConfig{Base: o.Bases[0], JWTSecret: o.JWTSecret, Prefix: o.Prefix,
			Cycles: o.Cycles, Dials: o.Dials, Settle: o.Settle, PIDs: o.PIDs, Pprof: o.Pprof}, log)
	}
	return load.Run(ctx, o.Config, log)
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
