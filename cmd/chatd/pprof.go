package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// profiler serves net/http/pprof on its own listener, apart from the public
// port, so that profiles are reachable only where the operator chose (for
// example 127.0.0.1:6060). It is off unless --pprof-addr is set.
type profiler struct {
	srv *http.Server
	ln  net.Listener
}

// startProfiler listens on addr and serves the profiling endpoints under
// /debug/pprof/ until close.
func startProfiler(addr string, log *slog.Logger) (*profiler, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	p := &profiler{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln: ln}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("pprof server stopped", slog.Any("err", err))
		}
	}()
	log.Info("pprof listening", slog.String("addr", ln.Addr().String()))
	return p, nil
}

// close stops the profiling server; a nil profiler is a no-op.
func (p *profiler) close() error {
	if p == nil {
		return nil
	}
	return p.srv.Close()
}
