#!/usr/bin/env bash
# Throughput of sesslint's parsers next to PHP's own, on the same ~1 MB inputs built from
# fixtures/corpus (benches/inputs/mod.rs): php.ini against parse_ini_file(..., true,
# INI_SCANNER_NORMAL), env.php against `include` (php -n: no opcache). Both sides are timed
# the same way in one process each: ROUNDS rounds of ITERATIONS iterations per measurement,
# only the loops timed, the median round reported. redis.conf has no in-process parser to
# compare with (redis-server only reads its config while starting), so only sesslint's
# figure is shown for it.
#
# What each side computes: "parse" the lossless tree only; "values" the tree, then the
# array PHP returns (a PhpArray: keys normalised, sections nested) with the problems located,
# against parse_ini_string() building its array; "json" also the JSON text of it (masked),
# against json_encode(parse_ini_string()).
#
# Usage: scripts/bench-parsers-vs-php.sh [ITERATIONS [ROUNDS]]   (default 20 and 5;
# CARGO_TARGET_DIR is honoured)
#        scripts/bench-parsers-vs-php.sh instructions [ITERATIONS]   (default 3)
# The second form counts instructions with callgrind instead (deterministic on a busy
# machine), ITERATIONS calls each: sesslint's `values` (everything inside parse_source)
# against PHP's zend_parse_ini_string (the scanner, parser and array building of
# parse_ini_string(), without its argument handling) on the php.ini input, and against
# PHP's compile_filename on the env.php input (`include` without opcache: reading,
# scanning, parsing and compiling the file, whose constant array is built at compile
# time; running the compiled `return` is a copy of it). Neither side counts freeing the
# returned values.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-20}
rounds=${2:-5}
target_dir=${CARGO_TARGET_DIR:-$root/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v php > /dev/null || { echo "php is not installed (apt-get install php-cli)" >&2; exit 1; }

cargo build --quiet --release --example bench_parsers --manifest-path "$root/Cargo.toml" --target-dir "$target_dir"
bin="$target_dir/release/examples/bench_parsers"

"$bin" write-inputs "$tmp"

if [ "$iterations" = instructions ]; then
    n=${2:-3}
    command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 1; }
    printf '<?php $t = file_get_contents($argv[1]); for ($i = 0; $i < (int) $argv[2]; $i++) { $r = parse_ini_string($t, true, INI_SCANNER_NORMAL); }\n' > "$tmp/php.php"
    printf '<?php $f = $argv[1]; for ($i = 0; $i < (int) $argv[2]; $i++) { $r = include $f; }\n' > "$tmp/include.php"
    # awk reads to the end: an early exit would kill callgrind_annotate by SIGPIPE (pipefail).
    total() { callgrind_annotate "$1" 2> /dev/null | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }'; }
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.sesslint" --toggle-collect='sesslint::parse_output::parse_source' \
        "$bin" run "$tmp/php.ini" ini values "$n" 2> /dev/null
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.php" --toggle-collect='zend_parse_ini_string' \
        php -n "$tmp/php.php" "$tmp/php.ini" "$n" 2> /dev/null
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.sesslint.env" --toggle-collect='sesslint::parse_output::parse_source' \
        "$bin" run "$tmp/env.php" envphp values "$n" 2> /dev/null
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.php.env" --toggle-collect='compile_filename' \
        php -n -d memory_limit=-1 "$tmp/include.php" "$tmp/env.php" "$n" 2> /dev/null
    s=$(total "$tmp/cg.sesslint"); p=$(total "$tmp/cg.php")
    se=$(total "$tmp/cg.sesslint.env"); pe=$(total "$tmp/cg.php.env")
    echo "# $(date -u +%F), callgrind, php.ini input $(stat -c %s "$tmp/php.ini") bytes, env.php input $(stat -c %s "$tmp/env.php") bytes, $n calls each"
    awk -v s="$s" -v p="$p" -v se="$se" -v pe="$pe" -v n="$n" 'BEGIN {
        printf "php.ini  sesslint values (parse_source)               %12.0f instructions a call\n", s / n
        printf "php.ini  PHP parse_ini_string (zend_parse_ini_string) %12.0f instructions a call\n", p / n
        printf "php.ini  ratio PHP / sesslint (above 1: sesslint is faster) %.2f\n", p / s
        printf "env.php  sesslint values (parse_source)               %12.0f instructions a call\n", se / n
        printf "env.php  PHP include (compile_filename)               %12.0f instructions a call\n", pe / n
        printf "env.php  ratio PHP / sesslint (above 1: sesslint is faster) %.2f\n", pe / se
    }'
    exit 0
fi
"$bin" time "$tmp" "$iterations" "$rounds" > "$tmp/sesslint.txt"
php -n "$root/scripts/bench-parsers-php.php" "$tmp" "$iterations" "$rounds" > "$tmp/php.txt"

echo "# $(date -u +%F), $(nproc) cores, $(php -n -r 'echo "PHP ", PHP_VERSION;'), median of $rounds rounds of $iterations iterations, MB = 10^6 bytes"
echo
for f in php.ini redis.conf env.php; do printf 'input %-11s %8d bytes\n' "$f" "$(stat -c %s "$tmp/$f")"; done
echo
cat "$tmp/sesslint.txt" "$tmp/php.txt" | awk '
    { mbs[$1 " " $2 " " $3] = $7 }
    END {
        printf "%-11s %-26s %10s\n", "format", "parser", "MB/s"
        row("php.ini",    "sesslint parse",           mbs["sesslint php_ini parse"])
        row("php.ini",    "sesslint values",          mbs["sesslint php_ini values"])
        row("php.ini",    "PHP parse_ini_file",       mbs["php php_ini parse_ini_file"])
        row("php.ini",    "PHP parse_ini_string",     mbs["php php_ini parse_ini_string"])
        row("php.ini",    "sesslint json",            mbs["sesslint php_ini json"])
        row("php.ini",    "PHP json_encode(parse_ini_string)", mbs["php php_ini json_encode"])
        row("redis.conf", "sesslint parse",           mbs["sesslint redis_conf parse"])
        row("redis.conf", "sesslint values",          mbs["sesslint redis_conf values"])
        row("env.php",    "sesslint parse",           mbs["sesslint env_php parse"])
        row("env.php",    "sesslint values",          mbs["sesslint env_php values"])
        row("env.php",    "PHP include",              mbs["php env_php include"])
        print ""
        print "ratio sesslint / PHP (above 1: sesslint is faster)"
        ratio("php.ini", "sesslint values / parse_ini_file",   mbs["sesslint php_ini values"], mbs["php php_ini parse_ini_file"])
        ratio("php.ini", "sesslint parse / parse_ini_file",    mbs["sesslint php_ini parse"],  mbs["php php_ini parse_ini_file"])
        ratio("php.ini", "sesslint values / parse_ini_string", mbs["sesslint php_ini values"], mbs["php php_ini parse_ini_string"])
        ratio("php.ini", "sesslint json / json_encode(parse_ini_string)", mbs["sesslint php_ini json"], mbs["php php_ini json_encode"])
        ratio("env.php", "sesslint values / include",          mbs["sesslint env_php values"], mbs["php env_php include"])
        ratio("env.php", "sesslint parse / include",           mbs["sesslint env_php parse"],  mbs["php env_php include"])
        print "redis.conf: no ratio, redis-server has no way to parse a config without starting"
    }
    function row(f, p, v) { printf "%-11s %-26s %10.2f\n", f, p, v }
    function ratio(f, what, a, b) { printf "%-11s %-36s %6.2f\n", f, what, a / b }
'
