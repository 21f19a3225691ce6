package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/sockets/sioparser"
	"github.com/roomchat/chat/wire"
)

// ctxKey is the type of the context key holding the authenticated user.
type ctxKey struct{}

// WithUser returns ctx carrying u as the authenticated user.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// UserFrom returns the authenticated user of a request's context.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(ctxKey{}).(User)
	return u, ok
}

// BearerToken returns the token of an "Authorization: Bearer" header value.
func BearerToken(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Middleware lets through only requests with a valid bearer token, and puts
// their user in the request context.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.Authenticate(r.Context(), BearerToken(r.Header.Get("Authorization")))
		if err != nil {
			wire.WriteError(w, r, s.log, refusal(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// refusal is what a client is told of a failure to authenticate: a storage
// failure stays visible as such; anything else is unauthorized, saying
// whether the token was missing, expired or invalid.
func refusal(err error) error {
	switch {
	case wire.CodeOf(err) == wire.Unavailable:
		return err
	case errors.Is(err, ErrTokenExpired):
		return ErrTokenExpired
	case errors.Is(err, ErrNoToken):
		return ErrNoToken
	default:
		return ErrInvalidToken
	}
}

// PublicRoutes mounts the routes that need no token.
func (s *Service) PublicRoutes(r chi.Router) {
	r.Post("/register", s.handleRegister)
	r.Post("/login", s.handleLogin)
}

// Routes mounts the routes that need a token (behind Middleware).
func (s *Service) Routes(r chi.Router) {
	r.Get("/users", s.handleSearch)
}

type credentials struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"displayName"`
}

func (s *Service) handleRegister(w http.ResponseWriter, r *http.Request) {
	r = s.fromClient(r)
	var c credentials
	if err := wire.DecodeJSON(r, &c); err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	sess, err := s.Register(r.Context(), c.Username, c.Password, c.DisplayName)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	wire.WriteJSON(w, http.StatusCreated, sess)
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	r = s.fromClient(r)
	var c credentials
	if err := wire.DecodeJSON(r, &c); err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	sess, err := s.Login(r.Context(), c.Username, c.Password)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	wire.WriteJSON(w, http.StatusOK, sess)
}

func (s *Service) handleSearch(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("ids") {
		s.handleLookup(w, r)
		return
	}
	limit := 10
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			wire.WriteError(w, r, s.log, ErrInvalidUserQuery)
			return
		}
		limit = min(n, 50)
	}
	users, err := s.Search(r.Context(), r.URL.Query().Get("query"), limit)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	wire.WriteJSON(w, http.StatusOK, struct {
		Users []UserInfo `json:"users"`
	}{users})
}

// maxLookup bounds how many users one ?ids= lookup may name.
const maxLookup = 100

var errTooManyIDs = wire.Errorf(wire.InvalidArgument, "ids must name 1-%d comma-separated user ids", maxLookup)

// handleLookup answers GET /users?ids=a,b,c with those of the users that
// exist, so clients can show the names of room members.
func (s *Service) handleLookup(w http.ResponseWriter, r *http.Request) {
	var ids []string
	for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > maxLookup {
		wire.WriteError(w, r, s.log, errTooManyIDs)
		return
	}
	users, err := s.Lookup(r.Context(), ids)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	wire.WriteJSON(w, http.StatusOK, struct {
		Users []UserInfo `json:"users"`
	}{users})
}

// SocketMiddleware authenticates a Socket.IO connection from the token in
// the handshake's auth payload, the `token` query parameter or an
// Authorization header, and attaches its user to the socket. A refused
// connection gets connect_error "unauthorized" with data {code}.
func (s *Service) SocketMiddleware() socket.NamespaceMiddleware {
	return func(sock *socket.Socket, next func(*socket.ExtendedError)) {
		var (
			u      User
			claims *Claims
			err    error
		)
		sockets.OnFreshStack(func() { u, claims, err = s.authenticate(context.Background(), handshakeToken(sock)) })
		if err != nil {
			body, _ := wire.Describe(refusal(err))
			if body.Code == wire.Unavailable {
				s.log.Warn("socket auth failed", slog.Any("err", err))
			}
			next(socket.NewExtendedError(string(body.Code), map[string]any{"code": body.Code, "message": body.Message}))
			return
		}
		sock.SetData(s.socketUser(u, claims))
		sioparser.Admit(sock.Handshake().Auth)
		next(nil)
	}
}

func handshakeToken(sock *socket.Socket) string {
	if hs := sock.Handshake(); hs != nil {
		if tok, ok := hs.Auth["token"].(string); ok && tok != "" {
			return tok
		}
	}
	req := sock.Request()
	if req == nil {
		return ""
	}
	if tok := req.Query().Peek("token"); tok != "" {
		return tok
	}
	return BearerToken(req.Headers().Peek("Authorization"))
}

// SocketUser returns the user SocketMiddleware attached to sock.
func SocketUser(sock *socket.Socket) (User, bool) {
	d, ok := sock.Data().(socketUser)
	return d.User, ok
}
