package feel

import (
	"testing"

	"github.com/expr-lang/expr"
)

// The cost of a typical condition in FEEL and, for comparison, the same condition in expr-lang.
func BenchmarkCondition(b *testing.B) {
	env := map[string]any{"amount": 150.0, "customer": map[string]any{"tier": "gold"}}
	b.Run("feel", func(b *testing.B) {
		x, err := Parse(`amount > 100 and customer.tier = "gold"`)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if v, _ := x.Eval(env); v != true {
				b.Fatal(v)
			}
		}
	})
	b.Run("expr", func(b *testing.B) {
		prog, err := expr.Compile(`amount > 100 and customer.tier == "gold"`, expr.Env(env))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if v, _ := expr.Run(prog, env); v != true {
				b.Fatal(v)
			}
		}
	})
}
