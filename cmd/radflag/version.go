package main

import (
	"context"
	"fmt"
	"io"

	"github.com/radflag/radflag/internal/buildinfo"
)

func init() {
	register(command{name: "version", usage: "print version, commit and Go version", run: runVersion})
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	v := buildinfo.Get()
	_, err := fmt.Fprintf(stdout, "radflag %s (commit %s, %s)\n", v.Version, v.Commit, v.GoVersion)
	return err
}
