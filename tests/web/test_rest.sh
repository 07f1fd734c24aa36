#!/usr/bin/env bash
# test_rest.sh - the REST API of `statewall run --http`, end to end with curl:
# every endpoint, then what must be refused (bad JSON, wrong types, unknown
# fields, missing auth, wrong API key, no CSRF token, too many wrong
# attempts) with a clear 4xx and nothing changed; cookie login; HTTPS.
#
# The daemon runs inline in the vwire lab of tests/lab/lib.sh (namespaces
# swr-<pid>-{c,fw,s}, removed on any exit); curl runs in the fw namespace.
# Needs root.  SW_BIN=build/statewall bash tests/web/test_rest.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW=${VW:-swr-$$-}
VW_TAG=rest
. "$SW_SRC/tests/lab/lib.sh"
APPS=$SW_SHARED/lab/apps
[ -f "$APPS/tcpapp.py" ] || { echo "SKIP: $APPS/tcpapp.py not found (set SW_SHARED)"; exit 77; }
vw_need_root
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 1; }
SW_BIN=$(command -v "$SW_BIN" || echo "$SW_BIN")
[ -x "$SW_BIN" ] || { echo "SW_BIN=$SW_BIN not found" >&2; exit 1; }
vw_trap


PORT=8089
BASE=http://127.0.0.1:$PORT
PW='correct horse battery staple'
CONF=$VW_DIR/statewall.conf
B=$VW_DIR/body   # last response body
H=$VW_DIR/hdrs   # last response headers

# api METHOD PATH [curl args...]: sets CODE, body in $B, headers in $H
api() {
  local m=$1 p=$2; shift 2
  CODE=$(ip netns exec "$NS_FW" curl -sS -o "$B" -D "$H" -w '%{http_code}' -X "$m" "$@" "$BASE$p" 2>"$VW_DIR/curl.err")
  [ -n "$CODE" ] || CODE=000
}
# k METHOD PATH [args]: with the API key
k() { local m=$1 p=$2; shift 2; api "$m" "$p" -H "Authorization: Bearer $KEY" "$@"; }
kj() { local m=$1 p=$2 d=$3; shift 3; k "$m" "$p" -H 'Content-Type: application/json' --data-binary "$d" "$@"; }
is() { [ "$CODE" = "$1" ]; }
jb() { jq -r "$1" <"$B" 2>/dev/null; }
err_of() { jq -r '.error // empty' <"$B" 2>/dev/null | cut -c1-110; }
# expect CODE WHAT: the last call answered CODE with a JSON {"error"} message
expect() {
  local code=$1 what=$2
  if [ "$CODE" = "$code" ] && { [ "$code" -lt 400 ] || [ -n "$(err_of)" ]; }; then
    ok "$what -> $CODE $(err_of)"
  else
    bad "$what: expected $code, got $CODE: $(head -c 300 "$B" 2>/dev/null)"
  fi
}
state() { cli -c "show config running"; md5sum <"$CONF"; }
nsess() { cli -o json -c "show session all filter protocol tcp count yes" | jq .matched; }  # ICMP ones age out

vw_up
echo "== statewall --http in $NS_FW, dir $VW_DIR"
printf '%s\n' "$PW" | "$SW_BIN" passwd --file "$VW_DIR/admin.hash" 2>/dev/null
check "statewall passwd writes an Argon2id hash, mode 0600" \
  bash -c "grep -q '^[$]argon2id[$]' '$VW_DIR/admin.hash' && [ \$(stat -c %a '$VW_DIR/admin.hash') = 600 ]"
KEY=$("$SW_BIN" apikey add ci --file "$VW_DIR/keys" 2>/dev/null)
check "statewall apikey add prints the key once and stores only its hash" \
  bash -c "[[ '$KEY' == swk_* ]] && ! grep -q '${KEY#swk_}' '$VW_DIR/keys' && grep -q '^ci [0-9a-f]\{64\} ' '$VW_DIR/keys'"
# rule lab: the live TCP session is its; the objects section gives it a service (a live session keeps its rule)
printf '# rest test\nset rulebase security rules lab action allow\n' >"$CONF"
vw_start -c "$CONF" --http "127.0.0.1:$PORT" --http-auth "$VW_DIR/admin.hash" \
  --http-keys "$VW_DIR/keys" || exit 1
check "the daemon says where the web UI is" grep -q "web UI and REST API at http://127.0.0.1:$PORT/" "$VW_DIR/daemon.err"
vw_wait_path || { bad "no path through the wire"; exit 1; }

# a live TCP session (idle scenario: silent for 30 s) and ICMP sessions
ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5201 --timeout 60 >"$VW_DIR/srv.log" 2>&1 &
VW_PIDS+=($!)
sleep 0.3
ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5201 \
  --scenario idle --idle 30 >"$VW_DIR/cli.log" 2>&1 &
VW_PIDS+=($!)
nsx "$NS_C" ping -c 2 -i 0.2 -q "$SERVER_IP" >/dev/null
sleep 0.5

