package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

// assets serves the embedded static files. Each file's ETag is the hash of its content, so
// browsers revalidate cheaply (304) and never run a stale module after an upgrade; the
// stylesheet and app module are linked with ?v=<hash> as well.
type assets struct {
	fsys  fs.FS
	etags map[string]string
	files http.Handler
}

func newAssets(fsys fs.FS) *assets {
	a := &assets{fsys: fsys, etags: map[string]string{}, files: http.FileServerFS(fsys)}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		a.etags[p] = hex.EncodeToString(sum[:8])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return a
}

// url returns the address of the file p (relative to static/) with its version.
func (a *assets) url(p string) string {
	return "/static/" + p + "?v=" + a.etags[p]
}

// ServeHTTP handles GET /static/{path...}. Directories are not listed.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/static/")
	etag, ok := a.etags[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + p
	a.files.ServeHTTP(w, r2)
}
