package feel

// Names returns the variables the expression reads, in order of first use, leaving out the
// names it binds itself (iteration variables, a context's entries). Inside a filter, names may
// be the entries of the list's items, so only names outside filters are returned: those are
// the ones a publish can check against the declared variables.
func (x *Expr) Names() []string {
	w := &nameWalk{seen: map[string]bool{}}
	w.walk(x.root, map[string]bool{})
	return w.out
}

type nameWalk struct {
	seen map[string]bool
	out  []string
}

func with(bound map[string]bool, names ...string) map[string]bool {
	out := make(map[string]bool, len(bound)+len(names))
	for k := range bound {
		out[k] = true
	}
	for _, n := range names {
		out[n] = true
	}
	return out
}

func (w *nameWalk) walk(n node, bound map[string]bool) {
	switch x := n.(type) {
	case *nameNode:
		if !bound[x.name] && !w.seen[x.name] {
			w.seen[x.name] = true
			w.out = append(w.out, x.name)
		}
	case *listNode:
		w.all(bound, x.items...)
	case *contextNode:
		inner := bound
		for i, v := range x.vals {
			w.walk(v, inner)
			inner = with(inner, x.keys[i])
		}
	case *rangeNode:
		w.all(bound, x.lo, x.hi)
	case *negNode:
		w.walk(x.x, bound)
	case *arithNode:
		w.all(bound, x.l, x.r)
	case *cmpNode:
		w.all(bound, x.l, x.r)
	case *logicNode:
		w.all(bound, x.l, x.r)
	case *betweenNode:
		w.all(bound, x.x, x.lo, x.hi)
	case *inNode:
		w.walk(x.x, bound)
		w.all(bound, x.tests...)
	case *testCmp:
		w.walk(x.r, bound)
	case *testEq:
		w.walk(x.r, bound)
	case *ifNode:
		w.all(bound, x.c, x.a, x.b)
	case *instanceNode:
		w.walk(x.x, bound)
	case *pathNode:
		w.walk(x.x, bound)
	case *filterNode:
		w.walk(x.x, bound)
	case *callNode:
		w.all(bound, x.args...)
	case *forNode:
		inner := w.iterators(x.its, bound)
		w.walk(x.body, with(inner, "partial"))
	case *quantNode:
		w.walk(x.cond, w.iterators(x.its, bound))
	}
}

func (w *nameWalk) all(bound map[string]bool, nodes ...node) {
	for _, n := range nodes {
		w.walk(n, bound)
	}
}

func (w *nameWalk) iterators(its []iterator, bound map[string]bool) map[string]bool {
	for _, it := range its {
		w.walk(it.in, bound)
		if it.to != nil {
			w.walk(it.to, bound)
		}
		bound = with(bound, it.name)
	}
	return bound
}
