package channel

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
)

// InboundAttachment is a file an outside messenger hands over by URL: Parley downloads it
// when the message arrives, under the same private-address rule as process http tasks.
type InboundAttachment struct {
	URL string `json:"url"`
	// Name is the file's name; the URL's last path element when empty.
	Name string `json:"name"`
}

// fetchAttachments downloads the files of an inbound message, naming attachments[i] in every
// error: a URL that is not http(s), an address the guard refuses, an answer that is not 2xx
// or a file over the per-file limit refuse the whole message.
func (s *Service) fetchAttachments(ctx context.Context, list []InboundAttachment) ([]chat.NewFile, error) {
	limits := s.chat.FileLimits()
	if limits.MaxFiles > 0 && len(list) > limits.MaxFiles {
		return nil, errs.Field("attachments", "has %d files, more than the limit of %d", len(list), limits.MaxFiles)
	}
	files := make([]chat.NewFile, 0, len(list))
	for i, a := range list {
		f, err := s.fetchOne(ctx, a, limits.MaxFileSize)
		if err != nil {
			field := fmt.Sprintf("attachments[%d]", i)
			e := err.With("field", field)
			e.Message = field + ": " + e.Message
			return nil, e
		}
		files = append(files, f)
	}
	return files, nil
}

func (s *Service) fetchOne(ctx context.Context, a InboundAttachment, maxSize int64) (chat.NewFile, *errs.Error) {
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return chat.NewFile{}, errs.New(errs.Invalid, "url must be an http or https URL, not %q", a.URL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return chat.NewFile{}, errs.New(errs.Invalid, "url %q: %v", a.URL, err)
	}
	resp, err := s.cfg.FetchClient.Do(req)
	if err != nil {
		return chat.NewFile{}, errs.New(errs.Invalid, "cannot download %s: %v", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return chat.NewFile{}, errs.New(errs.Invalid, "downloading %s answered %s", u.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSize+1))
	if err != nil {
		return chat.NewFile{}, errs.New(errs.Invalid, "cannot download %s: %v", u.Redacted(), err)
	}
	if int64(len(data)) > maxSize {
		return chat.NewFile{}, &errs.Error{Code: errs.TooLarge, Message: fmt.Sprintf("%s is more than the limit of %d bytes a file", u.Redacted(), maxSize),
			Details: map[string]any{"limit": maxSize}}
	}
	name := a.Name
	if name == "" {
		name = path.Base(u.Path)
	}
	return chat.NewFile{Name: name, ContentType: resp.Header.Get("Content-Type"), Data: data}, nil
}
