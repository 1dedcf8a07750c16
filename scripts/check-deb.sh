#!/usr/bin/env bash
# Install a sesslint .deb with `dpkg -i` and check what its user gets: `sesslint` on PATH
# that runs, its man pages, and the bash, zsh and fish completions found where each shell
# looks. Any check that cannot run is a failure, never a skip.
set -euo pipefail
deb="${1:?usage: scripts/check-deb.sh PATH.deb}"
cd "$(dirname "$0")/.."
fail() { echo "check-deb: $*" >&2; exit 1; }

# dpkg takes no lock wait option; another install on this machine means try again.
for attempt in $(seq 60); do
  if out=$(dpkg -i "$deb" 2>&1); then break; fi
  grep -q 'lock' <<<"$out" || { echo "$out" >&2; fail "dpkg -i $deb failed"; }
  [ "$attempt" = 60 ] && fail "dpkg is locked by another process: $out"
  sleep 2
done
echo "check-deb: installed $(dpkg-query -W -f='${Package} ${Version}' sesslint)"

[ "$(command -v sesslint)" = /usr/bin/sesslint ] || fail "sesslint on PATH is $(command -v sesslint || echo nothing)"
want="sesslint $(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')"
got=$(sesslint --version)
[ "$got" = "$want" ] || fail "sesslint --version says '$got', expected '$want'"
echo "check-deb: $got"

# Depends names the C library the binary needs: the highest GLIBC_x.y symbol version it
# uses, and 2.36 when its relocations are packed (GLIBC_ABI_DT_RELR, which cargo-deb's
# $auto misses and glibc 2.35 refuses at start).
command -v readelf >/dev/null || fail "readelf is not installed (apt-get install binutils)"
versions=$(readelf -V --wide /usr/bin/sesslint)
need=$(grep -o 'GLIBC_2\.[0-9.]*' <<<"$versions" | sed 's/^GLIBC_//' | sort -V | tail -1)
if grep -q GLIBC_ABI_DT_RELR <<<"$versions" && dpkg --compare-versions "$need" lt 2.36; then need=2.36; fi
depends=$(dpkg-deb -f "$deb" Depends)
have=$(grep -o 'libc6 (>= [0-9.]*)' <<<"$depends" | grep -o '>= [0-9.]*' | cut -d' ' -f2 | sort -V | tail -1)
[ -n "$have" ] && dpkg --compare-versions "$have" ge "$need" \
  || fail "the binary needs glibc $need but Depends says: $depends"
echo "check-deb: needs glibc $need; Depends: $depends"
# Every library package dpkg-shlibdeps finds for the binary is in Depends, at least at its
# version, and no package is named twice.
if command -v dpkg-shlibdeps >/dev/null; then
  shl=$(mktemp -d)
  mkdir "$shl/debian" && printf 'Source: sesslint\n\nPackage: sesslint\nArchitecture: any\n' > "$shl/debian/control"
  found=$(cd "$shl" && dpkg-shlibdeps -O /usr/bin/sesslint 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$shl"
  [ -n "$found" ] || fail "dpkg-shlibdeps found no library for /usr/bin/sesslint"
  for dep in $(tr -d ' ' <<<"$found" | tr ',' '\n'); do
    pkg=${dep%%(*}; ver=$(sed -n 's/.*(>=\(.*\))/\1/p' <<<"$dep")
    declared=$(tr -d ' ' <<<"$depends" | tr ',' '\n' | grep -E "^${pkg}(\(|$)" || true)
    [ "$(grep -c . <<<"$declared")" = 1 ] || fail "Depends names $pkg $(grep -c . <<<"$declared") times: $depends"
    dver=$(sed -n 's/.*(>=\(.*\))/\1/p' <<<"$declared")
    [ -z "$ver" ] || { [ -n "$dver" ] && dpkg --compare-versions "$dver" ge "$ver"; } \
      || fail "dpkg-shlibdeps says $dep, Depends says: $depends"
  done
  echo "check-deb: dpkg-shlibdeps: $found"
else
  fail "dpkg-shlibdeps is not installed (apt-get install dpkg-dev)"
fi

# It checks a tree: the demo has findings (exit 1), among them SL202.
set +e
report=$(sesslint check --format concise fixtures/demo)
status=$?
set -e
[ "$status" = 1 ] && grep -q 'SL202' <<<"$report" || fail "sesslint check fixtures/demo: exit $status: $report"

for page in sesslint sesslint-check sesslint-completions; do
  where=$(man -w "$page") || fail "man -w $page found nothing"
  echo "check-deb: man -w $page: $where"
done
MANWIDTH=80 man -P cat sesslint 2>/dev/null | grep -q 'EXIT STATUS' || fail "man sesslint does not render"

# bash: bash-completion's loader finds the file by the command's name, as on Tab.
[ -r /usr/share/bash-completion/bash_completion ] || fail "bash-completion is not installed (apt-get install bash-completion)"
spec=$(bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader sesslint; complete -p sesslint') \
  || fail "bash-completion loads no completion for sesslint"
echo "check-deb: bash: $spec"
offered=$(bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader sesslint
  COMP_WORDS=(sesslint ch); COMP_CWORD=1; COMP_LINE="sesslint ch"; COMP_POINT=11
  _sesslint sesslint ch sesslint; printf "%s\n" "${COMPREPLY[@]}"')
grep -qx check <<<"$offered" || fail "bash completes 'sesslint ch' to: $offered"

# zsh: compinit finds _sesslint in Debian's vendor-completions directory of $fpath.
command -v zsh >/dev/null || fail "zsh is not installed"
[ "$(zsh -f -c 'autoload -U compinit; compinit -u -D; print -r -- $_comps[sesslint]')" = _sesslint ] \
  || fail "zsh's compinit does not find _sesslint"
echo "check-deb: zsh: _sesslint"

# fish: loaded from vendor_completions.d on first use (--no-config would not look there).
command -v fish >/dev/null || fail "fish is not installed"
fish -c 'complete -C "sesslint che"' | cut -f1 | grep -qx check || fail "fish does not complete 'sesslint che'"
echo "check-deb: fish: completes sesslint che"
echo "check-deb: ok"
