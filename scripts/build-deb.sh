#!/usr/bin/env bash
# Build the Debian package: the binary, then the man pages and shell completions it
# generates from its own command-line definition, then `cargo deb --no-build`.
# Prints the path of the .deb. Needs cargo-deb (`cargo install cargo-deb --locked`).
# The release profile unless CARGO_PROFILE_RELEASE_* say otherwise (.ci/run lightens it);
# CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${CARGO_TARGET_DIR:-target}/release"
cargo build --release --locked --bin sesslint
rm -rf "$out/man" "$out/completions"
mkdir -p "$out/man" "$out/completions"
"$out/sesslint" manpage --dir "$out/man"
gzip -9n "$out"/man/*.1   # Debian policy: man pages compressed, no name or time stamp
"$out/sesslint" completions bash > "$out/completions/sesslint.bash"
"$out/sesslint" completions zsh > "$out/completions/_sesslint"
"$out/sesslint" completions fish > "$out/completions/sesslint.fish"
cargo deb --no-build --locked --quiet --strip   # Debian ships stripped binaries (dh_strip): 71 MB -> 9.8 MB installed
