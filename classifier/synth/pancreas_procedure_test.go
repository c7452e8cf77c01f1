package synth

import (
	"strings"
	"testing"
)

// TestPancreasProcedureCases checks the two procedure case types of the
// pancreas task: the label-0 one never biopsies a pancreatic mass, the
// label-2 one always biopsies a hypoenhancing (not a NET-like hypervascular)
// pancreatic mass, and both read as CT-guided procedures.
func TestPancreasProcedureCases(t *testing.T) {
	other, err := GenerateCase(TaskPancreas, "ct_guided_procedure_other", 400, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, ex := range other {
		low := strings.ToLower(ex.Text)
		if ex.Label != 0 {
			t.Fatalf("%s: label %d", ex.ID, ex.Label)
		}
		if strings.Contains(low, "pancreatic mass") || strings.Contains(low, "pancreatic lesion") || strings.Contains(ex.Text, "膵腫瘤") {
			t.Fatalf("%s biopsies a pancreatic mass but is labelled none:\n%s", ex.ID, ex.Text)
		}
		for _, k := range []string{"drain", "lung", "bone", "biops"} {
			if strings.Contains(low, k) {
				kinds[k]++
			}
		}
	}
	for _, k := range []string{"drain", "lung", "bone", "biops"} {
		if kinds[k] < 40 {
			t.Errorf("only %d of %d label-0 procedure reports mention %q: the case should draw every IR category", kinds[k], len(other), k)
		}
	}
	mass, err := GenerateCase(TaskPancreas, "ct_guided_biopsy_pancreatic_mass", 200, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range mass {
		low := strings.ToLower(ex.Text)
		if ex.Label != 2 {
			t.Fatalf("%s: label %d", ex.ID, ex.Label)
		}
		if !strings.Contains(low, "pancrea") && !strings.Contains(ex.Text, "膵") {
			t.Fatalf("%s does not name the pancreas:\n%s", ex.ID, ex.Text)
		}
		if strings.Contains(low, "hypervascular") || !strings.Contains(low, "biops") && !strings.Contains(low, "fna") && !strings.Contains(low, "aspiration") && !strings.Contains(ex.Text, "生検") {
			t.Fatalf("%s is not a biopsy of a hypoenhancing pancreatic mass:\n%s", ex.ID, ex.Text)
		}
	}
}
