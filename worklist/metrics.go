package worklist

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/internal/metrics"
)

var (
	actionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_worklist_actions_total",
		Help: "Navigator actions stored on worklist cases, by action.",
	}, []string{"action"})
	conflictsTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "radflag_worklist_update_conflicts_total",
		Help: "Case updates retried because another writer changed the case first.",
	})
	feedbackPublished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_worklist_feedback_published_total",
		Help: "Navigator decisions published as feedback, by task and decision.",
	}, []string{"task", "decision"})
	casesDesc = prometheus.NewDesc("radflag_worklist_cases",
		"Worklist cases this process's index holds, by task and status.", []string{"task", "status"}, nil)
)

func init() {
	metrics.MustRegister(actionsTotal, conflictsTotal, feedbackPublished)
}

// caseCollector exports radflag_worklist_cases from the index at scrape time.
type caseCollector struct{ s *store }

func (c caseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- casesDesc }

func (c caseCollector) Collect(ch chan<- prometheus.Metric) {
	type key struct{ task, status string }
	n := map[key]int{}
	c.s.mu.RLock()
	for _, sum := range c.s.index {
		n[key{sum.Task, string(sum.Status)}]++
	}
	c.s.mu.RUnlock()
	for k, v := range n {
		ch <- prometheus.MustNewConstMetric(casesDesc, prometheus.GaugeValue, float64(v), k.task, k.status)
	}
}

// Collector returns the collector of the case gauge, for serve to register
// (one per process).
func (s *Service) Collector() prometheus.Collector { return caseCollector{s.store} }