echo "-- reading"
k GET /api/v1/session/info
expect 200 "GET /api/v1/session/info"
check "  session info: active $(jb .active), utilization $(jb .utilization_pct) %, 13 timeouts, half-close mode $(jb .half_close_mode)" \
  [ "$(jb '.timeouts | length')" = 13 -a "$(jb .half_close_mode)" = idle -a "$(jb .broken_sessions)" = 0 ]
k GET /api/v1/counters
expect 200 "GET /api/v1/counters"
check "  counters: pkts $(jb .counters.pkts) > 0, drops per reason listed" [ "$(jb .counters.pkts)" -gt 0 -a "$(jb '.drops | has("policy-deny")')" = true ]
k GET /api/v1/interfaces
expect 200 "GET /api/v1/interfaces"
check "  interfaces fw-c and fw-s" [ "$(jb '[.interfaces[].name] | sort | join(",")')" = fw-c,fw-s ]
k GET "/api/v1/sessions?destination_port=5201&protocol=tcp"
expect 200 "GET /api/v1/sessions?destination_port=5201&protocol=tcp"
ID=$(jb '.sessions[0].id')
check "  one TCP session, both directions established, timer timeout-tcp, remaining > 0 (id $ID)" \
  [ "$(jb .matched)" = 1 -a "$(jb '.sessions[0].orig_state')" = established -a "$(jb '.sessions[0].resp_state')" = established -a "$(jb '.sessions[0].timer')" = timeout-tcp -a "$(jb '.sessions[0].remaining > 0')" = true ]
k GET "/api/v1/sessions?limit=1"
expect 200 "GET /api/v1/sessions?limit=1 (paging)"
n1=$(jb '.sessions | length'); nxt=$(jb .next_start_at)
check "  one session per page, next_start_at $nxt" [ "$n1" = 1 -a "$nxt" != null ]
k GET "/api/v1/sessions?limit=1&start_at=$nxt"
expect 200 "GET /api/v1/sessions?limit=1&start_at=$nxt"
check "  the second page starts at $nxt" [ "$(jb '.sessions[0].id')" -ge "$nxt" ]
k GET "/api/v1/sessions/$ID"
expect 200 "GET /api/v1/sessions/$ID"
check "  detail: tcp 198.18.1.2 -> 198.18.1.3:5201, timer value and source" \
  [ "$(jb .proto)/$(jb .orig_h)/$(jb .resp_h)/$(jb .resp_p)/$(jb .timer_source)" = tcp/198.18.1.2/198.18.1.3/5201/default ]
k GET /api/v1/config
expect 200 "GET /api/v1/config"
check "  config: the 13 timers of tables.h with label, default, range, help; settings; running lines" \
  [ "$(jb '[.timeouts[] | select(.label and .help and .min and .max and .default)] | length')" = 13 -a \
    "$(jb '.timeouts[] | select(.name == "timeout-tcp-half-closed") | "\(.label)/\(.default)/\(.min)/\(.max)"')" = "TCP Half Closed/120/1/604800" -a \
    "$(jb '.settings[] | select(.name == "half-close-mode") | .choices | join(",")')" = tcpwait,fixed,idle -a \
    "$(jb '.running.lines | length > 10')" = true ]
# the table-pressure settings are rows of the one setting table: listed with their ranges
pressure_rows='.settings[] | select(.name | test("^(accelerated-aging|table-full-action|evict-min-idle|max-sessions-per-source)")) | "\(.name)=\(.value)/\(.default)/\(.min // (.choices | join(",")))/\(.max // "")"'
check "  config: the table-pressure settings with value, default and range: $(jb "[$pressure_rows] | join(\" \")")" \
  [ "$(jb "[$pressure_rows] | join(\" \")")" = "accelerated-aging=yes/yes/no,yes/ accelerated-aging-threshold=80/80/50/99 accelerated-aging-scaling-factor=2/2/2/16 table-full-action=evict/evict/evict,refuse/ evict-min-idle=60/60/1/86400 max-sessions-per-source=0/0/0/100000000" -a \
    "$(jb 'has("accelerated_aging")')" = false ]
k GET /api/v1/auth/session
expect 200 "GET /api/v1/auth/session (API key)"
api GET /api/v1/openapi.json
expect 200 "GET /api/v1/openapi.json (no auth needed)"
check "  OpenAPI 3 document describing every endpoint tested here" bash -c "
  for p in /session/info /counters /interfaces /sessions /sessions/{id} /sessions/clear /config /config/validate /config/commit /services /service-groups /applications /security-policy /auth/login /auth/logout /auth/session; do
    jq -e --arg p \"\$p\" '.openapi and .paths[\$p]' '$B' >/dev/null || { echo missing \$p; exit 1; }; done"
k GET /metrics
check "GET /metrics: Prometheus text ($(grep -c '^statewall_' "$B") samples)" \
  bash -c "[ $CODE = 200 ] && grep -q '^statewall_sessions_active [0-9]' '$B' && grep -q '^statewall_drops_total{reason=\"non-syn-tcp\"} ' '$B' && grep -qi '^content-type: text/plain; version=0.0.4' '$H'"

