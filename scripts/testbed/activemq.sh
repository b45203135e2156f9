#!/usr/bin/env bash
# ActiveMQ Classic for the tests, loopback only:
#   STOMP over TCP   127.0.0.1:61623
#   STOMP over ws    ws://127.0.0.1:61624  (upstream distribution only)
#   OpenWire         127.0.0.1:61626       (unused by the tests)
# No web console, no JMX connector. Any login is accepted (no auth plugin).
#
# Uses the upstream distribution org.apache.activemq:apache-activemq
# (ACTIVEMQ_VERSION, default 5.18.3) from Maven Central, cached under
# ~/.cache/plastrond/; Debian's activemq 5.17 (no ws transport) is the
# fallback when that cannot be fetched. Broker data, config and logs live
# under .testbed/activemq/.
#
# Usage: activemq.sh install|start|stop|status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC=activemq
STOMP_PORT=61623
WS_PORT=61624
OPENWIRE_PORT=61626
VERSION="${ACTIVEMQ_VERSION:-5.18.3}"
B="$TB_DIR/$SVC"
PID_FILE="$B/activemq.pid"
TARBALL="$TB_CACHE/apache-activemq-$VERSION-bin.tar.gz"
UPSTREAM_HOME="$B/apache-activemq-$VERSION"
DEBIAN_HOME=/usr/share/activemq
# 100 MiB: bodies of 12 MB and more must pass on both transports.
MAX_FRAME=104857600

# Prints the broker home in use: the upstream one if unpacked, else Debian's.
amq_home() {
  if [ -f "$UPSTREAM_HOME/bin/activemq.jar" ]; then
    echo "$UPSTREAM_HOME"
  elif [ -f "$DEBIAN_HOME/bin/activemq.jar" ]; then
    echo "$DEBIAN_HOME"
  else
    return 1
  fi
}

has_ws() { [ "$(amq_home 2>/dev/null)" = "$UPSTREAM_HOME" ]; }

fetch_upstream() {
  [ -f "$TARBALL" ] && return 0
  mkdir -p "$TB_CACHE"
  if ! command -v mvn >/dev/null; then
    tb_log "$SVC" "Maven is missing; installing it to fetch ActiveMQ $VERSION"
    tb_apt_install maven || return 1
  fi
  tb_log "$SVC" "fetching org.apache.activemq:apache-activemq:$VERSION:tar.gz:bin from Maven Central"
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="org.apache.activemq:apache-activemq:$VERSION:tar.gz:bin" \
    -DoutputDirectory="$TB_CACHE" >"$TB_DIR/$SVC.mvn.log" 2>&1
}

cmd_install() {
  mkdir -p "$B"
  command -v java >/dev/null || tb_apt_install default-jre-headless
  if [ ! -f "$UPSTREAM_HOME/bin/activemq.jar" ]; then
    if fetch_upstream; then
      tar -xzf "$TARBALL" -C "$B"
    else
      tb_log "$SVC" "WARNING: could not fetch ActiveMQ $VERSION (see $TB_DIR/$SVC.mvn.log);" \
        "falling back to Debian's activemq package, which has no WebSocket transport"
      tb_apt_install activemq
    fi
  fi
  write_config
}

