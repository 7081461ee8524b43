#!/usr/bin/env bash
# The prompt hook's cost when nothing changed, inside an activated project, against
# direnv's inside an equivalent activated `.envrc`, in the same run:
#   1. per prompt: each tool's own bash prompt hook (`_denv_hook`, which runs no process
#      when nothing changed, and `_direnv_hook`, which runs `direnv export bash`), called
#      in a loop in one interactive bash;
#   2. per process: `denv export bash` against `direnv export bash`, with hyperfine.
# Prints times and ratios (the target is ≤ 0.5).
#
# Usage: benches/hook.sh [path/to/denv]   (default: target/release/denv, else target/debug/denv)
#
# direnv is a statically linked Go binary; where process start-up is costly (containers,
# sandboxes), a dynamically linked denv pays for the loader on every prompt. Compare like
# with like by passing a static build:
#   RUSTFLAGS="-C target-feature=+crt-static" cargo build --release \
#     --target x86_64-unknown-linux-gnu --target-dir target/static
#   benches/hook.sh target/static/x86_64-unknown-linux-gnu/release/denv
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

denv=${1:-}
if [ -z "$denv" ]; then
  if [ -x target/release/denv ]; then denv=target/release/denv; else denv=target/debug/denv; fi
fi
denv=$(realpath "$denv")
for tool in hyperfine direnv; do
  command -v "$tool" >/dev/null || { echo "benches/hook.sh needs $tool" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DENV_DATA_DIR=$work/denv-data DENV_CACHE_DIR=$work/denv-cache DENV_CONFIG_DIR=$work/denv-config
export XDG_DATA_HOME=$work/xdg-data XDG_CONFIG_HOME=$work/xdg-config XDG_CACHE_HOME=$work/xdg-cache

mkdir -p "$work/project/tools"
cat >"$work/project/denv.toml" <<'TOML'
[env]
GREETING = "hello"
DATABASE_URL = "postgres://localhost:5432/app"
PATH = "$DENV_ROOT/tools"
TOML
cat >"$work/project/.envrc" <<'ENVRC'
export GREETING=hello
export DATABASE_URL=postgres://localhost:5432/app
PATH_add tools
ENVRC

cd "$work/project"
"$denv" allow >/dev/null 2>&1
direnv allow . >/dev/null 2>&1

# Both environments loaded in one shell, as at a real prompt, and both commands measured
# in one hyperfine run so that they see the same machine load.
eval "$("$denv" export bash 2>/dev/null)"
eval "$(direnv export bash 2>/dev/null)"
for cmd in "$denv export bash" "direnv export bash"; do
  out=$($cmd 2>&1)
  [ -z "$out" ] || { echo "\`$cmd\` printed output when nothing changed: $out" >&2; exit 1; }
done
hyperfine -N --warmup 50 --min-runs 500 --style none --export-json "$work/hook.json" \
  "$denv export bash" "direnv export bash" >/dev/null 2>&1
# Wall time, and CPU time (user + system), which a loaded machine distorts less.
field() { sed -n "s/.*\"$1\": *\([0-9.e-]*\).*/\1/p" "$work/hook.json" | sed -n "$2p"; }
awk -v d="$(field mean 1)" -v r="$(field mean 2)" \
    -v du="$(field user 1)" -v ds="$(field system 1)" \
    -v ru="$(field user 2)" -v rs="$(field system 2)" -v bin="$denv" 'BEGIN {
  printf "denv   export bash (unchanged, %s): %.3f ms wall, %.3f ms CPU\n", bin, d * 1000, (du + ds) * 1000
  printf "direnv export bash (unchanged): %.3f ms wall, %.3f ms CPU\n", r * 1000, (ru + rs) * 1000
  printf "ratio denv/direnv: %.2f wall, %.2f CPU (target <= 0.50)\n", d / r, (du + ds) / (ru + rs)
}'

# 1. The prompt hooks themselves, in one interactive bash holding both environments.
prompts=2000
cat >"$work/prompt.bash" <<BASH
cd "$work/project"
eval "\$("$denv" hook bash)"
eval "\$(direnv hook bash)"
_denv_hook; _direnv_hook 2>/dev/null
per_prompt() { # FUNCTION: calls it $prompts times, as that many prompts would
  for ((i = 0; i < $prompts; i++)); do "\$1" 2>/dev/null; done
}
TIMEFORMAT='%R %U %S'
{ time per_prompt _denv_hook >/dev/null; } 2>"$work/denv.t"
{ time per_prompt _direnv_hook >/dev/null; } 2>"$work/direnv.t"
BASH
bash --noprofile --norc -i "$work/prompt.bash" </dev/null >/dev/null 2>&1
read -r dw du ds <"$work/denv.t"
read -r rw ru rs <"$work/direnv.t"
awk -v n="$prompts" -v dw="$dw" -v du="$du" -v ds="$ds" -v rw="$rw" -v ru="$ru" -v rs="$rs" 'BEGIN {
  printf "denv   prompt hook (unchanged): %.1f us wall, %.1f us CPU per prompt\n", dw / n * 1e6, (du + ds) / n * 1e6
  printf "direnv prompt hook (unchanged): %.1f us wall, %.1f us CPU per prompt\n", rw / n * 1e6, (ru + rs) / n * 1e6
  printf "ratio denv/direnv per prompt: %.3f wall, %.3f CPU (target <= 0.50)\n", dw / rw, (du + ds) / (ru + rs)
}'