echo "-- refused, and nothing changed"
before=$(state); nb=$(nsess)
for ep in "GET /api/v1/session/info" "GET /api/v1/sessions" "GET /api/v1/sessions/$ID" \
          "DELETE /api/v1/sessions/$ID" "POST /api/v1/sessions/clear" "GET /api/v1/counters" \
          "GET /api/v1/config" "POST /api/v1/config/validate" "POST /api/v1/config/commit" \
          "GET /api/v1/services" "GET /api/v1/security-policy" "GET /metrics"; do
  if [ "${ep% *}" = GET ]; then api GET "${ep#* }"
  else api "${ep% *}" "${ep#* }" -H 'Content-Type: application/json' --data-binary '{"filter":{}}'; fi
  is 401 || bad "$ep without credentials: $CODE"
done
ok "every endpoint without credentials -> 401"
api GET /api/v1/sessions -H 'Authorization: Bearer swk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
expect 401 "wrong API key"
check "  with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$H"
api GET /api/v1/sessions -H "Authorization: Basic $(printf admin:x | base64)"
expect 401 "Authorization that is not Bearer"
kj POST /api/v1/sessions/clear '{"ids":[1,'
expect 400 "clear: malformed JSON"
kj POST /api/v1/sessions/clear '{"ids":"all"}'
expect 400 "clear: ids of the wrong type"
kj POST /api/v1/sessions/clear '{"ids":[1.5]}'
expect 400 "clear: a fractional id"
kj POST /api/v1/sessions/clear '{"idz":[1]}'
expect 400 "clear: unknown member"
kj POST /api/v1/sessions/clear '{"ids":[1],"filter":{}}'
expect 400 "clear: ids and filter together"
kj POST /api/v1/sessions/clear '{"filter":{"port":80}}'
expect 400 "clear: unknown filter key"
kj POST /api/v1/sessions/clear '{"filter":{"source":"1.2.3.4 destination"}}'
expect 400 "clear: a filter value with a space (no command injection)"
kj POST /api/v1/sessions/clear '{"filter":{"protocol":"tcpx"}}'
expect 400 "clear: a filter value the registry refuses"
kj POST /api/v1/sessions/clear '{"ids":[1]} {"ids":[2]}'
expect 400 "clear: two JSON documents"
k POST /api/v1/sessions/clear -H 'Content-Type: text/plain' --data-binary '{"ids":[1]}'
expect 415 "clear: not Content-Type: application/json"
k GET "/api/v1/sessions?bogus=1"
expect 400 "sessions: unknown query parameter"
k GET "/api/v1/sessions?limit=0"
expect 400 "sessions: limit 0"
k GET "/api/v1/sessions?limit=100000"
expect 400 "sessions: limit above 1000"
k GET "/api/v1/sessions?state=sleepy"
expect 400 "sessions: unknown state"
k GET "/api/v1/sessions?source=10.0.0.0/33"
expect 400 "sessions: bad prefix"
k GET /api/v1/sessions/999999
expect 404 "GET an unknown session id"
k GET /api/v1/sessions/abc
expect 404 "GET /api/v1/sessions/abc"
k DELETE /api/v1/sessions/999999
expect 404 "DELETE an unknown session id"
k PUT /api/v1/sessions/$ID
expect 405 "PUT a session"
k GET /api/v1/nothing
expect 404 "unknown resource"
kj POST /api/v1/config/validate '{"settings":{"timeout-tcp-half-closed":"300"}}'
expect 400 "validate: a number as a string (wrong type)"
kj POST /api/v1/config/validate '{"settings":{"half-close-mode":2}}'
expect 400 "validate: a choice as a number (wrong type)"
kj POST /api/v1/config/validate '{"settings":{"timeout-tcp-half-closd":300}}'
expect 400 "validate: unknown setting (with a suggestion)"
kj POST /api/v1/config/validate '{"settings":{},"extra":1}'
expect 400 "validate: unknown member"
kj POST /api/v1/config/validate '{}'
expect 400 "validate: nothing to validate"
kj POST /api/v1/config/validate '{"lines":["commit"]}'
expect 400 "validate: a line that is not set/delete"
kj POST /api/v1/config/validate '{"lines":["set deviceconfig setting session timeout-tcp 5\ncommit"]}'
expect 400 "validate: a line with a newline"
kj POST /api/v1/config/commit "{\"lines\":[\"$(head -c 70000 /dev/zero | tr '\0' a)\"]}"
expect 413 "commit: a 70 kB body"
kj POST /api/v1/config/validate '{"settings":{"timeout-tcp-half-closed":0,"timeout-udp":45}}'
expect 422 "validate: timeout-tcp-half-closed 0 (out of range)"
check "  the error names the field and the range: $(jb '.errors[0].field'): $(jb '.errors[0].message' | cut -c1-80)" \
  [ "$(jb '.errors | length')" = 1 -a "$(jb '.errors[0].field')" = timeout-tcp-half-closed ]