write_config() {
  local home ws_connector=""
  home="$(amq_home)" || tb_die "$SVC" "no ActiveMQ installed; run: $0 install"
  mkdir -p "$B/conf" "$B/data" "$B/tmp"
  if has_ws; then
    # websocket.* options go to Jetty's WebSocket servlet, whose own message
    # limit (64 KiB by default) would otherwise cut large bodies.
    ws_connector="<transportConnector name=\"ws\" uri=\"ws://127.0.0.1:$WS_PORT?maximumConnections=1000&amp;wireFormat.maxFrameSize=$MAX_FRAME&amp;websocket.maxTextMessageSize=$MAX_FRAME&amp;websocket.maxBinaryMessageSize=$MAX_FRAME\"/>"
  fi
  cat >"$B/conf/activemq.xml" <<CONF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by plastrond scripts/testbed/activemq.sh -->
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="plastrond-testbed"
          dataDirectory="$B/data" useJmx="false" schedulerSupport="false">
    <persistenceAdapter>
      <kahaDB directory="$B/data/kahadb"/>
    </persistenceAdapter>
    <systemUsage>
      <systemUsage>
        <memoryUsage><memoryUsage percentOfJvmHeap="70"/></memoryUsage>
        <storeUsage><storeUsage limit="2 gb"/></storeUsage>
        <tempUsage><tempUsage limit="1 gb"/></tempUsage>
      </systemUsage>
    </systemUsage>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:$OPENWIRE_PORT?maximumConnections=1000&amp;wireFormat.maxFrameSize=$MAX_FRAME"/>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:$STOMP_PORT?maximumConnections=1000&amp;wireFormat.maxFrameSize=$MAX_FRAME&amp;transport.maxFrameSize=$MAX_FRAME"/>
      $ws_connector
    </transportConnectors>
    <shutdownHooks>
      <bean xmlns="http://www.springframework.org/schema/beans" class="org.apache.activemq.hooks.SpringContextHook"/>
    </shutdownHooks>
  </broker>
</beans>
CONF
  cat >"$B/conf/log4j2.properties" <<'CONF'
# Written by plastrond scripts/testbed/activemq.sh
rootLogger.level=INFO
rootLogger.appenderRef.logfile.ref=File
logger.spring.name=org.springframework
logger.spring.level=WARN
logger.jetty.name=org.eclipse.jetty
logger.jetty.level=WARN
appender.logfile.type=File
appender.logfile.name=File
appender.logfile.fileName=${sys:activemq.data}/activemq.log
appender.logfile.layout.type=PatternLayout
appender.logfile.layout.pattern=%d | %-5p | %m | %c | %t%n%throwable{full}
CONF
  cp "$B/conf/log4j2.properties" "$B/conf/log4j.properties"
}

probe() {
  tb_stomp_probe 127.0.0.1 "$STOMP_PORT" guest guest || return 1
  if has_ws; then tb_ws_probe 127.0.0.1 "$WS_PORT" /; fi
}

cmd_status() {
  if probe; then
    if has_ws; then
      echo "$SVC: up (stomp 127.0.0.1:$STOMP_PORT, ws://127.0.0.1:$WS_PORT)"
    else
      echo "$SVC: up (stomp 127.0.0.1:$STOMP_PORT; no ws: Debian's build)"
    fi
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
  tb_stop_pid "$SVC" "$PID_FILE" 10 # a half-started leftover of ours
  cmd_install
  local home port
  home="$(amq_home)"
  for port in "$STOMP_PORT" "$WS_PORT" "$OPENWIRE_PORT"; do
    tb_port_free "$port" || tb_die "$SVC" "127.0.0.1:$port is taken by another process; stop it first"
  done
  tb_log "$SVC" "starting $home"
  # `start` stays in the foreground: run it detached, in its own session.
  setsid java -Xms64m -Xmx512m \
    -Djava.io.tmpdir="$B/tmp" \
    -Dactivemq.home="$home" -Dactivemq.base="$B" -Dactivemq.conf="$B/conf" \
    -Dactivemq.data="$B/data" -Dactivemq.classpath="$B/conf" \
    -Dlog4j2.configurationFile="$B/conf/log4j2.properties" \
    -Dlog4j.configuration="file:$B/conf/log4j.properties" \
    -jar "$home/bin/activemq.jar" start "xbean:file:$B/conf/activemq.xml" \
    </dev/null >"$B/console.log" 2>&1 &
  echo $! >"$PID_FILE"
  if ! tb_wait_pid 90 "$SVC STOMP$(has_ws && echo '+ws')" "$PID_FILE" probe; then
    tb_stop_pid "$SVC" "$PID_FILE" 10
    tb_die "$SVC" "no STOMP answer on 127.0.0.1:$STOMP_PORT; see $B/console.log and $B/data/activemq.log"
  fi
}

cmd_stop() {
  tb_stop_pid "$SVC" "$PID_FILE" 30
  tb_wait 15 "$SVC gone" tb_port_free "$STOMP_PORT" || tb_die "$SVC" "127.0.0.1:$STOMP_PORT still open"
}

tb_main "$@"
