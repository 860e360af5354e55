package feel

import "testing"

// FuzzEval checks that no input makes the parser or the evaluator panic or run unbounded.
func FuzzEval(f *testing.F) {
	for _, c := range cases {
		f.Add(c.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := Parse(src)
		if err != nil {
			return
		}
		_, _ = x.EvalLimits(testEnv, Limits{Steps: 10_000, Items: 1_000})
		_ = x.Names()
		_ = x.Type()
	})
}
