#!/usr/bin/env bash
# Fedora (fcrepo-webapp 6.x war) in Debian's jetty9, bound to 127.0.0.1, for the test bed.
#
# usage: scripts/testbed/fedora.sh install|start|stop|status
#
#   install  install Debian's jetty9, maven and curl when missing (tb_apt_install from
#            lib.sh: locked, so parallel service installs do not collide); fetch the
#            fcrepo-webapp war from Maven Central into ~/.cache/plastrond/ (Maven's own
#            cache is ~/.m2)
#   start    build a jetty base under .testbed/fedora/, start Fedora, wait until
#            GET /fcrepo/rest/ with the fedoraAdmin credentials answers 200
#   stop     stop the instance by its PID and wait until it is gone
#   status   exit 0 and print the endpoint when it answers, else exit 1
#
# Fedora 4.7.x (a Java 8 target) is tried on Java 17 with FCREPO_VERSIONS="4.7.6 4.7.5"
# (scripts/testbed/fedora4.sh runs it on its own port and folder).
#
# Environment (all optional):
#   FEDORA_PORT            HTTP port (default 8080)
#   FEDORA_BASE            jetty base / data folder (default <repo>/.testbed/fedora)
#   FCREPO_VERSIONS        war versions to try in order (default "6.5.1 6.5.2 6.5.0 6.1.0 6.0.0";
#                          the first one Maven Central answers for is used)
#   FEDORA_SESSION_TIMEOUT transaction timeout in ms (default 60000, so that the keep-alive
#                          test outlives it in about a minute; Fedora's own default is 180000)
#   FEDORA_START_TIMEOUT   seconds to wait for Fedora to answer (default 240)
#   FEDORA_JAVA_OPTS       extra JVM options (e.g. for the Fedora 4.7 trial)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${FEDORA_PORT:-8080}"
BASE="${FEDORA_BASE:-$ROOT/.testbed/fedora}"
CACHE="$TB_CACHE"
VERSIONS="${FCREPO_VERSIONS:-6.5.1 6.5.2 6.5.0 6.1.0 6.0.0}"
SESSION_TIMEOUT="${FEDORA_SESSION_TIMEOUT:-60000}"
START_TIMEOUT="${FEDORA_START_TIMEOUT:-240}"
JETTY_HOME=/usr/share/jetty9
USER_NAME=fedoraAdmin
USER_PASSWORD=fedoraAdmin
URL="http://127.0.0.1:${PORT}/fcrepo/rest"

log() { echo "fedora: $*" >&2; }

# The cached war, if any (newest version first in FCREPO_VERSIONS order).
cached_war() {
  local v
  for v in $VERSIONS; do
    if [[ -s "$CACHE/fcrepo-webapp-$v.war" ]]; then
      echo "$CACHE/fcrepo-webapp-$v.war"
      return 0
    fi
  done
  return 1
}

install() {
  local new_jetty=""
  [[ -f "$JETTY_HOME/start.jar" ]] || new_jetty=1
  tb_apt_install jetty9 maven curl
  if [[ -n "$new_jetty" ]]; then
    # The package enables a system service; the test bed runs its own instance only.
    systemctl disable --now jetty9 >/dev/null 2>&1 || true
  fi
  if war="$(cached_war)"; then
    log "war cached: $war"
    return 0
  fi
  mkdir -p "$CACHE"
  local v
  for v in $VERSIONS; do
    log "fetching org.fcrepo:fcrepo-webapp:$v:war from Maven Central"
    if mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
      "-Dartifact=org.fcrepo:fcrepo-webapp:$v:war" "-DoutputDirectory=$CACHE" >"$CACHE/mvn-$v.log" 2>&1; then
      log "cached $CACHE/fcrepo-webapp-$v.war"
      return 0
    fi
    log "version $v not available (see $CACHE/mvn-$v.log); trying the next"
  done
  log "no fcrepo-webapp war could be fetched (tried: $VERSIONS)"
  return 1
}

answers() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 5 -u "$USER_NAME:$USER_PASSWORD" "$URL/")" == 200 ]]
}

pid_alive() {
  [[ -f "$BASE/fedora.pid" ]] && kill -0 "$(cat "$BASE/fedora.pid")" 2>/dev/null
}

