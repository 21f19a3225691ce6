package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/roomchat/chat/wire"
)

var tokTestSecret = []byte("0123456789abcdef0123456789abcdef")

func newTestTokens(t *testing.T, cfg TokenConfig) *Tokens {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = tokTestSecret
	}
	tokens, err := NewTokens(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// tokTestClaims are valid claims for sub, expiring in an hour.
func tokTestClaims(sub string) Claims {
	now := time.Now()
	return Claims{Name: "alice", RegisteredClaims: jwt.RegisteredClaims{
		Subject:   sub,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
	}}
}

// tokTestSign signs claims with method and key, setting the kid header when
// kid is not empty.
func tokTestSign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tokTestRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func tokTestECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func tokTestPEM(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// refused checks that Verify refuses token with an unauthorized error.
func refused(t *testing.T, tokens *Tokens, token string) error {
	t.Helper()
	claims, err := tokens.Verify(context.Background(), token)
	if err == nil {
		t.Fatalf("Verify accepted the token (sub %q)", claims.Subject)
	}
	if claims != nil {
		t.Errorf("Verify returned claims with error %v", err)
	}
	if code := wire.CodeOf(err); code != wire.Unauthorized {
		t.Errorf("Verify error %v has code %q, want unauthorized", err, code)
	}
	return err
}

func accepted(t *testing.T, tokens *Tokens, token string) *Claims {
	t.Helper()
	claims, err := tokens.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return claims
}

func TestNewTokensNeedsASecret(t *testing.T) {
	for _, secret := range [][]byte{nil, []byte("short"), []byte("0123456789abcde")} {
		if _, err := NewTokens(TokenConfig{Secret: secret}); err == nil {
			t.Errorf("NewTokens accepted a %d-byte secret", len(secret))
		}
	}
}

func TestSignThenVerify(t *testing.T) {
	tokens := newTestTokens(t, TokenConfig{})
	u := User{ID: wire.NewID(), Username: "alice"}
	s, err := tokens.Sign(u)
	if err != nil {
		t.Fatal(err)
	}
	claims := accepted(t, tokens, s)
	if claims.Subject != u.ID || claims.Name != "alice" {
		t.Errorf("claims = sub %q name %q", claims.Subject, claims.Name)
	}
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life != 24*time.Hour {
		t.Errorf("default lifetime = %v, want 24h", life)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(s, &Claims{})
	if err != nil || parsed.Header["alg"] != "HS256" {
		t.Errorf("header = %v, %v; want alg HS256", parsed.Header, err)
	}
	if claims := accepted(t, tokens, "  "+s+"\n"); claims.Subject != u.ID {
		t.Error("surrounding space changed the token")
	}
}

func TestSignHonoursTTL(t *testing.T) {
	tokens := newTestTokens(t, TokenConfig{TTL: 90 * time.Minute})
	s, err := tokens.Sign(User{ID: "u1", Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	claims := accepted(t, tokens, s)
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life != 90*time.Minute {
		t.Errorf("lifetime = %v, want 90m", life)
	}
}

func TestVerifyRefuses(t *testing.T) {
	tokens := newTestTokens(t, TokenConfig{})
	valid := tokTestClaims("u1")
	expired := tokTestClaims("u1")
	expired.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	noExp := tokTestClaims("u1")
	noExp.ExpiresAt = nil
	notYet := tokTestClaims("u1")
	notYet.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour))
	good := tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", valid)
	other := tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", tokTestClaims("u2"))
	parts, otherParts := strings.Split(good, "."), strings.Split(other, ".")

	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"garbage", "not a token"},
		{"two segments", parts[0] + "." + parts[1]},
		{"alg none", tokTestSign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", valid)},
		{"alg none with the signature of a good token", strings.Replace(good, parts[0], tokTestHeader(t, `{"alg":"none","typ":"JWT"}`), 1)},
		{"wrong secret", tokTestSign(t, jwt.SigningMethodHS256, []byte("another secret of enough length"), "", valid)},
		{"HS384 with the secret", tokTestSign(t, jwt.SigningMethodHS384, tokTestSecret, "", valid)},
		{"HS512 with the secret", tokTestSign(t, jwt.SigningMethodHS512, tokTestSecret, "", valid)},
		{"payload swapped", parts[0] + "." + otherParts[1] + "." + parts[2]},
		{"signature stripped", parts[0] + "." + parts[1] + "."},
		{"no exp", tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", noExp)},
		{"not valid yet", tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", notYet)},
		{"empty sub", tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", tokTestClaims(""))},
		{"sub too long", tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", tokTestClaims(strings.Repeat("x", 129)))},
		{"RS256 without a provider key", tokTestSign(t, jwt.SigningMethodRS256, tokTestRSAKey(t), "", valid)},
		{"ES256 without a provider key", tokTestSign(t, jwt.SigningMethodES256, tokTestECKey(t), "", valid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refused(t, tokens, tt.token)
		})
	}
	t.Run("expired", func(t *testing.T) {
		err := refused(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", expired))
		if !errors.Is(err, ErrTokenExpired) {
			t.Errorf("error = %v, want ErrTokenExpired", err)
		}
	})
	t.Run("sub of 128 characters is fine", func(t *testing.T) {
		sub := strings.Repeat("é", 128)
		if claims := accepted(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", tokTestClaims(sub))); claims.Subject != sub {
			t.Errorf("sub = %q", claims.Subject)
		}
	})
	t.Run("expired within the leeway", func(t *testing.T) {
		c := tokTestClaims("u1")
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-5 * time.Second))
		accepted(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", c))
	})
}

// tokTestHeader is the base64url encoding of a JSON header.
func tokTestHeader(t *testing.T, header string) string {
	t.Helper()
	return base64.RawURLEncoding.EncodeToString([]byte(header))
}

// TestAlgorithmConfusion: a token that says HS256 and is keyed with the
// identity provider's public key (as a PEM or DER byte string) must fail
// when that public key is configured.
func TestAlgorithmConfusion(t *testing.T) {
	rsaKey := tokTestRSAKey(t)
	ecKey := tokTestECKey(t)
	pemBytes := tokTestPEM(t, &rsaKey.PublicKey)
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tokens := newTestTokens(t, TokenConfig{PublicKeys: map[string]crypto.PublicKey{"": &rsaKey.PublicKey}})
	claims := tokTestClaims("idp|1")

	refused(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, pemBytes, "", claims))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, der, "", claims))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey), "", claims))
	// An EC token checked against the RSA key, and an RSA token from another key.
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodES256, ecKey, "", claims))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodRS256, tokTestRSAKey(t), "", claims))
	// RS384/PS256 are not pinned even with the right key.
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodRS384, rsaKey, "", claims))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodPS256, rsaKey, "", claims))

	got := accepted(t, tokens, tokTestSign(t, jwt.SigningMethodRS256, rsaKey, "", claims))
	if got.Subject != "idp|1" {
		t.Errorf("sub = %q", got.Subject)
	}
	// Built-in accounts keep working beside the provider.
	accepted(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", claims))
}

