#!/usr/bin/env bash
# test_browser.sh - the web UI in headless Chromium (Debian's chromium driven by
# playwright-core, tests/web/browser.mjs): log in, Device > Setup > Session, Objects > Services,
# change TCP Half Closed (a bad value refused with its message, a good one
# committed and seen in `statewall cli -c "show session info"`), the same for
# the table-pressure Session Settings (accelerated aging threshold, max
# sessions per source; aging off greys out its threshold), then the
# Session Browser during a live half-closed transfer through the vwire lab:
# detail view, clear that session, and the application sees it cut; the
# page follows the event stream (a ping's start and the cleared session's
# end appear live, on the session browser and the dashboard).
#
# Screenshots: $SW_BUILD/web-artifacts/.  Needs root, /usr/bin/chromium, node,
# and `npm ci` in tests/web (done here when node_modules is missing or stale).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
SW_BUILD=${SW_BUILD:-$SW_SRC/build}
VW=${VW:-swb-$$-}
VW_TAG=browser
. "$SW_SRC/tests/lab/lib.sh"
APPS=$SW_SHARED/lab/apps
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -f "$APPS/tcpapp.py" ] || { echo "SKIP: $APPS/tcpapp.py not found (set SW_SHARED)"; exit 77; }
vw_need_root
[ -x "$CHROMIUM" ] || { echo "FAIL: $CHROMIUM not found: scripts/bootstrap installs Debian's chromium" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "FAIL: node/npm not found: scripts/bootstrap installs them" >&2; exit 1; }
SW_BIN=$(command -v "$SW_BIN" || echo "$SW_BIN")
[ -x "$SW_BIN" ] || { echo "SW_BIN=$SW_BIN not found" >&2; exit 1; }

# playwright-core, exactly as package-lock.json says (no browser download: Debian's chromium is used)
if [ ! -f "$HERE/node_modules/playwright-core/package.json" ] ||
   [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) ||
    { echo "FAIL: npm ci in $HERE" >&2; exit 1; }
fi
vw_trap

ART=$SW_BUILD/web-artifacts
rm -rf "$ART"
mkdir -p "$ART"
PORT=8091
PW='browser test password'
LIVE_PORT=5301
CONF=$VW_DIR/statewall.conf

vw_up
echo "== statewall --http in $NS_FW, dir $VW_DIR, screenshots in $ART"
printf '%s\n' "$PW" | "$SW_BIN" passwd --file "$VW_DIR/admin.hash" 2>/dev/null || exit 1
# the live transfer's rule uses svc-live, which the browser gives an override (Objects > Services)
printf '# browser test\nset service svc-live protocol tcp port %s\nset rulebase security rules live service svc-live\nset rulebase security rules live action allow\n' \
  "$LIVE_PORT" >"$CONF"
vw_start -c "$CONF" --http "127.0.0.1:$PORT" --http-auth "$VW_DIR/admin.hash" --log "$VW_DIR/sessions.log" || exit 1
vw_wait_path || { echo "FAIL: no path through the wire"; exit 1; }

# the live transfer: the client half-closes at once, the server stays silent 45 s, then streams
ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port $LIVE_PORT --timeout 90 \
  >"$VW_DIR/live.server.log" 2>&1 &
VW_PIDS+=($!); SPID=$!
for i in $(seq 1 50); do grep -q READY "$VW_DIR/live.server.log" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port $LIVE_PORT \
  --scenario halfclose_client --delay 45 --stream 3 --period 0.5 --io-timeout 3 --drain-timeout 3 \
  >"$VW_DIR/live.client.log" 2>&1 &
VW_PIDS+=($!); CPID=$!
sleep 1

# Chromium runs in the fw namespace, where the daemon listens on 127.0.0.1
ip netns exec "$NS_FW" env BASE="http://127.0.0.1:$PORT" PW="$PW" SW_BIN="$SW_BIN" CTL="$CTL" \
  LIVE_PORT=$LIVE_PORT ART="$ART" CHROMIUM="$CHROMIUM" HOME="$VW_DIR" NS_C="$NS_C" SERVER_IP="$SERVER_IP" \
  node "$HERE/browser.mjs"
rc=$?

echo "-- after the browser"
grep -q "timeout-tcp-half-closed 240" "$CONF" && ok "the commit is in the configuration file" || bad "the file lacks timeout-tcp-half-closed 240"
grep -q "accelerated-aging-threshold 90" "$CONF" && grep -q "max-sessions-per-source 500" "$CONF" &&
  ok "the Session Settings commit is in the configuration file" || bad "the file lacks accelerated-aging-threshold 90 / max-sessions-per-source 500"
wait "$CPID" 2>/dev/null; wait "$SPID" 2>/dev/null
if grep -q "result=FAIL" "$VW_DIR/live.client.log"; then
  ok "the cleared transfer is cut: the client never gets the server's late data ($(grep -o 'late_bytes=[0-9]*\|received=[0-9]*' "$VW_DIR/live.client.log" | head -1))"
else
  bad "the client still completed: $(tail -1 "$VW_DIR/live.client.log")"
fi
vw_stop
grep -q '"end_reason":"cleared"' "$VW_DIR/sessions.log" && ok "the session log says end_reason cleared" || bad "no cleared session in the log"
cp "$VW_DIR/daemon.err" "$ART/daemon.err" 2>/dev/null
ls "$ART"/*.png >/dev/null 2>&1 && ok "$(ls "$ART"/*.png | wc -l) screenshots kept in $ART" || bad "no screenshots"
echo "$PASSES passed, $((FAILS + (rc != 0))) failed"
[ "$rc" = 0 ] && [ "$FAILS" = 0 ]
