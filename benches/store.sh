#!/usr/bin/env bash
# Store throughput against real Nix, in one run:
#   1. NAR serialisation + sha256:  denv store hash TREE (in one process) and
#                                   denv store dump TREE | sha256sum   vs  nix-store --dump TREE | sha256sum
#      (and the serialiser alone, writing to /dev/null)
#   2. adding a tree to a store:    denv store add TREE                 vs  nix-store --add TREE
# Each add goes into a fresh temporary store. Every measurement is the best of RUNS runs,
# wall-clock and CPU (user + system). Prints the ratio denv/nix (below 1: denv is faster).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-7}
cargo build --release --quiet
DENV=$PWD/target/release/denv
command -v nix-store >/dev/null || { echo "nix-store is needed as the reference" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
TREE=$WORK/tree

# ~256 MiB: 16 files of 8 MiB, 2000 small files in 40 directories, executables, symlinks.
python3 - "$TREE" <<'PY'
import os, sys, random
root = sys.argv[1]
rng = random.Random(42)
os.makedirs(root)
for i in range(16):
    with open(f"{root}/big{i}", "wb") as f:
        f.write(rng.randbytes(8 << 20))
for d in range(40):
    os.makedirs(f"{root}/dir{d}")
    for i in range(50):
        p = f"{root}/dir{d}/file{i}"
        with open(p, "wb") as f:
            f.write(rng.randbytes(rng.randrange(0, 64 << 10)))
        if i % 7 == 0:
            os.chmod(p, 0o755)
    os.symlink(f"file{d % 50}", f"{root}/dir{d}/link")
PY
echo "tree: $(du -sh "$TREE" | cut -f1), $(find "$TREE" | wc -l) entries"

clean_stores() { chmod -R u+w "$WORK"/tmp.* 2>/dev/null || true; rm -rf "$WORK"/tmp.*; sync; }
best() { # best 'SHELL COMMAND' : prints "WALL CPU", the fastest wall time and least CPU time
  local best_w= best_c=
  for _ in $(seq "$RUNS"); do
    clean_stores
    local w c
    read -r w c < <( { /usr/bin/time -f '%e %U %S' bash -c "$1" >/dev/null; } 2>&1 | tail -1 |
      awk '{ print $1, $2 + $3 }')
    if [ -z "$best_w" ] || [ "$(echo "$w < $best_w" | bc -l)" = 1 ]; then best_w=$w; fi
    if [ -z "$best_c" ] || [ "$(echo "$c < $best_c" | bc -l)" = 1 ]; then best_c=$c; fi
  done
  echo "$best_w $best_c"
}

export DENV TREE WORK
dump_denv='"$DENV" store dump "$TREE" | sha256sum'
dump_nix='nix-store --dump "$TREE" | sha256sum'
hash_denv='"$DENV" store hash --format base16 "$TREE"'
dump_only_denv='"$DENV" store dump "$TREE" >/dev/null'
dump_only_nix='nix-store --dump "$TREE" >/dev/null'
add_denv='s=$(mktemp -d -p "$WORK"); DENV_STORE=$s/store "$DENV" store add "$TREE"'
add_nix='s=$(mktemp -d -p "$WORK"); NIX_STORE_DIR=$s/store NIX_STATE_DIR=$s/state NIX_LOG_DIR=$s/log nix-store --add "$TREE"'

[ "$(bash -c "$dump_denv")" = "$(bash -c "$dump_nix")" ] || { echo "NAR hashes differ" >&2; exit 1; }
[ "$(bash -c "$hash_denv")  -" = "$(bash -c "$dump_nix")" ] || { echo "denv store hash differs" >&2; exit 1; }

report() { # report NAME DENV_COMMAND NIX_COMMAND
  local d n
  d=($(best "$2")); n=($(best "$3"))
  printf '%-20s wall: denv %6.3f s  nix %6.3f s  denv/nix %.2f   cpu: denv %6.3f s  nix %6.3f s  denv/nix %.2f\n' \
    "$1" "${d[0]}" "${n[0]}" "$(echo "${d[0]} / ${n[0]}" | bc -l)" \
    "${d[1]}" "${n[1]}" "$(echo "${d[1]} / ${n[1]}" | bc -l)"
}

echo "best of $RUNS runs each; the machine's other load inflates wall times, CPU times are steadier"
report "NAR sha256 (hash)" "$hash_denv" "$dump_nix"
report "dump | sha256sum" "$dump_denv" "$dump_nix"
report "dump > /dev/null" "$dump_only_denv" "$dump_only_nix"
report "add (fresh store)" "$add_denv" "$add_nix"
