package fhir

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/pipeline"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_fhir_ingest_requests_total",
		Help: "Requests to radflag's FHIR endpoints, by endpoint and HTTP status.",
	}, []string{"endpoint", "code"})
	clientRequestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_fhir_client_requests_total",
		Help: "Requests radflag made to the FHIR server, by method and status class (2xx, 4xx, 5xx, error).",
	}, []string{"method", "class"})
	pollPagesTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "radflag_fhir_poll_pages_total",
		Help: "Search result pages the FHIR poller processed.",
	})
	pollErrorsTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "radflag_fhir_poll_errors_total",
		Help: "FHIR poll cycles that stopped on an error (retried at the next interval).",
	})
	pollCursor = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "radflag_fhir_poll_cursor_timestamp_seconds",
		Help: "meta.lastUpdated of the newest DiagnosticReport the poller has stored, as Unix time.",
	})
	pollLastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "radflag_fhir_poll_last_success_timestamp_seconds",
		Help: "When the FHIR poller last completed a cycle, as Unix time.",
	})
)

func init() {
	metrics.MustRegister(requestsTotal, clientRequestsTotal, pollPagesTotal, pollErrorsTotal, pollCursor, pollLastSuccess)
}

var fhirSource = string(pipeline.SourceFHIR)

func countStored(duplicate bool) {
	if duplicate {
		metrics.ReportsDuplicate.WithLabelValues(fhirSource).Inc()
	} else {
		metrics.ReportsStored.WithLabelValues(fhirSource).Inc()
	}
}

func countSkipped(reason string) { metrics.ReportsSkipped.WithLabelValues(reason).Inc() }

func countRejected(reason string) { metrics.ReportsRejected.WithLabelValues(fhirSource, reason).Inc() }

func statusClass(code int) string {
	switch {
	case code >= 200 && code < 300:
		return "2xx"
	case code >= 300 && code < 400:
		return "3xx"
	case code >= 400 && code < 500:
		return "4xx"
	case code >= 500 && code < 600:
		return "5xx"
	}
	return "error"
}
