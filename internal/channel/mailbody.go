package channel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"

	"github.com/parleychat/parley/internal/chat"
)

// truncatedNote ends the text of a mail longer than a chat message may be. Cutting it keeps
// the customer's words where refusing the whole mail would lose them.
const truncatedNote = "\n[… the rest of the email was cut]"

// mailBody collects the first plain and the first HTML text of a message's parts, and its
// files.
type mailBody struct {
	plain, html string
	files       []chat.NewFile
	parts       int
}

// mailText returns the text of a message — its first text/plain part, else its first HTML
// part stripped to text; decoded, with LF line ends, and cut to what a chat message holds —
// and its files: attachments and inline pictures. A part that cannot be read ends the walk,
// but what was read before it is kept.
func mailText(h mail.Header, body io.Reader) (string, []chat.NewFile, error) {
	var b mailBody
	if err := b.walk(textproto.MIMEHeader(h), body); err != nil && b.plain == "" && b.html == "" && len(b.files) == 0 {
		return "", nil, err
	}
	text := strings.TrimSpace(b.plain)
	if text == "" {
		text = htmlToText(b.html)
	}
	if len(text) > chat.MaxText {
		cut := chat.MaxText - len(truncatedNote)
		text = strings.ToValidUTF8(text[:cut], "") + truncatedNote
	}
	return text, b.files, nil
}

// walk visits one part: it descends into multipart parts, keeps the first inline text of
// each kind, and takes every other part that is an attachment, has a file name or is not
// text (an inline picture of an HTML mail) as a file. A missing or broken Content-Type is
// text/plain, as RFC 2045 says.
func (b *mailBody) walk(h textproto.MIMEHeader, r io.Reader) error {
	if b.parts++; b.parts > maxMailParts {
		return nil
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		return b.walkMultipart(r, params["boundary"])
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := firstNonEmpty(dparams["filename"], params["name"])
	isText := mediaType == "text/plain" && b.plain == "" || mediaType == "text/html" && b.html == ""
	if disposition == "attachment" || name != "" || !strings.HasPrefix(mediaType, "text/") {
		return b.addFile(h, r, mediaType, name)
	}
	if !isText {
		return nil
	}
	text, err := decodePart(h, r, params["charset"])
	if mediaType == "text/plain" {
		b.plain = text
	} else {
		b.html = text
	}
	return err
}

// addFile keeps a part as a file, named as the sender named it (RFC 2231 and RFC 2047 names
// decoded), else after its type.
func (b *mailBody) addFile(h textproto.MIMEHeader, r io.Reader, mediaType, name string) error {
	data, err := io.ReadAll(transferDecoder(h, r))
	if err != nil {
		return err
	}
	if name = decodeHeader(name); name == "" {
		name = "attachment"
		if mediaType == "message/rfc822" {
			name = "message"
		}
		if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
			name += exts[0]
		} else if mediaType == "message/rfc822" {
			name += ".eml"
		}
	}
	b.files = append(b.files, chat.NewFile{Name: name, ContentType: mediaType, Data: data})
	return nil
}

func (b *mailBody) walkMultipart(r io.Reader, boundary string) error {
	if boundary == "" {
		return errors.New("a multipart part has no boundary")
	}
	mr := multipart.NewReader(r, boundary)
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := b.walk(p.Header, p); err != nil {
			return err
		}
	}
}

// transferDecoder undoes the part's Content-Transfer-Encoding.
func transferDecoder(h textproto.MIMEHeader, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &skipSpace{r: r})
	}
	return r
}

// skipSpace drops the line breaks and stray spaces of base64 text, which encoding/base64
// skips only when they are CR and LF.
type skipSpace struct{ r io.Reader }

func (s *skipSpace) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
}

// decodePart undoes the part's transfer encoding and turns its charset into UTF-8. A charset
// nobody can name is kept as valid UTF-8 at least, so the words that are ASCII still read.
func decodePart(h textproto.MIMEHeader, r io.Reader, charset string) (string, error) {
	r = transferDecoder(h, r)
	if cr, err := charsetReader(charset, r); err == nil {
		r = cr
	}
	data, err := io.ReadAll(r)
	text := strings.ReplaceAll(strings.ToValidUTF8(string(data), "\uFFFD"), "\r\n", "\n")
	return text, err
}

// charsetReader converts from a charset named by MIME (ISO-8859-x, windows-125x, KOI8-R,
// Shift_JIS, ISO-2022-JP, GB18030, Big5, EUC-KR…) to UTF-8, looking the name up as the
// WHATWG Encoding standard does, which is how mail clients label their mail in practice,
// then in the IANA registry. UTF-8 and US-ASCII pass as they are.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	name := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"`))
	switch name {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		if enc, err = ianaindex.MIME.Encoding(name); err == nil && enc == nil {
			err = fmt.Errorf("charset %q is known but not supported", charset)
		}
	}
	if err != nil {
		return nil, err
	}
	return transform.NewReader(r, enc.NewDecoder()), nil
}

var (
	htmlHidden = regexp.MustCompile(`(?is)<(script|style|head|title)\b.*?</(script|style|head|title)\s*>|<!--.*?-->`)
	htmlSpace  = regexp.MustCompile(`\s+`)
	htmlBreak  = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre)\b[^>]*>`)
	htmlTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// htmlToText strips an HTML body to its readable text: what a browser would not show goes,
// block ends become line breaks, entities are decoded.
func htmlToText(s string) string {
	s = htmlHidden.ReplaceAllString(s, "")
	s = htmlSpace.ReplaceAllString(s, " ")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = html.UnescapeString(htmlTag.ReplaceAllString(s, ""))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(strings.ReplaceAll(l, "\u00a0", " "))
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
