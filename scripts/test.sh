#!/usr/bin/env bash
# Runs the whole test suite against the real services, on a fresh machine too:
#
#   1. installs Deno from npm when it is missing (npm install -g deno@2);
#   2. installs and starts the test bed on 127.0.0.1 (scripts/testbed.sh up):
#      RabbitMQ (STOMP over TCP and WebSocket), ActiveMQ (TCP and WebSocket),
#      Fedora in Jetty, a private sshd;
#   3. runs `deno task test` with the test bed's environment, then the
#      repository tests again against Fedora 4.7 (scripts/test_fedora4.sh;
#      skipped with PLASTROND_SKIP_FEDORA4=1 or when arguments are given);
#   4. stops every service it started (also on failure or Ctrl-C);
#   5. ends with one line "N passed, M failed" (test steps are not counted).
#
# usage: scripts/test.sh [extra deno test arguments, e.g. --filter echo]
#
# Services that were already up when it started are left running, so a
# developer's `scripts/testbed.sh up` session survives a test run.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '[test %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if ! command -v deno >/dev/null 2>&1; then
  say "installing Deno from npm (npm install -g deno@2)"
  npm install -g deno@2 >&2 || { say "could not install Deno"; echo "0 passed, 1 failed"; exit 1; }
fi
say "$(deno --version | head -n 1)"

SERVICES=(rabbitmq activemq fedora sshd)
already_up=()
for svc in "${SERVICES[@]}"; do
  if bash scripts/testbed.sh status "$svc" >/dev/null 2>&1; then already_up+=("$svc"); fi
done

stop_services() {
  local svc up
  for svc in "${SERVICES[@]}"; do
    up=0
    for s in "${already_up[@]:-}"; do [ "$s" = "$svc" ] && up=1; done
    if [ "$up" = 0 ]; then bash scripts/testbed.sh stop "$svc" >&2 || true; fi
  done
}
trap stop_services EXIT
trap 'exit 130' INT TERM

if ! bash scripts/testbed.sh up >&2; then
  say "the test bed did not come up completely (see above); the tests that need it will fail"
fi
set -a
# shellcheck disable=SC1091
[ -f .testbed/env ] && source .testbed/env
set +a

# counts <log> <exit code>: "passed failed" from Deno's summary line
# ("ok | 12 passed (3 steps) | 0 failed | 1 ignored (2m)"); no summary counts
# as one failure, and so does a failing exit code with nothing failed.
counts() {
  local summary passed failed
  summary="$(sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)"
  if [ -z "$summary" ]; then
    say "deno test printed no summary (exit code $2): counted as one failure"
    echo "0 1"
    return
  fi
  passed="$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")"
  failed="$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")"
  [[ "$failed" =~ ^[0-9]+$ ]] || failed=0
  if [ "$2" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  echo "$passed $failed"
}

out="$(mktemp -t plastrond-test-XXXXXX.log)"
say "deno task test $* (log: $out)"
deno task test "$@" 2>&1 | tee "$out"
read -r passed failed < <(counts "$out" "${PIPESTATUS[0]}")

# The Fedora 4.7 column of the test matrix (the version the original daemon
# was written for): the repository and SPARQL tests again, against Fedora
# 4.7.6 on Java 17, which scripts/test_fedora4.sh starts and stops itself.
if [ -z "${PLASTROND_SKIP_FEDORA4:-}" ] && [ $# -eq 0 ]; then
  out4="$(mktemp -t plastrond-test-fedora4-XXXXXX.log)"
  say "Fedora 4.7 column: scripts/test_fedora4.sh (log: $out4)"
  bash scripts/test_fedora4.sh 2>&1 | tee "$out4"
  read -r passed4 failed4 < <(counts "$out4" "${PIPESTATUS[0]}")
  say "Fedora 6: $passed passed, $failed failed; Fedora 4.7: $passed4 passed, $failed4 failed"
  passed=$((passed + passed4))
  failed=$((failed + failed4))
fi

stop_services
trap - EXIT
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
