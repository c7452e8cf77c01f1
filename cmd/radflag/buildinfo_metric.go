package main

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/internal/buildinfo"
	"github.com/radflag/radflag/internal/metrics"
)

var buildInfoOnce sync.Once

// registerBuildInfo exports radflag_build_info{version,commit,goversion} 1.
func registerBuildInfo() {
	buildInfoOnce.Do(func() {
		bi := buildinfo.Get()
		g := prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        "radflag_build_info",
			Help:        "Build of the running radflag (always 1).",
			ConstLabels: prometheus.Labels{"version": bi.Version, "commit": bi.Commit, "goversion": bi.GoVersion},
		})
		g.Set(1)
		metrics.MustRegister(g)
	})
}
