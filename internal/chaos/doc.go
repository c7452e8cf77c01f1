// Package chaos holds radflag's long-running crash-safety and scale-out
// tests (build tag long) and the end-to-end throughput benchmark (build tag
// bench). They build the real radflag binary and run it as separate OS
// processes, so that a SIGKILL is a real crash: no deferred function runs,
// nothing is flushed, and the next process starts from what is on disk and
// on the bus.
//
// The helpers here (a radflag process, an MLLP sender that behaves like an
// interface engine, the checks that count what was stored and written) are
// for those tests only.
//
//	PEER_MODULES=$DIR go test -tags long -count=1 -timeout 45m ./internal/chaos
//	PEER_MODULES=$DIR go test -tags bench -run TestBenchThroughput -v -timeout 60m ./internal/chaos
package chaos
