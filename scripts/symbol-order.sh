#!/usr/bin/env bash
# Writes link/symbol-order.txt: the functions of the `sesslint` binary that a pre-commit run
# (`sesslint check FILE` for one staged pool file of the demo tree, as
# scripts/bench-precommit.sh runs it) executes, then those a check of the whole tree adds,
# one mangled symbol a line. build.rs hands the file to the linker (lld's and mold's
# `--symbol-ordering-file`), which places these functions first and next to each other in
# `.text`: a short run touches a few dozen pages of code instead of pages all over 7 MB, and
# each first touch of a page is a page fault.
#
#   scripts/symbol-order.sh       (SESSLINT_BIN overrides the binary, else a release build
#                                  of the current sources is made first)
#
# A symbol the binary no longer has is passed over by the linker (`--no-warn-symbol-ordering`):
# a stale file costs speed, never a build. Re-run after changes to the code a check runs, or
# after a toolchain or dependency upgrade (symbol hashes change), and rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SESSLINT_BIN:-}" ]; then
  cargo build --release -q
fi
bin=$(realpath "${SESSLINT_BIN:-target/release/sesslint}")
command -v valgrind > /dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
out=link/symbol-order.txt
repo=$(mktemp -d /tmp/sesslint-order.XXXXXX)
trap 'rm -rf "$repo"' EXIT
cp -a fixtures/demo/etc fixtures/demo/var "$repo/"
git -C "$repo" init -q && git -C "$repo" add -A
git -C "$repo" -c user.name=order -c user.email=order@localhost commit -qm tree
staged=etc/php/8.2/fpm/pool.d/blog.conf
echo '; a change' >> "$repo/$staged" && git -C "$repo" add "$staged"

# The functions one run executes, in the order callgrind first names them (callers before
# their callees, roughly), mangled as the linker knows them.
executed() {
  (cd "$repo" && valgrind --tool=callgrind --demangle=no --callgrind-out-file="$repo/.git/cg" "$@" \
    > /dev/null 2>&1 || true)
  grep -oE '^c?fn=\([0-9]+\) .*' "$repo/.git/cg" | sed -E 's/^c?fn=\([0-9]+\) //'
}
# The binary's own functions (text symbols), to leave out those of the C library.
nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u > "$repo/.git/own"
mkdir -p link
{
  executed "$bin" check "$staged"
  executed "$bin" check .
} | awk 'NR == FNR { own[$0] = 1; next } ($0 in own) && !seen[$0]++' "$repo/.git/own" - > "$out"
echo "$out: $(wc -l < "$out") functions"
