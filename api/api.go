// Package api holds the OpenAPI 3.1 document of the REST API
// (openapi.json, the one description of every endpoint, its parameters and
// its answers) and serves it at /openapi.json. The end-to-end tests check
// every answer they receive against it, and a test of cmd/chatd checks that
// it names exactly the routes the router has.
package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document.
func Document() []byte { return document }

// Handler serves the document.
func Handler() http.Handler {
	sum := sha256.Sum256(document)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(document)
	})
}
