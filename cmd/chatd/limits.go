package main

import (
	"log/slog"
	"math"
	"runtime/debug"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
)

// applyLimits gives the services their limits, shared by every instance
// through the cluster backend: failed logins per username and per client
// address, accounts per client address, and each user's budget of typing,
// join_room and history reads.
func (m *Main) applyLimits() {
	limits := auth.Limits{
		UserFailures: m.cluster.NewWindow("login-user", auth.MaxUserFailures, auth.FailureWindow),
		AddrFailures: m.cluster.NewWindow("login-addr", auth.MaxAddrFailures, auth.FailureWindow),
		Proxies:      m.cfg.TrustedProxies,
	}
	if r := m.cfg.RegisterRate; r > 0 {
		limits.Registrations = m.cluster.NewLimiter("register", r/3600, int(math.Ceil(r)))
	}
	m.auth.SetLimits(limits)
	if r := m.cfg.EventRate; r > 0 {
		budget := sockets.NewBudget(m.cluster.NewLimiter("events", r, int(math.Ceil(2*r))))
		m.rooms.SetEventBudget(budget)
		m.messages.SetEventBudget(budget)
	}
}

// applyMemoryLimit sets the runtime's soft memory limit when one is
// configured, and logs the limit in force. Without one the runtime keeps
// its own: none, or GOMEMLIMIT from the environment. The limit is the
// process's, so the last Main started sets it.
func applyMemoryLimit(limit int64, log *slog.Logger) {
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	if cur := debug.SetMemoryLimit(-1); cur != math.MaxInt64 {
		log.Info("memory limit", slog.Int64("bytes", cur))
	} else {
		log.Info("memory limit", slog.String("bytes", "none"))
	}
}
