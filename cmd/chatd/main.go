// Command chatd is the chat service: Socket.IO and REST on one port, rooms
// and messages in MongoDB or the embedded database, many instances kept in
// sync through Redis.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "hash-password" {
		os.Exit(hashPassword(os.Stdin, os.Stdout, os.Stderr))
	}
	cfg, err := LoadConfig(os.Args[1:], osEnv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if errors.Is(err, errVersion) {
		fmt.Println(versionLine(debug.ReadBuildInfo()))
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatd:", err)
		os.Exit(2)
	}
	log := newLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		log.Error("cannot start", slog.Any("err", err))
		fmt.Fprintln(os.Stderr, "chatd: cannot start:", err)
		os.Exit(1)
	}
	fmt.Println(listeningLine(m.listener.Addr().(*net.TCPAddr)))
	log.Info("listening", slog.String("url", m.URL()), slog.String("storage", storageName(cfg)),
		slog.Bool("redis", cfg.RedisURL != ""))

	select {
	case <-ctx.Done():
	case err := <-m.served:
		log.Error("server stopped", slog.Any("err", err))
	}
	stop()
	log.Info("shutting down")
	if err := m.Close(); err != nil {
		log.Error("shutdown", slog.Any("err", err))
		os.Exit(1)
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func storageName(cfg Config) string {
	if cfg.MongoURI != "" {
		return "mongodb"
	}
	return "embedded:" + cfg.DataDir
}
