package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var page = fstest.MapFS{
	"index.html":           {Data: []byte(`<!doctype html><script src="/app-ABCD2345.js"></script>`)},
	"app-ABCD2345.js":      {Data: bytes.Repeat([]byte("console.log(1);\n"), 200)},
	"app-WXYZ7777.css":     {Data: []byte("body{margin:0}")},
	"favicon-QQQQ2222.svg": {Data: []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")},
	".gitkeep":             {Data: nil},
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHeaders(t *testing.T) {
	h := newHandler(page)
	tests := []struct {
		name, target, ctype, cache string
	}{
		{"root is the page", "/", "text/html; charset=utf-8", "no-cache"},
		{"page by name", "/index.html", "text/html; charset=utf-8", "no-cache"},
		{"hashed script", "/app-ABCD2345.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"hashed style", "/app-WXYZ7777.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"hashed icon", "/favicon-QQQQ2222.svg", "image/svg+xml", "public, max-age=31536000, immutable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tc.target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := res.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("missing nosniff")
			}
		})
	}
}

func TestPageHasSecurityPolicy(t *testing.T) {
	res := get(t, newHandler(page), http.MethodGet, "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if got := body(t, res); !strings.Contains(got, "app-ABCD2345.js") {
		t.Errorf("body %q", got)
	}
}

func TestPageAddressesServeThePage(t *testing.T) {
	h := newHandler(page)
	for _, target := range []string{"/r/0123456789abcdef01234567", "/r/anything?x=1", "/r/abc/",
		"/invite/Zx81-abc_Q", "/invite/abc/"} {
		res := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body(t, res), "app-ABCD2345.js") {
			t.Errorf("GET %s: %d, want the page", target, res.StatusCode)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: the page without its security policy", target)
		}
	}
	for _, target := range []string{"/r/", "/r", "/r/a/b", "/rooms/abc", "/invite/", "/invite", "/invite/a/b", "/invites/abc"} {
		if res := get(t, h, http.MethodGet, target, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, res.StatusCode)
		}
	}
}

func TestNotFoundAndHidden(t *testing.T) {
	h := newHandler(page)
	for _, target := range []string{"/.gitkeep", "/missing.js", "/rooms", "/../index.htm"} {
		if res := get(t, h, http.MethodGet, target, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, res.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	h := newHandler(page)
	res := get(t, h, http.MethodPost, "/", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	res = get(t, h, http.MethodHead, "/app-WXYZ7777.css", nil)
	if res.StatusCode != http.StatusOK || body(t, res) != "" {
		t.Errorf("HEAD: status %d", res.StatusCode)
	}
}

func TestGzip(t *testing.T) {
	h := newHandler(page)
	res := get(t, h, http.MethodGet, "/app-ABCD2345.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("Content-Encoding %q, Vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, page["app-ABCD2345.js"].Data) {
		t.Error("decompressed body differs from the file")
	}

	for _, ae := range []string{"", "identity", "gzip;q=0", "br"} {
		res := get(t, h, http.MethodGet, "/app-ABCD2345.js", map[string]string{"Accept-Encoding": ae})
		if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: got Content-Encoding %q", ae, res.Header.Get("Content-Encoding"))
		}
		if body(t, res) != string(page["app-ABCD2345.js"].Data) {
			t.Errorf("Accept-Encoding %q: body differs from the file", ae)
		}
	}
}

func TestSmallFilesAreNotCompressed(t *testing.T) {
	res := get(t, newHandler(page), http.MethodGet, "/app-WXYZ7777.css", map[string]string{"Accept-Encoding": "gzip"})
	if res.Header.Get("Content-Encoding") != "" || body(t, res) != "body{margin:0}" {
		t.Error("a tiny file was compressed")
	}
}

func TestConditionalGet(t *testing.T) {
	h := newHandler(page)
	first := get(t, h, http.MethodGet, "/", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := get(t, h, http.MethodGet, "/", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("status %d, want 304", again.StatusCode)
	}
}

func TestNotBuilt(t *testing.T) {
	h := newHandler(fstest.MapFS{".gitkeep": {}})
	res := get(t, h, http.MethodGet, "/", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := body(t, res); !strings.Contains(got, "make run") {
		t.Errorf("body %q does not say how to build the page", got)
	}
	if res := get(t, h, http.MethodGet, "/app.js", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("asset of an unbuilt page: status %d", res.StatusCode)
	}
}

func TestHashedName(t *testing.T) {
	tests := map[string]bool{
		"app-ABCD2345.js":      true,
		"app-ABCD2345.css":     true,
		"favicon-QQ22QQ22.svg": true,
		"index.html":           false,
		"app.js":               false,
		"app-abcd2345.js":      false,
		"app-ABCD234.js":       false,
		"my-app.js":            false,
	}
	for name, want := range tests {
		if got := hashedName(name); got != want {
			t.Errorf("hashedName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestEmbeddedHandlerAnswersAtRoot(t *testing.T) {
	res := get(t, Handler(), http.MethodGet, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := body(t, res); !strings.Contains(got, "<!doctype html>") && !strings.Contains(got, "make run") {
		t.Errorf("neither the page nor the build note: %.80q", got)
	}
}

// TestEmbeddedPageIsBuilt: the page committed in dist/ is embedded, so a
// binary built by `go install`, without Node, serves the real page.
func TestEmbeddedPageIsBuilt(t *testing.T) {
	res := get(t, Handler(), http.MethodGet, "/", nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `<script type="module"`) ||
		strings.Contains(string(body), "not been built") {
		t.Errorf("GET / of the embedded page = %d %.200s; want the built page (commit static/dist)", res.StatusCode, body)
	}
}
