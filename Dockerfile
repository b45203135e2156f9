# plastrond: one self-contained binary, compiled with the permission set of
# the configuration it is built for, run as a non-root user.
#
#   docker build -t plastrond .                          # for docker/plastrond.yml
#   docker build --build-arg PLASTROND_CONFIG=docker/plastrond-clientcert.yml -t plastrond .
#   docker compose up --build                            # see docker-compose.yml
#
# The configuration is read from /etc/plastrond.yml (the build's file is
# copied there; mount yours over it). The binary holds exactly the
# --allow-net/--allow-read/--allow-write/--allow-env flags that
# `plastrond permissions -c <PLASTROND_CONFIG>` prints; with a configuration
# that needs more it exits 1 naming the missing flags, and the image must be
# rebuilt for it. Use ${VARIABLES} in that file only for secrets: they get a
# placeholder value while the build works out the permissions.
#
# Volumes: /var/lib/plastrond/{msg,jobs,log,exports,binaries}. Health: the
# configuration must enable DAEMON.HTTP on 127.0.0.1:9400 (HEALTH_PORT).
#
# The build stage needs the npm registry (dependencies) and dl.deno.land
# (deno compile fetches the `denort` runtime of the same Deno version).

ARG DENO_VERSION=2.9.6

FROM denoland/deno:debian-${DENO_VERSION} AS build
ARG PLASTROND_CONFIG=docker/plastrond.yml
WORKDIR /src
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Dependencies first (a layer that survives source changes), exactly as locked.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY main.ts ./
COPY src ./src
COPY scripts/compile.sh ./scripts/compile.sh
COPY ${PLASTROND_CONFIG} /etc/plastrond.yml
RUN deno check --frozen main.ts
RUN placeholders=(); \
    for name in $(grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' /etc/plastrond.yml | tr -d '${}' | sort -u); do \
      placeholders+=("$name=build-placeholder"); \
    done; \
    env "${placeholders[@]}" bash scripts/compile.sh -c /etc/plastrond.yml -o /out/plastrond

FROM debian:12-slim AS runtime
ARG HEALTH_PORT=9400
ENV HEALTH_PORT=${HEALTH_PORT}
RUN groupadd --system --gid 10001 plastrond \
 && useradd --system --uid 10001 --gid plastrond --home-dir /var/lib/plastrond \
      --shell /usr/sbin/nologin plastrond \
 && mkdir -p /var/lib/plastrond/msg /var/lib/plastrond/jobs /var/lib/plastrond/log \
      /var/lib/plastrond/exports /var/lib/plastrond/binaries \
 && chown -R plastrond:plastrond /var/lib/plastrond
COPY --from=build /out/plastrond /usr/local/bin/plastrond
COPY --from=build /etc/plastrond.yml /etc/plastrond.yml
USER plastrond:plastrond
WORKDIR /var/lib/plastrond
VOLUME ["/var/lib/plastrond/msg", "/var/lib/plastrond/jobs", "/var/lib/plastrond/log", "/var/lib/plastrond/exports"]
# GET /healthz of the daemon's own listener: 200 while the broker is
# connected and the repository answers (bash's /dev/tcp: no curl needed).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HEALTH_PORT} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/plastrond"]
CMD ["-c", "/etc/plastrond.yml"]
