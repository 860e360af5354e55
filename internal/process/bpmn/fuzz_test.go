package bpmn

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/process/bpmntest"
)

// FuzzParse checks that no input makes Parse panic, and that whatever it accepts is a graph an
// engine can walk without nil checks: a start, and flows joined at both ends.
func FuzzParse(f *testing.F) {
	// The public corpus seeds the fuzzer when it is here; the models below always do.
	var files []string
	if corpus, _ := bpmntest.Lookup(); corpus != "" {
		files, _ = filepath.Glob(filepath.Join(corpus, "*.bpmn"))
	}
	for _, path := range files {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	f.Add(doc(around("T", `<bpmn:userTask id="T"/>`)))
	f.Add(doc(`<bpmn:subProcess id="X"><bpmn:subProcess id="Y"><bpmn:task/></bpmn:subProcess></bpmn:subProcess>`))
	f.Add([]byte(`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process><startEvent id="S"/></process></definitions>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		p := d.Main()
		if p == nil || p.Start == nil {
			t.Fatal("an accepted file must have a main process with a start")
		}
		for _, fl := range p.FlowOrder {
			if fl.From == nil || fl.To == nil {
				t.Fatalf("flow %s is not joined", fl.ID)
			}
		}
		_ = p.Expressions()
	})
}

func FuzzTranslate(f *testing.F) {
	for _, s := range []string{"=price >= 0", "=not(a = \"x\\\"\")", "${a eq 'b' && !c}", "a + b > 1", "#{x div 2}", "=a.b.c = null"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, _, err := Translate(src)
		if err == nil && checkSyntax(out) != nil {
			t.Fatalf("Translate(%q) = %q, which does not parse", src, out)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT5M", "P1Y2M3W4DT5H6M7.5S", "P30D", "PT1,5S"} {
		f.Add(s)
	}
	from := time.Date(2024, 1, 31, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDuration(s); err == nil && d.AddTo(from).Before(from) {
			t.Fatalf("%q moves time backwards", s)
		}
	})
}
