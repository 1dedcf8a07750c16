#!/usr/bin/env bash
# Pre-commit latency: in a git repository holding one host's tree (the demo /etc and its
# Magento shop), the time of `sesslint check FILE` for one staged file, as the hook in
# .pre-commit-hooks.yaml runs it; and, next to it, augtool (Augeas) loading the same
# php.ini, pool files and redis.conf files with its PHP and Redis lenses.
#
#   scripts/bench-precommit.sh [RUNS]        (default 21; SESSLINT_BIN overrides the binary, else
#                                             a release build of the sources is made first)
#
# Wall figures are medians of RUNS runs, the programs alternated, timed with bash's
# $EPOCHREALTIME (no process is forked inside the timed interval but the one measured);
# the `/bin/true` row is the floor of starting any process here. Instruction counts come
# from one run each under callgrind (deterministic on a shared machine); minor page faults
# from one run under GNU time (%R), system calls from one run under `strace -c -f`. augtool is the
# augeas-tools package (apt-get install augeas-tools); without it, its rows are skipped.
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

xfm=(-t "PHP incl /etc/php/8.2/fpm/php.ini" -t "PHP incl /etc/php/8.2/cli/php.ini"
     -t "PHP incl /etc/php/8.2/fpm/pool.d/*.conf" -t "Redis incl /etc/redis/*.conf")
have_aug=$(command -v augtool > /dev/null && echo 1 || echo 0)

# Microseconds of one run of "$@", appended to the array named $1; the process is started
# from this shell (no subshell, no `date`), the clock read in between is bash's own.
us() {
  local -n into=$1; shift
  local s e
  s=${EPOCHREALTIME//[!0-9]/}
  "$@" > /dev/null 2>&1 || true
  e=${EPOCHREALTIME//[!0-9]/}
  into+=($(( e - s )))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
instr() { { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } | awk '/Collected/ { print $NF }'; }
# Minor page faults of one run (GNU time's %R) and system calls of one run (strace -c -f),
# both deterministic enough to compare; "-" where the tool is missing.
faults() {
  [ -x /usr/bin/time ] || { echo -; return; }
  /usr/bin/time -o "$repo/.git/bench-faults" -f %R "$@" > /dev/null 2>&1 || true
  tail -n 1 "$repo/.git/bench-faults"
}
syscalls() {
  command -v strace > /dev/null || { echo -; return; }
  strace -f -c -o "$repo/.git/bench-syscalls" "$@" > /dev/null 2>&1 || true
  awk '$NF == "total" { print ($4 ~ /^[0-9]+$/) ? $4 : $3 }' "$repo/.git/bench-syscalls"
}

# The hook runs at the work tree's top, as pre-commit runs it.
cd "$repo"
t_true=() t_version=() t_hook=() t_host=() t_aug=()
for _ in $(seq "$runs"); do
  us t_true /bin/true
  us t_version "$bin" --version
  us t_hook "$bin" check "$staged"
  us t_host "$bin" check "$repo"
  [ "$have_aug" = 1 ] && us t_aug augtool -r "$repo" -A "${xfm[@]}" 'match /files//*'
done
i_true=$(instr /bin/true)
i_version=$(instr "$bin" --version)
i_hook=$(instr "$bin" check "$staged")
i_host=$(instr "$bin" check "$repo")
f_true=$(faults /bin/true) f_version=$(faults "$bin" --version)
f_hook=$(faults "$bin" check "$staged") f_host=$(faults "$bin" check "$repo")
s_true=$(syscalls /bin/true) s_version=$(syscalls "$bin" --version)
s_hook=$(syscalls "$bin" check "$staged") s_host=$(syscalls "$bin" check "$repo")
ms() { awk -v u="$(median "$@")" 'BEGIN { printf "%.2f", u / 1000 }'; }
row() {
  awk -v l="$1" -v w="$2" -v i="$3" -v f="${4:-}" -v s="${5:-}" \
    'BEGIN { printf "%-64s %10s %10.2f %8s %8s\n", l, w, i / 1000000, f, s }'
}
echo "# $(date -u +%F) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); median of $runs alternated runs"
printf '%-64s %10s %10s %8s %8s\n' "" "wall ms" "Minstr" "faults" "syscalls"
row "/bin/true (the floor of starting a process)" "$(ms "${t_true[@]}")" "$i_true" "$f_true" "$s_true"
row "sesslint --version (start-up only)" "$(ms "${t_version[@]}")" "$i_version" "$f_version" "$s_version"
row "sesslint check ONE staged pool file (the hook)" "$(ms "${t_hook[@]}")" "$i_hook" "$f_hook" "$s_hook"
row "sesslint check the whole host tree" "$(ms "${t_host[@]}")" "$i_host" "$f_host" "$s_host"
if [ "$have_aug" = 1 ]; then
  i_aug=$(instr augtool -r "$repo" -A "${xfm[@]}" 'match /files//*')
  row "augtool: php.ini x2, pools, redis.conf x2 (PHP, Redis lenses)" "$(ms "${t_aug[@]}")" "$i_aug"
  awk -v a="$(median "${t_aug[@]}")" -v h="$(median "${t_host[@]}")" -v ia="$i_aug" -v ih="$i_host" \
    'BEGIN { printf "augtool / sesslint (whole host): wall %.1fx, instructions %.1fx\n", a / h, ia / ih }'
else
  echo "augtool is not installed (apt-get install augeas-tools): no augtool rows, no ratio"
fi