kj POST /api/v1/config/commit '{"settings":{"timeout-tcp-half-closed":5}}'
expect 422 "commit: half-closed 5 < time-wait 15 (cross-setting rule)"
check "  attributed to $(jb '.errors[0].field'): $(jb '.errors[0].message' | cut -c1-90)" \
  [ "$(jb '.errors[0].field')" = timeout-tcp-half-closed -a "$(jb .committed)" = false ]
kj POST /api/v1/config/commit '{"settings":{"timeout-tcp-half-closed":300,"timeout-udp":0}}'
expect 422 "commit: one good and one bad setting (all or nothing)"
check "  the good one was not committed either" [ "$before" = "$(state)" ]
kj POST /api/v1/config/commit '{"settings":{"accelerated-aging-threshold":100,"accelerated-aging-scaling-factor":4}}'
expect 422 "commit: accelerated-aging-threshold 100 (above 99) with a good scaling factor"
check "  refused with its range: $(jb '.errors[0].field'): $(jb '.errors[0].message' | cut -c1-90)" \
  [ "$(jb '.errors | length')" = 1 -a "$(jb '.errors[0].field')" = accelerated-aging-threshold -a \
    "$(jb '.errors[0].message | test("50\\.\\.99")')" = true -a "$(jb .committed)" = false ]
kj POST /api/v1/config/commit '{"settings":{"table-full-action":"drop"}}'
expect 422 "commit: table-full-action drop (not a choice)"
check "  refused with the choices: $(jb '.errors[0].message' | cut -c1-90)" \
  [ "$(jb '.errors[0].field')" = table-full-action -a "$(jb '.errors[0].message | test("evict or refuse")')" = true ]
k GET /api/v1/config
check "  the running threshold, factor and table-full action are still 80, 2, evict" \
  [ "$(jb '[.settings[] | select(.name == "accelerated-aging-threshold" or .name == "accelerated-aging-scaling-factor" or .name == "table-full-action") | .value] | map(tostring) | join("/")')" = 80/2/evict ]
check "  and show session info says so" \
  [ "$(cli -o json -c 'show session info' | jq -r '"\(.accelerated_aging_threshold)/\(.accelerated_aging_scaling_factor)/\(.table_full_action)"')" = 80/2/evict ]
kj POST /api/v1/config/validate '{"settings":{"timeout-tcp-half-closed":300,"half-close-mode":"fixed"}}'
expect 200 "validate: a good candidate (not committed)"
check "  valid" [ "$(jb .valid)" = true ]
check "running configuration, its file and the TCP sessions unchanged after all that" \
  [ "$before" = "$(state)" -a "$nb" = "$(nsess)" ]

echo "-- changes"
kj POST /api/v1/config/commit '{"settings":{"timeout-tcp-half-closed":300,"half-close-mode":"fixed"},"lines":["set deviceconfig setting session timeout-udp 45"]}'
expect 200 "commit: half-closed 300, mode fixed, timeout-udp 45"
check "  committed, saved to the -c file" [ "$(jb .committed)" = true -a "$(jb .saved_to)" = "$CONF" ]
check "  statewall cli show session info: 300 secs, mode fixed" \
  bash -c "SW_BIN='$SW_BIN' CTL='$CTL'; \"\$SW_BIN\" cli --ctl \"\$CTL\" -c 'show session info' | grep -q 'TCP Half Closed timeout (timeout-tcp-half-closed): *300 secs' && \"\$SW_BIN\" cli --ctl \"\$CTL\" -c 'show session info' | grep -q 'Half-close mode: *fixed'"
check "  the file has the lines" grep -q "timeout-tcp-half-closed 300" "$CONF"
echo "-- objects: services, groups, applications, the security policy"
kj POST /api/v1/config/commit '{"lines":["set service svc-lab protocol tcp port 5201 override yes timeout 7200 halfclose-timeout 600","set service svc-b protocol tcp port 5202","set service-group lab-g members [ svc-lab svc-b ]","set application app-lab protocol tcp port 5201 tcp-time-wait-timeout 20","set rulebase security rules lab service lab-g","set rulebase security rules lab timeout-tcp-half-closed 400","set rulebase security rules lab action allow"]}'
expect 200 "commit: a service with an override, a group, an application, rule lab using them"
check "  the commit re-evaluated the live sessions: $(jb .reevaluated), re-timed $(jb .retimed)" \
  [ "$(jb '.reevaluated >= 1')" = true -a "$(jb .retimed)" -ge 1 ]
k GET /api/v1/services
expect 200 "GET /api/v1/services"
check "  svc-lab: tcp/5201, override timeout 7200 (replaces timeout-tcp 3600) and halfclose 600, used by rule lab, in group lab-g" \
  [ "$(jb '.services[] | select(.name == "svc-lab") | "\(.protocol)/\(.port)/\(.override)/\([.overrides[] | "\(.setting)=\(.value):\(.timer):\(.global)"] | join(","))/\(.rules | join(","))/\(.groups | join(","))"')" = \
    "tcp/5201/true/timeout=7200:timeout-tcp:3600,halfclose-timeout=600:timeout-tcp-half-closed:300/lab/lab-g" ]
