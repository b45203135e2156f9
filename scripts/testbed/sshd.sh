#!/usr/bin/env bash
# A private OpenSSH server for the SFTP tests: 127.0.0.1:22222, its own host
# key, config and pid file under .testbed/sshd/, public-key login only, for
# the local user root (the tests run as root, so files they lay out directly
# are readable and writable over SFTP too). SFTP sessions start in
# .testbed/sshd/files (internal-sftp -d).
#
# Files for the clients (absolute paths, written by `install`):
#   .testbed/sshd/client_key      private key (PLASTROND_TEST_SFTP_KEY)
#   .testbed/sshd/known_hosts     "[127.0.0.1]:22222 <host key>"
#
# Usage: sshd.sh install|start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC=sshd
PORT=22222
USER_NAME=root
D="$TB_DIR/$SVC"
PID_FILE="$D/sshd.pid"

cmd_install() {
  tb_apt_install openssh-server openssh-client
  mkdir -p "$D/files" /run/sshd
  chmod 700 "$D"
  [ -f "$D/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C plastrond-testbed-host -f "$D/host_ed25519"
  [ -f "$D/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C plastrond-testbed-client -f "$D/client_key"
  cp "$D/client_key.pub" "$D/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$D/host_ed25519.pub")" >"$D/known_hosts"
  cat >"$D/sshd_config" <<CONF
# Written by plastrond scripts/testbed/sshd.sh
ListenAddress 127.0.0.1
Port $PORT
AddressFamily inet
HostKey $D/host_ed25519
PidFile $PID_FILE
AuthorizedKeysFile $D/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $USER_NAME
StrictModes no
UsePAM no
X11Forwarding no
AllowTcpForwarding no
PermitTTY no
MaxStartups 100:30:200
MaxSessions 50
Subsystem sftp internal-sftp -d $D/files
LogLevel ERROR
CONF
}

probe() {
  [ -f "$D/client_key" ] || return 1
  echo pwd | timeout 10 sftp -q -b - -i "$D/client_key" -P "$PORT" \
    -o BatchMode=yes -o UserKnownHostsFile="$D/known_hosts" -o StrictHostKeyChecking=yes \
    -o IdentitiesOnly=yes -o ConnectTimeout=5 "$USER_NAME@127.0.0.1" >/dev/null 2>&1
}

cmd_status() {
  if probe; then
    echo "$SVC: up (sftp://$USER_NAME@127.0.0.1:$PORT)"
    return 0
  fi
  echo "$SVC: down"
  return 1
}

cmd_start() {
  if tb_pid_alive "$PID_FILE" && probe; then
    tb_log "$SVC" "already up"
    return 0
  fi
  cmd_install # idempotent: installs what is missing, refreshes the config, keeps the keys
  tb_port_free "$PORT" || tb_die "$SVC" "127.0.0.1:$PORT is taken by another process; stop it first"
  /usr/sbin/sshd -t -f "$D/sshd_config" || tb_die "$SVC" "sshd rejects $D/sshd_config"
  tb_log "$SVC" "starting"
  /usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log" || tb_die "$SVC" "sshd failed to start; see $D/sshd.log"
  tb_wait 20 "$SVC sftp login" probe || tb_die "$SVC" "no SFTP login on 127.0.0.1:$PORT after 20 s; see $D/sshd.log"
}

cmd_stop() {
  tb_stop_pid "$SVC" "$PID_FILE" 20
  tb_wait 10 "$SVC gone" tb_port_free "$PORT" || tb_die "$SVC" "127.0.0.1:$PORT still open"
}

tb_main "$@"
