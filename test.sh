#!/usr/bin/env bash
# Runs every test of Montage: installs prerequisites, builds, runs all test projects in parallel.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/prerequisites.sh --tests
dotnet build Aspire.sln -c Release -warnaserror -nologo -clp:ErrorsOnly

log=$(mktemp)
status=0
# Test projects run in parallel (one per MSBuild node); each shares one started system per collection.
dotnet test Aspire.sln -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" || status=$?

# One plain closing line for whoever reads the log: totals over every test project.
# (grep finds nothing when a count never appears, e.g. no test was skipped: that is a zero, not an error.)
total() { { grep -Eo "$1: +[0-9]+" "$log" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(total Passed)
failed=$(total Failed)
skipped=$(total Skipped)
rm -f "$log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" = 0 ] || status=1
exit $status