k GET "/api/v1/services?name=svc-b"
expect 200 "GET /api/v1/services?name=svc-b"
check "  only svc-b, no override" [ "$(jb '[.services[].name] | join(",")')/$(jb '.services[0].override')" = svc-b/false ]
k GET "/api/v1/services?name=nope"
expect 404 "GET /api/v1/services?name=nope"
check "  field name" [ "$(jb .field)" = name ]
k GET "/api/v1/services?bogus=1"
expect 400 "GET /api/v1/services?bogus=1"
k GET /api/v1/service-groups
expect 200 "GET /api/v1/service-groups"
check "  lab-g: svc-lab, svc-b; rule lab" [ "$(jb '.groups[0] | "\(.name)/\(.members | join(","))/\(.rules | join(","))"')" = lab-g/svc-lab,svc-b/lab ]
k GET /api/v1/applications
expect 200 "GET /api/v1/applications"
check "  app-lab: tcp/5201, tcp-time-wait-timeout 20" [ "$(jb '.applications[0] | "\(.name)/\(.protocol)/\(.port)/\(.overrides[0].setting)=\(.overrides[0].value)"')" = app-lab/tcp/5201/tcp-time-wait-timeout=20 ]
k GET /api/v1/security-policy
expect 200 "GET /api/v1/security-policy"
check "  rule lab, service lab-g: svc-lab's sessions get timeout-tcp 7200 (service svc-lab override), half-closed 600 (service beats rule), time-wait 20 (application app-lab)" \
  [ "$(jb '.rules[0] | "\(.name)/\(.index)/\(.service)/\(.action)"')" = lab/1/lab-g/allow -a \
    "$(jb '.rules[0].sessions[] | select(.service == "svc-lab" and .application == "app-lab") | [.timers[] | "\(.timer)=\(.value):\(.source)"] | join(",")')" = \
    "timeout-tcp=7200:service svc-lab override,timeout-tcp-half-closed=600:service svc-lab override,timeout-tcp-time-wait=20:application app-lab" -a \
    "$(jb '.rules[0].sessions[] | select(.service == "svc-b") | [.timers[] | "\(.timer)=\(.value):\(.source)"] | join(",")')" = "timeout-tcp-half-closed=400:rule lab" -a \
    "$(jb '.default_action')" = allow ]
k GET "/api/v1/sessions/$ID"
expect 200 "GET /api/v1/sessions/$ID after the commit"
check "  the live session now has service svc-lab, timeout-tcp 7200 from its override, every TCP timer with its source" \
  [ "$(jb .service)/$(jb .timer_value)/$(jb .timer_source)" = "svc-lab/7200/service svc-lab override" -a \
    "$(jb '[.timers[] | "\(.name)=\(.value):\(.source)"] | join(",")')" = \
    "timeout-tcp=7200:service svc-lab override,timeout-tcphandshake=10:default,timeout-tcpinit=5:default,timeout-tcp-half-closed=600:service svc-lab override,timeout-tcp-time-wait=20:application app-lab,timeout-tcp-unverified-rst=30:default" ]
k GET "/api/v1/sessions?service=svc-lab"
expect 200 "GET /api/v1/sessions?service=svc-lab"
check "  the one session on 5201" [ "$(jb .matched)/$(jb '.sessions[0].id')" = "1/$ID" ]
kj POST /api/v1/config/commit '{"lines":["delete service svc-b"]}'
expect 422 "commit: delete a service a rule uses (through its group)"
check "  refused naming the group: $(jb '.errors[0].message' | cut -c1-100)" [ "$(jb '.errors[0].message | test("lab-g")')" = true ]
kj POST /api/v1/config/commit '{"lines":["set rulebase security rules lab service any","delete rulebase security rules lab timeout-tcp-half-closed","delete service-group lab-g","delete service svc-lab","delete service svc-b","delete application app-lab"]}'
expect 200 "commit: every object deleted again"
k GET "/api/v1/sessions/$ID"
check "  the live session is back on the global timers" [ "$(jb .service)/$(jb .timer_value)/$(jb .timer_source)" = null/3600/default ]
k DELETE "/api/v1/sessions/$ID"
expect 200 "DELETE /api/v1/sessions/$ID"
check "  cleared 1; the CLI no longer has it" bash -c "[ '$(jb .cleared)' = 1 ] && ! '$SW_BIN' cli --ctl '$CTL' -c 'show session id $ID' >/dev/null 2>&1"
nsx "$NS_C" ping -c 2 -i 0.2 -q "$SERVER_IP" >/dev/null
kj POST /api/v1/sessions/clear '{"filter":{"protocol":"icmp"}}'
expect 200 "POST /api/v1/sessions/clear {filter: icmp}"
check "  cleared $(jb .cleared) ICMP session(s), none left" [ "$(jb .cleared)" -ge 1 -a "$(cli -o json -c 'show session all filter protocol icmp count yes' | jq .matched)" = 0 ]
kj POST /api/v1/sessions/clear '{"ids":[999998,999999]}'
expect 200 "POST /api/v1/sessions/clear {ids: two unknown}"
check "  cleared 0, both not_found" [ "$(jb .cleared)/$(jb '.not_found | length')" = 0/2 ]

