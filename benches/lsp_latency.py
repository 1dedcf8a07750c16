#!/usr/bin/env python3
"""Latency of `sesslint lsp` from a didChange to the publishDiagnostics of that version.

    cargo build --release
    python3 benches/lsp_latency.py [--bin target/release/sesslint] [--iterations 200]

A temporary workspace holds a Debian-style PHP-FPM tree whose php.ini is ~100 KB (the
directives and comments of a production php.ini, repeated in sections). The editor has
php.ini open; each iteration sends one incremental edit (a value changes, as a keystroke
would) and waits for the diagnostics of that version. Only the standard library: the
JSON-RPC framing is written here so that the client adds as little as possible.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK = """\
;;;;;;;;;;;;;;;;;;;
; Resource Limits ;
;;;;;;;;;;;;;;;;;;;

; Maximum execution time of each script, in seconds
; https://php.net/max-execution-time
; Note: This directive is hardcoded to 0 for the CLI SAPI
max_execution_time = 30

; Maximum amount of time each script may spend parsing request data.
max_input_time = 60

; Maximum amount of memory a script may consume
memory_limit = 128M

error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT
display_errors = Off
display_startup_errors = Off
log_errors = On
post_max_size = 8M
upload_max_filesize = 2M
date.timezone = "Europe/Berlin"

[Session]
; Handler used to store/retrieve data.
session.save_handler = files
session.save_path = "/var/lib/php/sessions"
session.use_strict_mode = 0
session.use_cookies = 1
session.cookie_secure =
session.use_only_cookies = 1
session.name = PHPSESSID
session.auto_start = 0
session.cookie_lifetime = 0
session.cookie_path = /
session.cookie_domain =
session.cookie_httponly =
session.cookie_samesite =
session.serialize_handler = php
session.gc_probability = 0
session.gc_divisor = 1000
session.gc_maxlifetime = 1440
session.cache_limiter = nocache
session.cache_expire = 180
session.use_trans_sid = 0
session.sid_length = 26
session.trans_sid_tags = "a=href,area=href,frame=src,form="
session.sid_bits_per_character = 5

[PHP]
"""


def php_ini(size: int) -> str:
    out = ["[PHP]\nengine = On\n"]
    n = 0
    while sum(map(len, out)) < size:
        out.append(BLOCK.replace("max_input_time = 60", f"max_input_time = {60 + n}"))
        n += 1
    # The line the benchmark edits, last, so the whole file is before it.
    out.append("; edited by the benchmark\nmemory_limit = 128M\n")
    return "".join(out)


class Client:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def recv(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError("server closed stdout")
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            msg = self.recv()
            if msg.get("id") == self.next_id and "method" not in msg:
                return msg

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri, version):
        while True:
            msg = self.recv()
            p = msg.get("params") or {}
            if msg.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri and p.get("version") == version:
                return p["diagnostics"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("SESSLINT_BIN", "target/release/sesslint"))
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--size", type=int, default=100_000)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        fpm = ws / "etc/php/8.2/fpm"
        (fpm / "conf.d").mkdir(parents=True)
        (fpm / "pool.d").mkdir()
        text = php_ini(args.size)
        (fpm / "php.ini").write_text(text)
        (fpm / "php-fpm.conf").write_text("[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n")
        (fpm / "pool.d/www.conf").write_text("[www]\nuser = www-data\nlisten = /run/php/www.sock\npm = static\npm.max_children = 5\n")
        (fpm / "conf.d/20-redis.ini").write_text("extension=redis.so\n")
        uri = (fpm / "php.ini").as_uri()

        c = Client([args.bin, "lsp"])
        c.request("initialize", {"processId": os.getpid(), "capabilities": {}, "workspaceFolders": [{"uri": ws.as_uri(), "name": "bench"}]})
        c.notify("initialized", {})
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ini", "version": 1, "text": text}})
        c.wait_diagnostics(uri, 1)

        last_line = text.count("\n") - 1  # `memory_limit = 128M`
        col = len("memory_limit = ")
        times = []
        for i in range(args.iterations):
            version = i + 2
            value = f"{128 + (i % 2)}M"
            change = {
                "range": {"start": {"line": last_line, "character": col}, "end": {"line": last_line, "character": col + 4}},
                "text": value,
            }
            t0 = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            c.wait_diagnostics(uri, version)
            times.append((time.perf_counter() - t0) * 1000)

        c.request("shutdown", None)
        c.notify("exit", None)
        c.proc.wait(timeout=10)

    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"php.ini {len(text.encode())} bytes, {args.iterations} didChange -> publishDiagnostics round trips")
    print(f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, min {times[0]:.2f} ms, max {times[-1]:.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
