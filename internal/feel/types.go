package feel

// Type returns the FEEL type every evaluation of the expression gives when it is not null, as
// far as it can be known without the variables ("boolean", "number", "string", "list",
// "context", "date", "date and time"), or "" when it depends on them. Publish uses it to check
// an expression against the variable it fills.
func (x *Expr) Type() string { return staticType(x.root) }

// results are the types of the built-in functions' results.
var results = map[string]string{}

func init() {
	for t, names := range map[string][]string{
		"string": {"substring", "upper case", "lower case", "trim", "substring before",
			"substring after", "replace", "string join", "string"},
		"boolean": {"not", "is defined", "contains", "starts with", "ends with", "matches", "list contains", "odd", "even", "all", "any"},
		"number": {"string length", "count", "sum", "product", "mean", "median", "decimal", "floor", "ceiling",
			"round up", "round down", "round half up", "round half down", "modulo", "sqrt", "log", "exp", "number"},
		"list": {"split", "sublist", "append", "concatenate", "insert before", "remove", "reverse", "index of",
			"union", "distinct values", "flatten", "sort", "get entries"},
		"date":          {"date", "today"},
		"date and time": {"date and time", "now"},
	} {
		for _, n := range names {
			results[n] = t
		}
	}
}

func staticType(n node) string {
	switch x := n.(type) {
	case *litNode:
		if x.v == nil {
			return ""
		}
		return typeName(x.v)
	case *cmpNode, *logicNode, *betweenNode, *inNode, *instanceNode, *quantNode:
		return "boolean"
	case *listNode, *forNode:
		return "list"
	case *contextNode:
		return "context"
	case *negNode:
		if staticType(x.x) == "number" {
			return "number"
		}
	case *arithNode:
		l, r := staticType(x.l), staticType(x.r)
		if l == r && (l == "number" || l == "string" && x.op == "+") {
			return l
		}
	case *ifNode:
		if a := staticType(x.a); a == staticType(x.b) {
			return a
		}
	case *callNode:
		return results[x.name]
	}
	return ""
}