func TestProviderKeys(t *testing.T) {
	rsa1, rsa2, ecKey := tokTestRSAKey(t), tokTestRSAKey(t), tokTestECKey(t)
	tokens := newTestTokens(t, TokenConfig{PublicKeys: map[string]crypto.PublicKey{
		"r1": &rsa1.PublicKey, "r2": &rsa2.PublicKey, "e1": &ecKey.PublicKey,
	}})
	c := tokTestClaims("idp|1")
	tests := []struct {
		name   string
		token  string
		accept bool
	}{
		{"RS256 with its kid", tokTestSign(t, jwt.SigningMethodRS256, rsa2, "r2", c), true},
		{"ES256 with its kid", tokTestSign(t, jwt.SigningMethodES256, ecKey, "e1", c), true},
		{"RS256 naming another key", tokTestSign(t, jwt.SigningMethodRS256, rsa2, "r1", c), false},
		{"ES256 naming an RSA key", tokTestSign(t, jwt.SigningMethodES256, ecKey, "r1", c), false},
		{"RS256 naming the EC key", tokTestSign(t, jwt.SigningMethodRS256, rsa1, "e1", c), false},
		{"unknown kid", tokTestSign(t, jwt.SigningMethodRS256, rsa1, "r9", c), false},
		{"no kid and no default key", tokTestSign(t, jwt.SigningMethodRS256, rsa1, "", c), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.accept {
				accepted(t, tokens, tt.token)
			} else {
				refused(t, tokens, tt.token)
			}
		})
	}
}

func TestIssuerAndAudience(t *testing.T) {
	rsaKey := tokTestRSAKey(t)
	tokens := newTestTokens(t, TokenConfig{
		PublicKeys: map[string]crypto.PublicKey{"": &rsaKey.PublicKey},
		Issuer:     "https://idp.example", Audience: "chat",
	})
	with := func(iss string, aud ...string) string {
		c := tokTestClaims("idp|1")
		c.Issuer = iss
		if len(aud) > 0 {
			c.Audience = aud
		}
		return tokTestSign(t, jwt.SigningMethodRS256, rsaKey, "", c)
	}
	accepted(t, tokens, with("https://idp.example", "chat"))
	accepted(t, tokens, with("https://idp.example", "other", "chat"))
	refused(t, tokens, with("https://evil.example", "chat"))
	refused(t, tokens, with("", "chat"))
	refused(t, tokens, with("https://idp.example", "other"))
	refused(t, tokens, with("https://idp.example"))

	s, err := tokens.Sign(User{ID: "u1", Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	claims := accepted(t, tokens, s)
	if claims.Issuer != "https://idp.example" || len(claims.Audience) != 1 || claims.Audience[0] != "chat" {
		t.Errorf("built-in token iss %q aud %v", claims.Issuer, claims.Audience)
	}
	// Without iss/aud configured, any iss/aud is fine.
	plain := newTestTokens(t, TokenConfig{PublicKeys: map[string]crypto.PublicKey{"": &rsaKey.PublicKey}})
	accepted(t, plain, with("https://anyone.example", "anything"))
}

func TestLeewayConfigured(t *testing.T) {
	c := tokTestClaims("u1")
	c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-5 * time.Second))
	token := tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", c)
	for _, tt := range []struct {
		leeway, want time.Duration
		accepted     bool
	}{
		{0, DefaultLeeway, true},
		{10 * time.Second, 10 * time.Second, true},
		{2 * time.Second, 2 * time.Second, false},
		{-1, 0, false},
	} {
		tokens := newTestTokens(t, TokenConfig{Leeway: tt.leeway})
		if got := tokens.Leeway(); got != tt.want {
			t.Errorf("Leeway %v: Leeway() = %v, want %v", tt.leeway, got, tt.want)
		}
		_, err := tokens.Verify(context.Background(), token)
		if (err == nil) != tt.accepted || (err != nil && !errors.Is(err, ErrTokenExpired)) {
			t.Errorf("Leeway %v: a token expired 5s ago: %v, accepted %v", tt.leeway, err, tt.accepted)
		}
	}
}
