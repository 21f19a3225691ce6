package main

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/admin"
	"github.com/roomchat/chat/auth"
)

// adminEnabled reports whether the Socket.IO Admin UI is turned on.
func adminEnabled(cfg Config) bool {
	return cfg.AdminUser != "" || cfg.AdminPasswordHash != ""
}

// adminConfig is the admin package's configuration; its session ids are
// signed with the JWT secret, which every instance shares.
func adminConfig(cfg Config, secret []byte) admin.Config {
	return admin.Config{
		Username: cfg.AdminUser, PasswordHash: cfg.AdminPasswordHash, Mode: admin.Mode(cfg.AdminMode),
		SessionKey: secret, Describe: describeSocket,
	}
}

// checkAdmin reports a half-configured or invalid Admin UI at start-up.
func checkAdmin(cfg Config) error {
	if !adminEnabled(cfg) {
		if cfg.AdminMode != string(admin.ReadOnly) && cfg.AdminMode != string(admin.Development) {
			return errors.New("admin-mode: want readonly or development")
		}
		return nil
	}
	if cfg.AdminUser == "" || cfg.AdminPasswordHash == "" {
		return errors.New("admin: set both CHAT_ADMIN_USER and CHAT_ADMIN_PASSWORD_HASH, or neither")
	}
	return adminConfig(cfg, []byte("checked at start")).Validate()
}

// startAdmin opens the /admin namespace when the Admin UI is configured.
func (m *Main) startAdmin() error {
	if !adminEnabled(m.cfg) {
		return nil
	}
	secret, err := jwtSecret(m.cfg)
	if err != nil {
		return err
	}
	m.admin, err = admin.New(adminConfig(m.cfg, secret), m.io, m.log)
	return err
}

// adminRoutes serves the Admin UI's files at /admin/ when it is on.
func (m *Main) adminRoutes(r chi.Router) {
	if m.admin == nil {
		return
	}
	r.Get("/admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
	})
	r.Handle("/admin/*", admin.UI("/admin"))
}

// describeSocket is what the Admin UI shows as a chat socket's data: whose
// it is. Never its token, never a message.
func describeSocket(sock *socket.Socket) map[string]any {
	u, ok := auth.SocketUser(sock)
	if !ok {
		return nil
	}
	return map[string]any{"userId": u.ID, "username": u.Username}
}
