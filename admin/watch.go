package admin

import (
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// watch reports what happens in nsp to the UI, as Node's server side does:
// sockets connecting, upgrading their transport and disconnecting, and
// sockets joining and leaving rooms.
func (a *Admin) watch(nsp socket.Namespace) {
	a.mu.Lock()
	if _, ok := a.watched[nsp.Name()]; ok {
		a.mu.Unlock()
		return
	}
	a.watched[nsp.Name()] = nsp
	a.mu.Unlock()

	name := nsp.Name()
	_ = nsp.On("connection", func(args ...any) {
		sock, ok := args[0].(*socket.Socket)
		if !ok {
			return
		}
		a.emit("socket_connected", a.view(sock), now())
		_ = sock.Conn().On("upgrade", func(...any) {
			a.emit("socket_updated", map[string]any{"id": sock.Id(), "nsp": name, "transport": sock.Conn().Transport().Name()})
		})
		// The library may emit "disconnect" twice for one socket (see
		// cmd/chatd's setUp); the UI hears of it once.
		var gone sync.Once
		_ = sock.On("disconnect", func(args ...any) {
			gone.Do(func() {
				reason, _ := firstString(args)
				a.emit("socket_disconnected", name, sock.Id(), reason, now())
			})
		})
	})
	_ = nsp.Adapter().On("join-room", func(args ...any) {
		if room, id, ok := roomAndSocket(args); ok {
			a.emit("room_joined", name, room, id, now())
		}
	})
	_ = nsp.Adapter().On("leave-room", func(args ...any) {
		if room, id, ok := roomAndSocket(args); ok {
			a.emit("room_left", name, room, id, now())
		}
	})
}

// emit sends an event to every UI connected to any instance. It does not
// wait for the network: the adapter queues what goes to other instances.
func (a *Admin) emit(event string, args ...any) {
	_ = a.nsp.Emit(event, args...)
}

// now is the timestamp of an event, as the UI's Node server sends it (a
// Date, which JSON makes an ISO 8601 string).
func now() string {
	return time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
}

func roomAndSocket(args []any) (room string, id socket.SocketId, ok bool) {
	if len(args) < 2 {
		return "", "", false
	}
	r, ok1 := args[0].(socket.Room)
	s, ok2 := args[1].(socket.SocketId)
	return string(r), s, ok1 && ok2
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}
