package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
)

func (s *Server) registerAttachments() {
	if s.Chat == nil {
		return
	}
	s.handle("GET /api/v1/attachments/{id}", staff|visitor|apiKey, op{action: policy.AttachmentRead,
		summary: "A message's file, to those who may read its session (its live chat's staff, its visitor, its http channel's key). " +
			"PNG, JPEG and GIF pictures are inline (thumb=1: a small PNG or JPEG preview); every other type is a download; " +
			"always nosniff and a sandboxing Content-Security-Policy",
		query: []string{"thumb"}, queryTypes: map[string]map[string]any{"thumb": {"type": "boolean", "description": "a preview of at most 320 pixels a side (pictures only)"}},
		binary: true}, s.handleAttachment)
}

// handleAttachment handles GET /api/v1/attachments/{id}.
func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) error {
	thumb, err := boolQuery(r, "thumb")
	if err != nil {
		return err
	}
	a, data, err := s.Chat.ReadAttachment(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	contentType := a.ContentType
	if thumb {
		if !a.Image {
			return errs.Field("thumb", "is only for pictures; %q is %s", a.Name, a.ContentType)
		}
		if data, contentType, err = thumbnail(data); err != nil {
			return err
		}
	}
	serveFile(w, a, contentType, data)
	return nil
}

// serveFile writes a stored file so that it can never run as part of Parley's pages: the
// sandboxing CSP and nosniff always; pictures inline under their sniffed type; everything
// else, SVG included, as an attachment, and as opaque bytes when a browser would render the
// type (HTML, XML, SVG) — the Content-Disposition alone is not trusted with those.
func serveFile(w http.ResponseWriter, a *chat.Attachment, contentType string, data []byte) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	disposition := "attachment"
	switch {
	case a.Image:
		disposition = "inline"
	case renderable(contentType):
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// renderable reports types a browser would render as a document, with script.
func renderable(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "image/svg+xml", "text/html", "text/xml", "application/xml", "application/xhtml+xml", "text/javascript", "application/javascript":
		return true
	}
	return false
}

func boolQuery(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.Field(name, "must be true or false, not %q", v)
	}
	return b, nil
}

// isMultipart reports whether the request carries a multipart/form-data body: a message with
// files. Routes that take one also take their JSON body.
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// maxFormField bounds a form field that is not a file: a message's text is at most 16 KiB.
const maxFormField = 64 << 10

// readForm reads a multipart/form-data body as it streams: the plain fields, and each part
// named "files" as a file. A file over the per-file limit is refused as soon as it is seen,
// naming it, without reading the rest.
func (s *Server) readForm(r *http.Request) (url.Values, []chat.NewFile, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, malformed{errs.New(errs.Invalid, "the multipart body cannot be read: %v", err)}
	}
	limits := s.Chat.FileLimits()
	values := url.Values{}
	var files []chat.NewFile
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, files, nil
		}
		if err != nil {
			return nil, nil, formError(err)
		}
		name := p.FormName()
		if name != "files" {
			b, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
			switch {
			case err != nil:
				return nil, nil, formError(err)
			case len(b) > maxFormField:
				return nil, nil, errs.Field(name, "is longer than %d bytes", maxFormField)
			}
			values.Add(name, string(b))
			continue
		}
		field := fmt.Sprintf("files[%d]", len(files))
		data, err := io.ReadAll(io.LimitReader(p, limits.MaxFileSize+1))
		if err != nil {
			return nil, nil, formError(err)
		}
		if int64(len(data)) > limits.MaxFileSize {
			return nil, nil, &errs.Error{Code: errs.TooLarge, Details: map[string]any{"field": field, "limit": limits.MaxFileSize},
				Message: fmt.Sprintf("%s: %q is more than the limit of %d bytes a file", field, p.FileName(), limits.MaxFileSize)}
		}
		files = append(files, chat.NewFile{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
	}
}

func formError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return errs.New(errs.TooLarge, "the request body is larger than %d bytes", maxErr.Limit)
	}
	return malformed{errs.New(errs.Invalid, "the multipart body is malformed: %v", err)}
}

// formSchema is the OpenAPI schema of a multipart message: the given text fields and any
// number of parts named "files".
func formSchema(fields ...string) map[string]any {
	props := map[string]any{"files": map[string]any{"type": "array", "description": "the message's files, one part each",
		"items": map[string]any{"type": "string", "format": "binary"}}}
	for _, f := range fields {
		props[f] = map[string]any{"type": "string"}
	}
	return map[string]any{"type": "object", "properties": props}
}

// uploadBody is how large a multipart body may be: a message's files and its form fields.
func (s *Server) uploadBody() int64 {
	if s.Chat == nil {
		return s.cfg.MaxBody
	}
	return s.Chat.FileLimits().MaxMessageSize + s.cfg.MaxBody
}

// readMessage reads a message body: JSON {"text"}, or multipart/form-data with a text field
// and files.
func (s *Server) readMessage(r *http.Request) (textRequest, []chat.NewFile, error) {
	var in textRequest
	if !isMultipart(r) {
		return in, nil, decode(r, &in)
	}
	form, files, err := s.readForm(r)
	in.Text = form.Get("text")
	return in, files, err
}

// The form fields of multipart bodies that stand for the JSON body's fields.
var (
	customerFormFields = []string{"customer_name", "customer_phone", "customer_email"}
	widgetFormFields   = append([]string{"text", "subject"}, customerFormFields...)
	inboundFormFields  = append([]string{"external_chat_id", "external_message_id", "text", "subject"}, customerFormFields...)
)

func customerFromForm(form url.Values) chat.CustomerInfo {
	return chat.CustomerInfo{Name: form.Get("customer_name"), Phone: form.Get("customer_phone"), Email: form.Get("customer_email")}
}

// readWidgetStart reads a widget's first message, JSON or multipart with files.
func (s *Server) readWidgetStart(r *http.Request) (in channel.WidgetStart, err error) {
	if !isMultipart(r) {
		return in, decode(r, &in)
	}
	form, files, err := s.readForm(r)
	in = channel.WidgetStart{Customer: customerFromForm(form), Subject: form.Get("subject"), Text: form.Get("text"), Files: files}
	return in, err
}

// readInbound reads an http channel's delivery, JSON or multipart with files.
func (s *Server) readInbound(r *http.Request) (in channel.Inbound, err error) {
	if !isMultipart(r) {
		return in, decode(r, &in)
	}
	form, files, err := s.readForm(r)
	in = channel.Inbound{ExternalChatID: form.Get("external_chat_id"), ExternalMessageID: form.Get("external_message_id"),
		Customer: customerFromForm(form), Subject: form.Get("subject"), Text: form.Get("text"), Files: files}
	return in, err
}
