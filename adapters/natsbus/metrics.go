package natsbus

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var streamMessagesDesc = prometheus.NewDesc(
	"radflag_stream_messages",
	"Messages each JetStream stream holds.",
	[]string{"stream"}, nil,
)

// StreamCollector exports radflag_stream_messages{stream} by asking
// JetStream at scrape time, so the figure is never stale.
type StreamCollector struct {
	Bus     *Bus
	Timeout time.Duration
}

// Describe implements prometheus.Collector.
func (c StreamCollector) Describe(ch chan<- *prometheus.Desc) { ch <- streamMessagesDesc }

// Collect implements prometheus.Collector. A stream that cannot be read is
// left out (the scrape still succeeds; /healthz says why).
func (c StreamCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	counts, _ := c.Bus.StreamMessages(ctx)
	for _, name := range Streams {
		if n, ok := counts[name]; ok {
			ch <- prometheus.MustNewConstMetric(streamMessagesDesc, prometheus.GaugeValue, float64(n), name)
		}
	}
}
