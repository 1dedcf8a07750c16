#!/usr/bin/env bash
# Process to process: `sesslint parse --format json FILE` against the real program reading
# the same bytes, for the three formats:
#   php.ini    php -n -r 'echo json_encode(parse_ini_file(FILE, true, INI_SCANNER_NORMAL));'
#   env.php    php -n -r 'echo json_encode(include FILE);'
#   redis.conf redis-server FILE, whose last line is a directive it refuses, so that it
#              loads every line (with its own checks) and exits with "Bad directive" before
#              starting; sesslint reads the same file (and reports the same line).
# Inputs (REPEAT 8: about 3 MB, 1.6 MB and 4.3 MB): PHP's php.ini-production 5*REPEAT
# times, the demo shop's env.php array 75*REPEAT times under numbered keys, Debian 12's
# redis.conf 5*REPEAT times (valkey.conf would be refused by redis-server 7.0).
#
#   scripts/bench-parse-vs-programs.sh [RUNS [REPEAT]]      (default 7 runs, REPEAT 8)
#
# Each figure is the median wall time of RUNS runs, the programs alternated run by run;
# `instr` is the instruction count of one run under callgrind (deterministic: the machine
# is shared with other builds), the column the ratio is best read from.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
repeat=${2:-8}
# SESSLINT_BIN, else a release build of the current sources (never a stale binary).
if [ -n "${SESSLINT_BIN:-}" ]; then
  bin=$SESSLINT_BIN
else
  cargo build --release -q --manifest-path "$root/Cargo.toml"
  bin=$root/target/release/sesslint
fi
tmp=$(mktemp -d /tmp/sesslint-parse-vs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for p in php redis-server valgrind; do command -v $p > /dev/null || { echo "$p is not installed" >&2; exit 1; }; done
[ -x "$bin" ] || { echo "$bin is missing" >&2; exit 1; }

python3 - "$tmp" "$repeat" "$root" <<'EOF'
import sys
tmp, repeat, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ini = open(f"{root}/fixtures/corpus/upstream-php/php.ini-production", "rb").read()
open(f"{tmp}/big.ini", "wb").write(ini * (5 * repeat))
# The demo shop's env.php array, 75 * REPEAT times under numbered keys of one array.
env = open(f"{root}/fixtures/demo/var/www/shop/app/etc/env.php").read()
body = env[env.index("return") + 6:].strip().rstrip(";").strip()
out = "<?php\nreturn [\n" + ",\n".join(f"{k} => {body}" for k in range(75 * repeat)) + "\n];\n"
open(f"{tmp}/big.env.php", "w").write(out)
conf = open(f"{root}/fixtures/corpus/debian12-etc/redis/redis.conf", "rb").read()
open(f"{tmp}/big.redis.conf", "wb").write(conf * (5 * repeat) + b"bogus-final-line-for-timing\n")
EOF

php_ini() { php -n -r 'echo json_encode(parse_ini_file($argv[1], true, INI_SCANNER_NORMAL));' "$tmp/big.ini"; }
php_env() { php -n -d memory_limit=-1 -r 'echo json_encode(include $argv[1]);' "$tmp/big.env.php"; }
redis_load() { { redis-server "$tmp/big.redis.conf" 2>&1 || true; } | grep -q 'Bad directive'; }
s_ini() { "$bin" parse --show-secrets --format json "$tmp/big.ini"; }
s_env() { "$bin" parse --show-secrets --format json "$tmp/big.env.php"; }
# `--kind redis`: the name `big.redis.conf` alone is detected as an ini file.
s_redis() { "$bin" parse --kind redis --show-secrets --format json "$tmp/big.redis.conf"; }

# The outputs must agree before their timings mean anything.
php_ini > "$tmp/php.json"; s_ini > "$tmp/s.json" || true
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a==b else "php.ini: the values differ")' "$tmp/php.json" "$tmp/s.json"
php_env > "$tmp/php.json"; s_env > "$tmp/s.json" || true
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a==b else "env.php: the values differ")' "$tmp/php.json" "$tmp/s.json"
redis_load || { echo "redis-server did not read to the last line" >&2; exit 1; }
# sesslint must stop at the line redis-server stops at, with a directive list before it.
at=$( { redis-server "$tmp/big.redis.conf" 2>&1 || true; } | awk '/at line/ { print $NF }')
s_redis 2> "$tmp/s.err" > "$tmp/s.json" || true
grep -q "big.redis.conf:$at:1: Bad directive" "$tmp/s.err" || { echo "redis.conf: sesslint did not stop at line $at" >&2; exit 1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d and d[0]["directive"] == "bind" else "redis.conf: not read as redis.conf")' "$tmp/s.json"

ms() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
instr() { { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } | awk '/Collected/ { print $NF }'; }

declare -A t
for _ in $(seq "$runs"); do
  for f in php_ini s_ini php_env s_env redis_load s_redis; do t[$f]+="$(ms $f) "; done
done
echo "# $(date -u +%F) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); median of $runs alternated runs; instr = callgrind, one run"
printf '%-10s %10s %-44s %10s %12s\n' format bytes program "wall ms" "Minstr"
row() { # format file program-label function [instr command...]
  local f=$1 file=$2 label=$3 fn=$4; shift 4
  local w; w=$(echo ${t[$fn]} | tr ' ' '\n' | median)
  local i; i=$(instr "$@")
  printf '%-10s %10d %-44s %10.1f %12.1f\n' "$f" "$(stat -c %s "$file")" "$label" "$(echo "$w / 1000" | bc -l)" "$(echo "$i / 1000000" | bc -l)"
  echo "$f $fn $w $i" >> "$tmp/rows"
}
row php.ini "$tmp/big.ini" "php parse_ini_file + json_encode" php_ini php -n -r 'echo json_encode(parse_ini_file($argv[1], true, INI_SCANNER_NORMAL));' "$tmp/big.ini"
row php.ini "$tmp/big.ini" "sesslint parse --format json" s_ini "$bin" parse --show-secrets --format json "$tmp/big.ini"
row env.php "$tmp/big.env.php" "php include + json_encode" php_env php -n -d memory_limit=-1 -r 'echo json_encode(include $argv[1]);' "$tmp/big.env.php"
row env.php "$tmp/big.env.php" "sesslint parse --format json" s_env "$bin" parse --show-secrets --format json "$tmp/big.env.php"
row redis.conf "$tmp/big.redis.conf" "redis-server (loads, refuses the last line)" redis_load redis-server "$tmp/big.redis.conf"
row redis.conf "$tmp/big.redis.conf" "sesslint parse --format json" s_redis "$bin" parse --kind redis --show-secrets --format json "$tmp/big.redis.conf"
echo
echo "ratio program / sesslint (at least 1: sesslint is as fast as the program)"
awk '{ w[$2] = $3; i[$2] = $4 }
  END {
    printf "%-10s wall %5.2f  instructions %5.2f\n", "php.ini", w["php_ini"] / w["s_ini"], i["php_ini"] / i["s_ini"]
    printf "%-10s wall %5.2f  instructions %5.2f\n", "env.php", w["php_env"] / w["s_env"], i["php_env"] / i["s_env"]
    printf "%-10s wall %5.2f  instructions %5.2f\n", "redis.conf", w["redis_load"] / w["s_redis"], i["redis_load"] / i["s_redis"]
  }' "$tmp/rows"
