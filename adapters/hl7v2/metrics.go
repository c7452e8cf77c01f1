package hl7v2

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/internal/metrics"
)

var (
	// mllpMessages counts the acknowledgements Ingest gave, by code.
	mllpMessages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_mllp_messages_total",
		Help: "HL7 messages received over MLLP, by the acknowledgement code sent (AA, AE, AR).",
	}, []string{"ack"})
	// storeSeconds is how long the bus took to confirm a report.
	storeSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "radflag_hl7_store_seconds",
		Help:    "Time from handing an HL7 report to the bus to its PubAck (or failure).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
)

func init() {
	metrics.MustRegister(mllpMessages, storeSeconds)
	for _, c := range []AckCode{AA, AE, AR} {
		mllpMessages.WithLabelValues(string(c))
	}
}
