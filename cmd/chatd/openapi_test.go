package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/roomchat/chat/api"
)

// notREST are the routes the OpenAPI document leaves out: Socket.IO's
// endpoint, the Admin UI's files and the page's assets.
var notREST = []string{"/socket.io/*", "/admin", "/admin/*", "/*"}

// walkedMethods are the methods a route mounted for every method (Handle)
// is documented under.
var walkedMethods = map[string]bool{http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true}

// TestOpenAPIDocumentsEveryRoute: the document at /openapi.json names
// every route of the router, and no route the router lacks. To add an
// endpoint, add it to api/openapi.json (see the README's API reference).
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	app := MustRunMain(t, t.TempDir(), "--admin-user", "operator", "--admin-password-hash", testAdminHash(t))
	routes := map[string]bool{}
	err := chi.Walk(app.router().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		switch {
		case route == "/*" && method == http.MethodGet:
			routes["GET /"] = true // the page, among its assets
		case !slices.Contains(notREST, route) && walkedMethods[method]:
			routes[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.Document(), &doc); err != nil {
		t.Fatalf("api/openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if m := strings.ToUpper(method); walkedMethods[m] {
				documented[m+" "+path] = true
			}
		}
	}
	// /metrics is mounted for every method; it is documented for GET.
	for m := range walkedMethods {
		if m != http.MethodGet {
			delete(routes, m+" /metrics")
		}
	}
	if missing := difference(routes, documented); len(missing) > 0 {
		t.Errorf("routes missing from api/openapi.json (add them under paths): %v", missing)
	}
	if stale := difference(documented, routes); len(stale) > 0 {
		t.Errorf("api/openapi.json documents routes the router does not have: %v", stale)
	}
}

func difference(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIServed(t *testing.T) {
	app := MustRunMain(t, t.TempDir())
	resp, err := app.client.Get(app.URL() + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v["openapi"] == nil {
		t.Errorf("GET /openapi.json is not the document: %v", err)
	}
}
