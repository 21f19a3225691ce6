package auth

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzParseToken feeds arbitrary strings to Tokens.Verify: it must never
// panic, and must accept only an HS256 token whose signature is the HMAC of
// the configured secret, or an RS256 token signed with the provider key.
func FuzzParseToken(f *testing.F) {
	rsaKey := tokTestRSAKey(f)
	builtIn, err := NewTokens(TokenConfig{Secret: tokTestSecret})
	if err != nil {
		f.Fatal(err)
	}
	withProvider, err := NewTokens(TokenConfig{Secret: tokTestSecret,
		PublicKeys: map[string]crypto.PublicKey{"": &rsaKey.PublicKey}})
	if err != nil {
		f.Fatal(err)
	}

	valid := tokTestClaims("0123456789abcdef01234567")
	expired := tokTestClaims("u1")
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	sign := func(m jwt.SigningMethod, key any, c jwt.Claims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	good := sign(jwt.SigningMethodHS256, tokTestSecret, valid)
	pemBytes := tokTestPEM(f, &rsaKey.PublicKey)
	for _, s := range []string{
		good,
		" " + good + " ",
		sign(jwt.SigningMethodRS256, rsaKey, valid),
		sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid),
		sign(jwt.SigningMethodHS256, pemBytes, valid),
		sign(jwt.SigningMethodHS384, tokTestSecret, valid),
		sign(jwt.SigningMethodHS256, []byte("some other secret of 32 bytes!!"), valid),
		sign(jwt.SigningMethodHS256, tokTestSecret, expired),
		sign(jwt.SigningMethodHS256, tokTestSecret, jwt.MapClaims{"sub": "u1"}),
		sign(jwt.SigningMethodHS256, tokTestSecret, jwt.MapClaims{"sub": 5, "exp": "tomorrow"}),
		"", ".", "..", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "eyJhbGciOiJub25lIn0.e30.",
		"Bearer " + good, strings.Repeat("a.", 1000), "\x00\xff.\xfe.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		ctx := context.Background()
		if claims, err := builtIn.Verify(ctx, token); err == nil {
			if !signedWithSecret(token) {
				t.Fatalf("accepted a token not signed with the secret: %q (sub %q)", token, claims.Subject)
			}
			checkClaims(t, token, claims)
		}
		if claims, err := withProvider.Verify(ctx, token); err == nil {
			if !signedWithSecret(token) && !signedWithRSA(token, &rsaKey.PublicKey) {
				t.Fatalf("accepted a token signed with neither key: %q", token)
			}
			checkClaims(t, token, claims)
		}
	})
}

func checkClaims(t *testing.T, token string, c *Claims) {
	t.Helper()
	if !ValidUserID(c.Subject) {
		t.Fatalf("accepted %q with sub %q", token, c.Subject)
	}
	if c.ExpiresAt == nil || time.Until(c.ExpiresAt.Time) < -time.Minute {
		t.Fatalf("accepted %q without a current exp", token)
	}
}

// tokenParts splits a token (as Verify trims it) into its signed text, its
// header and its signature.
func tokenParts(token string) (signed string, header map[string]any, sig []byte, ok bool) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return "", nil, nil, false
	}
	rawHeader, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	sig, err2 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || json.Unmarshal(rawHeader, &header) != nil {
		return "", nil, nil, false
	}
	return parts[0] + "." + parts[1], header, sig, true
}

func signedWithSecret(token string) bool {
	signed, header, sig, ok := tokenParts(token)
	if !ok || header["alg"] != "HS256" {
		return false
	}
	mac := hmac.New(sha256.New, tokTestSecret)
	mac.Write([]byte(signed))
	return hmac.Equal(mac.Sum(nil), sig)
}

func signedWithRSA(token string, pub *rsa.PublicKey) bool {
	signed, header, sig, ok := tokenParts(token)
	if !ok || header["alg"] != "RS256" {
		return false
	}
	sum := sha256.Sum256([]byte(signed))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
}
