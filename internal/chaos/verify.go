package chaos

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worker"
	"github.com/radflag/radflag/writeback"
)

// Tasks are the tasks serve runs by default (classify.tasks).
var Tasks = []string{"pancreas", "ir_procedure"}

// Outcome is what Check found: counts, and every broken promise.
type Outcome struct {
	Accepted, Stored, Results int
	// Writes is how many results say a resource must exist; Resources how
	// many radflag resources the FHIR server holds, by type.
	Writes    int
	Resources map[string]int
	Problems  []string
}

func (o *Outcome) problem(format string, args ...any) {
	o.Problems = append(o.Problems, fmt.Sprintf(format, args...))
}

func (o Outcome) String() string {
	var types []string
	for t, n := range o.Resources {
		types = append(types, fmt.Sprintf("%d %ss", n, t))
	}
	sort.Strings(types)
	return fmt.Sprintf("%d messages answered AA, %d reports stored, %d results, %d results that write, FHIR holds %s; %d problems",
		o.Accepted, o.Stored, o.Results, o.Writes, strings.Join(types, ", "), len(o.Problems))
}

// Check holds radflag to its promise for the messages answered AA: each
// stored once in RADFLAG_REPORTS, classified once by every task that
// applies to it (one result per report and task in RADFLAG_RESULTS), and
// every result that writes a resource written exactly once in the FHIR
// server, counted there by its identifiers, with nothing else written and
// nothing dead-lettered.
func Check(accepted []string, st *Stored, resources []Resource) Outcome {
	o := Outcome{Accepted: len(accepted), Stored: len(st.Report), Results: st.NumResults, Resources: map[string]int{}}
	want := map[string]bool{}
	for _, ctrl := range accepted {
		id := MessageID(ctrl)
		want[id] = true
		switch n := st.Reports[id]; {
		case n == 0:
			o.problem("message %s was answered AA but is not in RADFLAG_REPORTS (lost)", ctrl)
		case n > 1:
			o.problem("message %s is stored %d times", ctrl, n)
		}
	}
	for id := range st.Reports {
		if !want[id] {
			o.problem("%s is stored but was never answered AA", id)
		}
	}

	selectors := worker.DefaultSelectors()
	tasks := map[string]writeback.TaskConfig{}
	for _, tc := range writeback.DefaultTasks() {
		tasks[tc.Task] = tc
	}
	// The resources that must exist: type → report-task key → result.
	must := map[string]map[string]*pipeline.Result{}
	reportIDs := map[string]bool{}
	for msgID, r := range st.Report {
		reportIDs[r.ID] = true
		for _, task := range Tasks {
			rs := st.Results[r.ID][task]
			applies := selectors[task].Applies(r)
			switch {
			case applies && len(rs) != 1:
				o.problem("report %s (%s) has %d %s results, want 1", r.ID, msgID, len(rs), task)
			case !applies && len(rs) != 0:
				o.problem("report %s has %d %s results, but the task does not apply to it", r.ID, len(rs), task)
			}
			if len(rs) == 0 {
				continue
			}
			res, tc := rs[0], tasks[task]
			if !slices.Contains(tc.Labels, res.LabelName) {
				continue
			}
			o.Writes++
			if must[tc.Resource] == nil {
				must[tc.Resource] = map[string]*pipeline.Result{}
			}
			must[tc.Resource][r.ID+":"+task] = res
		}
	}
	for id := range st.Results {
		if !reportIDs[id] {
			o.problem("results for report %s, which is not stored", id)
		}
	}

	found := map[string]map[string][]Resource{}
	for _, res := range resources {
		o.Resources[res.Type]++
		if len(res.ReportTask) != 1 {
			o.problem("%s/%s has %d report-task identifiers, want 1", res.Type, res.ID, len(res.ReportTask))
			continue
		}
		if found[res.Type] == nil {
			found[res.Type] = map[string][]Resource{}
		}
		found[res.Type][res.ReportTask[0]] = append(found[res.Type][res.ReportTask[0]], res)
	}
	for typ, keys := range must {
		for key, r := range keys {
			got := found[typ][key]
			if len(got) != 1 {
				o.problem("%s for %s (label %s): %d in the FHIR server, want exactly 1", typ, key, r.LabelName, len(got))
				continue
			}
			wantStatus := "final"
			if typ == writeback.ResourceFlag {
				wantStatus = "active"
			}
			if got[0].Status != wantStatus {
				o.problem("%s/%s for %s has status %q, want %q", typ, got[0].ID, key, got[0].Status, wantStatus)
			}
			if rk := key + ":" + r.Model.Version; !slices.Contains(got[0].Result, rk) {
				o.problem("%s/%s for %s lacks result identifier %s", typ, got[0].ID, key, rk)
			}
		}
	}
	for typ, keys := range found {
		for key, rs := range keys {
			if _, ok := must[typ][key]; !ok {
				o.problem("%d %s for %s, whose result writes none", len(rs), typ, key)
			}
		}
	}
	for stage, n := range st.DeadLetters {
		o.problem("%d dead letters from stage %s", n, stage)
	}
	sort.Strings(o.Problems)
	return o
}
