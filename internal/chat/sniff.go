package chat

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"path"
	"strings"
)

// SniffType returns the type of a file from its content: what net/http.DetectContentType
// tells, refined where it cannot tell (office documents inside ZIP and OLE containers, SVG
// inside XML or text, CSV inside text). The sender's name and claimed type are used only to
// choose between types the content already allows, never to make a type of their own: a
// script named photo.png stays a script.
func SniffType(name, claimed string, data []byte) string {
	ct := http.DetectContentType(data)
	mt := mediaType(ct)
	switch {
	case mt == "application/zip":
		return zipType(data)
	case mt == "application/octet-stream" && bytes.HasPrefix(data, oleMagic):
		return oleType(name)
	case mt == "text/xml" || mt == "text/plain":
		if looksLikeSVG(data) {
			return "image/svg+xml"
		}
		if mt == "text/plain" && (strings.EqualFold(path.Ext(name), ".csv") || mediaType(claimed) == "text/csv") {
			return "text/csv; charset=utf-8"
		}
	case mt == "application/ogg":
		return "audio/ogg"
	}
	if strings.HasPrefix(mt, "text/") {
		return ct
	}
	return mt
}

// oleMagic starts the compound files of the old office formats (.doc, .xls, .ppt).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// oleType tells the old office formats apart by the name, since all three share one container.
func oleType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".xls":
		return "application/vnd.ms-excel"
	case ".ppt":
		return "application/vnd.ms-powerpoint"
	}
	return "application/msword"
}

// zipTypes are the documents that are ZIP archives, told by the first part inside them.
var zipTypes = []struct{ prefix, contentType string }{
	{"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
}

// zipType looks inside a ZIP archive for the parts that make it an office document: OOXML
// by its word/, xl/ or ppt/ folder, OpenDocument by its mimetype entry.
func zipType(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "application/zip"
	}
	for _, f := range zr.File {
		if f.Name == "mimetype" {
			if t := odfType(f); t != "" {
				return t
			}
		}
		for _, z := range zipTypes {
			if strings.HasPrefix(f.Name, z.prefix) {
				return z.contentType
			}
		}
	}
	return "application/zip"
}

// odfType reads an OpenDocument's mimetype entry.
func odfType(f *zip.File) string {
	r, err := f.Open()
	if err != nil {
		return ""
	}
	defer r.Close()
	b, _ := io.ReadAll(io.LimitReader(r, 100))
	t := strings.TrimSpace(string(b))
	if strings.HasPrefix(t, "application/vnd.oasis.opendocument.") {
		return t
	}
	return ""
}

// looksLikeSVG reports whether an XML or text file may be an SVG image: an <svg element in its
// first 4 KiB. Erring towards SVG is safe, since an SVG is only ever served as a download.
func looksLikeSVG(data []byte) bool {
	head := bytes.ToLower(data[:min(len(data), 4096)])
	return bytes.Contains(head, []byte("<svg"))
}