build_base() {
  local war="$1"
  mkdir -p "$BASE/webapps" "$BASE/etc" "$BASE/home" "$BASE/logs"
  if [[ ! -f "$BASE/start.ini" && ! -d "$BASE/start.d" ]]; then
    java -jar "$JETTY_HOME/start.jar" "jetty.home=$JETTY_HOME" "jetty.base=$BASE" \
      --add-to-start=http,deploy,annotations,security >"$BASE/logs/setup.log" 2>&1
  fi
  # The war lives outside webapps/ so that only the context file below deploys it.
  ln -sf "$war" "$BASE/fcrepo.war"
  printf '%s: %s,%s\n' "$USER_NAME" "$USER_PASSWORD" "$USER_NAME" >"$BASE/etc/fcrepo-users.properties"
  # Fedora 4's war ships with authentication commented out: require it, as Fedora 6 does.
  local override=""
  case "$(basename "$war")" in
  fcrepo-webapp-4.*)
    cat >"$BASE/etc/override-web.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="http://java.sun.com/xml/ns/javaee" version="3.0">
  <security-constraint>
    <web-resource-collection>
      <web-resource-name>Fedora</web-resource-name>
      <url-pattern>/*</url-pattern>
    </web-resource-collection>
    <auth-constraint><role-name>fedoraAdmin</role-name></auth-constraint>
  </security-constraint>
  <security-role><role-name>fedoraAdmin</role-name></security-role>
  <login-config>
    <auth-method>BASIC</auth-method>
    <realm-name>fcrepo</realm-name>
  </login-config>
</web-app>
EOF
    override="<Set name=\"overrideDescriptor\">$BASE/etc/override-web.xml</Set>"
    # Fedora 4 has no switch for its embedded broker: replace its JMS wiring with nothing.
    cat >"$BASE/etc/no-jms.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd"/>
EOF
    ;;
  esac
  cat >"$BASE/webapps/fcrepo.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "http://www.eclipse.org/jetty/configure_9_3.dtd">
<Configure class="org.eclipse.jetty.webapp.WebAppContext">
  <Set name="contextPath">/fcrepo</Set>
  <Set name="war">$BASE/fcrepo.war</Set>
  $override
  <Get name="securityHandler">
    <Set name="loginService">
      <New class="org.eclipse.jetty.security.HashLoginService">
        <Set name="name">fcrepo</Set>
        <Set name="config">$BASE/etc/fcrepo-users.properties</Set>
      </New>
    </Set>
  </Get>
</Configure>
EOF
}

start() {
  command -v curl >/dev/null || tb_apt_install curl
  if answers; then
    log "already answering at $URL"
    return 0
  fi
  if pid_alive; then
    log "process $(cat "$BASE/fedora.pid") exists but does not answer; stop it first"
    return 1
  fi
  local war
  if ! war="$(cached_war)"; then
    install
    war="$(cached_war)"
  fi
  build_base "$war"
  mkdir -p "$BASE/tmp"
  local version_opts=""
  case "$(basename "$war")" in
  fcrepo-webapp-6.*)
    # Fedora 6's default H2 URL locks with FILE_LOCK=SOCKET, which listens on a random
    # port of every interface; a file lock keeps Fedora on 127.0.0.1 only.
    version_opts="-Dfcrepo.db.url=jdbc:h2:$BASE/home/data/fcrepo-h2;FILE_LOCK=FILE"
    ;;
  fcrepo-webapp-4.*)
    # Fedora 4.7 targets Java 8: open the JDK internals it reflects on, use the file store.
    version_opts="-Dfcrepo.modeshape.configuration=classpath:/config/file-simple/repository.json"
    version_opts+=" -Dfcrepo.spring.jms.configuration=file:$BASE/etc/no-jms.xml"
    local pkg
    for pkg in java.util java.io java.nio sun.nio.ch java.lang.reflect java.net java.util.concurrent; do
      version_opts+=" --add-opens=java.base/$pkg=ALL-UNNAMED"
    done
    ;;
  esac
  log "starting $(basename "$war") on 127.0.0.1:$PORT (logs: $BASE/logs/fedora.log)"
  (
    cd "$BASE"
    exec setsid java -Xmx1g --add-opens=java.base/java.lang=ALL-UNNAMED \
      "-Dfcrepo.home=$BASE/home" -Dfcrepo.jms.enabled=false \
      "-Dfcrepo.session.timeout=$SESSION_TIMEOUT" \
      -Djava.io.tmpdir="$BASE/tmp" $version_opts ${FEDORA_JAVA_OPTS:-} \
      -jar "$JETTY_HOME/start.jar" "jetty.home=$JETTY_HOME" "jetty.base=$BASE" \
      jetty.http.host=127.0.0.1 "jetty.http.port=$PORT" \
      >"$BASE/logs/fedora.log" 2>&1 </dev/null
  ) &
  echo $! >"$BASE/fedora.pid"
  local waited=0
  until answers; do
    if ! pid_alive; then
      log "Fedora exited during start; last lines of $BASE/logs/fedora.log:"
      tail -20 "$BASE/logs/fedora.log" >&2
      return 1
    fi
    if ((waited >= START_TIMEOUT)); then
      log "Fedora did not answer within ${START_TIMEOUT}s; see $BASE/logs/fedora.log"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "ready at $URL after ${waited}s"
}

stop() {
  if ! pid_alive; then
    log "not running"
    rm -f "$BASE/fedora.pid"
    return 0
  fi
  local pid
  pid="$(cat "$BASE/fedora.pid")"
  kill "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 60)); then
      log "still running after 60s; sending KILL to $pid"
      kill -9 "$pid" 2>/dev/null || true
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$BASE/fedora.pid"
  log "stopped"
}

status() {
  if answers; then
    echo "$URL"
    return 0
  fi
  log "not answering at $URL"
  return 1
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: $0 install|start|stop|status" >&2
  exit 2
  ;;
esac
