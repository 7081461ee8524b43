#!/usr/bin/env bash
# Store throughput against real Nix, in one run:
#   1. NAR serialisation + sha256:  denv store dump TREE | sha256sum   vs  nix-store --dump TREE | sha256sum
#   2. adding a tree to a store:    denv store add TREE                 vs  nix-store --add TREE
# Each add goes into a fresh temporary store. Every measurement is the best of RUNS runs,
# alternating the two tools. Prints the ratio denv/nix (below 1 means denv is faster).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-5}
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

now() { date +%s.%N; }
clean_stores() { chmod -R u+w "$WORK"/tmp.* 2>/dev/null || true; rm -rf "$WORK"/tmp.*; sync; }
best() { # best COMMAND... : prints the fastest wall time in seconds
  local best_t=
  for _ in $(seq "$RUNS"); do
    local t0 t1 t
    clean_stores
    t0=$(now); "$@" >/dev/null; t1=$(now)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc -l)" = 1 ]; then best_t=$t; fi
  done
  echo "$best_t"
}

dump_denv() { "$DENV" store dump "$TREE" | sha256sum; }
dump_nix() { nix-store --dump "$TREE" | sha256sum; }
[ "$(dump_denv)" = "$(dump_nix)" ] || { echo "NAR hashes differ" >&2; exit 1; }

add_denv() {
  local s; s=$(mktemp -d -p "$WORK")
  DENV_STORE=$s/store "$DENV" store add "$TREE"
}
add_nix() {
  local s; s=$(mktemp -d -p "$WORK")
  NIX_STORE_DIR=$s/store NIX_STATE_DIR=$s/state NIX_LOG_DIR=$s/log nix-store --add "$TREE"
}

report() { # report NAME DENV_SECONDS NIX_SECONDS
  printf '%-28s denv %6.3f s   nix %6.3f s   denv/nix %.2f\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)"
}

d=$(best dump_denv); n=$(best dump_nix)
report "dump | sha256sum" "$d" "$n"
d=$(best add_denv); n=$(best add_nix)
report "add (fresh store)" "$d" "$n"
