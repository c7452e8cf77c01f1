// Package buildinfo tells which build of radflag is running.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version is set at link time (-ldflags "-X github.com/radflag/radflag/internal/buildinfo.Version=v1.2.3").
var Version = "dev"

// Info describes the running build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
}

// Get reads the build information embedded by the Go toolchain.
func Get() Info {
	info := Info{Version: Version, Commit: "unknown", GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				info.Commit = s.Value
				if len(info.Commit) > 12 {
					info.Commit = info.Commit[:12]
				}
			}
		}
		if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
	}
	return info
}
