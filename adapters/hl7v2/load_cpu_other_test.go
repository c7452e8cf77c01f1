//go:build !unix

package hl7v2_test

import "time"

// processCPU is not measured here; CPU per message then reads 0.
func processCPU() time.Duration { return 0 }
