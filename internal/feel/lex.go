package feel

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tNumber
	tString
	tTemporal // @"..."
	tOp
)

type token struct {
	kind tokKind
	text string
	num  float64
	pos  int
}

// MaxSource bounds the length of one expression, which keeps parsing cheap on hostile input.
const MaxSource = 8192

// symbols are FEEL's operators and punctuation, longest first.
var symbols = []string{"..", "**", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", "{", "}", ",", ":", "."}

func lex(src string) ([]token, error) {
	if len(src) > MaxSource {
		return nil, fmt.Errorf("the expression is longer than %d characters", MaxSource)
	}
	var toks []token
	i := 0
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("a comment at %d is not closed", i)
			}
			i += end + 4
		case r == '"':
			s, n, err := lexString(src[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tString, text: s, pos: i})
			i += n
		case r == '@' && strings.HasPrefix(src[i+1:], `"`):
			s, n, err := lexString(src[i+1:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tTemporal, text: s, pos: i})
			i += n + 1
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			n := digits(src[i:])
			if i+n+1 < len(src) && src[i+n] == '.' && src[i+n+1] >= '0' && src[i+n+1] <= '9' {
				n += 1 + digits(src[i+n+1:])
			}
			if i+n < len(src) && (src[i+n] == 'e' || src[i+n] == 'E') {
				m := i + n + 1
				if m < len(src) && (src[m] == '+' || src[m] == '-') {
					m++
				}
				if d := digits(src[m:]); d > 0 {
					n = m + d - i
				}
			}
			v, err := strconv.ParseFloat(src[i:i+n], 64)
			if err != nil {
				return nil, fmt.Errorf("malformed number %q", src[i:i+n])
			}
			toks = append(toks, token{kind: tNumber, text: src[i : i+n], num: v, pos: i})
			i += n
		case isNameStart(r):
			n := size // the first character may be one (?) that cannot continue a name
			for _, c := range src[i+size:] {
				if !isNamePart(c) {
					break
				}
				n += utf8.RuneLen(c)
			}
			toks = append(toks, token{kind: tName, text: src[i : i+n], pos: i})
			i += n
		default:
			found := false
			for _, s := range symbols {
				if strings.HasPrefix(src[i:], s) {
					toks = append(toks, token{kind: tOp, text: s, pos: i})
					i += len(s)
					found = true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("unexpected character %q at %d", r, i)
			}
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

func isNameStart(r rune) bool { return r == '_' || r == '?' || unicode.IsLetter(r) }
func isNamePart(r rune) bool {
	return r == '_' || r == '\'' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// lexString reads a double-quoted string with FEEL's escapes and returns its value and length.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			break
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\', '\'':
			b.WriteByte(s[i])
		case 'u':
			if i+5 > len(s) {
				return "", 0, fmt.Errorf("malformed \\u escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", 0, fmt.Errorf("malformed \\u escape")
			}
			b.WriteRune(rune(v))
			i += 4
		case 'U':
			if i+7 > len(s) {
				return "", 0, fmt.Errorf("malformed \\U escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+7], 16, 32)
			if err != nil {
				return "", 0, fmt.Errorf("malformed \\U escape")
			}
			b.WriteRune(rune(v))
			i += 6
		default:
			// Other backslashes are kept, so that a pattern such as "\s" reads as written.
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("a string is not closed with \"")
}
