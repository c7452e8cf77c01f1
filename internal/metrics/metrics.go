// Package metrics holds radflag's Prometheus collectors. Metric names are a
// contract (other tools read them). Labels never carry report text, patient
// data or identifiers: only bounded sets (source, reason, task, label, ...).
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry is the registry /metrics serves.
var Registry = prometheus.NewRegistry()

var (
	// ReportsStored counts reports stored on the bus, by source (hl7, fhir).
	ReportsStored = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_reports_stored_total",
		Help: "Reports stored on the bus (duplicates not counted), by source.",
	}, []string{"source"})
	// ReportsDuplicate counts resent reports that the bus already held.
	ReportsDuplicate = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_reports_duplicate_total",
		Help: "Reports received again that the bus already held, by source.",
	}, []string{"source"})
	// ReportsSkipped counts valid messages radflag acknowledged but did not
	// process, by reason (not_oru, not_ct, ...).
	ReportsSkipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_reports_skipped_total",
		Help: "Valid messages acknowledged but not processed, by reason.",
	}, []string{"reason"})
	// ReportsRejected counts messages refused as invalid, by source and reason.
	ReportsRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_reports_rejected_total",
		Help: "Messages refused as invalid, by source and reason.",
	}, []string{"source", "reason"})
)

// MustRegister adds collectors to Registry; packages call it from init.
func MustRegister(cs ...prometheus.Collector) { Registry.MustRegister(cs...) }

func init() {
	MustRegister(ReportsStored, ReportsDuplicate, ReportsSkipped, ReportsRejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}
