#!/usr/bin/env bash
# Time `sesslint check` on a generated fleet of /etc trees against the read floor
# (`find -type f | xargs cat > /dev/null` on the same tree), and report peak memory.
#
#   scripts/bench-fleet.sh [HOSTS] [RUNS]     (defaults: 300 hosts, 5 runs each)
#
# Each host is the demo tree (Debian PHP 8.2 CLI+FPM, two Redis, a Magento shop) with its
# ports, databases and pool names varied, one or two extra Magento roots from the corpus, and
# noise: files sesslint must walk past (logs, certificates, unrelated configs). Hosts pair up
# across the fleet: each odd host also runs a Redis on its private address 10.0.X.Y, and the
# even host after it keeps one pool's sessions there, every other pair through stunnel, so
# that the fleet's links cross hosts (found through the address index, not host pairs).
#
#   SESSLINT_BIN=target/debug/sesslint scripts/bench-fleet.sh 50 1   (no release build)
#   UNIQUE=1 scripts/bench-fleet.sh 300 3   (every config file of every host ends with a
#     comment line naming its host and path, so that no two files are equal and none is
#     shared by sesslint's parse-once of equal files; conf.d links stay links: the one
#     file they name gets the line)
#   FLEET_ONLY=/tmp/x/fleet scripts/bench-fleet.sh 300   (only build the fleet there, keep it)
#   FLEET=/tmp/x/fleet scripts/bench-fleet.sh 300 7   (measure a fleet FLEET_ONLY built)
#   BASE_BIN=/path/to/older/sesslint scripts/bench-fleet.sh 1000 7   (each run times the
#     floor, sesslint and BASE_BIN one after the other, so that both binaries meet the same
#     load; prints BASE_BIN's median and ratio too)
#   STAGES=1 scripts/bench-fleet.sh 300 3   (also instructions per stage, under callgrind:
#     every stage on one thread (SESSLINT_THREADS=1), then what the main thread runs itself
#     with the default threads; minutes at 300 hosts)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-300}
runs=${2:-5}
work=$(mktemp -d /tmp/sesslint-fleet.XXXXXX)
trap 'rm -rf "$work"' EXIT
fleet=$work/fleet
if [ -n "${FLEET_ONLY:-}" ]; then
  # Build the fleet into FLEET_ONLY (a directory that must not exist yet) and stop, for
  # profiling one tree many times.
  fleet=$FLEET_ONLY
  [ ! -e "$fleet" ] || { echo "$fleet exists" >&2; exit 2; }
fi