echo "-- GET /api/v1/events: the event stream (curl -N)"
EV=$VW_DIR/events.txt
ip netns exec "$NS_FW" curl -sN -H "Authorization: Bearer $KEY" "$BASE/api/v1/events?protocol=tcp" >"$EV" 2>/dev/null &
EVPID=$!
VW_PIDS+=($EVPID)
ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5203 --timeout 20 >"$VW_DIR/srv5203.log" 2>&1 &
VW_PIDS+=($!)
sleep 0.5
nsx "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5203 --scenario halfclose_client \
  --delay 0.3 --stream 0.3 --period 0.1 >"$VW_DIR/cli5203.log" 2>&1
ev() { grep '^data: ' "$EV" | sed 's/^data: //' | jq -c "select(.session.resp_p == 5203) | $1" 2>/dev/null | tr -d '"' | tr '\n' ' '; }
for i in $(seq 1 30); do [[ "$(ev .to)" == *timeout-tcp-time-wait* ]] && break; sleep 0.1; done
EVID=$(ev 'select(.event == "start") | .session.id' | tr -d ' ')
k DELETE "/api/v1/sessions/$EVID"
for i in $(seq 1 30); do grep -q '"reason":"cleared"' "$EV" && break; sleep 0.1; done
kill $EVPID 2>/dev/null
check "  start, the client's half-close, timer changes, the end: $(ev '.event + (if .side then "(" + .side + ")" else "" end) + (if .to then "->" + .to else "" end) + (if .reason then "(" + .reason + ")" else "" end)')" \
  bash -c "[ '$(ev 'select(.event != "timer") | .event')' = 'start half-close end ' ] && [ '$(ev 'select(.event == "half-close") | .side')' = 'client ' ] && [[ '$(ev .to)' == *timeout-tcp-half-closed* ]] && [ '$(ev 'select(.event == "end") | .reason')' = 'cleared ' ]"
check "  every event has an increasing id: line" bash -c "grep '^id: ' '$EV' | cut -d' ' -f2 | sort -nc && [ \$(grep -c '^id: ' '$EV') = \$(grep -c '^data: ' '$EV') ]"
api GET /api/v1/events
expect 401 "  the stream without credentials"
k GET "/api/v1/events?port=1"
expect 400 "  an unknown filter"

echo "-- cookie login, CSRF, logout"
J=$VW_DIR/jar
api POST /api/v1/auth/login -H 'Content-Type: application/json' --data-binary '{"password":"nope"}'
expect 401 "login with a wrong password"
api POST /api/v1/auth/login -c "$J" -H 'Content-Type: application/json' --data-binary "{\"password\":\"$PW\"}"
expect 200 "login"
CSRF=$(jb .csrf)
export CSRF
check "  a device cookie for the login endpoint only" grep -qi '^set-cookie: sw_device=[0-9a-f]\{64\}; Path=/api/v1/auth/login; HttpOnly' "$H"
check "  session cookie HttpOnly; SameSite=Strict; CSRF token returned" \
  bash -c "grep -i '^set-cookie: sw_session=[0-9a-f]\{64\};' '$H' | grep -q 'HttpOnly' && grep -qi 'SameSite=Strict' '$H' && [ \${#CSRF} = 64 ]"
api GET /api/v1/auth/session -b "$J"
expect 200 "GET /api/v1/auth/session with the cookie"
api GET / -b "$J"
check "GET / with the cookie: the UI (HTML, CSP header)" bash -c "[ $CODE = 200 ] && grep -qi '^content-security-policy: default-src .self.' '$H' && grep -qi '<html' '$B'"
api GET /
check "GET / without a session: redirected to /login ($CODE)" bash -c "[ $CODE = 303 ] && grep -qi '^location: /login' '$H'"
api GET /login
check "GET /login: the login page" bash -c "[ $CODE = 200 ] && grep -qi 'password' '$B'"
api GET /assets/app.js
check "GET /assets/app.js (embedded in the binary)" bash -c "[ $CODE = 200 ] && grep -qi '^content-type: text/javascript' '$H'"
before=$(state)
api POST /api/v1/config/commit -b "$J" -H 'Content-Type: application/json' --data-binary '{"settings":{"timeout-udp":46}}'
expect 403 "commit with the cookie but no X-CSRF-Token"
api POST /api/v1/config/commit -b "$J" -H 'X-CSRF-Token: 0000000000000000000000000000000000000000000000000000000000000000' -H 'Content-Type: application/json' --data-binary '{"settings":{"timeout-udp":46}}'
expect 403 "commit with a wrong X-CSRF-Token"
api POST /api/v1/config/commit -b "$J" -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example' -H 'Content-Type: application/json' --data-binary '{"settings":{"timeout-udp":46}}'
expect 403 "commit with the token from another Origin"
check "  nothing changed" [ "$before" = "$(state)" ]
api POST /api/v1/config/commit -b "$J" -H "X-CSRF-Token: $CSRF" -H "Origin: $BASE" -H 'Content-Type: application/json' --data-binary '{"settings":{"timeout-udp":46}}'
expect 200 "commit with the cookie and the CSRF token"
api POST /api/v1/auth/logout -b "$J" -H "X-CSRF-Token: $CSRF"
expect 200 "logout"
api GET /api/v1/session/info -b "$J"
expect 401 "the old cookie after logout"

