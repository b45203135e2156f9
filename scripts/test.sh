#!/usr/bin/env bash
# Runs the whole test suite against the real services, on a fresh machine too:
#
#   1. installs Deno from npm when it is missing (npm install -g deno@2);
#   2. installs and starts the test bed on 127.0.0.1 (scripts/testbed.sh up):
#      RabbitMQ (STOMP over TCP and WebSocket), ActiveMQ (TCP and WebSocket),
#      Fedora in Jetty, a private sshd;
#   3. runs `deno task test` with the test bed's environment;
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

out="$(mktemp -t plastrond-test-XXXXXX.log)"
say "deno task test $* (log: $out)"
deno task test "$@" 2>&1 | tee "$out"
rc="${PIPESTATUS[0]}"

# Deno's summary: "ok | 12 passed (3 steps) | 0 failed | 1 ignored (2m)".
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)"
if [ -n "$summary" ]; then
  passed="$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")"
  failed="$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")"
  [[ "$failed" =~ ^[0-9]+$ ]] || failed=0
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi # e.g. a type error after the run
else
  say "deno test printed no summary (exit code $rc): counted as one failure"
  passed=0
  failed=1
fi
stop_services
trap - EXIT
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
