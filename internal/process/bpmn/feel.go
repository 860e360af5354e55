package bpmn

import (
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/feel"
)

// feelFunc is the function through which a FEEL expression reaches the engine. FEEL's meaning
// differs from expr-lang's (null logic, positions from 1, loops), so a FEEL expression is not
// translated but carried whole inside an expr-lang call, __feel($env, "source"); the engine
// parses the source once per version and evaluates it with package feel.
const feelFunc = "__feel"

const feelPrefix = feelFunc + "($env, "

// feelCall checks the syntax of a FEEL expression and wraps it for the engine. A bare variable
// name means the same in both languages and stays a name, so that a mapping such as
// source="=customer" is still recognised as one variable.
func feelCall(src string) (string, error) {
	s := strings.TrimSpace(src)
	if len(s) > maxExpression {
		return "", errLong
	}
	x, err := feel.Parse(s)
	if err != nil {
		return "", err
	}
	if isIdentifier(s) && len(x.Names()) == 1 {
		return s, nil
	}
	return feelPrefix + strconv.Quote(s) + ")", nil
}

// FEELSource returns the FEEL source carried by an expression that came from FEEL; ok is false
// for expressions written in expr-lang or translated from JUEL.
func FEELSource(src string) (string, bool) {
	rest, ok := strings.CutPrefix(src, feelPrefix)
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	s, err := strconv.Unquote(rest[:len(rest)-1])
	return s, err == nil
}

// FEELFunction is the name of the function that evaluates FEEL inside an expr-lang program.
const FEELFunction = feelFunc
