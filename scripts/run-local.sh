#!/usr/bin/env bash
# Set up and run plastrond on this machine with config.example.yml:
# installs Deno (from npm) when missing, starts a local RabbitMQ and Fedora
# 6.5 on 127.0.0.1 (scripts/testbed.sh), then runs the daemon in the
# foreground. Stop it with Ctrl-C; stop the services with
# `bash scripts/testbed.sh down`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v deno >/dev/null 2>&1; then
  echo "run-local: installing Deno from npm (npm install -g deno@2)"
  npm install -g deno@2 >/dev/null
fi
for service in rabbitmq fedora; do
  bash scripts/testbed/"$service".sh install
  bash scripts/testbed.sh start "$service"
done
mkdir -p var/exports var/binaries # COMMANDS.EXPORT.OUTPUT_ROOT and IMPORT.BINARIES_ROOT of config.example.yml
exec deno task start -c config.example.yml "$@"
