//go:build unix

package hl7v2_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) this process has used. The
// load test reports CPU per message from it: unlike messages per second it
// hardly moves when other work on the machine takes cores away.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
