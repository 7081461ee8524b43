#!/usr/bin/env bash
# Benchmark: resolve + fetch + unpack the closure of a package (default postgresql-15)
# into an empty directory, denv against apt.
#
#   denv: `denv fetch-closure PKG --dir D` (hidden development verb: resolve in the
#         verified, cached index; download with size+SHA256 checks; unpack every .deb)
#   apt:  `apt-get install --download-only` with an empty dpkg status and an empty
#         archives cache, then `dpkg-deb -x` of every downloaded .deb
#
# Both sides use indexes fetched beforehand (not timed): denv's cache and a private apt
# lists directory. Usage: benches/pkgs.sh [PACKAGE] (run as root; needs the network).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
package="${1:-postgresql-15}"
denv="${DENV_BIN:-target/release/denv}"
if [ ! -x "$denv" ]; then
  cargo build --release --quiet
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DENV_CACHE_DIR="$work/denv-cache" DENV_CONFIG_DIR="$work/denv-config"

apt_opts=(-q -o "APT::Sandbox::User=root" -o "Dir::State::Lists=$work/apt/lists" -o "Dir::State::status=$work/apt/status"
  -o "Dir::Cache=$work/apt/cache" -o "Dir::Cache::archives=$work/apt/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/apt/cache"
: > "$work/apt/status"

echo "preparing indexes (not timed)…" >&2
"$denv" update >/dev/null
apt-get "${apt_opts[@]}" update >/dev/null

now() { date +%s.%N; }

start=$(now)
"$denv" fetch-closure "$package" --dir "$work/denv-out" >"$work/denv.log"
denv_time=$(echo "$(now) - $start" | bc)
denv_count=$(find "$work/denv-out/debs" -name '*.deb' | wc -l)

start=$(now)
apt-get "${apt_opts[@]}" install -y --download-only --no-install-recommends "$package" >/dev/null
mkdir -p "$work/apt-tree"
for deb in "$work"/apt/archives/*.deb; do
  dpkg-deb -x "$deb" "$work/apt-tree/$(basename "$deb" .deb)"
done
apt_time=$(echo "$(now) - $start" | bc)
apt_count=$(find "$work/apt/archives" -maxdepth 1 -name '*.deb' | wc -l)

echo "package:        $package"
echo "denv:           ${denv_time}s for $denv_count debs ($(cat "$work/denv.log"))"
echo "apt + dpkg-deb: ${apt_time}s for $apt_count debs"
echo "ratio (apt / denv): $(echo "scale=2; $apt_time / $denv_time" | bc)"

# The same package through the store: every .deb a fixed-output derivation, unpacked and
# merged into one relocated tree (`denv build -E 'with import <denv> {}; pkgs.NAME'`),
# first into an empty store, then again with everything already built.
export DENV_STORE="$work/denv-store" DENV_DATA_DIR="$work/denv-data"
expr="with import <denv> {}; pkgs.\"$package\""
start=$(now)
"$denv" build --no-link -j 8 -E "$expr" >/dev/null 2>"$work/build.log"
build_time=$(echo "$(now) - $start" | bc)
start=$(now)
"$denv" build --no-link -E "$expr" >/dev/null 2>>"$work/build.log"
rebuild_time=$(echo "$(now) - $start" | bc)
echo "denv build (empty store):   ${build_time}s"
echo "denv build (already built): ${rebuild_time}s"
