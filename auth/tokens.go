package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenConfig says which tokens are accepted and how built-in ones are made.
type TokenConfig struct {
	// Secret is the HS256 key of built-in accounts. Required.
	Secret []byte
	// TTL is the lifetime of issued tokens; 24 h when zero.
	TTL time.Duration
	// PublicKeys are an identity provider's RS256/ES256 keys by key id ("" for
	// a key used whatever the token's kid).
	PublicKeys map[string]crypto.PublicKey
	// JWKS, when set, supplies an identity provider's keys by key id.
	JWKS KeySource
	// Issuer and Audience, when set, must match the token's iss and aud.
	Issuer   string
	Audience string
	// Leeway is the clock skew allowed on exp and nbf: DefaultLeeway when
	// zero, none when negative.
	Leeway time.Duration
}

// DefaultLeeway is the clock skew allowed on tokens unless configured.
const DefaultLeeway = 30 * time.Second

// KeySource finds an identity provider's public key by key id.
type KeySource interface {
	Key(ctx context.Context, kid string) (crypto.PublicKey, error)
}

// Claims are the claims the service reads from a token.
type Claims struct {
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	jwt.RegisteredClaims
}

// Tokens signs built-in tokens and verifies every token. The accepted
// algorithms are pinned: HS256 only with the configured secret, RS256 and
// ES256 only with an identity provider's public key, so neither `alg: none`
// nor algorithm confusion (an HMAC token keyed with a public key) passes.
type Tokens struct {
	cfg    TokenConfig
	parser *jwt.Parser
}

// NewTokens validates cfg and returns a Tokens.
func NewTokens(cfg TokenConfig) (*Tokens, error) {
	if len(cfg.Secret) < 16 {
		return nil, errors.New("auth: the JWT secret must be at least 16 bytes")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	switch {
	case cfg.Leeway == 0:
		cfg.Leeway = DefaultLeeway
	case cfg.Leeway < 0:
		cfg.Leeway = 0
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"HS256", "RS256", "ES256"}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &Tokens{cfg: cfg, parser: jwt.NewParser(opts...)}, nil
}

// Sign issues a built-in HS256 token for u.
func (t *Tokens) Sign(u User) (string, error) {
	now := time.Now()
	claims := Claims{
		Name: u.Username,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.cfg.TTL)),
		},
	}
	if t.cfg.Issuer != "" {
		claims.Issuer = t.cfg.Issuer
	}
	if t.cfg.Audience != "" {
		claims.Audience = jwt.ClaimStrings{t.cfg.Audience}
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.cfg.Secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Leeway is the clock skew allowed on exp: a token is accepted until its
// exp plus Leeway.
func (t *Tokens) Leeway() time.Duration { return t.cfg.Leeway }

// Verify checks a token's signature and claims and returns them. A missing
// token is ErrNoToken, an expired one ErrTokenExpired, any other failure
// ErrInvalidToken.
func (t *Tokens) Verify(ctx context.Context, token string) (*Claims, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, ErrNoToken
	}
	claims := &Claims{}
	_, err := t.parser.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		return t.key(ctx, tok)
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrTokenExpired
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if !ValidUserID(claims.Subject) {
		return nil, fmt.Errorf("%w: bad sub", ErrInvalidToken)
	}
	return claims, nil
}

// key picks the verification key by algorithm family, never trusting the
// token to say which kind of key it wants beyond that.
func (t *Tokens) key(ctx context.Context, tok *jwt.Token) (any, error) {
	switch tok.Method.(type) {
	case *jwt.SigningMethodHMAC:
		return t.cfg.Secret, nil
	case *jwt.SigningMethodRSA, *jwt.SigningMethodECDSA:
		kid, _ := tok.Header["kid"].(string)
		key, err := t.publicKey(ctx, kid)
		if err != nil {
			return nil, err
		}
		if !keyFits(tok.Method, key) {
			return nil, errors.New("key type does not match the token's algorithm")
		}
		return key, nil
	default:
		return nil, errors.New("unsupported signing method")
	}
}

func (t *Tokens) publicKey(ctx context.Context, kid string) (crypto.PublicKey, error) {
	if k, ok := t.cfg.PublicKeys[kid]; ok {
		return k, nil
	}
	if k, ok := t.cfg.PublicKeys[""]; ok {
		return k, nil
	}
	if t.cfg.JWKS != nil {
		return t.cfg.JWKS.Key(ctx, kid)
	}
	return nil, errors.New("no identity provider key configured")
}
