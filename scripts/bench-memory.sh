#!/usr/bin/env bash
# Peak memory of `sesslint check` against the bytes it reads: the ratio peak RSS / bytes
# read, on a generated fleet (scripts/bench-scaling.py's hosts) and on pathological single
# files at the 16 MiB read limit: a redis.conf of 2.4 million `port 1` lines, a php.ini of
# 2.8 million `a = 1` lines, an env.php of 1.68 million `'a' => 1,` entries, and all three
# in one tree (what used to abort with an allocation failure); and N such files (N = 1, 4,
# 16; the three kinds in turn) in one host's tree and in a fleet of N hosts of one file
# each: sesslint parses at most 64 MiB per host (a tree outside a fleet is one host), so
# the host's files past it are named (SL002 errors, exit 1) and the peak stays bounded.
#
#   scripts/bench-memory.sh [HOSTS]      (default 300; SESSLINT_BIN overrides the binary, else
#                                         a release build of the sources is made first)
#   UNIQUE=1 scripts/bench-memory.sh 300 (every config file of every fleet host ends with a
#                                         comment line of its own: no two files are equal, so
#                                         none is shared by the parse-once of equal files)
#   LARGE="1 4 16" (default) the counts N of large files; LARGE= leaves them out
#
# Peak RSS is GNU time's %M (maximum resident set size) of one run; "bytes read" is the size
# of every file sesslint reads (the tree minus what it skips is close: the generated trees
# hold nothing it skips). The figure includes the binary and the allocator's slack.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-300}
# SESSLINT_BIN, else a release build of the current sources (never a stale binary).
if [ -n "${SESSLINT_BIN:-}" ]; then
  bin=$SESSLINT_BIN
else
  cargo build --release -q
  bin=target/release/sesslint
fi
[ -x "$bin" ] || { echo "$bin is missing" >&2; exit 1; }
work=$(mktemp -d /tmp/sesslint-memory.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$hosts" <<'EOF'
import importlib.util, os, sys
work, hosts = sys.argv[1], int(sys.argv[2])
spec = importlib.util.spec_from_file_location("scaling", "scripts/bench-scaling.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
m.gen_fleet(f"{work}/fleet", hosts)
if os.environ.get("UNIQUE"):
    # A last line in each format's comment syntax, naming the host and path; links stay
    # links (the file they name gets the line).
    for host in sorted(os.listdir(f"{work}/fleet")):
        top = f"{work}/fleet/{host}"
        for d, _, names in os.walk(top):
            for n in names:
                f = os.path.join(d, n)
                if os.path.islink(f):
                    continue
                c = "//" if n.endswith(".php") else "#" if "/etc/redis/" in f else ";"
                with open(f, "a") as fh:
                    fh.write(f"\n{c} unique to {host}: {os.path.relpath(f, top)}\n")
big = 16 * 1024 * 1024
def put(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(text)
redis = "port 1\n" * (big // 7 - 16)
ini = "[PHP]\n" + "a = 1\n" * (big // 6 - 16)
env = "<?php return [\n" + "'a' => 1,\n" * (big // 10 - 16) + "];\n"
put(f"{work}/redis/etc/redis/redis.conf", redis)
put(f"{work}/ini/etc/php/8.2/cli/php.ini", ini)
put(f"{work}/envphp/var/www/shop/app/etc/env.php", env)
put(f"{work}/all3/etc/redis/redis.conf", redis)
put(f"{work}/all3/etc/php/8.2/cli/php.ini", ini)
put(f"{work}/all3/var/www/shop/app/etc/env.php", env)
# N large files in one host, and a fleet of N hosts of one large file each: the three kinds
# in turn, each file different (a last comment of its own) so none is parsed once for two.
def large(top, i):
    os.makedirs(f"{top}/etc", exist_ok=True)  # what makes a fleet's child a host tree
    kind = i % 3
    if kind == 0:
        return f"{top}/etc/redis/redis-{i}.conf", redis[:-21] + f"# large {i}\n"
    if kind == 1:
        return f"{top}/etc/php/8.2/cli/conf.d/{i:02}-large.ini", ini[:-18] + f"; large {i}\n"
    return f"{top}/var/www/shop{i}/app/etc/env.php", env[:-3] + f"// large {i}\n];\n"
for n in [int(x) for x in os.environ.get("LARGE", "1 4 16").split()]:
    for i in range(n):
        put(*large(f"{work}/host{n}", i))
        put(*large(f"{work}/fleet{n}/h{i:02}", i))
EOF

printf '%-34s %12s %12s %8s %8s %8s\n' "input" "bytes found" "peak RSS" "ratio" "exit" "skipped"
large=()
for n in ${LARGE-1 4 16}; do large+=("host$n" "fleet$n"); done
for t in fleet redis ini envphp all3 "${large[@]}"; do
  bytes=$(find "$work/$t" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  # sesslint exits 1 when it finds something; GNU time then prints a status line before %M.
  out=$( { /usr/bin/time -f 'peak %M' "$bin" --format concise "$work/$t" > "$work/report"; } 2>&1 ) && status=0 || status=$?
  kb=$(printf '%s\n' "$out" | awk '/^peak / { print $2 }' | tail -1)
  # Files left unparsed past the budget: named in the report, never dropped silently.
  skipped=$(grep -c 'error\[SL002\] did not check' "$work/report" || true)
  label=$t
  case $t in
    fleet) label="fleet of $hosts hosts${UNIQUE:+, unique}" ;;
    host*) label="${t#host} large files in one host" ;;
    fleet*) label="${t#fleet} hosts of one large file" ;;
  esac
  awk -v l="$label" -v b="$bytes" -v k="$kb" -v s="$status" -v n="$skipped" \
    'BEGIN { printf "%-34s %9.1f MB %9.1f MB %7.2fx %8s %8s\n", l, b / 1e6, k * 1024 / 1e6, k * 1024 / b, s, n }'
done
