package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/errgroup"
)

// Identity is a bench user and the token it connects with.
type Identity struct {
	ID, Name, Token string
}

// SignIdentities makes n users known only from HS256 tokens signed with
// secret; the service creates each on first authenticated use.
func SignIdentities(secret []byte, prefix string, n int) ([]Identity, error) {
	out := make([]Identity, n)
	now := time.Now()
	for i := range out {
		id := fmt.Sprintf("%s-%d", prefix, i)
		claims := jwt.MapClaims{"sub": id, "name": id, "iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
		if err != nil {
			return nil, fmt.Errorf("sign token: %w", err)
		}
		out[i] = Identity{ID: id, Name: id, Token: tok}
	}
	return out, nil
}

// REST is a tiny JSON client of the service's REST API.
type REST struct {
	Base *url.URL
	http *http.Client
}

// NewREST is a REST client of the service at base.
func NewREST(base *url.URL) REST {
	return REST{Base: base, http: &http.Client{Timeout: time.Minute}}
}

// errStatus is a REST answer with an unexpected status.
type errStatus struct {
	Status int
	Body   string
}

func (e *errStatus) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Body) }

// Do sends body as JSON and decodes a 2xx answer into out.
func (r REST) Do(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.Base.JoinPath(path).String(), rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %w", method, path, &errStatus{resp.StatusCode, truncate(raw)})
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

type session struct {
	Token string `json:"token"`
	User  struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
}

// RegisterIdentities registers n built-in accounts through POST /register,
// or logs in to those that already exist, parallel at most par at a time.
func RegisterIdentities(ctx context.Context, r REST, prefix, password string, n, par int) ([]Identity, error) {
	out := make([]Identity, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for i := range out {
		g.Go(func() error {
			name := fmt.Sprintf("%s-%d", prefix, i)
			creds := map[string]string{"username": name, "password": password}
			var s session
			err := r.Do(ctx, http.MethodPost, "/register", "", creds, &s)
			if st := (*errStatus)(nil); errors.As(err, &st) && st.Status == http.StatusConflict {
				err = r.Do(ctx, http.MethodPost, "/login", "", creds, &s)
			}
			if err != nil {
				return err
			}
			out[i] = Identity{ID: s.User.ID, Name: s.User.Username, Token: s.Token}
			return nil
		})
	}
	return out, g.Wait()
}

// CreateRoom creates a group room owned by owner with members; it returns
// the room id.
func CreateRoom(ctx context.Context, r REST, owner Identity, name string, members []string) (string, error) {
	var room struct {
		ID string `json:"id"`
	}
	body := map[string]any{"name": name, "members": members}
	if err := r.Do(ctx, http.MethodPost, "/rooms", owner.Token, body, &room); err != nil {
		return "", err
	}
	if room.ID == "" {
		return "", errors.New("POST /rooms: no room id in the answer")
	}
	return room.ID, nil
}

// Raw sends a request without a body and returns the answer's body as it
// came, with how long the request took.
func (r REST) Raw(ctx context.Context, method, path, token string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, r.Base.JoinPath(path).String(), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	took := time.Since(start)
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, 0, fmt.Errorf("%s %s: %w", method, path, &errStatus{resp.StatusCode, truncate(raw)})
	}
	return raw, took, nil
}

// Touch makes the service know every identity (a user known only from a
// signed token is created on its first authenticated request), par at a
// time.
func Touch(ctx context.Context, r REST, ids []Identity, par int) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for _, id := range ids {
		g.Go(func() error {
			_, _, err := r.Raw(gctx, http.MethodGet, "/rooms", id.Token)
			return err
		})
	}
	return g.Wait()
}
