// Package static serves the chat page: the files that build.mjs bundles from
// src/ into dist/, embedded in the binary.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Cache policies: bundle files carry a content hash in their name and never
// change, index.html must be revalidated so a new build is picked up at once.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// pageSecurityPolicy keeps the page to its own origin: no inline script, no
// third-party hosts, no framing.
const pageSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// notBuilt is served at / by a binary built before the page was bundled.
const notBuilt = "The chat page has not been built yet.\n\n" +
	"Run `make run`: it bundles the page, builds the server with it and starts it.\n"

// minGzipSize is the size under which compressing a file is not worth it.
const minGzipSize = 1024

// asset is one file ready to serve; gz is its gzip encoding, if worth having.
type asset struct {
	name  string
	body  []byte
	gz    []byte
	etag  string
	ctype string
	cache string
}

type handler struct {
	assets map[string]*asset
}

// Handler serves the embedded page: index.html at /, and the bundle files
// beside it. Without a built page it serves a short note saying how to build
// it.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return newHandler(nil)
	}
	return newHandler(sub)
}

// newHandler loads every file of files (dot-files excepted) into memory, with
// its headers worked out once.
func newHandler(files fs.FS) *handler {
	h := &handler{assets: map[string]*asset{}}
	if files == nil {
		return h
	}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		body, err := fs.ReadFile(files, p)
		if err != nil {
			return nil
		}
		h.assets[p] = newAsset(p, body)
		return nil
	})
	return h
}

func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{name: name, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
		ctype: contentType(name), cache: cacheRevalidate}
	if hashedName(path.Base(name)) {
		a.cache = cacheImmutable
	}
	if compressible(a.ctype) && len(body) >= minGzipSize {
		a.gz = gzipped(body)
	}
	return a
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" || pageRoute(name) {
		name = "index.html"
	}
	a, ok := h.assets[name]
	switch {
	case ok:
		serveAsset(w, r, a)
	case name == "index.html":
		serveNotBuilt(w)
	default:
		http.NotFound(w, r)
	}
}

// pageRoutePrefixes start the page's own addresses: /r/<roomId> shows that
// room (so a reload, back and forward, and a shared link open it), and
// /invite/<code> asks whether to join the room of an invite link. The REST
// routes live under /rooms/ and /invites/, which these can never be
// mistaken for.
var pageRoutePrefixes = []string{"r/", "invite/"}

// pageRoute reports whether a path is an address of the page itself rather
// than one of its files: one of pageRoutePrefixes followed by one path
// segment.
func pageRoute(name string) bool {
	for _, prefix := range pageRoutePrefixes {
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			return true
		}
	}
	return false
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.ctype)
	hdr.Set("Cache-Control", a.cache)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(a.ctype, "text/html") {
		hdr.Set("Content-Security-Policy", pageSecurityPolicy)
		hdr.Set("Referrer-Policy", "no-referrer")
	}
	body, etag := a.body, a.etag
	if a.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

func serveNotBuilt(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(notBuilt))
}

// hashedName reports whether a file name carries a build hash: esbuild names
// bundle files "<name>-<HASH>.<ext>" with an 8-character upper-case hash.
func hashedName(base string) bool {
	stem, _, ok := strings.Cut(base, ".")
	if !ok {
		return false
	}
	i := strings.LastIndexByte(stem, '-')
	if i < 0 || len(stem)-i-1 != 8 {
		return false
	}
	for _, c := range stem[i+1:] {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json", ".map":
		return "application/json; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") ||
		ctype == "image/svg+xml"
}

func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (and does
// not give it q=0).
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
