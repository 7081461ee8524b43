#!/usr/bin/env bash
# Runs the evaluation benchmarks in benches/eval/ with real Nix and with denv in the same run,
# checks each printed value against the table in benches/eval/README.md, and prints a
# side-by-side table: median CPU seconds (user+sys) and median peak RSS of each evaluator,
# and the ratios denv/nix.
#
# Usage: benches/eval.sh [-d DENV_BINARY] [-n RUNS] [BENCH...]
#   DENV_BINARY  default: target/release/denv of this repository
#   RUNS         default: 5 (plus one warm-up run that is not counted)
#   BENCH        names of benches/eval/*.nix without .nix; default: all
# Needs GNU time at /usr/bin/time (Debian package `time`) and nix-instantiate (`nix-bin`).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
DENV="$REPO/target/release/denv"
RUNS=5
while getopts "d:n:h" o; do
  case "$o" in
    d) DENV="$OPTARG" ;;
    n) RUNS="$OPTARG" ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

die() { echo "eval.sh: $*" >&2; exit 2; }
[ -x /usr/bin/time ] || die "GNU time is missing at /usr/bin/time (apt-get install time)"
command -v nix-instantiate >/dev/null || die "nix-instantiate is missing (apt-get install nix-bin)"
[ -x "$DENV" ] || die "no denv binary at $DENV (cargo build --release, or pass -d PATH)"
DENV="$(cd "$(dirname "$DENV")" && pwd)/$(basename "$DENV")"

cd "$HERE/eval" || die "missing $HERE/eval"
if [ $# -gt 0 ]; then benches=("$@"); else
  benches=(); for f in *.nix; do benches+=("${f%.nix}"); done
fi
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME FILE CMD... : sets CPU (s), RSS (MiB) and VALUE (printed value, or FAIL:…)
measure() {
  local tag="$1" file="$2"; shift 2
  "$@" "$file" > "$TMP/out" 2> "$TMP/err"   # warm-up (page cache)
  : > "$TMP/$tag.t"
  local k status=0
  for ((k = 0; k < RUNS; k++)); do
    /usr/bin/time -f '%U %S %M' -o "$TMP/one" "$@" "$file" > "$TMP/out" 2> "$TMP/err" || status=$?
    tail -n 1 "$TMP/one" >> "$TMP/$tag.t"
  done
  CPU="$(awk '{ print $1 + $2 }' "$TMP/$tag.t" | median)"
  RSS="$(awk '{ print $3 / 1024 }' "$TMP/$tag.t" | median)"
  if [ "$status" = 0 ]; then VALUE="$(tr -d '\n' < "$TMP/out")"
  else VALUE="FAIL: $(head -n 1 "$TMP/err")"; fi
}

printf '%-18s %9s %9s %7s %9s %9s %7s  %s\n' bench nix_cpu denv_cpu cpu_x nix_MiB denv_MiB mem_x value
failed=0
for b in "${benches[@]}"; do
  f="$b.nix"
  [ -f "$f" ] || { echo "no such benchmark: $b" >&2; failed=1; continue; }
  expected="$(sed -n "s/^| \`$b\` | \`\([^\`]*\)\` |.*/\1/p" README.md | head -n 1)"
  measure nix "$f" nix-instantiate --eval --strict
  nix_cpu="$CPU" nix_rss="$RSS" nix_value="$VALUE"
  measure denv "$f" "$DENV" eval --strict
  denv_cpu="$CPU" denv_rss="$RSS" denv_value="$VALUE"
  verdict="ok"
  if [ "$nix_value" != "$expected" ]; then verdict="nix printed '$nix_value', expected '$expected'"; failed=1; fi
  if [ "$denv_value" != "$expected" ]; then verdict="denv printed '$denv_value', expected '$expected'"; failed=1; fi
  awk -v b="$b" -v nc="$nix_cpu" -v dc="$denv_cpu" -v nm="$nix_rss" -v dm="$denv_rss" -v v="$verdict" 'BEGIN {
    cx = (nc > 0) ? sprintf("%.2f", dc / nc) : "-"; mx = (nm > 0) ? sprintf("%.2f", dm / nm) : "-";
    printf "%-18s %9.3f %9.3f %7s %9.1f %9.1f %7s  %s\n", b, nc, dc, cx, nm, dm, mx, v }'
done
exit "$failed"
