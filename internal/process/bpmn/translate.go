package bpmn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/parser"
)

// Dialect is the expression language an expression was written in.
type Dialect string

// The dialects Parley reads. Everything reaches the engine as expr-lang: JUEL is translated, and
// only the subset whose meaning is the same in expr-lang is accepted; FEEL is carried whole to
// package feel inside an expr-lang call (see feelCall).
const (
	DialectExpr Dialect = "expr" // plain text: already expr-lang
	DialectFEEL Dialect = "feel" // Zeebe style, starts with "="
	DialectJUEL Dialect = "juel" // Camunda 7 style, ${...} or #{...}
)

// Translate recognises the dialect of src by its form and returns the expr-lang source with the
// same meaning, or an error saying what cannot be translated faithfully.
func Translate(src string) (string, Dialect, error) {
	s := strings.TrimSpace(src)
	switch {
	case strings.HasPrefix(s, "="):
		out, err := translateFEEL(s[1:])
		return out, DialectFEEL, err
	case (strings.HasPrefix(s, "${") || strings.HasPrefix(s, "#{")) && strings.HasSuffix(s, "}"):
		out, err := translateJUEL(s[2 : len(s)-1])
		return out, DialectJUEL, err
	}
	return s, DialectExpr, checkSyntax(s)
}

// translateLanguage honours a conditionExpression's language attribute, which Camunda 7 files
// use to name a script language; only the dialects Parley understands are accepted.
func translateLanguage(src, language string) (string, Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(language)) {
	case "":
		return Translate(src)
	case "feel", "http://www.omg.org/spec/feel/20140401", "https://www.omg.org/spec/dmn/20191111/feel/":
		out, err := translateFEEL(strings.TrimPrefix(strings.TrimSpace(src), "="))
		return out, DialectFEEL, err
	case "juel":
		return Translate(src)
	case "expr":
		s := strings.TrimSpace(src)
		return s, DialectExpr, checkSyntax(s)
	}
	return "", "", fmt.Errorf("expression language %q is not supported", language)
}

// feelOrStatic reads a Zeebe attribute that is a FEEL expression when it starts with "=" and a
// literal string otherwise, and returns expr-lang source for it.
func feelOrStatic(s string) (string, error) {
	if strings.HasPrefix(s, "=") {
		return translateFEEL(s[1:])
	}
	return quote(s), nil
}

// checkSyntax parses expr-lang source, so that a typo is reported at import, naming its element,
// rather than when a token first reaches it. Type checking needs the process's variables and
// is the engine's job (see CheckExpressions).
func checkSyntax(src string) error {
	if strings.TrimSpace(src) == "" {
		return errors.New("the expression is empty")
	}
	if _, err := parser.Parse(src); err != nil {
		return fmt.Errorf("not a valid expression: %s", firstLine(err.Error()))
	}
	return nil
}

// firstLine drops the source excerpt and caret that expr-lang adds under its messages.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// translateFEEL checks a FEEL expression and wraps it for the engine.
func translateFEEL(src string) (string, error) {
	return feelCall(src)
}

// translateJUEL translates the body of a JUEL ${...} with the same subset plus JUEL's word
// operators (eq, ne, lt, gt, le, ge, div, mod) and single-quoted strings.
func translateJUEL(src string) (string, error) {
	return translate(src, juelDialect)
}

// juelLoopCounter is what a JUEL expression's loopCounter becomes. Camunda 7 counts a
// multi-instance activity's runs from 0 and Parley (like Zeebe) from 1, so a Camunda 7 file's
// kermit_${loopCounter} names kermit_0 for the first run, as its author meant.
var juelLoopCounter = []token{{tokLParen, "("}, {tokName, LoopCounter}, {tokOp, "-"}, {tokNumber, "1"}, {tokRParen, ")"}}

func translate(src string, d *dialect) (string, error) {
	toks, err := lex(src, d)
	if err != nil {
		return "", err
	}
	if err := checkTokens(toks, d); err != nil {
		return "", err
	}
	if d == juelDialect {
		toks = zeroBasedLoopCounter(toks)
	}
	out := render(toks)
	if err := checkSyntax(out); err != nil {
		return "", err
	}
	return out, nil
}

// checkTokens refuses the constructs whose meaning differs between the source dialect and
// expr-lang even though they would parse: function calls, and comparisons chained without a
// boolean operator (FEEL forbids them, JUEL and expr-lang group them differently).
func checkTokens(toks []token, d *dialect) error {
	comparisons := []int{0}
	for i, t := range toks {
		top := len(comparisons) - 1
		switch {
		case t.kind == tokName && i+1 < len(toks) && toks[i+1].text == "(":
			return fmt.Errorf("function call %s(...) is not supported", t.text)
		case t.kind == tokLParen:
			comparisons = append(comparisons, 0)
		case t.kind == tokRParen && top > 0:
			comparisons = comparisons[:top]
		case t.text == "and" || t.text == "or":
			comparisons[top] = 0
		case t.kind == tokOp && isComparison(t.text):
			if comparisons[top]++; comparisons[top] > 1 {
				return fmt.Errorf("chained comparisons are not supported in %s; join them with and", d.name)
			}
		}
	}
	return nil
}

// zeroBasedLoopCounter rewrites each bare loopCounter of a JUEL expression (see juelLoopCounter).
func zeroBasedLoopCounter(toks []token) []token {
	out := make([]token, 0, len(toks))
	for _, t := range toks {
		if t.kind == tokName && t.text == LoopCounter {
			out = append(out, juelLoopCounter...)
			continue
		}
		out = append(out, t)
	}
	return out
}

func isComparison(op string) bool {
	switch op {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// render joins the translated tokens. Spaces around every token are harmless in expr-lang and
// keep "not" from touching a following name.
func render(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.kind != tokRParen && toks[i-1].kind != tokLParen && toks[i-1].text != "!" {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// quote writes s as an expr-lang string literal; expr-lang reads Go's escapes.
func quote(s string) string {
	return fmt.Sprintf("%q", s)
}