[ -z "${FLEET:-}" ] || fleet=$FLEET
[ -n "${FLEET:-}" ] || echo "building the fleet: $hosts hosts in $fleet"
for i in $(seq -w 1 "$hosts"); do
  [ -z "${FLEET:-}" ] || break
  h=$fleet/host$i
  mkdir -p "$h"
  cp -a fixtures/demo/etc "$h/etc"
  mkdir -p "$h/var/www"
  cp -a fixtures/demo/var/www/shop "$h/var/www/shop"
  n=$((10#$i))
  # Vary what the rules look at, so hosts do not all say the same thing.
  sed -i "s/^port 6380/port $((6380 + n % 7))/" "$h/etc/redis/redis-sessions.conf"
  sed -i "s/6380?database=1/$((6380 + n % 7))?database=$((n % 16))/" "$h/etc/php/8.2/fpm/pool.d/blog.conf"
  sed -i "s/'database' => '0',/'database' => '$((n % 3))',/" "$h/var/www/shop/app/etc/env.php"
  if [ $((n % 2)) -eq 0 ]; then sed -i 's/^bind 0.0.0.0/bind 127.0.0.1 -::1/' "$h/etc/redis/redis.conf"; fi
  for m in magento-transbank-onepay magento-alpine-swarm; do
    if [ $((n % 3)) -ne 0 ]; then
      mkdir -p "$h/srv/$m"
      cp -a "fixtures/corpus/$m/app" "$h/srv/$m/app"
    fi
  done
  # Cross-host pairs: odd hosts serve Redis on their private address, even ones use it.
  addr() { echo "10.0.$(( $1 / 250 )).$(( $1 % 250 + 1 ))"; }
  if [ $((n % 2)) -eq 1 ]; then
    printf 'bind 127.0.0.1 %s\nport 6390\nrequirepass bench-password\n' "$(addr "$n")" > "$h/etc/redis/redis-fleet.conf"
    if [ $((n % 4)) -eq 1 ]; then
      mkdir -p "$h/etc/stunnel"
      printf '[fleet]\naccept = %s:6391\nconnect = 127.0.0.1:6390\ncert = /etc/stunnel/fleet.pem\n' "$(addr "$n")" > "$h/etc/stunnel/fleet-server.conf"
    fi
  else
    target="$(addr $((n - 1))):6390"
    if [ $((n % 4)) -eq 2 ]; then
      mkdir -p "$h/etc/stunnel"
      printf '[fleet]\nclient = yes\naccept = 127.0.0.1:8100\nconnect = %s:6391\nverifyChain = yes\n' "$(addr $((n - 1)))" > "$h/etc/stunnel/fleet-client.conf"
      target="127.0.0.1:8100"
    fi
    printf '[fleet]\nuser = www-data\nlisten = /run/php/fleet.sock\npm = ondemand\npm.max_children = 4\nphp_value[session.save_handler] = redis\nphp_value[session.save_path] = "tcp://%s?auth=bench-password&database=3"\n' "$target" > "$h/etc/php/8.2/fpm/pool.d/fleet.conf"
  fi
  # Noise: unrelated configs, logs, a certificate bundle.
  mkdir -p "$h/etc/nginx/sites-enabled" "$h/var/log/nginx" "$h/etc/ssl/certs"
  for k in 1 2 3 4 5 6 7 8; do
    printf 'server {\n  listen 80;\n  server_name site%s.example;\n  root /var/www/site%s;\n}\n' "$k" "$k" > "$h/etc/nginx/sites-enabled/site$k"
  done
  head -c 200000 /dev/urandom | base64 > "$h/var/log/nginx/access.log"
  head -c 50000 /dev/urandom | base64 > "$h/etc/ssl/certs/ca-certificates.crt"
  if [ -n "${UNIQUE:-}" ]; then
    # A last line in each format's comment syntax: the findings stay those of the copies.
    find "$h" -type f \( -path '*/etc/php/*' -o -path '*/etc/redis/*' -o -path '*/etc/stunnel/*' -o -name env.php \) |
      while read -r f; do
        case $f in
          *.php) c='//' ;;
          */etc/redis/*) c='#' ;;
          *) c=';' ;;
        esac
        printf '\n%s unique to host%s: %s\n' "$c" "$i" "${f#"$h"/}" >> "$f"
      done
  fi
done
files=$(find "$fleet" -type f | wc -l)
bytes=$(du -sb "$fleet" | cut -f1)
echo "fleet: $files files, $((bytes / 1024 / 1024)) MiB${UNIQUE:+, every config file unique}"
[ -z "${FLEET_ONLY:-}" ] || exit 0

if [ -n "${SESSLINT_BIN:-}" ]; then
  bin=$SESSLINT_BIN
else
  cargo build --release -q
  bin=target/release/sesslint
fi

# Warm the page cache for both.
find "$fleet" -type f -print0 | xargs -0 cat > /dev/null
"$bin" --format concise "$fleet" > /dev/null || true

time_runs() { # prints the median wall time in ms of "$@" over $runs runs
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N)
    "$@" > /dev/null 2>&1 || true
    e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
floor() { find "$fleet" -type f -print0 | xargs -0 cat > /dev/null; }

if [ -n "${BASE_BIN:-}" ]; then
  # Alternated: floor, sesslint, BASE_BIN in each run; medians of each.
  fl=() ch=() ba=()
  saved=$runs
  runs=1
  for _ in $(seq "$saved"); do
    fl+=("$(time_runs floor)")
    ch+=("$(time_runs "$bin" --format concise "$fleet")")
    ba+=("$(time_runs "$BASE_BIN" --format concise "$fleet")")
  done
  runs=$saved
  median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
  floor_ms=$(median "${fl[@]}")
  check_ms=$(median "${ch[@]}")
  base_ms=$(median "${ba[@]}")
else
  floor_ms=$(time_runs floor)
  check_ms=$(time_runs "$bin" --format concise "$fleet")
fi
show_ms=$(time_runs "$bin" show "$fleet")
# sesslint exits 1 when it finds something; GNU time then prints a status line before %M.
peak_kb=$( { /usr/bin/time -f '%M' "$bin" --format concise "$fleet" > /dev/null; } 2>&1 | tail -1 ) || true
findings=$("$bin" --format concise "$fleet" | wc -l || true)
# The fleet map's lines that end on another host (`host0002: pool fleet -> host0001: ...`).
cross=$("$bin" show "$fleet" | awk '/^  [^ !].* -> / { split($0, a, ":"); from = substr(a[1], 3); split($0, b, " -> "); split(b[2], c, ":"); if (b[2] ~ /^[^ :?]+: (tcp|tls|unix)/ && c[1] != from) n++ } END { print n + 0 }')

echo
echo "hosts=$hosts files=$files runs=$runs${UNIQUE:+ unique} (median wall time, warm cache, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
echo "read floor (find | xargs cat):  ${floor_ms} ms"
echo "sesslint check:                 ${check_ms} ms  ($findings findings)"
echo "sesslint show:                  ${show_ms} ms"
echo "cross-host links in the map:    ${cross}"
awk -v a="$check_ms" -v b="$floor_ms" 'BEGIN { printf "ratio check / floor:            %.2fx\n", a / b }'
if [ -n "${BASE_BIN:-}" ]; then
  echo "BASE_BIN check:                 ${base_ms} ms  ($BASE_BIN, alternated)"
  awk -v a="$base_ms" -v b="$floor_ms" 'BEGIN { printf "ratio BASE_BIN / floor:         %.2fx\n", a / b }'
fi
echo "peak RSS of sesslint check:     ${peak_kb} KiB"

if [ -n "${STAGES:-}" ]; then
  # Instructions are deterministic where wall time on a shared machine is not.
  stage() { # FILE FUNCTION: inclusive instructions of FUNCTION in a callgrind profile
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
      awk -v f="$2" '!found && $0 ~ (":" f " \\[") { gsub(",", "", $1); print $1; found = 1 }'
  }
  cg=$work/cg.out
  SESSLINT_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$cg" "$bin" --format concise "$fleet" > /dev/null 2>&1 || true
  total=$(stage "$cg" 'sesslint::main')
  # The build reads and lowers a fleet a group of hosts at a time (discovery included).
  build=$(stage "$cg" 'sesslint::model::build::build_in_groups')
  [ -n "$build" ] || build=$(stage "$cg" 'sesslint::model::build::build')
  disc=$(stage "$cg" 'sesslint::discover::discover_observed')
  read=$(stage "$cg" 'sesslint::model::build::read::parse_file_with')
  [ -n "$read" ] || read=$(stage "$cg" 'sesslint::model::build::read::parse_file')
  run=$(stage "$cg" 'sesslint::check::run_lines')
  [ -n "$run" ] || run=$(stage "$cg" 'sesslint::check::run')
  rules=$(stage "$cg" 'sesslint::rules::check_selected')
  report=$(stage "$cg" 'sesslint::report_findings')
  echo
  echo "instructions per stage, one thread (SESSLINT_THREADS=1), millions:"
  awk -v t="$total" -v b="$build" -v d="$disc" -v r="$read" -v c="$run" -v u="$rules" -v w="$report" 'BEGIN {
    printf "  discovery %.0f, parse %.0f, reading+lowering+linking %.0f, rules %.0f, check (suppressions, caps, hosts) %.0f, report %.0f, all %.0f\n",
      d / 1e6, r / 1e6, (b - d - r) / 1e6, u / 1e6, (c - u) / 1e6, w / 1e6, t / 1e6 }'
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$cg.n" "$bin" --format concise "$fleet" > /dev/null 2>&1 || true
  main_thread=$(grep -m1 '^summary:' "$cg.n-01" | awk '{print $2}')
  all=0
  for f in "$cg.n"-*; do all=$((all + $(grep -m1 '^summary:' "$f" | awk '{print $2}'))); done
  awk -v m="$main_thread" -v a="$all" 'BEGIN {
    printf "default threads: %.0f M instructions in all, %.0f M on the main thread (%.0f%%)\n", a / 1e6, m / 1e6, 100 * m / a }'
fi