echo "-- floods within limits cost the packet path no more than its budget"
python3 - "$VW_DIR/big-login.json" <<'PY'
import json, sys
json.dump({f"{i:x}": 0 for i in range(7600)}, open(sys.argv[1], "w"), separators=(",", ":"))
PY
cat >"$VW_DIR/flood.py" <<'PY'
# flood.py BODY ROUNDS PARALLEL: login POSTs of BODY, PARALLEL at a time, from 127.0.3.x; prints the statuses
import socket, sys, threading
body = open(sys.argv[1], "rb").read()
rounds, par = int(sys.argv[2]), int(sys.argv[3])
codes = []
def one(i):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[4])), source_address=(f"127.0.3.{i + 1}", 0))
    s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    try:
        s.sendall(body)
    except OSError:
        pass  # refused from the header: the server may close before the body is sent
    r = b""
    try:
        while b"\r\n" not in r:
            d = s.recv(4096)
            if not d:
                break
            r += d
    except OSError:
        pass
    codes.append(r.split(b" ")[1].decode() if r.startswith(b"HTTP/1.1 ") else "none")
    s.close()
for _ in range(rounds):
    t = [threading.Thread(target=one, args=(i,)) for i in range(par)]
    [x.start() for x in t]
    [x.join() for x in t]
print(" ".join(sorted(set(codes))), len(codes))
PY
# ping through the wire, without and with the flood: reported (p50/p99/max), not asserted
pstats() { grep -o 'time=[0-9.]*' "$1" | cut -d= -f2 | sort -n |
  awk '{ v[NR] = $1 } END { if (NR) printf "%d of 400 replies, p50 %.3f ms, p99 %.3f ms, max %.3f ms", NR, v[int(NR * 0.5 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR] }'; }
nsx "$NS_C" ping -c 100 -i 0.01 -q "$SERVER_IP" >/dev/null 2>&1   # warm up: ARP, sessions
ip netns exec "$NS_C" ping -c 400 -i 0.01 "$SERVER_IP" >"$VW_DIR/idle-ping.txt" 2>&1
ip netns exec "$NS_C" ping -c 400 -i 0.01 "$SERVER_IP" >"$VW_DIR/flood-ping.txt" 2>&1 &
PING=$!
codes=$(ip netns exec "$NS_FW" python3 "$VW_DIR/flood.py" "$VW_DIR/big-login.json" 10 40 $PORT)
wait $PING
check "10 x 40 parallel $(stat -c %s "$VW_DIR/big-login.json")-byte login bodies with 7,600 keys: all 413 from the header ($codes)" \
  [ "$codes" = "413 400" ]
echo "  (ping through the wire, same run: idle $(pstats "$VW_DIR/idle-ping.txt"); during the flood $(pstats "$VW_DIR/flood-ping.txt"))"
for i in 1 2 3; do kj POST /api/v1/config/validate "$(cat "$VW_DIR/big-login.json")" >/dev/null; done
expect 400 "  a 7,600-member object to config/validate with a key: parsed (linear) and refused"
k GET /metrics
cpu=$(awk '$1 == "statewall_http_service_cpu_max_seconds" {print $2}' "$B")
wall=$(awk '$1 == "statewall_http_service_max_seconds" {print $2}' "$B")
budget=$(awk '$1 == "statewall_http_service_budget_seconds" {print $2}' "$B")
# reported, not asserted: a time is a benchmark's figure (bench/http-load.sh), and on a
# shared or sanitizer-slowed machine it measures the machine; what bounds the call is
# structural and checked above (the value limit refuses the object, linear parse)
echo "  (the longest sw_http_service call used $cpu s of CPU, $wall s wall; its budget $budget s)"
check "  the budget is exported (statewall_http_service_budget_seconds $budget)" \
  awk -v b="$budget" 'BEGIN { exit !(b > 0) }'

echo "-- wrong credentials are rate-limited per client address, never for a valid key"
codes=""
for i in 1 2 3 4 5 6 7; do
  api GET /api/v1/counters --interface 127.0.0.9 -H 'Authorization: Bearer swk_wrongwrongwrongwrongwrongwrongwrongwrongwro'
  codes="$codes $CODE"
