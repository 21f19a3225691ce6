package attachments

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roomchat/chat/wire"
)

// Authenticator turns a bearer token into a user id.
type Authenticator interface {
	UserID(ctx context.Context, token string) (string, error)
}

// Routes mounts the upload route (behind the auth middleware; user gives
// the request's user id).
func (s *Service) Routes(r chi.Router, user func(*http.Request) string) {
	r.Post("/rooms/{roomId}/attachments", func(w http.ResponseWriter, r *http.Request) {
		a, err := s.Upload(r.Context(), w, r, user(r), chi.URLParam(r, "roomId"))
		wire.Respond(w, r, s.log, http.StatusCreated, a, err)
	})
}

// PublicRoutes mounts the routes that serve files: they take a bearer
// token or a signed link, so that <img src> works without a token.
func (s *Service) PublicRoutes(r chi.Router, authn Authenticator) {
	r.Get("/attachments/{id}/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, authn)
	})
}

// serve answers a file or its thumbnail.
func (s *Service) serve(w http.ResponseWriter, r *http.Request, authn Authenticator) {
	id, name := chi.URLParam(r, "id"), chi.URLParam(r, "name")
	a, kind, err := s.access(r, authn, id, name)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	key, ctype := a.ID, a.ContentType
	if kind == kindThumb {
		key, ctype = thumbKey(a.ID), "image/png"
		if a.ContentType == "image/jpeg" {
			ctype = "image/jpeg"
		}
	}
	blob, err := s.blobs.Open(r.Context(), key)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	defer func() { _ = blob.Close() }()
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", `"`+key+`"`)
	disposition := "attachment"
	if a.Image() {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	http.ServeContent(w, r, "", blob.ModTime(), blob)
}

// access finds the attachment and checks that the request may read it:
// with a bearer token, a member of its room; with a signed link, one made
// after anyone last left the room. The uploader may read an unsent upload.
func (s *Service) access(r *http.Request, authn Authenticator, id, name string) (Attachment, string, error) {
	if !wire.ValidID(id) {
		return Attachment{}, "", ErrNotFound
	}
	found, err := s.store.ByIDs(r.Context(), []string{id})
	if err != nil {
		return Attachment{}, "", err
	}
	a, ok := found[id]
	if !ok {
		return Attachment{}, "", ErrNotFound
	}
	kind := kindFile
	if name == "thumbnail" && a.Thumbnail {
		kind = kindThumb
	}
	if token := bearer(r.Header.Get("Authorization")); token != "" {
		userID, err := authn.UserID(r.Context(), token)
		if err != nil {
			return Attachment{}, "", err
		}
		if a.MessageID == "" && a.UploaderID != userID {
			return Attachment{}, "", ErrNotFound
		}
		_, err = s.rooms.Members(r.Context(), a.RoomID, userID)
		return a, kind, err
	}
	return a, kind, s.checkLink(r, a, kind)
}

func (s *Service) checkLink(r *http.Request, a Attachment, kind string) error {
	issued, err := s.signer.Verify(a.ID, kind, r.URL.Query(), time.Now())
	if err != nil {
		return err
	}
	removed, err := s.rooms.RemovedAt(r.Context(), a.RoomID)
	if err != nil {
		return err
	}
	if !removed.IsZero() && !issued.After(removed) {
		s.log.Debug("link made before a member left", slog.String("attachment", a.ID))
		return ErrBadSignature
	}
	return nil
}

func bearer(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
