package mllp

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/internal/metrics"
)

var (
	// ackSeconds is the time from a frame's last byte to its reply written:
	// for HL7, the ACK latency the sender sees (parse, store, PubAck).
	ackSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "radflag_mllp_ack_seconds",
		Help:    "Time from receiving a whole MLLP frame to writing its reply (the ACK).",
		Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	connsOpen = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "radflag_mllp_connections",
		Help: "MLLP connections open now.",
	})
	connsRefused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "radflag_mllp_connections_refused_total",
		Help: "MLLP connections closed at once because max_conns were open.",
	})
	// framesDropped counts input that got no reply, by reason (too_large
	// without a BadFrame reply, incomplete, junk, tls_handshake).
	framesDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_mllp_frames_dropped_total",
		Help: "MLLP input refused at the framing level, by reason.",
	}, []string{"reason"})
)

func init() {
	metrics.MustRegister(ackSeconds, connsOpen, connsRefused, framesDropped)
}
