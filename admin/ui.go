package admin

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// uiFiles are the built files of the npm package @socket.io/admin-ui
// (its ui/dist), copied into ui/dist by `make build` from
// ui/node_modules; the repository holds only ui/package.json and its lock
// file.
//
//go:embed all:ui/dist
var uiFiles embed.FS

// uiSecurityPolicy lets the UI run its own scripts, load the fonts and
// icons its page names, and connect to whichever server its login form is
// given.
const uiSecurityPolicy = "default-src 'self'; script-src 'self'; " +
	"style-src 'self' 'unsafe-inline' https://fonts.googleapis.com https://cdn.jsdelivr.net; " +
	"font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data:; " +
	"connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// uiNotBuilt is served at /admin/ by a binary built without the UI's files.
const uiNotBuilt = "The Socket.IO Admin UI's files were not built into this binary.\n\n" +
	"Run `make build` (it installs @socket.io/admin-ui from npm and embeds its files), then start chatd again.\n"

// UI serves the Admin UI's files, mounted at /admin/ (prefix is "/admin").
func UI(prefix string) http.Handler {
	sub, err := fs.Sub(uiFiles, "ui/dist")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(uiNotBuilt))
		})
	}
	files := http.StripPrefix(prefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", uiSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(r.URL.Path, prefix+"/js/") || strings.HasPrefix(r.URL.Path, prefix+"/css/") ||
			strings.HasPrefix(r.URL.Path, prefix+"/img/") {
			// The build names these files by their content.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}
