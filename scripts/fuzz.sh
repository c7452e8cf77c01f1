#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time each (default 10s):
#   scripts/fuzz.sh [DURATION]
# Seed corpora live in each package's testdata/fuzz/<Target>/; new crashers
# found here are written there too and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-10s}"
status=0
for pkg in $(go list ./...); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  for t in $targets; do
    echo "fuzz $pkg $t for $dur"
    if ! go test -run '^$' -fuzz "^${t}\$" -fuzztime "$dur" "$pkg"; then
      status=1
    fi
  done
done
exit $status
