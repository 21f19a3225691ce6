package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestParsePublicKeyPEM(t *testing.T) {
	rsaKey, ecKey := tokTestRSAKey(t), tokTestECKey(t)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKIXPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  []byte
		want crypto.PublicKey // nil: an error is expected
	}{
		{"PKIX RSA", tokTestPEM(t, &rsaKey.PublicKey), &rsaKey.PublicKey},
		{"PKIX EC", tokTestPEM(t, &ecKey.PublicKey), &ecKey.PublicKey},
		{"PKCS1 RSA", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)}), &rsaKey.PublicKey},
		{"certificate", keysTestCertificate(t, rsaKey), &rsaKey.PublicKey},
		{"Ed25519 is not supported", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}), nil},
		{"no PEM", []byte("not a key"), nil},
		{"broken DER", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}), nil},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKeyPEM(tt.pem)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParsePublicKeyPEM accepted it: %T", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if eq, ok := got.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(tt.want) {
				t.Errorf("ParsePublicKeyPEM = %T, not the key", got)
			}
		})
	}
}

func keysTestCertificate(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// jwksServer serves a JSON Web Key Set that a test may change, and counts
// the fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32

	mu   sync.Mutex // guards keys and status
	keys []map[string]string
	code int
}

func newJWKSServer(t *testing.T) *jwksServer {
	j := &jwksServer{code: http.StatusOK}
	j.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		j.fetches.Add(1)
		j.mu.Lock()
		defer j.mu.Unlock()
		w.WriteHeader(j.code)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": j.keys})
	}))
	t.Cleanup(j.Close)
	return j
}

func (j *jwksServer) set(code int, keys ...map[string]string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.code, j.keys = code, keys
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
}

// ecJWK writes an EC key the way a provider does, naming its curve crv.
func ecJWK(t *testing.T, kid, crv string, pub *ecdsa.PublicKey) map[string]string {
	t.Helper()
	point, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	n := (len(point) - 1) / 2
	return map[string]string{"kty": "EC", "kid": kid, "crv": crv, "x": b64(point[1 : 1+n]), "y": b64(point[1+n:])}
}

func TestJWKSVerifiesProviderTokens(t *testing.T) {
	rsaKey, ecKey, encKey := tokTestRSAKey(t), tokTestECKey(t), tokTestRSAKey(t)
	srv := newJWKSServer(t)
	enc := rsaJWK("enc", &encKey.PublicKey)
	enc["use"] = "enc"
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv.set(http.StatusOK, rsaJWK("r1", &rsaKey.PublicKey), ecJWK(t, "e1", "P-256", &ecKey.PublicKey), enc,
		ecJWK(t, "p384", "P-384", &p384.PublicKey), map[string]string{"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "AAAA"})
	jwks := NewJWKS(srv.URL)
	tokens := newTestTokens(t, TokenConfig{JWKS: jwks})
	c := tokTestClaims("idp|1")

	accepted(t, tokens, tokTestSign(t, jwt.SigningMethodRS256, rsaKey, "r1", c))
	accepted(t, tokens, tokTestSign(t, jwt.SigningMethodES256, ecKey, "e1", c))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodES256, ecKey, "r1", c))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodRS256, tokTestRSAKey(t), "r1", c))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodRS256, encKey, "enc", c))
	refused(t, tokens, tokTestSign(t, jwt.SigningMethodHS256, tokTestPEM(t, &rsaKey.PublicKey), "r1", c))
	for _, kid := range []string{"p384", "ed", "enc"} {
		if _, err := jwks.Key(context.Background(), kid); err == nil {
			t.Errorf("key %q of an unsupported kind or use was kept", kid)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("the key set was fetched %d times, want once", n)
	}
}

func TestJWKSRefetchesUnknownKidAtMostOncePerInterval(t *testing.T) {
	old, rotated := tokTestRSAKey(t), tokTestRSAKey(t)
	srv := newJWKSServer(t)
	srv.set(http.StatusOK, rsaJWK("old", &old.PublicKey))
	jwks := NewJWKS(srv.URL)
	jwks.MinRefresh = time.Hour
	ctx := context.Background()

	if _, err := jwks.Key(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	srv.set(http.StatusOK, rsaJWK("old", &old.PublicKey), rsaJWK("new", &rotated.PublicKey))
	if _, err := jwks.Key(ctx, "new"); err == nil {
		t.Error("a kid unknown at the last fetch was found without a fetch")
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("fetches = %d within MinRefresh, want 1", n)
	}

	jwks.MinRefresh = 0
	key, err := jwks.Key(ctx, "new")
	if err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if !rotated.PublicKey.Equal(key) {
		t.Error("Key(new) is not the rotated key")
	}
	if _, err := jwks.Key(ctx, "old"); err != nil {
		t.Errorf("known key after the refetch: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
}

func TestJWKSWithoutKid(t *testing.T) {
	key := tokTestRSAKey(t)
	srv := newJWKSServer(t)
	srv.set(http.StatusOK, rsaJWK("only", &key.PublicKey))
	tokens := newTestTokens(t, TokenConfig{JWKS: NewJWKS(srv.URL)})
	accepted(t, tokens, tokTestSign(t, jwt.SigningMethodRS256, key, "", tokTestClaims("idp|1")))

	two := tokTestRSAKey(t)
	srv2 := newJWKSServer(t)
	srv2.set(http.StatusOK, rsaJWK("a", &key.PublicKey), rsaJWK("b", &two.PublicKey))
	tokens2 := newTestTokens(t, TokenConfig{JWKS: NewJWKS(srv2.URL)})
	refused(t, tokens2, tokTestSign(t, jwt.SigningMethodRS256, key, "", tokTestClaims("idp|1")))
}

func TestJWKSServerDown(t *testing.T) {
	key := tokTestRSAKey(t)
	srv := newJWKSServer(t)
	srv.set(http.StatusInternalServerError, rsaJWK("k", &key.PublicKey))
	jwks := NewJWKS(srv.URL)
	tokens := newTestTokens(t, TokenConfig{JWKS: jwks})
	token := tokTestSign(t, jwt.SigningMethodRS256, key, "k", tokTestClaims("idp|1"))
	refused(t, tokens, token)

	// A failed fetch is retried at the next token, not cached as empty.
	srv.set(http.StatusOK, rsaJWK("k", &key.PublicKey))
	accepted(t, tokens, token)
}
