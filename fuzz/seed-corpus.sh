#!/usr/bin/env bash
# Copy the fixtures of each format into fuzz/corpus/<target>/ as the fuzzers' seeds.
# fuzz/corpus is not committed; run this before `cargo fuzz run <target>`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
corpus="$here/corpus"

seed() { # seed <target> <file>...: copy under a name that keeps the origin readable
    local target=$1; shift
    mkdir -p "$corpus/$target"
    for f in "$@"; do
        cp "$f" "$corpus/$target/$(realpath --relative-to="$fixtures" "$f" | tr / _)"
    done
}

mapfile -t php < <(find "$fixtures" -path "$fixtures/fuzz-regressions" -prune -o -type f -name '*.php' -print | sort)
mapfile -t redis < <({ find "$fixtures/conformance/redis" -type f -name '*.conf'
                       find "$fixtures/corpus" -type f \( -name 'redis.conf' -o -name 'valkey.conf' \); } | sort)
mapfile -t ini < <({ find "$fixtures/conformance/ini" -type f
                     find "$fixtures/corpus" -type f ! -name '*.php' ! -name '*.md' \
                          ! -name 'redis.conf' ! -name 'valkey.conf'; } | sort)
seed env_php "${php[@]}"
seed redis_conf "${redis[@]}"
seed ini "${ini[@]}"
# The secret scans read every format's lines.
seed secrets "${php[@]}" "${redis[@]}" "${ini[@]}"
# Inputs that once failed are seeds too.
for target in ini redis_conf env_php secrets; do
    mapfile -t known < <(find "$fixtures/fuzz-regressions/$target" -type f 2>/dev/null | sort)
    if [ ${#known[@]} -gt 0 ]; then seed "$target" "${known[@]}"; fi
done
for target in ini redis_conf env_php secrets; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seed files, $(du -sh "$corpus/$target" | cut -f1)"
done
