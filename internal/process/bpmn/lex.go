package bpmn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tokName tokKind = iota
	tokNumber
	tokString
	tokWord // a literal word such as true or nil, already in expr-lang form
	tokOp
	tokLParen
	tokRParen
)

// token is one lexed piece of a JUEL expression; text is already in expr-lang form.
type token struct {
	kind tokKind
	text string
}

// dialect describes the surface of a source language: which operators and words it has and what
// each becomes in expr-lang. An empty translation in words marks a word that is refused.
type dialect struct {
	name         string
	symbols      []string // longest first
	symbolMap    map[string]string
	words        map[string]string
	singleQuotes bool // JUEL also quotes strings with '
	escapes      string
}

var juelDialect = &dialect{
	name:    "JUEL",
	symbols: []string{"==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%"},
	symbolMap: map[string]string{"==": "==", "!=": "!=", "<=": "<=", ">=": ">=", "<": "<", ">": ">",
		"&&": "and", "||": "or", "!": "!", "+": "+", "-": "-", "*": "*", "/": "/", "%": "%"},
	words: map[string]string{"and": "and", "or": "or", "not": "!", "true": "true", "false": "false",
		"null": "nil", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
		"div": "/", "mod": "%", "empty": "", "instanceof": ""},
	singleQuotes: true,
	escapes:      `"\'`,
}

// exprKeywords are words that expr-lang reads as operators or literals; a variable with one of
// these names would change meaning, so such names are refused.
var exprKeywords = map[string]bool{"in": true, "matches": true, "contains": true, "startsWith": true,
	"endsWith": true, "let": true, "nil": true, "not": true, "and": true, "or": true, "if": true,
	"else": true, "true": true, "false": true}

// maxExpression bounds the length of one expression; conditions are short, and the bound keeps
// the translator's work small on hostile input.
const maxExpression = 4096

// errLong refuses an expression longer than maxExpression.
var errLong = fmt.Errorf("the expression is longer than %d characters", maxExpression)

func lex(src string, d *dialect) ([]token, error) {
	if len(src) > maxExpression {
		return nil, errLong
	}
	var toks []token
	for rest := strings.TrimLeftFunc(src, unicode.IsSpace); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		t, n, err := lexOne(rest, d)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t...)
		rest = rest[n:]
	}
	if len(toks) == 0 {
		return nil, errors.New("the expression is empty")
	}
	return toks, nil
}

// lexOne reads the token at the start of s and returns it with the number of bytes it used.
func lexOne(s string, d *dialect) ([]token, int, error) {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case r == '(':
		return []token{{tokLParen, "("}}, 1, nil
	case r == ')':
		return []token{{tokRParen, ")"}}, 1, nil
	case r == '"' || (r == '\'' && d.singleQuotes):
		return lexString(s, d)
	case r >= '0' && r <= '9':
		return lexNumber(s)
	case isNameStart(r):
		return lexName(s, d)
	}
	for _, sym := range d.symbols {
		if strings.HasPrefix(s, sym) {
			return []token{{tokOp, d.symbolMap[sym]}}, len(sym), nil
		}
	}
	return nil, 0, fmt.Errorf("%q is not supported in %s expressions", r, d.name)
}

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isNamePart(r rune) bool { return isNameStart(r) || unicode.IsDigit(r) }

func lexNumber(s string) ([]token, int, error) {
	n := digits(s)
	if n < len(s) && s[n] == '.' && digits(s[n+1:]) > 0 {
		n += 1 + digits(s[n+1:])
	}
	if r, _ := utf8.DecodeRuneInString(s[n:]); n < len(s) && (isNamePart(r) || r == '.') {
		return nil, 0, fmt.Errorf("malformed number %q", s[:n+utf8.RuneLen(r)])
	}
	return []token{{tokNumber, s[:n]}}, n, nil
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// lexName reads a name or a dotted path (customer.name) and maps dialect words.
func lexName(s string, d *dialect) ([]token, int, error) {
	n := nameLen(s)
	for n+1 < len(s) && s[n] == '.' {
		m := nameLen(s[n+1:])
		if m == 0 {
			return nil, 0, fmt.Errorf("malformed path %q", s[:n+1])
		}
		n += 1 + m
	}
	word := s[:n]
	if tr, ok := d.words[word]; ok {
		return lexWord(word, tr, d)
	}
	for _, part := range strings.Split(word, ".") {
		if exprKeywords[part] {
			return nil, 0, fmt.Errorf("the name %q is a keyword in expr-lang", part)
		}
	}
	return []token{{tokName, word}}, n, nil
}

func nameLen(s string) int {
	n := 0
	for i, r := range s {
		if !(isNamePart(r) && (i > 0 || isNameStart(r))) {
			break
		}
		n = i + utf8.RuneLen(r)
	}
	return n
}

// lexWord turns a dialect word into its expr-lang form.
func lexWord(word, tr string, d *dialect) ([]token, int, error) {
	switch {
	case word == "not":
		return []token{{tokOp, "!"}}, len(word), nil
	case tr == "":
		return nil, 0, fmt.Errorf("%s %q is not supported", d.name, word)
	case tr == "true" || tr == "false" || tr == "nil":
		return []token{{tokWord, tr}}, len(word), nil
	}
	return []token{{tokOp, tr}}, len(word), nil
}

// lexString decodes a quoted string and writes it back as an expr-lang literal, so that the
// escapes of the source dialect never reach expr-lang unread.
func lexString(s string, d *dialect) ([]token, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return []token{{tokString, quote(b.String())}}, i + 1, nil
		case c != '\\':
			b.WriteByte(c)
		case i+1 < len(s) && strings.IndexByte(d.escapes, s[i+1]) >= 0:
			n, err := unescape(s[i+1:], &b)
			if err != nil {
				return nil, 0, err
			}
			i += n
		default:
			return nil, 0, fmt.Errorf("unsupported escape in string %s", s[:min(i+2, len(s))])
		}
	}
	return nil, 0, errors.New("unterminated string")
}

// unescape writes the character of the escape that s starts with (after the backslash) and
// returns how many bytes of s it used.
func unescape(s string, b *strings.Builder) (int, error) {
	switch s[0] {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'u':
		if len(s) < 5 {
			return 0, errors.New("malformed \\u escape")
		}
		v, err := strconv.ParseUint(s[1:5], 16, 32)
		if err != nil {
			return 0, errors.New("malformed \\u escape")
		}
		b.WriteRune(rune(v))
		return 5, nil
	default:
		b.WriteByte(s[0])
	}
	return 1, nil
}
