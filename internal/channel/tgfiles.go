package channel

import (
	"context"
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
// (too large, gone, Telegram down) becomes a note in the text instead: the customer's message
// is stored all the same, and the operator can ask for the file again.
func (s *Service) attachTelegramFiles(ctx context.Context, b *botAPI, m *tgMessage, in *chat.Inbound) {
	for _, f := range tgFiles(m) {
		_, err := b.download(ctx, f.id, s.cfg.Telegram.MaxFile)
		if err != nil {
			s.log.Warn("telegram: a file could not be fetched", "channel", in.ChannelID, "kind", f.kind, "err", err)
			in.Text = withNote(in.Text, "(a "+f.kind+" that could not be fetched from Telegram: "+err.Error()+")")
			continue
		}
		// Until messages carry files, the file is named in the text.
		in.Text = withNote(in.Text, "("+f.kind+": "+f.name+")")
	}
}

// withNote adds a note on its own line after the text.
func withNote(text, note string) string {
	if strings.TrimSpace(text) == "" {
		return note
	}
	return text + "\n" + note
}
