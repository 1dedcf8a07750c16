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
# The ACL files of the fixtures (users lines, as an aclfile holds them) are redis.conf seeds.
mapfile -t acl < <(find "$fixtures" -path "$fixtures/fuzz-regressions" -prune -o -type f -name '*.acl' -print | sort)
seed redis_conf "${acl[@]}"
seed secrets "${acl[@]}"

# Hand-written inputs for the newest masking: `auth` without its `=`, several `auth` parts,
# `pw` and `apikey` names (and `monkey`, `idekey`, shown), characters a terminal does not show
# as themselves (C1, bidi, U+2028, U+FEFF, U+200B) in names and values, an aclfile's users.
write() { # write <target> <name> <printf format>: a seed of printf's output
    mkdir -p "$corpus/$1"
    # shellcheck disable=SC2059
    printf "$3" >"$corpus/$1/new-$2"
}
for t in ini secrets; do
    write $t ini-auth-words 'session.save_path = "tcp://h:6379?timeout=2&auth ZQ, tcp://h2?auth\tZQ"\nsession.save_path = "tcp://h?auth:ZQ&auth+ZQ&auth%%3DZQ&auth=&ZQ"\nsession.save_path = tcp://h?password pw\n'
    write $t ini-auth-array 'session.save_path = "tcp://h?auth[pass]=P&auth[]=U&auth[1]=P&auth[0]=U&auth[pass][x]=Y"\n'
    write $t ini-pw-apikey '[www]\nenv[PW] = pw\nenv[MONKEY] = banana\nmysqli.default_pw = x\nmysqli.default_pw\xc2\xa0 = y\napikey = s3cr3t\nxdebug.idekey = k\nphp_value[s3accesskeys] = z\nupw = u\n'
    write $t ini-unprintable '[sec\xe2\x80\xae]\nsession.save_path = "tcp://h\xc2\x9b:1?auth=a\xe2\x81\xa6b"\nk\xd8\x9c = "v\xe2\x80\xa8w\xef\xbb\xbfx\xe2\x80\x8b"\nenv[\xc2\x85] = \xc2\x9b2J\n'
done
for t in redis_conf secrets; do
    write $t redis-pw-apikey 'masterpw pw\nrequirepas x\napikey s3cr3t\napitoken t\napi-key k\nauth_token a\n# monkey hotkey Valkey\nmod.auth-token"pw\nmasterauth ""\n'
    write $t redis-unprintable 'dir /tmp/\xe2\x80\xae\nrequirepass p\xc2\x9bw\nbind 127.0.0.1\xe2\x80\xa8\nlogfile "\xc2\x85\xef\xbb\xbf"\nma\xe2\x80\x8bsterauth x\n'
    write $t redis-aclfile 'user default on #4a8a08f09d37b73795649038408b5f33eb8a05f0d4db0b5f1ddd6a1a4f6f1f9d ~* &* +@all\nuser sessions on >pw ~sess:* +@all\nuser b x >a <p\nuser c on nopass resetpass >q\nuser default on\xe2\x80\x83#ab\n'
    write $t redis-aclfile-conf 'aclfile /etc/redis/users.acl\nrequirepass pw\nuser u on >x ~* +@all\n'
done
for t in env_php secrets; do
    write $t envphp-pw-apikey "<?php\nreturn ['session' => ['save' => 'redis', 'redis' => ['host' => 'h', 'password' => 'p', 'pw' => 'w', 'apikey' => 'k', 'preload_keys' => ['a'], 'monkey' => 'banana']], 'db' => ['connection' => ['default' => ['password' => 123456]]]];\n"
    write $t envphp-unprintable "<?php\nreturn ['session' => ['save' => 'redis\xe2\x80\xae', 'redis' => ['host' => \"h\\\\u{202E}\\\\u{9b}\", 'database' => '2\xc2\x9b', 'k\xd8\x9c' => 'v\xe2\x80\xa8\xef\xbb\xbf\xe2\x80\x8b']]];\n"
    write $t envphp-save-path-auth "<?php\nreturn ['session' => ['save' => 'redis', 'save_path' => 'tcp://h?timeout=2&auth ZQ&auth[pass]=P&auth[]=U']];\n"
done

# Inputs that once failed are seeds too.
for target in ini redis_conf env_php secrets; do
    mapfile -t known < <(find "$fixtures/fuzz-regressions/$target" -type f 2>/dev/null | sort)
    if [ ${#known[@]} -gt 0 ]; then seed "$target" "${known[@]}"; fi
done
for target in ini redis_conf env_php secrets; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seed files, $(du -sh "$corpus/$target" | cut -f1)"
done
