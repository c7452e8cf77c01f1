// Package classifier holds radflag's tasks and runs their models: a BERT-style
// sequence classifier in the Hugging Face layout, loaded and run by hugot's
// pure-Go backend, with the sentences that drove each prediction. It also
// trains radflag's own models (see Train). It knows text and labels only:
// nothing of HL7, FHIR or NATS.
package classifier

import (
	"errors"
	"fmt"
)

// Label is one class of a task: the number datasets use and its name.
type Label struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Task is configuration: which labels, which model, which labels raise a flag.
type Task struct {
	Name       string
	Labels     []Label // in the order of the model's logits
	ModelDir   string  // "" = the built-in default model
	FlagLabels []int   // label IDs that raise a flag
}

// DefaultTasks are the two tasks radflag ships models for.
func DefaultTasks() []Task {
	return []Task{
		{
			Name:       "pancreas",
			Labels:     []Label{{0, "none"}, {1, "post_treatment"}, {2, "pretreatment"}},
			FlagLabels: []int{2},
		},
		{
			Name:   "ir_procedure",
			Labels: []Label{{1, "drainage"}, {2, "soft_tissue_biopsy"}, {3, "lung_biopsy"}, {4, "bone_biopsy"}},
		},
	}
}

// TaskByName returns the default task with that name.
func TaskByName(name string) (Task, error) {
	var names []string
	for _, t := range DefaultTasks() {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	return Task{}, fmt.Errorf("unknown task %q (known: %v)", name, names)
}

// Validate checks that labels are non-empty with unique ids and names.
func (t Task) Validate() error {
	if t.Name == "" {
		return errors.New("task has no name")
	}
	if len(t.Labels) < 2 {
		return fmt.Errorf("task %s: need at least 2 labels", t.Name)
	}
	ids, names := map[int]bool{}, map[string]bool{}
	for _, l := range t.Labels {
		if l.Name == "" || ids[l.ID] || names[l.Name] {
			return fmt.Errorf("task %s: label %d %q is empty or repeated", t.Name, l.ID, l.Name)
		}
		ids[l.ID], names[l.Name] = true, true
	}
	for _, f := range t.FlagLabels {
		if !ids[f] {
			return fmt.Errorf("task %s: flag label %d is not a label", t.Name, f)
		}
	}
	return nil
}

// index returns the logit index of a label ID, or -1.
func (t Task) index(id int) int {
	for i, l := range t.Labels {
		if l.ID == id {
			return i
		}
	}
	return -1
}

// Flags says whether a predicted label ID raises a flag.
func (t Task) Flags(id int) bool {
	for _, f := range t.FlagLabels {
		if f == id {
			return true
		}
	}
	return false
}
