#!/usr/bin/env bash
# Pre-commit latency: in a git repository holding one host's tree (the demo /etc and its
# Magento shop), the time of `sesslint check FILE` for one staged file, as the hook in
# .pre-commit-hooks.yaml runs it; and, next to it, augtool (Augeas) loading the same
# php.ini, pool files and redis.conf files with its PHP and Redis lenses.
#
#   scripts/bench-precommit.sh [RUNS]        (default 21; SESSLINT_BIN overrides the binary, else
#                                             a release build of the sources is made first)
#
# Wall figures are medians of RUNS runs, the two programs alternated; instruction counts
# come from one run each under callgrind (deterministic on a shared machine). augtool is
# the augeas-tools package (apt-get install augeas-tools); without it, its rows are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
# SESSLINT_BIN, else a release build of the current sources (never a stale binary).
if [ -z "${SESSLINT_BIN:-}" ]; then
  cargo build --release -q
fi
bin=$(realpath "${SESSLINT_BIN:-target/release/sesslint}")
[ -x "$bin" ] || { echo "$bin is missing" >&2; exit 1; }
repo=$(mktemp -d /tmp/sesslint-precommit.XXXXXX)
trap 'rm -rf "$repo"' EXIT
cp -a fixtures/demo/etc fixtures/demo/var "$repo/"
git -C "$repo" init -q && git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@localhost commit -qm tree
staged=etc/php/8.2/fpm/pool.d/blog.conf
echo '; a change' >> "$repo/$staged" && git -C "$repo" add "$staged"

hook() { (cd "$repo" && "$bin" check "$staged"); }
xfm=(-t "PHP incl /etc/php/8.2/fpm/php.ini" -t "PHP incl /etc/php/8.2/cli/php.ini"
     -t "PHP incl /etc/php/8.2/fpm/pool.d/*.conf" -t "Redis incl /etc/redis/*.conf")
aug() { augtool -r "$repo" -A "${xfm[@]}" 'match /files//*' > /dev/null; }
host() { "$bin" check "$repo"; }
have_aug=$(command -v augtool > /dev/null && echo 1 || echo 0)

us() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
instr() { { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } | awk '/Collected/ { print $NF }'; }

t_hook="" t_host="" t_aug=""
for _ in $(seq "$runs"); do
  t_hook+="$(us hook) "
  t_host+="$(us host) "
  [ "$have_aug" = 1 ] && t_aug+="$(us aug) "
done
i_hook=$(cd "$repo" && instr "$bin" check "$staged")
i_host=$(instr "$bin" check "$repo")
echo "# $(date -u +%F) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); median of $runs alternated runs"
printf '%-58s %10s %10s\n' "" "wall ms" "Minstr"
printf '%-58s %10.2f %10.1f\n' "sesslint check ONE staged pool file (the hook)" "$(echo "$(echo "$t_hook" | median) / 1000" | bc -l)" "$(echo "$i_hook / 1000000" | bc -l)"
printf '%-58s %10.2f %10.1f\n' "sesslint check the whole host tree" "$(echo "$(echo "$t_host" | median) / 1000" | bc -l)" "$(echo "$i_host / 1000000" | bc -l)"
if [ "$have_aug" = 1 ]; then
  i_aug=$(instr augtool -r "$repo" -A "${xfm[@]}" 'match /files//*')
  w_aug=$(echo "$t_aug" | median)
  printf '%-58s %10.2f %10.1f\n' "augtool: php.ini x2, pools, redis.conf x2 (PHP, Redis lenses)" "$(echo "$w_aug / 1000" | bc -l)" "$(echo "$i_aug / 1000000" | bc -l)"
  awk -v a="$w_aug" -v h="$(echo "$t_host" | median)" -v ia="$i_aug" -v ih="$i_host" \
    'BEGIN { printf "augtool / sesslint (whole host): wall %.1fx, instructions %.1fx\n", a / h, ia / ih }'
fi
