#!/usr/bin/env bash
# Fedora 4.7 (the version the original Plastron was written for) for the test matrix:
# the same as fedora.sh, on its own port (FEDORA4_PORT, default 8081) and folder
# (.testbed/fedora4). Tries 4.7.6, then 4.7.5 (the newest 4.7 some Maven Central
# mirrors have). Runs on Java 17 although it targets Java 8.
#
# usage: scripts/testbed/fedora4.sh install|start|stop|status
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export FCREPO_VERSIONS="${FCREPO4_VERSIONS:-4.7.6 4.7.5}"
export FEDORA_PORT="${FEDORA4_PORT:-8081}"
export FEDORA_BASE="$ROOT/.testbed/fedora4"
exec bash "$ROOT/scripts/testbed/fedora.sh" "$@"
