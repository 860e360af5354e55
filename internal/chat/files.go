package chat

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// NewFile is a file arriving with a message, before it is stored.
type NewFile struct {
	// Name is the name the sender gave; it is cleaned, and never trusted for the type.
	Name string
	// ContentType is what the sender claimed; the stored type is sniffed from Data.
	ContentType string
	Data        []byte
}

// Attachment is a stored file of a message.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Image is true for the types shown inline with a thumbnail (PNG, JPEG, GIF).
	Image bool `json:"image"`
}

// FileStore keeps the bytes of files inside the transaction of the message they belong to, so
// that a message and its files commit whole. The database store is the default; an object
// store can implement it later (writing before commit and collecting orphans).
type FileStore interface {
	Put(ctx context.Context, tx *store.Tx, id string, data []byte) error
	Get(ctx context.Context, tx *store.Tx, id string) ([]byte, error)
	Delete(ctx context.Context, tx *store.Tx, id string) error
}

// DBFileStore keeps files in the file_data table of the database, both dialects.
type DBFileStore struct{}

// Put stores the bytes of a file.
func (DBFileStore) Put(ctx context.Context, tx *store.Tx, id string, data []byte) error {
	_, err := tx.Exec(ctx, "INSERT INTO file_data (id, data, created_at) VALUES (?, ?, ?)", id, data, store.TS(tx.Now()))
	return err
}

// Get returns the bytes of a file.
func (DBFileStore) Get(ctx context.Context, tx *store.Tx, id string) (data []byte, err error) {
	err = tx.QueryRow(ctx, "SELECT data FROM file_data WHERE id = ?", id).Scan(&data)
	return data, store.NotFound(err, "file %q not found", id)
}

// Delete removes the bytes of a file.
func (DBFileStore) Delete(ctx context.Context, tx *store.Tx, id string) error {
	_, err := tx.Exec(ctx, "DELETE FROM file_data WHERE id = ?", id)
	return err
}

// FileLimits bound what customers and staff may attach.
type FileLimits struct {
	// MaxFileSize is the largest file in bytes.
	MaxFileSize int64
	// MaxMessageSize is the largest sum of a message's files in bytes.
	MaxMessageSize int64
	// MaxFiles is the most files one message carries.
	MaxFiles int
	// AllowedTypes are the media types accepted, as sniffed: "image/png", or "image/*" for
	// every image type.
	AllowedTypes []string
}

// DefaultAllowedTypes are the types accepted unless configured otherwise: pictures, PDF,
// plain text and CSV, office documents, audio and video of the common formats. HTML is not
// among them; SVG is, since it is served only as a sandboxed download.
var DefaultAllowedTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml",
	"application/pdf", "text/plain", "text/csv",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/zip", "audio/ogg", "audio/mpeg", "audio/wave", "video/mp4", "video/webm",
}

// DefaultFileLimits are 10 MiB a file, 25 MiB a message, 10 files a message.
func DefaultFileLimits() FileLimits {
	return FileLimits{MaxFileSize: 10 << 20, MaxMessageSize: 25 << 20, MaxFiles: 10, AllowedTypes: DefaultAllowedTypes}
}

// Allows reports whether the sniffed media type is one of the allowed types.
func (l FileLimits) Allows(mediaType string) bool {
	for _, a := range l.AllowedTypes {
		if a == mediaType || a == "*/*" || strings.HasSuffix(a, "/*") && strings.HasPrefix(mediaType, strings.TrimSuffix(a, "*")) {
			return true
		}
	}
	return false
}

// SetFiles replaces the file store (nil keeps the database's) and the limits (zero fields
// keep their defaults); the server calls it once at start.
func (s *Service) SetFiles(fs FileStore, l FileLimits) {
	if fs != nil {
		s.files = fs
	}
	def := DefaultFileLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = def.MaxFileSize
	}
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = def.MaxMessageSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = def.MaxFiles
	}
	if len(l.AllowedTypes) == 0 {
		l.AllowedTypes = def.AllowedTypes
	}
	s.limits = l
}

// FileLimits returns the limits in force, for clients that check before uploading.
func (s *Service) FileLimits() FileLimits { return s.limits }

// preparedFile is a checked file: its cleaned name and sniffed type.
type preparedFile struct {
	name, contentType string
	data              []byte
}

// checkFiles validates a message's files against the limits and sniffs their types. Every
// problem is reported with the field files[i], and one bad file refuses the whole message.
func checkFiles(l FileLimits, files []NewFile) ([]preparedFile, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if l.MaxFiles > 0 && len(files) > l.MaxFiles {
		return nil, errs.Field("files", "has %d files, more than the limit of %d", len(files), l.MaxFiles)
	}
	var list errs.List
	var total int64
	out := make([]preparedFile, len(files))
	for i, f := range files {
		field := fmt.Sprintf("files[%d]", i)
		size := int64(len(f.Data))
		total += size
		if l.MaxFileSize > 0 && size > l.MaxFileSize {
			return nil, tooLarge(field, fmt.Sprintf("%s: %q is %d bytes, more than the limit of %d bytes a file", field, f.Name, size, l.MaxFileSize), l.MaxFileSize)
		}
		if size == 0 {
			list.Add(field, "%q is empty", f.Name)
			continue
		}
		ct := SniffType(f.Name, f.ContentType, f.Data)
		if !l.Allows(mediaType(ct)) {
			list.Add(field, "%q is of type %s, which this server does not accept", f.Name, mediaType(ct))
		}
		out[i] = preparedFile{name: CleanFileName(f.Name), contentType: ct, data: f.Data}
	}
	if l.MaxMessageSize > 0 && total > l.MaxMessageSize {
		return nil, tooLarge("files", fmt.Sprintf("files: are %d bytes together, more than the limit of %d bytes a message", total, l.MaxMessageSize), l.MaxMessageSize)
	}
	return out, list.Err()
}

func tooLarge(field, msg string, limit int64) error {
	return &errs.Error{Code: errs.TooLarge, Message: msg, Details: map[string]any{"field": field, "limit": limit}}
}

// checkContent refuses a message with neither text nor files; text may be empty when files
// come along.
func checkContent(text string, files []NewFile) error {
	if len(files) > 0 && strings.TrimSpace(text) == "" {
		return nil
	}
	return checkText(text)
}

// maxFileName bounds a stored file name in bytes.
const maxFileName = 255

// CleanFileName makes a sender's file name safe to store and show: the last path element, no
// control characters, at most 255 bytes keeping the extension, "file" when nothing is left.
func CleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "file"
	}
	if len(name) > maxFileName {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		cut := maxFileName - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	return name
}

// imageTypes are the types shown inline and thumbnailed: those the standard library decodes.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif"}

// IsImage reports whether a stored type is shown inline with a thumbnail.
func IsImage(contentType string) bool { return slices.Contains(imageTypes, mediaType(contentType)) }

// mediaType is the type without its parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(strings.ToLower(ct))
}
