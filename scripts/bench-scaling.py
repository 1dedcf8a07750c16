#!/usr/bin/env python3
"""Scaling benchmark: does `sesslint check` stay linear in each input dimension?

For every dimension it builds a tree at 1x, 2x and 4x (under /tmp/sesslint-scaling.*), runs
`sesslint --format concise TREE` (`--format human` where the dimension says so) and prints the cost at each size, the ratio 4x / 1x (linear:
at most 4; the goal is <= 4.5) and the growth of the increments (t4 - t2) / (t2 - t1), which
is 2 for a linear cost and 4 for a quadratic one whatever the fixed start-up cost.

Cost is counted in instructions (valgrind --tool=callgrind, deterministic, so a machine
shared with other builds does not move it); `--wall` times the runs instead (median of
--runs alternated runs).

    scripts/bench-scaling.py [--bin BIN] [--scale 1.0] [--wall] [--only NAME]

The binary is --bin, else $SESSLINT_BIN, else target/release/sesslint built first with
`cargo build --release` (so it is never older than the sources). The trees are removed on
exit, on Ctrl-C and on SIGTERM/SIGHUP.

Dimensions (goal 1 of the performance work): ACL users in one redis.conf, pools in one
pool file, conf.d ini files, redis.conf includes, servers sharing includes, hosts in a fleet, findings and secrets
in one host, lines redis-server refuses, endpoints / servers / tunnels / Magento caches in one tree,
ACL users of one Redis each used by a pool of its own, PeerVPN configurations with
servers and pools on remote addresses, unquoted save_paths with passwords next to conf.d modules,
mod_php <VirtualHost> sections, passwords of one user each sent by a pool, pools on a port
none of the machine's many servers listens on, fleet hosts sharing one address, lines setting a
name that save paths' passwords name through `${name}`, UTF-8 words on one redis.conf line
separated by a lone `\r`, code frames deep in one file (human format), php-fpm pool files
included through four levels no php-fpm.conf reaches, repeated `include=` lines, pool
files, pool files including their own directory, unclosed `[` in an `include=` glob.
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "fixtures", "demo")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def php_base(tree, pools_include=True):
    """A Debian PHP 8.2 FPM setup: php.ini, php-fpm.conf including pool.d/*.conf."""
    write(f"{tree}/etc/php/8.2/fpm/php.ini", "[PHP]\nsession.save_handler = files\nsession.save_path = /var/lib/php/sessions\n")
    write(f"{tree}/etc/php/8.2/fpm/php-fpm.conf",
          "[global]\npid = /run/php/php8.2-fpm.pid\n" + ("include=/etc/php/8.2/fpm/pool.d/*.conf\n" if pools_include else ""))


def pool(name, save_path, extra=""):
    return (f"[{name}]\nuser = www-data\nlisten = /run/php/{name}.sock\npm = ondemand\npm.max_children = 4\n"
            f"php_value[session.save_handler] = redis\nphp_value[session.save_path] = \"{save_path}\"\n{extra}")


def gen_acl_users(tree, n):
    """One redis.conf with n `user` lines; every tenth re-defines an earlier user."""
    lines = ["port 6379", "bind 127.0.0.1", "requirepass a-long-enough-password-123"]
    for i in range(n):
        name = f"u{i // 2}" if i % 10 == 9 else f"u{i}"
        lines.append(f"user {name} on >pw-{i}-long-enough ~sess:* +@read +@write -@dangerous")
    write(f"{tree}/etc/redis/redis.conf", "\n".join(lines) + "\n")


def gen_pools(tree, n):
    """One pool file with n pools; every tenth section re-opens an earlier pool."""
    php_base(tree)
    out = []
    for i in range(n):
        name = f"p{i // 2}" if i % 10 == 9 else f"p{i}"
        out.append(pool(name, f"tcp://127.0.0.1:6379?database={i % 16}"))
    write(f"{tree}/etc/php/8.2/fpm/pool.d/pools.conf", "".join(out))


def gen_confd(tree, n):
    """n scan-dir ini files for the CLI SAPI, each setting a few session directives."""
    write(f"{tree}/etc/php/8.2/cli/php.ini", "[PHP]\nsession.save_handler = files\n")
    for i in range(n):
        write(f"{tree}/etc/php/8.2/cli/conf.d/{i:05d}-x.ini",
              f"; file {i}\nextension_dir_{i} = /x\nsession.gc_maxlifetime = {1000 + i}\nsession.name = S{i}\n")


def gen_includes(tree, n):
    """A redis.conf including n files, each setting a few directives."""
    lines = ["port 6379", "bind 127.0.0.1"]
    for i in range(n):
        lines.append(f"include /etc/redis/inc/{i:05d}.conf")
        write(f"{tree}/etc/redis/inc/{i:05d}.conf", f"maxmemory {i + 1}mb\ntimeout {i}\nrequirepass pass-word-{i}-xyz\n")
    write(f"{tree}/etc/redis/redis.conf", "\n".join(lines) + "\n")


def gen_shared_includes(tree, n):
    """n small redis.conf files each including the same 4 fragments of 1 MiB of comments:
    read and parsed once per run, the cost grows with the servers, not servers x bytes."""
    blob = ("# " + "y" * 100 + "\n") * ((1 << 20) // 103)
    for i in range(1, 5):
        write(f"{tree}/etc/redis/x/p{i}.inc", blob + "maxmemory-policy noeviction\n")
    for i in range(1, n + 1):
        write(f"{tree}/etc/redis/redis-{i}.conf",
              f"bind 10.0.{i // 200}.{i % 200 + 1}\nport 6379\ninclude /etc/redis/x/*.inc\n")


def gen_fleet(tree, n):
    """n host trees (the demo tree, varied), paired across hosts like scripts/bench-fleet.sh."""
    for i in range(1, n + 1):
        h = f"{tree}/host{i:05d}"
        shutil.copytree(f"{DEMO}/etc", f"{h}/etc")
        shutil.copytree(f"{DEMO}/var", f"{h}/var")
        conf = f"{h}/etc/redis/redis-sessions.conf"
        with open(conf) as f:
            text = f.read()
        write(conf, text.replace("port 6380", f"port {6380 + i % 7}"))
        addr = lambda k: f"10.{k // 62500}.{k // 250 % 250}.{k % 250 + 1}"
        if i % 2 == 1:
            write(f"{h}/etc/redis/redis-fleet.conf", f"bind 127.0.0.1 {addr(i)}\nport 6390\nrequirepass bench-password\n")
            if i % 4 == 1:
                write(f"{h}/etc/stunnel/fleet-server.conf",
                      f"[fleet]\naccept = {addr(i)}:6391\nconnect = 127.0.0.1:6390\ncert = /etc/stunnel/fleet.pem\n")
        else:
            target = f"{addr(i - 1)}:6390"
            if i % 4 == 2:
                write(f"{h}/etc/stunnel/fleet-client.conf",
                      f"[fleet]\nclient = yes\naccept = 127.0.0.1:8100\nconnect = {addr(i - 1)}:6391\nverifyChain = yes\n")
                target = "127.0.0.1:8100"
            write(f"{h}/etc/php/8.2/fpm/pool.d/fleet.conf",
                  pool("fleet", f"tcp://{target}?auth=bench-password&database=3"))


def gen_findings(tree, n):
    """One host with n pools in files of 50, each with findings and a secret of its own."""
    php_base(tree)
    for f in range(0, n, 50):
        out = []
        for i in range(f, min(n, f + 50)):
            out.append(pool(f"p{i}", f"tcp://127.0.0.1:6379?auth=secret-{i}-xyzzy&persistent=1",
                            "php_value[session.use_strict_mode] = 0\nphp_value[redis.session.locking_enabled] = 0\n"))
        write(f"{tree}/etc/php/8.2/fpm/pool.d/f{f:05d}.conf", "".join(out))
    # Every pool's server, open to the network, with a password of its own.
    write(f"{tree}/etc/redis/redis.conf", "port 6379\nbind 0.0.0.0\nprotected-mode no\nrequirepass short\n")


def gen_endpoints(tree, n):
    """n Redis servers, n tunnels, n pools (files of 50) each using a server, n/10 Magento roots."""
    php_base(tree)
    for i in range(n):
        write(f"{tree}/etc/redis/redis-{i:05d}.conf", f"port {7000 + i}\nbind 0.0.0.0\nrequirepass pw-{i}-long-enough-x\n")
        write(f"{tree}/etc/stunnel/t{i:05d}.conf",
              f"[t{i}]\naccept = 10.1.{i // 250}.{i % 250 + 1}:{7000 + i}\nconnect = 127.0.0.1:{7000 + i}\ncert = /etc/stunnel/x.pem\n")
    for f in range(0, n, 50):
        out = [pool(f"p{i}", f"tcp://127.0.0.1:{7000 + i}?auth=pw-{i}-long-enough-x&database=0") for i in range(f, min(n, f + 50))]
        write(f"{tree}/etc/php/8.2/fpm/pool.d/e{f:05d}.conf", "".join(out))
    with open(f"{DEMO}/var/www/shop/app/etc/env.php") as fh:
        env = fh.read()
    for m in range(max(1, n // 10)):
        port = 7000 + m
        text = re.sub(r"'(port)' => '63\d\d'", f"'\\1' => '{port}'", env)
        write(f"{tree}/srv/shop{m:05d}/app/etc/env.php", text)


def gen_cookie_pools(tree, n):
    """One pool file of n bare pools (`[pN]` and a listen line): an SL111 finding per pool."""
    write(f"{tree}/etc/php/8.2/fpm/php.ini", "session.save_handler = files\n")
    write(f"{tree}/etc/php/8.2/fpm/pool.d/www.conf", "".join(f"[p{i}]\nlisten = /run/p{i}.sock\n" for i in range(n)))


def gen_one_redis(tree, n):
    """n pools (files of 50) each setting a Redis save_path to the one local server."""
    php_base(tree)
    for f in range(0, n, 50):
        out = [pool(f"p{i}", "tcp://127.0.0.1:6379?database=2") for i in range(f, min(n, f + 50))]
        write(f"{tree}/etc/php/8.2/fpm/pool.d/r{f:05d}.conf", "".join(out))
    write(f"{tree}/etc/redis/redis.conf", "port 6379\nbind 127.0.0.1\nrequirepass a-long-enough-password-123\n")


def gen_acl_pools(tree, n):
    """One Redis with an ACL user per pool and n pools (files of 50), each logging in as its
    own user: every client's user is looked up among the server's n users (SL401, SL406)."""
    php_base(tree)
    for f in range(0, n, 50):
        out = [pool(f"p{i}", f"tcp://127.0.0.1:6379?auth[]=u{i}&auth[]=pw-{i}-long-enough-x&database=2")
               for i in range(f, min(n, f + 50))]
        write(f"{tree}/etc/php/8.2/fpm/pool.d/a{f:05d}.conf", "".join(out))
    users = "".join(f"user u{i} on >pw-{i}-long-enough-x ~PHPREDIS_SESSION:* +@all\n" for i in range(n))
    write(f"{tree}/etc/redis/redis.conf", "port 6379\nbind 127.0.0.1\nuser default off\n" + users)


def gen_vpn_remote(tree, n):
    """n PeerVPN configurations, n Redis servers binding a private address off the VPN, n pools
    (files of 50) on remote addresses: half on a server's, half on an address no server binds."""
    php_base(tree)
    addr = lambda net, i: f"10.{net}.{i // 250}.{i % 250 + 1}"
    for i in range(n):
        write(f"{tree}/etc/peervpn/v{i:05d}.conf",
              f"networkname n{i}\npsk a-long-enough-psk-{i}\ninterface pv{i}\nifconfig4 {addr(8, i)}/16\nport {20000 + i}\n")
        write(f"{tree}/etc/redis/redis-{i:05d}.conf",
              f"port 6379\nbind 127.0.0.1 {addr(9, i)}\nrequirepass pw-{i}-long-enough-x\n")
    for f in range(0, n, 50):
        out = [pool(f"p{i}", f"tcp://{addr(9 if i % 2 else 7, i)}:6379?auth=pw-{i}-long-enough-x")
               for i in range(f, min(n, f + 50))]
        write(f"{tree}/etc/php/8.2/fpm/pool.d/v{f:05d}.conf", "".join(out))


def gen_unquoted(tree, n):
    """One pool file of n pools whose save_path is not double-quoted and holds a password with
    backslashes: php-fpm refuses each line (SL001, with a quoting fix that checks the file's
    secrets); n conf.d files each loading a module (SL102 looks the redis module up per pool)."""
    php_base(tree)
    write(f"{tree}/etc/php/8.2/fpm/conf.d/20-redis.ini", "extension=redis.so\n")
    for i in range(n):
        write(f"{tree}/etc/php/8.2/fpm/conf.d/30-m{i:05d}.ini", f"extension=m{i}.so\n")
    tail = lambda i: "&database=2" if i % 2 == 0 else ""
    write(f"{tree}/etc/php/8.2/fpm/pool.d/u.conf", "".join(
        f"[p{i}]\nlisten = /run/p{i}.sock\nphp_value[session.save_handler] = redis\n"
        f"php_value[session.save_path] = tcp://127.0.0.1:6379?auth=pw\\\\x{i};y{tail(i)}\n" for i in range(n)))


def gen_vhosts(tree, n):
    """mod_php with n <VirtualHost> sections in one site file, each setting its own session
    save_path (a setup per section, layered on the server-wide one)."""
    write(f"{tree}/etc/php/8.2/apache2/php.ini",
          "[PHP]\nextension=igbinary\nextension=redis\nsession.save_handler = files\n")
    write(f"{tree}/etc/apache2/apache2.conf", "ServerName localhost\n<IfModule mod_php.c>\n    php_admin_value session.gc_maxlifetime 1440\n</IfModule>\n")
    write(f"{tree}/etc/apache2/sites-enabled/v.conf", "".join(
        f"<VirtualHost 10.0.{i // 250}.{i % 250 + 1}:80>\n    DocumentRoot /var/www/v{i}\n"
        f"    php_value session.save_handler redis\n"
        f"    php_value session.save_path \"tcp://127.0.0.1:6379?database=2&prefix=v{i}:&timeout=2\"\n</VirtualHost>\n"
        for i in range(n)))
    write(f"{tree}/etc/redis/redis.conf", "port 6379\nbind 127.0.0.1\nrequirepass a-long-enough-password-123\n")


def gen_default_passwords(tree, n):
    """One Redis whose default user has n passwords on one `user default` line, and n pools
    (files of 50) each sending one of them: every client's digest is checked against them."""
    php_base(tree)
    for f in range(0, n, 50):
        out = [pool(f"p{i}", f"tcp://127.0.0.1:6379?auth=pw-{i}-long-enough-x&database=2") for i in range(f, min(n, f + 50))]
        write(f"{tree}/etc/php/8.2/fpm/pool.d/d{f:05d}.conf", "".join(out))
    passwords = " ".join(f">pw-{i}-long-enough-x" for i in range(n))
    write(f"{tree}/etc/redis/redis.conf", f"port 6379\nbind 127.0.0.1\nuser default on {passwords} ~* &* +@all\n")


def gen_unreached(tree, n):
    """n Redis servers on this machine (ports 7000+) and n pools (files of 50) each connecting
    to a local port none listens on (6000+): an SL402 finding per pool, every server a reason."""
    php_base(tree)
    for i in range(n):
        write(f"{tree}/etc/redis/redis-{i:05d}.conf", f"port {7000 + i}\nbind 127.0.0.1\nrequirepass pw-{i}-long-enough-x\n")
    for f in range(0, n, 50):
        out = [pool(f"p{i}", f"tcp://127.0.0.1:{6000 + i % 1000}?database=0") for i in range(f, min(n, f + 50))]
        write(f"{tree}/etc/php/8.2/fpm/pool.d/u{f:05d}.conf", "".join(out))


def gen_shared_address(tree, n):
    """A fleet of n Redis hosts listening on every interface that sesslint.toml all gives one
    address, and a web host whose 20 pools connect to it: each link is ambiguous among n."""
    for i in range(n):
        write(f"{tree}/r{i:05d}/etc/redis/redis.conf", "bind 0.0.0.0\nport 6379\nrequirepass pw-long-enough-xyz\n")
    write(f"{tree}/sesslint.toml", "".join(f'[hosts.r{i:05d}]\naddresses = ["10.0.0.5"]\n' for i in range(n)))
    web = f"{tree}/web"
    php_base(web)
    write(f"{web}/etc/php/8.2/fpm/pool.d/s.conf",
          "".join(pool(f"p{i}", "tcp://10.0.0.5:6379?auth=pw-long-enough-xyz&database=2") for i in range(20)))


def gen_referents(tree, n):
    """A php.ini setting `pw` on n lines (each shadowing the one before) and a save path
    naming `${pw}` n/2 times, and a pool whose save path names it n/2 times too: each name
    is followed once, so the work is the references plus the lines (was their product)."""
    php_base(tree)
    refs = "${pw}" * max(1, n // 2)
    write(f"{tree}/etc/php/8.2/fpm/php.ini",
          "[PHP]\nsession.save_handler = redis\n" + "pw = x\n" * n
          + f'session.save_path = "tcp://127.0.0.1:6379?timeout=1&read_timeout=1&auth={refs}"\n')
    write(f"{tree}/etc/php/8.2/fpm/pool.d/www.conf", pool("www", f"tcp://127.0.0.1:6379?timeout=1&auth={refs}"))


def gen_errors(tree, n):
    """A redis.conf of n lines redis-server refuses: unknown names and bad arguments."""
    lines = ["port 6379", "bind 127.0.0.1", "requirepass a-long-enough-password-123"]
    for i in range(n):
        lines.append(f"unknown-directive-{i} x" if i % 2 else f"maxmemory-policy bogus-{i}")
    write(f"{tree}/etc/redis/redis.conf", "\n".join(lines) + "\n")


def gen_utf8_words(tree, n):
    """A redis.conf line of n two-byte UTF-8 words separated by a lone `\\r` (redis-server
    splits words on it, a reader's editor on nothing), each word searched for glue (a no-break
    space between a name and a password)."""
    write(f"{tree}/etc/redis/redis.conf", "port 6379\nbind 127.0.0.1\n" + "\u00e9\r" * n + "\n")


def gen_frames(tree, n):
    """A php.ini of 4n comment lines, then n lines PHP does not know (an SL003 finding each),
    checked with `--format human`: every code frame deep in the file (each frame's lines and
    line number were counted from the file's start)."""
    pad = "; " + "x" * 60 + "\n"
    keys = "".join(f"session.nam{i} = x\n" for i in range(n))
    write(f"{tree}/etc/php/8.2/fpm/php.ini", "[PHP]\n" + pad * (4 * n) + keys)


FPM = "/etc/php/8.2/fpm"


def gen_fpm_fan(tree, n):
    """Pool files php-fpm.conf's reading never reaches (x/0.conf includes x/*.conf, a loop),
    n each in x/, y/, z/, w/, each x including y/*.conf, each y z/*.conf, each z w/*.conf:
    every file read once per reading, not once per path to it (n^4)."""
    write(f"{tree}{FPM}/php-fpm.conf", f"[global]\ninclude={FPM}/x/0.conf\n")
    write(f"{tree}{FPM}/x/0.conf", f"[a0]\ninclude={FPM}/x/*.conf\n")
    for i in range(1, n + 1):
        for d, nxt in (("x", "y"), ("y", "z"), ("z", "w")):
            write(f"{tree}{FPM}/{d}/{i}.conf", f"[{d}{i}]\ninclude={FPM}/{nxt}/*.conf\n")
        write(f"{tree}{FPM}/w/{i}.conf", f"[w{i}]\npm.max_children=5\n")


def gen_fpm_repeats(tree, n):
    """n identical `include=pool.d/*.conf` lines in php-fpm.conf over 200 pool files: one
    list for all the lines, the files read again said in one step per line."""
    write(f"{tree}{FPM}/php-fpm.conf", "[global]\n" + f"include={FPM}/pool.d/*.conf\n" * n)
    for i in range(200):
        write(f"{tree}{FPM}/pool.d/{i}.conf", f"[p{i}]\n")


def gen_fpm_pool_files(tree, n):
    """n pool files php-fpm.conf includes, each with a line above its header."""
    write(f"{tree}{FPM}/php-fpm.conf", f"[global]\ninclude={FPM}/pool.d/*.conf\n")
    for i in range(n):
        write(f"{tree}{FPM}/pool.d/{i}.conf", f"pm.max_children=5\n[p{i}]\n")


def gen_fpm_self(tree, n):
    """n pool files each including pool.d/*.conf, the list that reads it (a loop at each)."""
    write(f"{tree}{FPM}/php-fpm.conf", f"[global]\ninclude={FPM}/pool.d/*.conf\n")
    for i in range(1, n + 1):
        write(f"{tree}{FPM}/pool.d/{i}.conf", f"[p{i}]\ninclude={FPM}/pool.d/*.conf\n")


def gen_glob_brackets(tree, n):
    """An `include=` glob ending in n unclosed `[` over 100 pool files of 200-byte names."""
    write(f"{tree}{FPM}/php-fpm.conf", f"[global]\ninclude={FPM}/pool.d/*" + "[" * n + "\n")
    for i in range(100):
        write(f"{tree}{FPM}/pool.d/{i:03d}" + "a" * 200 + ".conf", f"[p{i}]\n")


DIMENSIONS = [
    # name, generator, 1x size, what the size counts
    ("acl-users", gen_acl_users, 4000, "ACL user lines"),
    ("errors", gen_errors, 400, "refused redis.conf lines"),
    ("pools", gen_pools, 1000, "pools in one file"),
    ("conf.d", gen_confd, 500, "scan-dir ini files"),
    ("includes", gen_includes, 500, "redis include files"),
    ("shared-includes", gen_shared_includes, 32, "servers sharing 4 MiB of includes"),
    ("fleet", gen_fleet, 16, "host trees"),
    ("findings", gen_findings, 200, "pools with findings and secrets"),
    ("endpoints", gen_endpoints, 150, "servers, tunnels, pools"),
    ("cookie-pools", gen_cookie_pools, 5000, "bare pools, an SL111 finding each"),
    ("one-redis", gen_one_redis, 2500, "pools on one local Redis"),
    ("acl-pools", gen_acl_pools, 1000, "pools each logging in as its own ACL user"),
    ("vpn-remote", gen_vpn_remote, 400, "PeerVPN configs, servers, pools on remote addresses"),
    ("unquoted", gen_unquoted, 1000, "pools with an unquoted password, conf.d modules"),
    ("vhosts", gen_vhosts, 500, "mod_php <VirtualHost> sections with their own save_path"),
    ("default-passwords", gen_default_passwords, 1000, "passwords of the default user, a pool sending each"),
    ("unreached", gen_unreached, 250, "local Redis servers, pools on a port none listens on"),
    ("shared-address", gen_shared_address, 100, "fleet hosts claiming the address 20 pools use"),
    ("referents", gen_referents, 1000, "php.ini lines setting a name, half as many `${name}` in save paths"),
    ("utf8-words", gen_utf8_words, 20000, "UTF-8 words separated by a lone CR on one redis.conf line"),
    ("frames", gen_frames, 500, "code frames deep in one php.ini, --format human", "human"),
    ("fpm-fan", gen_fpm_fan, 100, "pool files in each of 4 levels of includes no php-fpm.conf reaches"),
    ("fpm-repeats", gen_fpm_repeats, 2000, "identical include= lines in php-fpm.conf, 200 pool files"),
    ("fpm-pool-files", gen_fpm_pool_files, 5000, "pool files php-fpm.conf includes"),
    ("fpm-self", gen_fpm_self, 250, "pool files each including pool.d/*.conf"),
    ("glob-brackets", gen_glob_brackets, 4000, "unclosed `[` in an include= glob over 100 files"),
]


def cost_instructions(binary, tree, fmt="concise"):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary,
                          "--format", fmt, tree], capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    if not m:
        sys.exit(f"no instruction count from callgrind:\n{out.stderr[-2000:]}")
    return int(m.group(1)), out.stdout.count("\n")


def cost_wall(binary, tree, fmt="concise"):
    s = time.perf_counter()
    out = subprocess.run([binary, "--format", fmt, tree], capture_output=True, text=True)
    return time.perf_counter() - s, out.stdout.count("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("SESSLINT_BIN") or None,
                    help="the sesslint binary (default $SESSLINT_BIN, else a fresh release build)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every 1x size")
    ap.add_argument("--wall", action="store_true", help="wall time instead of instruction counts")
    ap.add_argument("--runs", type=int, default=5, help="runs per size with --wall (median)")
    names = [d[0] for d in DIMENSIONS]
    # A mistyped name must not run nothing and print "worst 0.00" as if it passed.
    ap.add_argument("--only", action="append", choices=names, metavar="NAME",
                    help="only this dimension (repeat for more):\n"
                    + textwrap.fill(", ".join(names), 60, break_on_hyphens=False))
    args = ap.parse_args()
    if args.bin is None:
        # A stale target/release/sesslint would measure old code: build it first.
        subprocess.run(["cargo", "build", "--release", "-q", "--manifest-path", os.path.join(ROOT, "Cargo.toml")],
                       check=True)
        args.bin = os.path.join(ROOT, "target", "release", "sesslint")
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} does not exist: cargo build --release")

    # A kill runs the `finally` below too (Python's default for SIGTERM/SIGHUP skips it).
    def leave(signum, _frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, leave)
    work = tempfile.mkdtemp(prefix="sesslint-scaling.")
    unit = "s" if args.wall else "Minstr"
    print(f"# {'wall time, median of %d alternated runs' % args.runs if args.wall else 'instructions (callgrind), one run'}; "
          f"{args.bin}")
    print(f"{'dimension':<11} {'1x size':>8} {'1x ' + unit:>10} {'2x ' + unit:>10} {'4x ' + unit:>10} {'4x/1x':>6} {'incr.':>6}  findings 1x/2x/4x")
    worst = 0.0
    try:
        for name, gen, size, what, *fmt in DIMENSIONS:
            fmt = fmt[0] if fmt else "concise"
            if args.only and name not in args.only:
                continue
            n1 = max(1, int(size * args.scale))
            trees = []
            for k in (1, 2, 4):
                t = os.path.join(work, f"{name}-{k}x")
                gen(t, n1 * k)
                trees.append(t)
            if args.wall:
                samples = [[], [], []]
                for _ in range(args.runs):
                    for j, t in enumerate(trees):
                        c, f = cost_wall(args.bin, t, fmt)
                        samples[j].append(c)
                costs = [statistics.median(s) for s in samples]
                finds = [cost_wall(args.bin, t, fmt)[1] for t in trees]
            else:
                res = [cost_instructions(args.bin, t, fmt) for t in trees]
                costs = [c / 1e6 for c, _ in res]
                finds = [f for _, f in res]
            ratio = costs[2] / costs[0]
            incr = (costs[2] - costs[1]) / max(costs[1] - costs[0], 1e-9)
            worst = max(worst, ratio)
            fmt = "{:>10.3f}" if args.wall else "{:>10.1f}"
            print(f"{name:<11} {n1:>8} " + " ".join(fmt.format(c) for c in costs)
                  + f" {ratio:>6.2f} {incr:>6.2f}  {'/'.join(map(str, finds))}  ({what})", flush=True)
            for t in trees:
                shutil.rmtree(t)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"worst 4x/1x: {worst:.2f} (linear: <= 4; goal: <= 4.5)")


if __name__ == "__main__":
    main()
