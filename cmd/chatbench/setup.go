package main

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

// identity is a bench user and the token it connects with.
type identity struct {
	ID, Name, Token string
}

// signIdentities makes n users known only from HS256 tokens signed with
// secret; the service creates each on first authenticated use.
func signIdentities(secret []byte, prefix string, n int) ([]identity, error) {
	out := make([]identity, n)
	now := time.Now()
	for i := range out {
		id := fmt.Sprintf("%s-%d", prefix, i)
		claims := jwt.MapClaims{"sub": id, "name": id, "iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
		if err != nil {
			return nil, fmt.Errorf("sign token: %w", err)
		}
		out[i] = identity{ID: id, Name: id, Token: tok}
	}
	return out, nil
}

// rest is a tiny JSON client of the service's REST API.
type rest struct {
	base *url.URL
	http *http.Client
}

// errStatus is a REST answer with an unexpected status.
type errStatus struct {
	Status int
	Body   string
}

func (e *errStatus) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Body) }

// do sends body as JSON and decodes a 2xx answer into out.
func (r rest) do(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base.JoinPath(path).String(), rd)
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

// registerIdentities registers n built-in accounts through POST /register,
// or logs in to those that already exist, parallel at most par at a time.
func registerIdentities(ctx context.Context, r rest, prefix, password string, n, par int) ([]identity, error) {
	out := make([]identity, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for i := range out {
		g.Go(func() error {
			name := fmt.Sprintf("%s-%d", prefix, i)
			creds := map[string]string{"username": name, "password": password}
			var s session
			err := r.do(ctx, http.MethodPost, "/register", "", creds, &s)
			if st := (*errStatus)(nil); errors.As(err, &st) && st.Status == http.StatusConflict {
				err = r.do(ctx, http.MethodPost, "/login", "", creds, &s)
			}
			if err != nil {
				return err
			}
			out[i] = identity{ID: s.User.ID, Name: s.User.Username, Token: s.Token}
			return nil
		})
	}
	return out, g.Wait()
}

// createRoom creates a group room owned by owner with members; it returns
// the room id.
func createRoom(ctx context.Context, r rest, owner identity, name string, members []string) (string, error) {
	var room struct {
		ID string `json:"id"`
	}
	body := map[string]any{"name": name, "members": members}
	if err := r.do(ctx, http.MethodPost, "/rooms", owner.Token, body, &room); err != nil {
		return "", err
	}
	if room.ID == "" {
		return "", errors.New("POST /rooms: no room id in the answer")
	}
	return room.ID, nil
}
