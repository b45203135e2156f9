# plastrond: build one self-contained binary, run it as a non-root user.
#
#   docker build -t plastrond .
#   docker run -v /path/to/plastrond.yml:/etc/plastrond.yml:ro \
#     -v plastrond-msg:/var/lib/plastrond plastrond
#
# The configuration is read from /etc/plastrond.yml; relative paths in it are
# relative to /etc, so use absolute paths under /var/lib/plastrond for the
# message store, jobs and logs (the volumes below).

ARG DENO_VERSION=2.9.6

FROM denoland/deno:debian-${DENO_VERSION} AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY main.ts ./
COPY src ./src
RUN deno install --frozen --entrypoint main.ts \
 && deno check main.ts \
 && deno compile --frozen \
      --allow-net --allow-read --allow-write --allow-env --allow-sys \
      --output /out/plastrond main.ts

FROM debian:12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 plastrond \
 && useradd --system --uid 10001 --gid plastrond --home-dir /var/lib/plastrond plastrond \
 && mkdir -p /var/lib/plastrond/msg /var/lib/plastrond/jobs /var/lib/plastrond/log \
 && chown -R plastrond:plastrond /var/lib/plastrond
COPY --from=build /out/plastrond /usr/local/bin/plastrond
USER plastrond:plastrond
VOLUME ["/var/lib/plastrond/msg", "/var/lib/plastrond/jobs", "/var/lib/plastrond/log"]
# The daemon holds a lock on its message store while it runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/plastrond", "--version"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/plastrond"]
CMD ["-c", "/etc/plastrond.yml"]
