package writeback

import (
	"fmt"
	"slices"
	"strings"

	"github.com/radflag/radflag/pipeline"
)

// Resource types writeback can write for a task.
const (
	ResourceFlag        = "Flag"
	ResourceObservation = "Observation"
)

// Code is a coding put on the resources of a task.
type Code struct {
	System, Code, Display string
}

// TaskConfig says what a task's results become in FHIR.
type TaskConfig struct {
	Task string
	// Resource is Flag or Observation.
	Resource string
	// Labels are the label names that write a resource. Empty: for a Flag,
	// the labels the classifier flags (Result.Flag); for an Observation, every
	// label.
	Labels []string
	// Codes go on Flag.code or Observation.code (with the label's own coding
	// in the task's code system, for a Flag).
	Codes []Code
	// Text is the code's text (for a Flag, LabelText overrides it per label).
	Text string
	// LabelDisplay names each label for people ("lung_biopsy" → "Lung biopsy").
	LabelDisplay map[string]string
	LabelText    map[string]string
	// Alert sends an alert for every new active Flag of this task.
	Alert bool
}

// DefaultTasks is what radflag writes for its two built-in tasks.
func DefaultTasks() []TaskConfig {
	return []TaskConfig{
		{
			Task: "pancreas", Resource: ResourceFlag, Labels: []string{"pretreatment"}, Alert: true,
			Codes: []Code{{System: "http://snomed.info/sct", Code: "363418001", Display: "Malignant tumor of pancreas"}},
			Text:  "Suspected pancreatic cancer, not yet treated (radflag)",
			LabelDisplay: map[string]string{
				"none": "No pancreatic cancer", "post_treatment": "Treated pancreatic cancer",
				"pretreatment": "Pretreatment pancreatic cancer",
			},
		},
		{
			Task: "ir_procedure", Resource: ResourceObservation,
			Labels: []string{"drainage", "soft_tissue_biopsy", "lung_biopsy", "bone_biopsy"},
			Text:   "CT-guided interventional radiology procedure category",
			LabelDisplay: map[string]string{
				"drainage": "Drainage", "soft_tissue_biopsy": "Soft-tissue biopsy",
				"lung_biopsy": "Lung biopsy", "bone_biopsy": "Bone biopsy",
			},
		},
	}
}

func (tc TaskConfig) validate() error {
	if tc.Task == "" {
		return fmt.Errorf("writeback task: no name")
	}
	if tc.Resource != ResourceFlag && tc.Resource != ResourceObservation {
		return fmt.Errorf("writeback task %s: resource %q is neither Flag nor Observation", tc.Task, tc.Resource)
	}
	return nil
}

// writes reports whether a result's label writes a resource.
func (tc TaskConfig) writes(r *pipeline.Result) bool {
	if len(tc.Labels) == 0 {
		return tc.Resource == ResourceObservation || r.Flag
	}
	return slices.Contains(tc.Labels, r.LabelName)
}

func (tc TaskConfig) display(label string) string {
	if d, ok := tc.LabelDisplay[label]; ok {
		return d
	}
	d := strings.ReplaceAll(label, "_", " ")
	if d == "" {
		return d
	}
	return strings.ToUpper(d[:1]) + d[1:]
}

func (tc TaskConfig) text(label string) string {
	if t, ok := tc.LabelText[label]; ok {
		return t
	}
	if tc.Text != "" {
		return tc.Text
	}
	return tc.display(label)
}
