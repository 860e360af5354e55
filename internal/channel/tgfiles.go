package channel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/parleychat/parley/internal/chat"
)

// tgFileRef is a file of a Telegram message, to be fetched with getFile.
type tgFileRef struct {
	id, name, contentType string
	// kind names the file in a note when it cannot be fetched: "photo", "document", …
	kind string
}

// tgFiles lists the files a message carries: the largest size of a photo, a document, a
// voice message, a sticker drawn as a still picture (animated and video stickers are only
// their emoji).
func tgFiles(m *tgMessage) []tgFileRef {
	var out []tgFileRef
	if len(m.Photo) > 0 {
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height {
				best = p
			}
		}
		out = append(out, tgFileRef{id: best.FileID, name: "photo.jpg", contentType: "image/jpeg", kind: "photo"})
	}
	if d := m.Document; d != nil {
		out = append(out, tgFileRef{id: d.FileID, name: firstNonEmpty(d.FileName, "document"), contentType: d.MimeType, kind: "document"})
	}
	if v := m.Voice; v != nil {
		out = append(out, tgFileRef{id: v.FileID, name: "voice.ogg", contentType: firstNonEmpty(v.MimeType, "audio/ogg"), kind: "voice message"})
	}
	if st := m.Sticker; st != nil && !st.IsAnimated && !st.IsVideo {
		out = append(out, tgFileRef{id: st.FileID, name: "sticker.webp", contentType: "image/webp", kind: "sticker"})
	}
	return out
}

// attachTelegramFiles fetches the message's files into in. A file that cannot be fetched
// (too large, gone, Telegram down) or that Parley does not accept (its type sniffed from the
// content) becomes a note in the text instead: the customer's message is stored all the same,
// and the operator can ask for the file in another form.
func (s *Service) attachTelegramFiles(ctx context.Context, b *botAPI, m *tgMessage, in *chat.Inbound) {
	limits := s.chat.FileLimits()
	limit := s.cfg.Telegram.MaxFile
	if limits.MaxFileSize > 0 {
		limit = min(limit, limits.MaxFileSize)
	}
	for _, f := range tgFiles(m) {
		data, err := b.download(ctx, f.id, limit)
		if err == nil && len(data) == 0 {
			err = errors.New("the file is empty")
		}
		if err == nil {
			if t, _, _ := strings.Cut(chat.SniffType(f.name, f.contentType, data), ";"); !limits.Allows(strings.TrimSpace(t)) {
				err = fmt.Errorf("files of type %s are not accepted", t)
			}
		}
		if err != nil {
			s.log.Warn("telegram: a file was not taken", "channel", in.ChannelID, "kind", f.kind, "err", err)
			in.Text = withNote(in.Text, "(a "+f.kind+" that could not be taken from Telegram: "+err.Error()+")")
			continue
		}
		in.Files = append(in.Files, chat.NewFile{Name: f.name, ContentType: f.contentType, Data: data})
	}
}

// withNote adds a note on its own line after the text.
func withNote(text, note string) string {
	if strings.TrimSpace(text) == "" {
		return note
	}
	return text + "\n" + note
}
