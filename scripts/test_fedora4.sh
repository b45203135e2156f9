#!/usr/bin/env bash
# The Fedora 4.7 column of the test matrix (4.7.6, else 4.7.5): runs the repository and RDF tests
# against it (scripts/testbed/fedora4.sh, port 8081), started here when
# it is not already answering and stopped again afterwards.
#
# usage: scripts/test_fedora4.sh [deno test args...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
started=0
if ! bash scripts/testbed/fedora4.sh status >/dev/null 2>&1; then
  bash scripts/testbed/fedora4.sh start
  started=1
fi
stop() { if [ "$started" = 1 ]; then bash scripts/testbed/fedora4.sh stop; fi; }
trap stop EXIT
export PLASTROND_TEST_FEDORA="http://127.0.0.1:${FEDORA4_PORT:-8081}/fcrepo/rest"
export PLASTROND_TEST_FEDORA_USER=fedoraAdmin
export PLASTROND_TEST_FEDORA_PASSWORD=fedoraAdmin
deno test --allow-all "$@" tests/repository/ tests/rdf/sparql_update_test.ts
