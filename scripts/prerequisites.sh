#!/usr/bin/env bash
# Installs what Montage needs on Debian/Ubuntu, only what is missing, so it is cheap to call every time.
#   system: PostgreSQL 15+, Redis 7, FFmpeg (the AppHost starts them as processes; tests do too)
#   tests:  Debian's chromium (dashboard browser tests) and the npm packages of tests/interop (grpc-js peers)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[ "${1:-}" = "--tests" ] && want_tests=true

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

has_postgres() { command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }

missing=()
has_postgres || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if $want_tests; then
  command -v chromium >/dev/null || missing+=(chromium)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Montage needs: ${missing[*]}. Install them with your system's package manager." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian postgresql package starts a cluster as a system service; Montage runs its own servers.
if command -v service >/dev/null && service postgresql status >/dev/null 2>&1; then
  as_root service postgresql stop >/dev/null 2>&1 || true
fi
if command -v service >/dev/null && service redis-server status >/dev/null 2>&1; then
  as_root service redis-server stop >/dev/null 2>&1 || true
fi

if $want_tests && [ -f tests/interop/package-lock.json ]; then
  if [ ! -d tests/interop/node_modules ] || [ tests/interop/package-lock.json -nt tests/interop/node_modules ]; then
    (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
