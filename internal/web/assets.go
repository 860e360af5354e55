package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
)

// assets serves the embedded static files. Each file is served at two addresses:
//
//   - its fingerprinted address, /static/js/dom.<hash>.js, which pages link to. The hash is of
//     the content as served, so the address changes whenever the file does, and browsers may
//     keep it for a year without asking again (immutable);
//   - its plain address, /static/js/dom.js, for what cannot follow a changing address (the
//     widget's loader, old bookmarks, tests), revalidated on each use through its ETag.
//
// ES modules import each other by relative path. Those specifiers are rewritten to the
// fingerprinted addresses when the files are loaded, so a change deep in dom.js changes the
// address of every module that imports it and no browser mixes an old module with a new one.
// Text files are compressed once, at start, for clients that accept gzip.
type assets struct {
	byPlain  map[string]*asset // "js/dom.js"
	byHashed map[string]*asset // "js/dom.1a2b3c4d5e.js"
}

// asset is one static file as served.
type asset struct {
	plain, hashed string // paths under /static/
	ctype         string
	data          []byte
	gz            []byte // nil when compression would not pay
	etag          string
}

// importSpec finds the relative module specifiers of static imports and exports
// (`from './x.js'`, `import './x.js'`) and of dynamic imports (`import('./x.js')`).
var importSpec = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.\.?/[^'"\s]+\.js)['"]`)

// newAssets loads every file of fsys. The files are embedded, so a failure is a bug in the
// binary and panics at start (and in every test).
func newAssets(fsys fs.FS) *assets {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(fsys, p)
		return err
	})
	if err != nil {
		panic(err)
	}
	a := &assets{byPlain: map[string]*asset{}, byHashed: map[string]*asset{}}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if _, err := a.load(p, files, nil); err != nil {
			panic(err)
		}
	}
	return a
}

// load prepares the file p after the modules it imports, whose fingerprinted addresses its
// content must name. visiting holds the modules being loaded above p, to report a cycle.
func (a *assets) load(p string, files map[string][]byte, visiting []string) (*asset, error) {
	if got, ok := a.byPlain[p]; ok {
		return got, nil
	}
	for _, v := range visiting {
		if v == p {
			return nil, fmt.Errorf("static/%s: import cycle %s; fingerprinted modules cannot import each other in a circle", p, strings.Join(append(visiting, p), " → "))
		}
	}
	data, ok := files[p]
	if !ok {
		return nil, fmt.Errorf("static/%s imports static/%s, which does not exist", visiting[len(visiting)-1], p)
	}
	if path.Ext(p) == ".js" {
		var err error
		if data, err = a.rewriteImports(p, data, files, append(visiting, p)); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:5])
	ext := path.Ext(p)
	f := &asset{plain: p, hashed: strings.TrimSuffix(p, ext) + "." + hash + ext, ctype: contentType(p), data: data, etag: `"` + hash + `"`}
	if compressible(f.ctype) && len(data) >= minCompressSize {
		if gz := gzipBytes(data); len(gz) < len(data) {
			f.gz = gz
		}
	}
	a.byPlain[p], a.byHashed[f.hashed] = f, f
	return f, nil
}

// rewriteImports replaces each relative specifier in the module p by the imported module's
// fingerprinted address.
func (a *assets) rewriteImports(p string, data []byte, files map[string][]byte, visiting []string) ([]byte, error) {
	var failed error
	out := importSpec.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := importSpec.FindSubmatch(m)
		dep, err := a.load(path.Join(path.Dir(p), string(sub[3])), files, visiting)
		if err != nil {
			failed = err
			return m
		}
		return bytes.Join([][]byte{sub[1], sub[2], []byte("/static/" + dep.hashed), sub[2]}, nil)
	})
	return out, failed
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// url returns the fingerprinted address of the file p (relative to static/). A name that is
// not a static file is a bug in a template or handler, and panics in every test that renders
// the page.
func (a *assets) url(p string) string {
	f, ok := a.byPlain[p]
	if !ok {
		panic("no static file " + p)
	}
	return "/static/" + f.hashed
}

// ServeHTTP handles GET /static/{path...}. Directories are not listed.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/static/")
	h := w.Header()
	f, ok := a.byHashed[p]
	if ok {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if f, ok = a.byPlain[p]; ok {
		h.Set("Cache-Control", "no-cache")
	} else {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", f.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if f.gz == nil {
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, "", noModTime, bytes.NewReader(f.data))
		return
	}
	// The two encodings are two representations, each with its own ETag; caches keep them
	// apart by Accept-Encoding.
	h.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) {
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, "", noModTime, bytes.NewReader(f.data))
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Set("ETag", strings.TrimSuffix(f.etag, `"`)+`-gz"`)
	http.ServeContent(w, r, "", noModTime, bytes.NewReader(f.gz))
}
