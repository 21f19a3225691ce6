package main

import (
	"math"

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
