#!/usr/bin/env bash
# Shared helpers for the test-bed service scripts (sourced, never run).
#
# Every service keeps its data under "$TB_DIR/<service>/" (the repository's
# gitignored .testbed/ folder), binds 127.0.0.1 only, and is probed at
# protocol level before a start counts as done.

set -euo pipefail

TB_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TB_DIR="$TB_REPO_ROOT/.testbed"
TB_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/plastrond"
export DEBIAN_FRONTEND=noninteractive

# tb_log <service> <message...>: a status line on stderr.
tb_log() {
  local svc="$1"
  shift
  printf '[testbed %s %s] %s\n' "$(date -u +%H:%M:%S)" "$svc" "$*" >&2
}

# tb_die <service> <message...>: report and exit non-zero.
tb_die() {
  tb_log "$1" "ERROR: ${*:2}"
  exit 1
}

# tb_missing_packages <pkg...>: prints the Debian packages not installed.
tb_missing_packages() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$p"
    fi
  done
}

# tb_apt_install <pkg...>: installs the missing Debian packages.
# Runs `apt-get update` at most once per hour of test-bed use and serialises
# concurrent callers with a lock, because dpkg allows one writer at a time.
tb_apt_install() {
  local missing
  missing="$(tb_missing_packages "$@")"
  [ -z "$missing" ] && return 0
  mkdir -p "$TB_DIR"
  (
    flock -w 900 9 || tb_die apt "could not get the apt lock $TB_DIR/.apt.lock within 15 minutes"
    missing="$(tb_missing_packages "$@")"
    [ -z "$missing" ] && exit 0
    local stamp="$TB_DIR/.apt-updated"
    if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
      tb_log apt "apt-get update"
      apt-get update -q >&2
      touch "$stamp"
    fi
    # shellcheck disable=SC2086
    tb_log apt "installing:" $missing
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >&2
  ) 9>"$TB_DIR/.apt.lock"
}

# tb_wait <seconds> <description> <command...>: retries the command every
# half second until it succeeds; fails after the given time.
tb_wait() {
  local limit="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.5
  done
  tb_log wait "$what ready after $((SECONDS - deadline + limit)) s"
}

# tb_wait_pid <seconds> <description> <pidfile> <command...>: like tb_wait,
# but gives up at once when the process named in the pid file has died.
tb_wait_pid() {
  local limit="$1" what="$2" file="$3"
  shift 3
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ! tb_pid_alive "$file"; then
      tb_log wait "$what: the process died while starting"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.5
  done
  tb_log wait "$what ready after $((SECONDS - deadline + limit)) s"
}

# tb_stomp_probe <host> <port> [login] [passcode]: sends a STOMP CONNECT
# frame and succeeds only if the broker answers CONNECTED.
tb_stomp_probe() {
  local host="$1" port="$2" login="${3:-guest}" pass="${4:-guest}"
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\nlogin:%s\npasscode:%s\n\n\0" "$2" "$3" >&3
    IFS= read -r -t 4 line <&3 || exit 1
    printf "DISCONNECT\n\n\0" >&3 2>/dev/null || true
    exec 3>&-
    case "$line" in CONNECTED*) exit 0 ;; *) exit 1 ;; esac
  ' "$host" "$port" "$login" "$pass" 2>/dev/null
}

# tb_ws_probe <host> <port> <path>: succeeds if a WebSocket upgrade offering
# the STOMP subprotocols is answered "101 Switching Protocols".
tb_ws_probe() {
  local host="$1" port="$2" path="$3"
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v12.stomp, v11.stomp, v10.stomp\r\n\r\n" "$2" "$0" "$1" >&3
    IFS= read -r -t 4 line <&3 || exit 1
    exec 3>&-
    case "$line" in "HTTP/1.1 101"*) exit 0 ;; *) exit 1 ;; esac
  ' "$host" "$port" "$path" 2>/dev/null
}

# tb_port_free <port>: succeeds if nothing listens on 127.0.0.1:<port>.
tb_port_free() {
  ! timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null
}

# tb_pid_alive <pidfile>: succeeds if the file names a running process.
tb_pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# tb_stop_pid <service> <pidfile> [seconds]: TERM, wait, then KILL the
# process named in the pid file; removes the pid file.
tb_stop_pid() {
  local svc="$1" file="$2" limit="${3:-30}" pid
  if ! tb_pid_alive "$file"; then
    rm -f "$file"
    return 0
  fi
  pid="$(cat "$file")"
  tb_log "$svc" "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + limit))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tb_log "$svc" "pid $pid still alive after ${limit}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.3
  done
  rm -f "$file"
}

# tb_main <verb>: runs the sourcing script's cmd_<verb> (install, start, stop
# or status); any other verb prints the usage and exits 2.
tb_main() {
  case "${1:-}" in
  install | start | stop | status) "cmd_$1" ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
  esac
}
