#!/usr/bin/env bash
# A warm `denv run -- true` in a project whose packages are already built (the evaluation
# cache holds) against `direnv exec DIR true` on an equivalent `.envrc`, in one hyperfine
# run. Prints both means and the ratio; denv's target is under 50 ms.
#
# Usage: benches/run.sh [path/to/denv]   (default: target/release/denv, else target/debug/denv)
# Needs the Debian archive the machine's apt configuration lists (first build of hello).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

denv=${1:-}
if [ -z "$denv" ]; then
  if [ -x target/release/denv ]; then denv=target/release/denv; else denv=target/debug/denv; fi
fi
denv=$(realpath "$denv")
for tool in hyperfine direnv; do
  command -v "$tool" >/dev/null || { echo "benches/run.sh needs $tool" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DENV_DATA_DIR=$work/denv-data DENV_CACHE_DIR=$work/denv-cache DENV_CONFIG_DIR=$work/denv-config
export XDG_DATA_HOME=$work/xdg-data XDG_CONFIG_HOME=$work/xdg-config XDG_CACHE_HOME=$work/xdg-cache

mkdir -p "$work/project"
cat >"$work/project/denv.toml" <<'TOML'
[packages]
hello = "*"

[env]
GREETING = "hello"
TOML
(cd "$work/project" && "$denv" run -- true)          # first build: fetch, unpack, relocate
profile=$(readlink "$work/project/.denv/profile")
cat >"$work/project/.envrc" <<ENVRC
export GREETING=hello
PATH_add $profile/bin
ENVRC
direnv allow "$work/project" >/dev/null 2>&1

cd "$work/project"
hyperfine --warmup 5 --runs 50 -N --export-json "$work/run.json" \
  "$denv run -- true" "direnv exec $work/project true" >/dev/null
python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
denv, direnv = r[0]["mean"] * 1000, r[1]["mean"] * 1000
print(f"{'command':<28} {'mean ms':>8}")
print(f"{'denv run -- true':<28} {denv:8.2f}")
print(f"{'direnv exec DIR true':<28} {direnv:8.2f}")
print(f"ratio denv/direnv: {denv / direnv:.2f}   (target: denv under 50 ms)")
PY
