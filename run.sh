#!/usr/bin/env bash
# Runs the whole Montage system: installs prerequisites, builds, starts the AppHost.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/prerequisites.sh
dotnet build AppHost -c Release -nologo -clp:ErrorsOnly
exec dotnet run --project AppHost -c Release --no-build -- "$@"
