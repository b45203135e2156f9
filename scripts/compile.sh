#!/usr/bin/env bash
# Build one self-contained plastrond binary with the permission set of a
# configuration embedded (`deno task compile`):
#
#   bash scripts/compile.sh [-c <config_file>] [-o <output>]
#
# The flags are those of `plastrond permissions -c <config_file>` (default:
# config.example.yml); the binary refuses to start, naming the missing flag,
# with a configuration that needs more. Output: dist/plastrond.
#
# deno compile needs Deno's `denort` runtime of the same version: Deno
# downloads it from dl.deno.land, or uses the file named by DENORT_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="$root/config.example.yml"
output="$root/dist/plastrond"
while (($#)); do
  case "$1" in
    -c | --config) config="$2"; shift 2 ;;
    -o | --output) output="$2"; shift 2 ;;
    *) echo "compile: unknown argument $1 (usage: compile.sh [-c config] [-o output])" >&2; exit 2 ;;
  esac
done

flags=()
while IFS= read -r flag; do
  [[ -n "$flag" ]] && flags+=("$flag")
done < <(deno run --no-prompt --allow-read --allow-env "$root/main.ts" permissions -c "$config" || echo "!failed")
if [[ " ${flags[*]} " == *" !failed "* ]]; then
  echo "compile: could not work out the permissions for $config (see the message above)" >&2
  exit 1
fi
if [[ -z "${DENORT_BIN:-}" ]]; then
  echo "compile: DENORT_BIN is not set; deno compile will download its runtime from dl.deno.land" >&2
elif [[ ! -f "$DENORT_BIN" || ! -x "$DENORT_BIN" ]]; then
  echo "compile: DENORT_BIN=$DENORT_BIN is not an executable file; point it at the denort binary of Deno $(deno --version | head -n 1 | cut -d' ' -f2)" >&2
  exit 1
fi
mkdir -p "$(dirname "$output")"
# shellcheck source=runtime_flags.sh
source "$root/scripts/runtime_flags.sh"
echo "compile: deno compile --no-prompt $PLASTROND_V8_FLAGS ${flags[*]} --output $output main.ts" >&2
exec deno compile --no-prompt "$PLASTROND_V8_FLAGS" "${flags[@]}" --output "$output" "$root/main.ts"
