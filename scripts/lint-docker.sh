#!/usr/bin/env bash
# Lint the Dockerfile and docker-compose.yml without a Docker engine, with
# linters from npm (pinned versions, fetched by npx on first use):
#   dockerfile-utils 0.16.3  `lint`  (the Dockerfile language service's checks)
#   dclint 3.1.0                     (compose schema validation and best-practice rules)
# tests/docker/compose_test.ts checks that the files agree with the daemon's
# configuration schema.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0
echo "lint-docker: dockerfile-utils lint Dockerfile"
npx --yes dockerfile-utils@0.16.3 lint Dockerfile || status=1
echo "lint-docker: dclint docker-compose.yml"
npx --yes dclint@3.1.0 docker-compose.yml || status=1
if ((status == 0)); then echo "lint-docker: clean"; fi
exit "$status"
