#!/usr/bin/env bash
# Runs the whole Montage system: installs prerequisites, builds, starts the AppHost.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/prerequisites.sh
dotnet build AppHost -c Release -nologo -clp:ErrorsOnly
# A ready API key for development (owner "dev"), kept with the AppHost's data; the AppHost gives it to the gateway.
if [[ "${1:-}" != "publish" ]]; then
  dev_key_file="${Montage__DataDir:-.montage}/secrets/gateway-dev.key"
  if [[ ! -s "$dev_key_file" ]]; then
    mkdir -p "$(dirname "$dev_key_file")"
    (umask 077 && printf 'mk_dev_%s' "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')" > "$dev_key_file")
  fi
  echo "Development API key (owner dev): $(cat "$dev_key_file")"
  echo "  e.g. curl -H \"Authorization: Bearer \$(cat $dev_key_file)\" http://<gateway>/v1/models"
fi
exec dotnet run --project AppHost -c Release --no-build -- "$@"
