package httpapi

import "testing"

func TestCSVTextIsNeverAFormula(t *testing.T) {
	for in, want := range map[string]string{
		"Anna Petrova":            "Anna Petrova",
		"":                        "",
		"=HYPERLINK(\"x\",\"y\")": "'=HYPERLINK(\"x\",\"y\")",
		"+1 555":                  "'+1 555",
		"-2+3":                    "'-2+3",
		"@SUM(A1)":                "'@SUM(A1)",
		"\tcmd":                   "'\tcmd",
		"a=b":                     "a=b",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}
