#!/usr/bin/env bash
# RabbitMQ (Debian's rabbitmq-server 3.10) for the tests:
#   STOMP over TCP   127.0.0.1:61613
#   STOMP over ws    ws://127.0.0.1:15674/ws
#   AMQP             127.0.0.1:5672 (unused by the tests, loopback only)
# login guest/guest. Debian's package insists on /etc/rabbitmq and
# /var/lib/rabbitmq; its logs stay in /var/log/rabbitmq.
#
# Usage: rabbitmq.sh install|start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC=rabbitmq
STOMP_PORT=61613
WS_PORT=15674
PID_FILE=/var/lib/rabbitmq/mnesia/rabbit@localhost.pid

write_config() {
  cat >/etc/rabbitmq/rabbitmq-env.conf <<'CONF'
# Written by plastrond scripts/testbed/rabbitmq.sh: loopback only.
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
  cat >/etc/rabbitmq/rabbitmq.conf <<CONF
# Written by plastrond scripts/testbed/rabbitmq.sh: loopback only.
listeners.tcp.default = 127.0.0.1:5672
stomp.listeners.tcp.1 = 127.0.0.1:$STOMP_PORT
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = $WS_PORT
# STOMP over TCP has no frame-size limit in 3.10 (rabbitmq_stomp has no such
# key); Web-STOMP's cowboy limit defaults to unlimited; set 64 MiB explicitly.
web_stomp.ws_opts.max_frame_size = 67108864
# Management listener not enabled; AMQP message size limit raised to 64 MiB.
max_message_size = 67108864
CONF
  echo '[rabbitmq_stomp,rabbitmq_web_stomp].' >/etc/rabbitmq/enabled_plugins
  chown rabbitmq:rabbitmq /etc/rabbitmq/rabbitmq.conf /etc/rabbitmq/enabled_plugins 2>/dev/null || true
}

cmd_install() {
  tb_apt_install rabbitmq-server
  # The package enables a system service; the test bed runs its own instance only.
  systemctl disable --now rabbitmq-server epmd.socket >/dev/null 2>&1 || true
  write_config
  mkdir -p "$TB_DIR/$SVC"
}

probe() {
  tb_stomp_probe 127.0.0.1 "$STOMP_PORT" guest guest && tb_ws_probe 127.0.0.1 "$WS_PORT" /ws
}

cmd_status() {
  if probe; then
    echo "$SVC: up (stomp 127.0.0.1:$STOMP_PORT, ws://127.0.0.1:$WS_PORT/ws)"
    return 0
  fi
  echo "$SVC: down"
  return 1
}

cmd_start() {
  if probe >/dev/null 2>&1; then
    tb_log "$SVC" "already up"
    return 0
  fi
  command -v rabbitmq-server >/dev/null || cmd_install
  write_config
  tb_port_free "$STOMP_PORT" || tb_die "$SVC" "127.0.0.1:$STOMP_PORT is taken by another process but does not answer STOMP as RabbitMQ; stop it first"
  tb_log "$SVC" "starting"
  rabbitmq-server -detached >"$TB_DIR/$SVC.start.log" 2>&1 ||
    tb_die "$SVC" "rabbitmq-server -detached failed; see $TB_DIR/$SVC.start.log and /var/log/rabbitmq/"
  # `rabbitmqctl wait` needs the pid file to exist; it appears within a second.
  tb_wait 30 "$SVC pid file" test -s "$PID_FILE" ||
    tb_die "$SVC" "no pid file $PID_FILE after 30 s; see /var/log/rabbitmq/"
  timeout 120 rabbitmqctl wait --timeout 120 "$PID_FILE" >>"$TB_DIR/$SVC.start.log" 2>&1 ||
    tb_die "$SVC" "node did not boot; see /var/log/rabbitmq/ and $TB_DIR/$SVC.start.log"
  tb_wait 60 "$SVC STOMP+ws" probe ||
    tb_die "$SVC" "node is up but STOMP 127.0.0.1:$STOMP_PORT or ws :$WS_PORT/ws does not answer; see /var/log/rabbitmq/"
}

cmd_stop() {
  if [ -s "$PID_FILE" ] || pgrep -u rabbitmq -f 'beam.*rabbit' >/dev/null 2>&1; then
    tb_log "$SVC" "stopping"
    local pid=""
    [ -s "$PID_FILE" ] && pid="$(cat "$PID_FILE")"
    timeout 60 rabbitmqctl shutdown >/dev/null 2>&1 || true
    if [ -n "$pid" ]; then
      local deadline=$((SECONDS + 30))
      while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
      if kill -0 "$pid" 2>/dev/null; then
        tb_log "$SVC" "pid $pid still alive, sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$PID_FILE"
  fi
  # epmd is started by the node and outlives it; it belongs to the test bed.
  if pgrep -x epmd >/dev/null 2>&1; then
    epmd -kill >/dev/null 2>&1 || true
  fi
  tb_wait 20 "$SVC gone" tb_port_free "$STOMP_PORT" || tb_die "$SVC" "still listening on $STOMP_PORT"
}

tb_main "$@"