done
check "7 wrong keys from 127.0.0.9:$codes (429 after 5)" [ "$codes" = " 401 401 401 401 401 429 429" ]
check "  with Retry-After" grep -qi '^Retry-After: [0-9]' "$H"
api GET /api/v1/counters --interface 127.0.0.9 -H "Authorization: Bearer $KEY"
expect 200 "  the right key from 127.0.0.9 is still accepted (a valid key is never limited)"
api POST /api/v1/auth/login --interface 127.0.0.9 -H 'Content-Type: application/json' --data-binary "{\"password\":\"$PW\"}"
expect 429 "  a login from 127.0.0.9 without a device cookie waits"
k GET /api/v1/counters
expect 200 "another client (127.0.0.1) is not affected"
# issue 10 item 2: wrong keys and passwords from rotating addresses lock nobody out
( for i in $(seq 20 99); do
    ip netns exec "$NS_FW" curl -s -o /dev/null --interface 127.0.1.$i -H 'Authorization: Bearer swk_wrongwrongwrongwrongwrongwrongwrongwrongwro' "$BASE/api/v1/counters"
    ip netns exec "$NS_FW" curl -s -o /dev/null --interface 127.0.2.$i -H 'Content-Type: application/json' --data-binary '{"password":"wrong"}' "$BASE/api/v1/auth/login"
    sleep 0.2
  done ) &
ROT=$!
ok200=0; n=0
while kill -0 $ROT 2>/dev/null && [ $n -lt 60 ]; do
  api GET /api/v1/counters --interface 127.0.0.3 -H "Authorization: Bearer $KEY"; n=$((n + 1))
  [ "$CODE" = 200 ] && ok200=$((ok200 + 1))
  sleep 0.1
done
wait $ROT
check "a valid key from 127.0.0.3 while wrong keys and passwords rotate over 160 addresses: $ok200 of $n answered 200" [ "$ok200" = "$n" -a "$n" -gt 10 ]
api POST /api/v1/auth/login -b "$J" -c "$J" --interface 127.0.0.3 -H 'Content-Type: application/json' --data-binary "{\"password\":\"$PW\"}"
expect 200 "  the right password from a browser that logged in before (device cookie)"
api POST /api/v1/auth/login --interface 127.0.0.4 -H 'Content-Type: application/json' --data-binary "{\"password\":\"$PW\"}"
expect 429 "  a browser that never logged in waits out the attack on the password (documented)"
"$SW_BIN" apikey del ci --file "$VW_DIR/keys" 2>/dev/null
# the daemon re-reads the keys file when it changes (checked about once a second)
for i in $(seq 1 30); do k GET /api/v1/counters; [ "$CODE" = 401 ] && break; sleep 0.2; done
expect 401 "statewall apikey del: the revoked key is refused at once"

echo "-- HTTPS (--tls-cert/--tls-key)"
vw_stop
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$VW_DIR/key.pem" -out "$VW_DIR/cert.pem" \
  -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1
vw_start -c "$CONF" --http "127.0.0.1:$PORT" --http-auth "$VW_DIR/admin.hash" \
  --tls-cert "$VW_DIR/cert.pem" --tls-key "$VW_DIR/key.pem" || exit 1
BASE=https://127.0.0.1:$PORT
api POST /api/v1/auth/login --cacert "$VW_DIR/cert.pem" -H 'Content-Type: application/json' --data-binary "{\"password\":\"$PW\"}"
expect 200 "login over HTTPS (certificate verified by curl)"
check "  the cookie is Secure" grep -qi '^set-cookie: sw_session=.*; Secure' "$H"
tls() { ip netns exec "$NS_FW" timeout 5 openssl s_client -connect 127.0.0.1:$PORT "$@" </dev/null >"$VW_DIR/tls.out" 2>&1; }
tls -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
check "  TLS 1.1 refused" bash -c "grep -q 'Cipher is (NONE)' '$VW_DIR/tls.out' && ! grep -q 'Cipher is [A-Z0-9]' '$VW_DIR/tls.out'"
tls -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
check "  TLS 1.0 refused" bash -c "grep -q 'CONNECTED' '$VW_DIR/tls.out' && ! grep -q 'Cipher is [A-Z0-9]' '$VW_DIR/tls.out'"
tls -tls1_2 -cipher AES128-SHA
check "  TLS 1.2 with AES128-SHA (no forward secrecy) refused" bash -c "grep -q 'CONNECTED' '$VW_DIR/tls.out' && ! grep -q 'Cipher is [A-Z0-9]' '$VW_DIR/tls.out'"
tls -tls1_2
check "  TLS 1.2 accepted: $(grep -o 'Cipher is .*' "$VW_DIR/tls.out" | head -1)" grep -q 'Cipher is ECDHE-\|Cipher is DHE-' "$VW_DIR/tls.out"
tls -tls1_3
check "  TLS 1.3 accepted: $(grep -o 'Cipher is .*' "$VW_DIR/tls.out" | head -1)" grep -q 'Cipher is TLS_' "$VW_DIR/tls.out"
api GET /api/v1/session/info --cacert "$VW_DIR/cert.pem"
expect 401 "HTTPS without credentials"
BASE=http://127.0.0.1:$PORT
api GET /api/v1/session/info
check "plain HTTP to the HTTPS port is refused ($CODE)" [ "$CODE" != 200 ]
vw_stop
check "the daemon stopped cleanly" [ $? = 0 ]

echo
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
