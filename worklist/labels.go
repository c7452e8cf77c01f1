package worklist

// LabelDef is one label of a task.
type LabelDef struct {
	Label int    `json:"label"`
	Name  string `json:"name"`
}

// DefaultLabels are the labels of the built-in tasks (labeling-guide.md),
// used when serve does not pass the configured tasks' labels.
func DefaultLabels() map[string][]LabelDef {
	return map[string][]LabelDef{
		"pancreas": {{0, "none"}, {1, "post_treatment"}, {2, "pretreatment"}},
		"ir_procedure": {
			{1, "drainage"}, {2, "soft_tissue_biopsy"}, {3, "lung_biopsy"}, {4, "bone_biopsy"},
		},
	}
}

func findLabel(defs []LabelDef, name string) (LabelDef, bool) {
	for _, d := range defs {
		if d.Name == name {
			return d, true
		}
	}
	return LabelDef{}, false
}
