#!/usr/bin/env bash
# test_pkg.sh - statewall as an operator runs it (issue 15): `statewall run -c FILE
# --user statewall` with the interfaces, the control socket and the session log in
# FILE's `set deviceconfig system` lines, between real Linux TCP endpoints.
#   - the half-close scenario is forwarded intact;
#   - /proc/PID/status: a non-root uid, only CAP_NET_RAW, the packet workers under seccomp;
#   - a member of group statewall runs `statewall cli`, a non-member cannot;
#   - bash completion of `statewall cli -c "..."` asks the daemon;
#   - log rotation: rename the log, SIGHUP (then `debug log rotate`): the next sessions
#     land in the new file and none is lost across the switches (counted);
#   - the test hook SW_TEST_FORBIDDEN_CALL: the packet thread's forbidden socket() call
#     is refused by the filter (the process dies of SIGSYS).
# Namespaces pkg<pid>-{c,fw,s}; creates the user/group statewall if missing and a
# member pkgm<pid>, and removes what it created on any exit.  Needs root; ~40 s.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW=pkg$$-
VW_TAG=pkg
. "$HERE/lib.sh"
vw_test_start apps

MEMBER=pkgm$$
CREATED_USER=
pkg_cleanup() {
  userdel "$MEMBER" 2>/dev/null
  if [ -n "$CREATED_USER" ]; then userdel statewall 2>/dev/null; groupdel statewall 2>/dev/null; fi
}
trap 'rc=$?; vw_down; pkg_cleanup; exit $rc' EXIT

if ! getent passwd statewall >/dev/null; then
  getent group statewall >/dev/null || groupadd --system statewall
  useradd --system --gid statewall --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin statewall
  CREATED_USER=1
fi
useradd --no-create-home --home-dir /nonexistent --shell /bin/sh -G statewall "$MEMBER"

# the daemon (as statewall) writes and reopens the log in its own directory;
# members reach the socket through $VW_DIR
chmod 0711 "$VW_DIR"
mkdir -p "$VW_DIR/log"
chown statewall:statewall "$VW_DIR/log"
CTL=$VW_DIR/run/statewall.sock
LOG=$VW_DIR/log/sessions.log
CONF=$VW_DIR/vw0.conf
cat >"$CONF" <<EOF
set deviceconfig system vwire [ fw-c fw-s ]
set deviceconfig system ctl-socket $CTL
set deviceconfig system log-file $LOG
set deviceconfig setting session timeout-tcp-time-wait 1
set deviceconfig setting session tombstone-ttl 1
EOF

jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

# start_daemon [ENV=VALUE...]: statewall run -c CONF --user statewall in the fw namespace
start_daemon() {
  env "$@" ip netns exec "$NS_FW" "$SW_BIN" run -c "$CONF" --user statewall --workers 2 \
    2>>"$VW_DIR/daemon.err" &
  DAEMON_PID=$!
}


# many N PORT: N short connections; CONNS_OK = the client's verdict line
many() {
  ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port "$2" --count "$1" --timeout 60 \
    >"$VW_DIR/many$2.server.log" 2>&1 &
  local spid=$!
  VW_PIDS+=("$spid")
  sleep 0.3
  ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port "$2" \
    --scenario many --conns "$1" --workers 4 >"$VW_DIR/many$2.client.log" 2>&1
  wait "$spid" 2>/dev/null
  # their sessions end (time-wait 1 s, then the tombstone 1 s) and are logged before the next step
  local i
  for i in $(seq 1 100); do
    [ "$(grep -c "\"resp_p\":$2," "$LOG" 2>/dev/null)" = "$1" ] && break
    sleep 0.1
  done
}

vw_up
echo "== statewall run -c $CONF --user statewall (fw ns $NS_FW), dir $VW_DIR"
start_daemon
for i in $(seq 1 100); do
  [ -S "$CTL" ] && cli -c "show session info" >/dev/null 2>&1 && break
  kill -0 "$DAEMON_PID" 2>/dev/null || break
  sleep 0.05
done
if ! cli -c "show session info" >/dev/null 2>&1; then
  bad "the daemon did not start"; cat "$VW_DIR/daemon.err"; exit 1
fi
vw_wait_path || { bad "no path through the wire"; cat "$VW_DIR/daemon.err"; exit 1; }

echo "-- privileges"
st=/proc/$DAEMON_PID/status
uid=$(awk '/^Uid:/ {print $2 "/" $3 "/" $4}' "$st")
sw_uid=$(id -u statewall)
check "runs as statewall: real/effective/saved uid $uid" [ "$uid" = "$sw_uid/$sw_uid/$sw_uid" ]
# CAP_NET_RAW is bit 13
for f in CapEff CapPrm CapBnd; do
  v=$(awk -v f="$f:" '$1 == f {print $2}' "$st")
  check "$f is CAP_NET_RAW only ($v)" [ "$v" = 0000000000002000 ]
