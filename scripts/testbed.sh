#!/usr/bin/env bash
# The test bed: the real services the tests run against, on 127.0.0.1 only.
#
#   scripts/testbed.sh up                 install what is missing, start all
#   scripts/testbed.sh down               stop all
#   scripts/testbed.sh start|stop|restart|status <service>
#   scripts/testbed.sh status             status of all
#   scripts/testbed.sh env                print the `export K=V` lines
#
# Services: rabbitmq, activemq, fedora, sshd (one script each under
# scripts/testbed/, verbs install|start|stop|status). Fedora's script is
# optional: without it Fedora is skipped with a warning.
#
# After each change the PLASTROND_TEST_* variables of the services that are
# up are written to .testbed/env (`source .testbed/env`).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=testbed/lib.sh
source "$HERE/testbed/lib.sh"

SERVICES=(rabbitmq activemq fedora sshd)
ENV_FILE="$TB_DIR/env"

script_of() { echo "$HERE/testbed/$1.sh"; }

known_service() {
  local s
  for s in "${SERVICES[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

# run_verb <service> <verb>: runs the service script, or skips a missing one.
run_verb() {
  local svc="$1" verb="$2" script
  script="$(script_of "$svc")"
  if [ ! -f "$script" ]; then
    tb_log "$svc" "WARNING: $script does not exist; skipping $svc"
    return 0
  fi
  bash "$script" "$verb"
}

has_script() { [ -f "$(script_of "$1")" ]; }

# env_lines: the export lines of every service that answers now.
env_lines() {
  local status
  echo "# PLASTROND_TEST_* variables of the test-bed services that were up at $(date -u +%FT%TZ)"
  if status="$(run_verb rabbitmq status 2>/dev/null)"; then
    echo "export PLASTROND_TEST_RABBITMQ_TCP=127.0.0.1:61613"
    echo "export PLASTROND_TEST_RABBITMQ_WS=ws://127.0.0.1:15674/ws"
  fi
  if status="$(run_verb activemq status 2>/dev/null)"; then
    echo "export PLASTROND_TEST_ACTIVEMQ_TCP=127.0.0.1:61623"
    case "$status" in *ws://127.0.0.1:61624*) echo "export PLASTROND_TEST_ACTIVEMQ_WS=ws://127.0.0.1:61624" ;; esac
  fi
  if has_script fedora && run_verb fedora status >/dev/null 2>&1; then
    echo "export PLASTROND_TEST_FEDORA=http://127.0.0.1:8080/fcrepo/rest"
    echo "export PLASTROND_TEST_FEDORA_USER=fedoraAdmin"
    echo "export PLASTROND_TEST_FEDORA_PASSWORD=fedoraAdmin"
  fi
  if run_verb sshd status >/dev/null 2>&1; then
    echo "export PLASTROND_TEST_SFTP=127.0.0.1:22222"
    echo "export PLASTROND_TEST_SFTP_USER=root"
    echo "export PLASTROND_TEST_SFTP_KEY=$TB_DIR/sshd/client_key"
    echo "export PLASTROND_TEST_SFTP_KNOWN_HOSTS=$TB_DIR/sshd/known_hosts"
    echo "export PLASTROND_TEST_SFTP_DIR=$TB_DIR/sshd/files"
  fi
}

write_env() {
  mkdir -p "$TB_DIR"
  env_lines >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  tb_log testbed "wrote $ENV_FILE ($(grep -c '^export' "$ENV_FILE") variables)"
}

# in_parallel <verb> <service...>: runs the verb for each service at once,
# output prefixed with the service name; fails if any failed.
in_parallel() {
  local verb="$1" svc failed=() pids=() names=()
  shift
  for svc in "$@"; do
    (run_verb "$svc" "$verb" 2>&1 | sed -u "s/^/[$svc] /") &
    pids+=($!)
    names+=("$svc")
  done
  local i
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed+=("${names[$i]}")
  done
  if [ "${#failed[@]}" -gt 0 ]; then
    tb_log testbed "FAILED to $verb: ${failed[*]}"
    return 1
  fi
}

cmd_up() {
  local rc=0 started=$SECONDS
  mkdir -p "$TB_DIR"
  # One apt run for the Debian packages the scripts need (dpkg is single-writer).
  tb_apt_install rabbitmq-server openssh-server openssh-client
  in_parallel start "${SERVICES[@]}" || rc=1
  write_env
  tb_log testbed "up in $((SECONDS - started)) s"
  cmd_status_all || rc=1
  return "$rc"
}

cmd_down() {
  local rc=0
  in_parallel stop "${SERVICES[@]}" || rc=1
  write_env
  return "$rc"
}

cmd_status_all() {
  local svc rc=0
  for svc in "${SERVICES[@]}"; do
    if has_script "$svc"; then
      run_verb "$svc" status || rc=1
    else
      echo "$svc: no script (skipped)"
    fi
  done
  return "$rc"
}

verb="${1:-}"
case "$verb" in
up) cmd_up ;;
down) cmd_down ;;
env) env_lines ;;
status)
  if [ $# -ge 2 ]; then
    known_service "$2" || tb_die testbed "unknown service '$2' (one of: ${SERVICES[*]})"
    run_verb "$2" status
  else
    cmd_status_all
  fi
  ;;
start | stop | restart)
  [ $# -ge 2 ] || tb_die testbed "usage: $0 $verb <${SERVICES[*]// /|}>"
  known_service "$2" || tb_die testbed "unknown service '$2' (one of: ${SERVICES[*]})"
  rc=0
  if [ "$verb" = restart ]; then
    run_verb "$2" stop && run_verb "$2" start || rc=$?
  else
    run_verb "$2" "$verb" || rc=$?
  fi
  write_env
  exit "$rc"
  ;;
*)
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
