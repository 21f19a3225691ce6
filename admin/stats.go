package admin

import (
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// serverStats is one instance's line in the UI's list of servers.
type serverStats struct {
	ServerID            string             `json:"serverId"`
	Hostname            string             `json:"hostname"`
	Pid                 int                `json:"pid"`
	Uptime              float64            `json:"uptime"`
	ClientsCount        uint64             `json:"clientsCount"`
	PollingClientsCount int                `json:"pollingClientsCount"`
	Namespaces          []namespaceDetails `json:"namespaces"`
}

type namespaceDetails struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// reportStats sends this instance's statistics to every UI at each tick,
// until Close. The UI marks a server that has not reported for 10 s as
// unhealthy.
func (a *Admin) reportStats() {
	defer close(a.done)
	tick := time.NewTicker(a.cfg.StatsEvery)
	defer tick.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-tick.C:
			a.emit("server_stats", a.stats())
		}
	}
}

func (a *Admin) stats() serverStats {
	s := serverStats{
		ServerID: a.cfg.ServerID, Hostname: a.host, Pid: os.Getpid(),
		Uptime:     time.Since(a.started).Seconds(),
		Namespaces: []namespaceDetails{},
	}
	if e := a.io.Engine(); e != nil {
		s.ClientsCount = e.ClientsCount()
		e.Clients().Range(func(_ string, c engine.Socket) bool {
			if t := c.Transport(); t != nil && t.Name() == "polling" {
				s.PollingClientsCount++
			}
			return true
		})
	}
	for _, nsp := range a.namespaces() {
		s.Namespaces = append(s.Namespaces, namespaceDetails{Name: nsp.Name(), SocketsCount: nsp.Sockets().Len()})
	}
	sort.Slice(s.Namespaces, func(i, j int) bool { return s.Namespaces[i].Name < s.Namespaces[j].Name })
	return s
}

// socketsRequest is the server-side event by which an instance asks the
// others for their sockets; each answers with its own, already scrubbed.
const socketsRequest = "chatd:admin:sockets"

// localSockets describes every socket of this instance.
func (a *Admin) localSockets() []any {
	var out []any
	for _, nsp := range a.namespaces() {
		nsp.Sockets().Range(func(_ socket.SocketId, sock *socket.Socket) bool {
			out = append(out, a.view(sock))
			return true
		})
	}
	return out
}

// answerSockets answers another instance's socketsRequest, on a goroutine
// of its own: the adapter calls it from the loop that reads every request
// of the namespace.
func (a *Admin) answerSockets(args ...any) {
	if len(args) == 0 {
		return
	}
	if ack, ok := args[len(args)-1].(func([]any, error)); ok {
		go ack([]any{a.localSockets()}, nil)
	}
}

// allSockets describes the sockets of every instance: this one's, and
// those the others answer with. An instance that does not answer within
// the adapter's request timeout is left out (and logged).
func (a *Admin) allSockets() []any {
	all := a.localSockets()
	if a.nsp.Adapter().ServerCount() <= 1 {
		return all
	}
	answers := make(chan []any, 1)
	err := a.nsp.ServerSideEmitWithAck(socketsRequest)(func(responses []any, err error) {
		if err != nil {
			a.log.Warn("admin: an instance did not list its sockets", slog.Any("err", err))
		}
		var remote []any
		for _, r := range responses {
			if args, ok := r.([]any); ok && len(args) > 0 {
				if list, ok := args[0].([]any); ok {
					remote = append(remote, list...)
				}
			}
		}
		answers <- remote
	})
	if err != nil {
		a.log.Warn("admin: cannot ask the other instances for their sockets", slog.Any("err", err))
		return all
	}
	select {
	case remote := <-answers:
		return append(all, remote...)
	case <-time.After(answerTimeout):
		a.log.Warn("admin: no answer from the other instances")
		return all
	}
}

// answerTimeout bounds the wait for the other instances' sockets, in case
// the adapter never calls back; it calls back after its own request
// timeout (5 s) otherwise.
const answerTimeout = 10 * time.Second
