#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time each (default 10s):
#   scripts/fuzz.sh [DURATION]
# Seed corpora live in each package's testdata/fuzz/<Target>/; new crashers
# found here are written there too and fail the run.
#
# Go 1.26's fuzz coordinator can end a run on a loaded machine with a bare
# "context deadline exceeded" at the -fuzztime boundary and no crasher
# (go.dev/issue/75804, fixed in Go 1.27). That alone is reported as a flake,
# not a failure; a run that writes a crasher or fails otherwise still fails.
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-10s}"
status=0
# corpus DIR TARGET counts the files of a target's seed corpus: 0 when it has
# none (a plain ls would fail the pipeline, and set -e the script, with 2).
corpus() { { find "$1/testdata/fuzz/$2" -type f 2>/dev/null || true; } | wc -l; }
for pkg in $(go list ./...); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for t in $targets; do
    echo "fuzz $pkg $t for $dur"
    before=$(corpus "$dir" "$t")
    out=$(mktemp)
    if go test -run '^$' -fuzz "^${t}\$" -fuzztime "$dur" "$pkg" 2>&1 | tee "$out"; then
      :
    elif [ "$(corpus "$dir" "$t")" -eq "$before" ] &&
      grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input' "$out"; then
      echo "fuzz $pkg $t: deadline flake at the end of -fuzztime, no crasher (go.dev/issue/75804)"
    else
      status=1
    fi
    rm -f "$out"
  done
done
exit $status
