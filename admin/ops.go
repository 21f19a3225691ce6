package admin

import (
	"log/slog"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/wire"
)

// operation is one thing the UI can ask for; args are the event's
// arguments without the ack. It reports false when the arguments are not
// what the UI sends.
type operation func(args []any) bool

// registerOperations handles the UI's operations on an admin socket. In
// read-only mode each is refused: nothing happens, the refusal is logged,
// and an ack, when the caller asked for one, says forbidden.
func (a *Admin) registerOperations(sock *socket.Socket) {
	ops := map[string]operation{
		"emit":        a.opEmit,
		"join":        a.opRooms(func(b *socket.BroadcastOperator, r socket.Room) { b.SocketsJoin(r) }),
		"leave":       a.opRooms(func(b *socket.BroadcastOperator, r socket.Room) { b.SocketsLeave(r) }),
		"_disconnect": a.opDisconnect,
	}
	for event, op := range ops {
		_ = sock.On(event, func(args ...any) {
			ack, args := splitAck(args)
			switch {
			case a.cfg.Mode != Development:
				a.log.Warn("admin operation refused: read-only mode", slog.String("op", event))
				answer(ack, wire.Forbidden, "the admin UI is read-only (CHAT_ADMIN_MODE=readonly)")
			case !op(args):
				answer(ack, wire.InvalidArgument, "unexpected arguments for "+event)
			default:
				a.log.Info("admin operation", slog.String("op", event))
				answer(ack, "", "")
			}
		})
	}
}

// opEmit: emit(nsp, filter, event, ...args) sends event to the sockets of
// the namespace, or of the room filter, on every instance.
func (a *Admin) opEmit(args []any) bool {
	if len(args) < 3 {
		return false
	}
	target, ok := a.target(args[0], args[1])
	ev, isString := args[2].(string)
	if !ok || !isString || ev == "" {
		return false
	}
	_ = target.Emit(ev, args[3:]...)
	return true
}

// opRooms: join/leave(nsp, room, filter?) makes the sockets of the
// namespace, or of the room filter (a socket id is a room), join or leave
// room, on every instance.
func (a *Admin) opRooms(do func(*socket.BroadcastOperator, socket.Room)) operation {
	return func(args []any) bool {
		if len(args) < 2 {
			return false
		}
		room, isString := args[1].(string)
		target, ok := a.target(args[0], at(args, 2))
		if !ok || !isString || room == "" {
			return false
		}
		do(target, socket.Room(room))
		return true
	}
}

// opDisconnect: _disconnect(nsp, close, filter?) disconnects the sockets
// of the namespace, or of the room filter; close also closes their
// connection.
func (a *Admin) opDisconnect(args []any) bool {
	if len(args) < 2 {
		return false
	}
	closeConn, isBool := args[1].(bool)
	target, ok := a.target(args[0], at(args, 2))
	if !ok || !isBool {
		return false
	}
	target.DisconnectSockets(closeConn)
	return true
}

// target is the broadcast operator of a watched namespace, narrowed to a
// room when filter is a non-empty string.
func (a *Admin) target(nspName, filter any) (*socket.BroadcastOperator, bool) {
	name, _ := nspName.(string)
	nsp, ok := a.namespace(name)
	if !ok {
		return nil, false
	}
	if room, _ := filter.(string); room != "" {
		return nsp.In(socket.Room(room)), true
	}
	if filter != nil {
		if _, isString := filter.(string); !isString {
			return nil, false
		}
	}
	return socket.NewBroadcastOperator(nsp.Adapter(), nil, nil, nil), true
}

func at(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// splitAck separates the ack the library appends when the caller asked
// for one.
func splitAck(args []any) (socket.Ack, []any) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(func([]any, error)); ok {
			return ack, args[:n-1]
		}
	}
	return nil, args
}

// answer acks {ok: true}, or {ok: false, error: {code, message}} when code
// is set, in the shape of every other ack of the service.
func answer(ack socket.Ack, code wire.Code, message string) {
	if ack == nil {
		return
	}
	if code == "" {
		ack([]any{map[string]any{"ok": true}}, nil)
		return
	}
	ack([]any{map[string]any{"ok": false, "error": wire.ErrorBody{Code: code, Message: message}}}, nil)
}
