#!/usr/bin/env bash
# The prompt hook's cost when nothing changed: `denv export bash` inside an activated
# project against `direnv export bash` inside an equivalent activated `.envrc`, measured in
# the same run with hyperfine. Prints both means and the ratio (the target is ≤ 0.5).
#
# Usage: benches/hook.sh [path/to/denv]   (default: target/release/denv, else target/debug/denv)
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

# Each tool measured in a shell where its own environment is loaded, as at a real prompt.
measure() {
  local name=$1 activate=$2
  (
    eval "$($activate 2>/dev/null)"
    out=$($activate 2>&1)
    [ -z "$out" ] || { echo "$name printed output when nothing changed: $out" >&2; exit 1; }
    hyperfine -N --warmup 50 --min-runs 300 --style none \
      --export-json "$work/$name.json" "$activate" >/dev/null 2>&1
  )
  sed -n 's/.*"mean": *\([0-9.e-]*\).*/\1/p' "$work/$name.json" | head -n 1
}

denv_mean=$(measure denv "$denv export bash")
direnv_mean=$(measure direnv "direnv export bash")
awk -v d="$denv_mean" -v r="$direnv_mean" -v bin="$denv" 'BEGIN {
  printf "denv   export bash (unchanged, %s): %.3f ms\n", bin, d * 1000
  printf "direnv export bash (unchanged):        %.3f ms\n", r * 1000
  printf "ratio denv/direnv: %.2f (target <= 0.50)\n", d / r
}'
