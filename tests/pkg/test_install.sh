#!/usr/bin/env bash
# test_install.sh - `cmake --install` into a DESTDIR (issue 15): every file lands
# under DESTDIR at the configured prefix, nothing outside it; the unit and the
# logrotate file name the installed paths; the installed binary and man pages work.
set -u
. "$(dirname "$0")/lib.sh"
D=$T/root
mkdir "$D"

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$SW_BUILD/CMakeCache.txt")
unitdir=$(sed -n 's/^SW_SYSTEMD_UNITDIR:PATH=//p' "$SW_BUILD/CMakeCache.txt")
case "$prefix" in /usr) etc=/etc var=/var ;; *) etc=$prefix/etc var=$prefix/var ;; esac
DESTDIR=$D cmake --install "$SW_BUILD" >"$T/install.log" 2>&1
check "cmake --install into DESTDIR succeeds (prefix $prefix)" [ $? = 0 ]
outside=$(grep -E '^-- (Installing|Up-to-date): ' "$T/install.log" | sed 's/^-- [A-Za-z-]*: //' | grep -v "^$D/" || true)
check "every installed path is below DESTDIR" [ -z "$outside" ]


want=(
  "$prefix/bin/statewall"
  "$prefix/share/man/man8/statewall.8.gz"
  "$prefix/share/man/man8/statewall-cli.8.gz"
  "$prefix/share/man/man5/statewall.conf.5.gz"
  "$etc/statewall/statewall.conf"
  "$etc/logrotate.d/statewall"
  "$unitdir/statewall@.service"
  "$prefix/share/bash-completion/completions/statewall"
  "$prefix/share/doc/statewall/README.md"
  "$prefix/share/doc/statewall/copyright"
  "$prefix/share/doc/statewall/changelog.Debian.gz"
  "$prefix/share/doc/statewall/docs/configuration.md"
  "$prefix/share/doc/statewall/docs/reference.md"
)
for f in "${want[@]}"; do check "installed: $f" [ -f "$D$f" ]; done
check "installed: $var/log/statewall/ (empty)" [ -d "$D$var/log/statewall" ]
check "the binary is executable" [ -x "$D$prefix/bin/statewall" ]

u=$D$unitdir/statewall@.service
check "unit: ExecStart is the installed binary with -c $etc/statewall/%i.conf" \
  grep -qx "ExecStart=$prefix/bin/statewall run -c $etc/statewall/%i.conf" "$u"
check "unit: Type=notify, WatchdogSec, ExecReload sends SIGHUP" \
  bash -c "grep -qx Type=notify '$u' && grep -q '^WatchdogSec=' '$u' && grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' '$u'"
check "unit: ReadWritePaths are the installed log and config directories" \
  grep -qx "ReadWritePaths=$var/log/statewall $etc/statewall" "$u"
check "unit: no @...@ left unsubstituted" bash -c "! grep -q '@[A-Z_]*@' '$u' '$D$etc/logrotate.d/statewall'"
check "logrotate: rotates $var/log/statewall/*.log" grep -q "^$var/log/statewall/\*.log {" "$D$etc/logrotate.d/statewall"
v=$("$D$prefix/bin/statewall" version)
check "installed statewall version: $v" grep -q "^statewall [0-9]" <<<"$v"
for m in man8/statewall.8 man8/statewall-cli.8 man5/statewall.conf.5; do
  w=$(LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$D$prefix/share/man/$m.gz" 2>&1 >/dev/null)
  check "man -l $m.gz: renders without warnings" [ -z "$w" ]
done
# the shipped configuration loads: a daemon started on it fails only for want of interfaces
out=$("$D$prefix/bin/statewall" run -c "$D$etc/statewall/statewall.conf" 2>&1)
check "the default configuration parses (run asks for the interfaces: $out)" \
  grep -q "no interfaces: --vwire A,B or .set deviceconfig system vwire" <<<"$out"
# bash completion: subcommands and options from the program's own help
(
  PATH=$D$prefix/bin:$PATH
  . "$D$prefix/share/bash-completion/completions/statewall"
  compopt() { :; }
  COMP_WORDS=(statewall r); COMP_CWORD=1; _statewall
  echo "sub: ${COMPREPLY[*]}"
  COMP_WORDS=(statewall run --us); COMP_CWORD=2; _statewall
  echo "opt: ${COMPREPLY[*]}"
  COMP_WORDS=(statewall man statewall.c); COMP_CWORD=2; _statewall
  echo "man: ${COMPREPLY[*]}"
) >"$T/compl" 2>&1
check "completion: statewall r<TAB> -> reference replay run" grep -qx "sub: replay reference run" "$T/compl"
check "completion: statewall run --us<TAB> -> --user" grep -qx "opt: --user" "$T/compl"
check "completion: statewall man statewall.c<TAB> -> statewall.conf.5" grep -qx "man: statewall.conf.5" "$T/compl"
[ "$FAILS" = 0 ] || sed 's/^/        /' "$T/compl"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
