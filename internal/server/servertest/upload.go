package servertest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
)

// File is one file part of a multipart upload.
type File struct {
	Name, ContentType string
	Data              []byte
}

// Multipart builds a multipart/form-data body with the fields and, as parts named "files",
// the files; it returns the body and its Content-Type.
func Multipart(fields map[string]string, files ...File) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="`+f.Name+`"`)
		if f.ContentType != "" {
			h.Set("Content-Type", f.ContentType)
		}
		p, _ := w.CreatePart(h)
		_, _ = p.Write(f.Data)
	}
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// Upload POSTs a multipart message (fields and files) with a Bearer token, checked against
// the OpenAPI document like Do.
func (e *Env) Upload(path, token string, fields map[string]string, files ...File) *Response {
	e.T.Helper()
	body, contentType := Multipart(fields, files...)
	return e.DoRequest("POST", path, body, func(r *http.Request) {
		r.Header.Set("Content-Type", contentType)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
}
