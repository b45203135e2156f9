#!/usr/bin/env bash
# Run plastrond from a checkout with exactly the permissions its
# configuration needs (never -A):
#
#   bash scripts/start.sh -c <config_file> [-v]      (what `deno task start` runs)
#
# The flags come from `plastrond permissions -c <config_file>`, which only
# reads the configuration (and the environment variables it names).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

config=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -c | --config) config="${args[i + 1]:-}" ;;
    --config=*) config="${args[i]#--config=}" ;;
  esac
done
if [[ -z "$config" ]]; then
  # No configuration: let plastrond print its usage message and exit 2.
  exec deno run --no-prompt "$root/main.ts" "$@"
fi

flags=()
while IFS= read -r flag; do
  [[ -n "$flag" ]] && flags+=("$flag")
done < <(deno run --no-prompt --allow-read --allow-env "$root/main.ts" permissions -c "$config" || echo "!failed")
if [[ " ${flags[*]} " == *" !failed "* ]]; then
  echo "start: could not work out the permissions for $config (see the message above)" >&2
  exit 1
fi
# shellcheck source=runtime_flags.sh
source "$root/scripts/runtime_flags.sh"
echo "start: deno run ${PLASTROND_V8_FLAGS} ${flags[*]} main.ts $*" >&2
exec deno run --no-prompt "$PLASTROND_V8_FLAGS" "${flags[@]}" "$root/main.ts" "$@"