done
v=$(awk '$1 == "CapAmb:" {print $2}' "$st")
check "no ambient capabilities ($v)" [ "$v" = 0000000000000000 ]
filtered=0
for t in /proc/$DAEMON_PID/task/*/status; do
  [ "$(awk '$1 == "Seccomp:" {print $2}' "$t")" = 2 ] && filtered=$((filtered + 1))
done
check "exactly the two packet workers' threads run under a seccomp filter ($filtered)" [ "$filtered" = 2 ]
perm=$(stat -c '%a %G' "$CTL")
check "control socket: mode 0660, group statewall ($perm)" [ "$perm" = "660 statewall" ]

echo "-- group statewall"
out=$(su "$MEMBER" -s /bin/sh -c "'$SW_BIN' cli --ctl '$CTL' -c 'show session info'" 2>&1)
check "member $MEMBER runs show session info" grep -q "Half-close mode" <<<"$out"
out=$(su nobody -s /bin/sh -c "'$SW_BIN' cli --ctl '$CTL' -c 'show session info'" 2>&1)
check "nobody (not a member) is refused" bash -c "! grep -q 'Half-close mode' <<<\"\$1\"" _ "$out"

echo "-- bash completion of CLI words through the daemon's own completion"
compl() { # the replies of _statewall for the words "$@" (the last one being completed)
  ( PATH=$(dirname "$SW_BIN"):$PATH
    . "$SW_SRC/dist/bash-completion/statewall"
    compopt() { :; }
    COMP_WORDS=(statewall cli --ctl "$CTL" -c "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _statewall; printf '%s\n' "${COMPREPLY[@]}" )
}
check "statewall cli -c \"show se<TAB> -> \"show session" grep -qx '"show session' <(compl '"show se')
check "statewall cli -c \"show session i<TAB> -> info, id" \
  bash -c "[ \"\$(sort <<<\"\$1\" | tr '\n' ' ')\" = '\"show session id \"show session info ' ]" _ "$(compl '"show session i')"
check "statewall cli -c \"debug log r<TAB> -> \"debug log rotate" grep -qx '"debug log rotate' <(compl '"debug log r')

echo "-- the half-close scenario through the unprivileged, filtered daemon"
tcp_pair hc 5201 --scenario halfclose_client --delay 2 --stream 1 --period 0.5
check "half-close: every byte arrives (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]

echo "-- log rotation"
many 100 5202
check "100 connections before the first rotation" grep -q "connections=100/100_ok" "$VW_DIR/many5202.client.log"
mv "$LOG" "$LOG.1"
kill -HUP "$DAEMON_PID"
for i in $(seq 1 50); do [ -f "$LOG" ] && break; sleep 0.05; done
check "SIGHUP: a new $LOG exists" [ -f "$LOG" ]
many 100 5203
mv "$LOG" "$LOG.2"
out=$(cli -c "debug log rotate" 2>&1)
check "debug log rotate: reopened ($out)" grep -q reopened <<<"$out"
many 100 5204
created=$(cli -o json -c "show session info" | jget 'd["created"]')
vw_stop
n1=$(wc -l <"$LOG.1"); n2=$(wc -l <"$LOG.2"); n3=$(wc -l <"$LOG")
check "first file holds the first 100 connections ($n1 lines)" [ "$(grep -c '"resp_p":5202,' "$LOG.1")" = 100 ]
check "second file: the 100 after SIGHUP, none of the first ($n2 lines)" \
  bash -c "[ \$(grep -c '\"resp_p\":5203,' '$LOG.2') = 100 ] && ! grep -q '\"resp_p\":5202,' '$LOG.2'"
check "third file: the 100 after debug log rotate ($n3 lines)" [ "$(grep -c '"resp_p":5204,' "$LOG")" = 100 ]
check "no session lost across the switches: $n1 + $n2 + $n3 = $created created" \
  [ $((n1 + n2 + n3)) = "$created" ]

echo "-- the packet thread's seccomp filter (test hook)"
start_daemon SW_TEST_FORBIDDEN_CALL=1
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check "the forbidden call killed the daemon with SIGSYS (exit status $rc = 128 + 31)" [ "$rc" = 159 ]
check "the worker made the call" grep -q "test hook: the packet worker calls socket" "$VW_DIR/daemon.err"
check "the call was not let through" bash -c "! grep -q 'NOT refused' '$VW_DIR/daemon.err'"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
