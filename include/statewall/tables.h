/*
 * tables.h - the single source of truth for every named list in statewall.
 *
 * Each list is an X-macro.  The engine builds its enums from them; the CLI,
 * the session log, the JSON summary, the REST API and docs/reference.md all
 * print names, defaults, ranges and help text from here and nowhere else.
 * Add an entry here and every front end knows it.
 */
#ifndef STATEWALL_TABLES_H
#define STATEWALL_TABLES_H

/*
 * Session timeouts, in PAN-OS names (`set deviceconfig setting session NAME
 * SECONDS`).  X(id, name, default seconds, min, max, label, help)
 */
#define SW_TIMEOUTS(X)                                                                             \
	X(TCP, "timeout-tcp", 3600, 1, 15999999, "TCP",                                            \
	  "idle timeout of an established TCP session")                                            \
	X(TCPHANDSHAKE, "timeout-tcphandshake", 10, 1, 60, "TCP Handshake",                        \
	  "time allowed from the SYN-ACK to the handshake's final ACK")                            \
	X(TCPINIT, "timeout-tcpinit", 5, 1, 60, "TCP Init",                                        \
	  "time allowed from the first SYN to the SYN-ACK")                                        \
	X(TCP_HALF_CLOSED, "timeout-tcp-half-closed", 120, 1, 604800, "TCP Half Closed",           \
	  "after the first FIN: fixed life (mode fixed) or idle timeout (mode idle)")              \
	X(TCP_TIME_WAIT, "timeout-tcp-time-wait", 15, 1, 600, "TCP Time Wait",                     \
	  "after the second FIN or a verified RST")                                                \
	X(TCPWAIT, "timeout-tcpwait", 30, 1, 600, "TCP Wait",                                      \
	  "legacy (PAN-OS <= 6.0, mode tcpwait): fixed life after the first FIN or an RST")        \
	X(TCP_UNVERIFIED_RST, "timeout-tcp-unverified-rst", 30, 1, 600, "Unverified RST",         \
	  "after an in-window RST whose sequence number is not the exact one expected")            \
	X(UDP, "timeout-udp", 30, 1, 1599999, "UDP", "idle timeout of a UDP session")              \
	X(ICMP, "timeout-icmp", 6, 1, 1599999, "ICMP", "idle timeout of an ICMP echo session")     \
	X(DEFAULT, "timeout-default", 30, 1, 15999999, "Default",                                  \
	  "idle timeout of a session of any other IP protocol")                                    \
	X(DISCARD_TCP, "timeout-discard-tcp", 90, 1, 15999999, "Discard TCP",                      \
	  "life of a TCP discard session created by a deny rule")                                  \
	X(DISCARD_UDP, "timeout-discard-udp", 60, 1, 15999999, "Discard UDP",                      \
	  "life of a UDP discard session created by a deny rule")                                  \
	X(DISCARD_DEFAULT, "timeout-discard-default", 60, 1, 15999999, "Discard Default",          \
	  "life of a discard session of any other protocol")

/*
 * Reasons a packet is dropped (or, for the few marked counted-only, passed
 * but counted).  X(id, name, help)
 */
#define SW_DROP_REASONS(X)                                                                         \
	X(NONE, "none", "forwarded")                                                               \
	X(TRUNCATED_L2, "truncated-l2", "frame shorter than its link-layer header")                \
	X(UNSUPPORTED_L2, "unsupported-l2", "link type or EtherType that is not IP")               \
	X(VLAN_DEPTH, "vlan-too-deep", "more than two stacked VLAN tags")                          \
	X(L2_DEPTH, "l2-too-deep",                                                                 \
	  "more nested Ethernet headers (PBB, pseudowire, FabricPath) or link-layer shims than allowed") \
	X(TRUNCATED_MPLS, "truncated-mpls", "MPLS label stack or its payload cut short")          \
	X(MPLS_DEPTH, "mpls-too-deep", "more than 16 MPLS labels")                                 \
	X(BAD_PPPOE, "bad-pppoe", "PPPoE session header: version/type not 1/1, code not 0, length below 2") \
	X(BAD_RADIO_HDR, "bad-radio-header",                                                       \
	  "radiotap or PPI header with an unknown version or a length outside the frame")          \
	X(WLAN_PROTECTED, "wlan-encrypted", "802.11 data frame with the protected bit (encrypted payload)") \
	X(TRUNCATED_IP, "truncated-ip", "frame shorter than the IP header it announces")           \
	X(BAD_IP_VERSION, "bad-ip-version", "IP version field does not match the EtherType")       \
	X(BAD_IP_HLEN, "bad-ip-header-length", "IPv4 IHL below 5 or beyond the packet")            \
	X(BAD_IP_LEN, "bad-ip-total-length", "IP total length smaller than its own header")  \
	X(BAD_IP_CHECKSUM, "bad-ip-checksum", "IPv4 header checksum is wrong")                     \
	X(BAD_IP_OPTIONS, "bad-ip-options", "malformed IPv4 option list")                          \
	X(BAD_IP6_EXT, "bad-ipv6-ext-header", "malformed or truncated IPv6 extension header")      \
	X(IP6_EXT_LIMIT, "ipv6-ext-header-limit", "more IPv6 extension headers than allowed")      \
	X(FRAGMENT, "fragment-unmatched", "non-first fragment whose first fragment was not seen")  \
	X(TRUNCATED_L4, "truncated-l4", "frame shorter than its TCP/UDP/ICMP header")              \
	X(BAD_TCP_HLEN, "bad-tcp-header-length", "TCP data offset below 5 or beyond the segment")  \
	X(BAD_TCP_OPTIONS, "bad-tcp-options", "malformed TCP option list")                         \
	X(BAD_TCP_FLAGS, "bad-tcp-flags", "impossible TCP flag combination (SYN+FIN, SYN+RST, none)") \
	X(BAD_CHECKSUM, "bad-checksum", "TCP/UDP/ICMP checksum is wrong (tcp-checksum-check yes)") \
	X(BAD_ICMP_ERROR, "bad-icmp-error", "ICMP error quoting no session or a malformed packet") \
	X(NON_SYN_TCP, "non-syn-tcp", "TCP packet that is not a SYN and matches no session")        \
	X(SESSION_AGED_OUT, "session-aged-out", "packet of a session a timer already ended")       \
	X(POLICY_DENY, "policy-deny", "a security rule denies the flow")                           \
	X(RESOURCES, "resources-unavailable", "session table full (max-sessions) and nothing evictable") \
	X(SOURCE_QUOTA, "source-quota-exceeded",                                                   \
	  "the source (IPv4 /32, IPv6 /64) already has max-sessions-per-source sessions")          \
	X(TCP_STATE, "tcp-invalid-state", "TCP flags not allowed in the session's state")          \
	X(SEQ_HIGH, "tcp-seq-above-window", "segment ends beyond what the receiver allowed")       \
	X(SEQ_LOW, "tcp-seq-below-window", "segment lies entirely before the receive window")      \
	X(ACK_HIGH, "tcp-ack-above-sent", "acknowledges data the peer never sent")                 \
	X(ACK_LOW, "tcp-ack-below-window", "acknowledges data too far in the past")                \
	X(RST_OUT_OF_WINDOW, "tcp-rst-out-of-window", "RST outside the receive window")           \
	X(SYN_ON_ESTABLISHED, "tcp-syn-in-session", "SYN on a live session that is not a reuse")   \
	X(CLOSED_SESSION, "tcp-closed-session", "non-SYN packet on a session closed by RST")       \
	X(TRUNCATED_TUNNEL, "truncated-tunnel", "tunnel header cut by the capture or its outer packet") \
	X(BAD_GRE, "bad-gre",                                                                      \
	  "GRE with routing, recursion or reserved flags, a version above 1, or PPTP GRE without its key") \
	X(BAD_ERSPAN, "bad-erspan", "ERSPAN header with a version other than the GRE type says")   \
	X(BAD_VXLAN, "bad-vxlan", "VXLAN header without the I flag (no valid VNI)")                \
	X(BAD_GENEVE, "bad-geneve", "Geneve with a version other than 0")                          \
	X(BAD_GTP, "bad-gtp", "GTP-U G-PDU with a version other than 1 or a broken extension header chain") \
	X(BAD_TEREDO, "bad-teredo", "Teredo authentication indicator cut short")                   \
	X(BAD_AYIYA, "bad-ayiya", "AYIYA forward packet whose identity and signature overrun it") \
	X(TUNNEL_DEPTH, "tunnel-too-deep", "tunnels nested deeper than tunnel-max-depth")

/*
 * Why a session ended, in the PAN-OS traffic-log vocabulary.
 * X(id, name, help)
 */
#define SW_END_REASONS(X)                                                                          \
	X(AGED_OUT, "aged-out", "a timer expired; the log names which")                            \
	X(TCP_FIN, "tcp-fin", "both sides sent FIN; time-wait expired")                            \
	X(TCP_RST_CLIENT, "tcp-rst-from-client", "the originator reset the connection")            \
	X(TCP_RST_SERVER, "tcp-rst-from-server", "the responder reset the connection")             \
	X(POLICY_DENY, "policy-deny", "discard session of a denied flow expired")                  \
	X(RESOURCES, "resources-unavailable", "never an end: refusals count as sessions-refused")   \
	X(TCP_REUSE, "tcp-reuse", "a new SYN reused the tuple of a closing session")               \
	X(END_OF_CAPTURE, "end-of-capture", "the capture ended while the session was open")       \
	X(CLEARED, "cleared", "removed by `clear session`")                                        \
	X(SHUTDOWN, "shutdown", "the daemon stopped while the session was open")                   \
	X(EVICTED, "evicted", "the table was full: a new session took its slot (evict_class says why)")

/*
 * Eviction classes (table-full-action evict), in the order a full table
 * gives them up; oldest activity first within a class.  The established and
 * half-closed classes only hold sessions idle longer than evict-min-idle.
 * X(id, name, help)
 */
#define SW_EVICT_CLASSES(X)                                                                        \
	X(DISCARD, "discard", "a deny rule's discard session")                                     \
	X(UNESTABLISHED, "unestablished",                                                          \
	  "TCP that never completed its handshake; UDP/ICMP/other seen one way only")              \
	X(CLOSING, "closing", "TCP with both FINs or an RST seen")                                 \
	X(ESTABLISHED, "established", "established, idle longer than evict-min-idle")              \
	X(HALF_CLOSED, "half-closed", "one FIN seen, idle longer than evict-min-idle")

/*
 * Tunnel types (src/pkt/tunnel.c): the names of `tunnel-inspect`, of the
 * session field tunnel_type and of --decap.  X(id, name, help)
 */
#define SW_TUNNELS(X)                                                                              \
	X(GRE, "gre", "GRE (IP protocol 47, or UDP 4754): v0 with key/sequence, v1 PPTP, "        \
	  "transparent Ethernet bridging")                                                         \
	X(ERSPAN, "erspan", "ERSPAN type I, II and III in GRE (a mirror transport)")              \
	X(IPIP, "ip-in-ip", "IPv4 or IPv6 in IPv4 or IPv6 (IP protocol 4 and 41)")               \
	X(VXLAN, "vxlan", "VXLAN, UDP 4789 (a mirror transport in AWS VPC Traffic Mirroring)")    \
	X(GENEVE, "geneve", "Geneve, UDP 6081, options skipped (AWS Gateway Load Balancer)")      \
	X(GTPU, "gtp-u", "GTP-U G-PDUs, UDP 2152, extension headers skipped")                      \
	X(TEREDO, "teredo", "Teredo, UDP 3544, authentication and origin indicators skipped")     \
	X(AYIYA, "ayiya", "AYIYA, UDP 5072")

/* Per-direction TCP state, pf style.  X(id, name, zeek endpoint state) */
#define SW_TCP_STATES(X)                                                                           \
	X(CLOSED, "closed")                                                                        \
	X(SYN_SENT, "syn-sent")                                                                    \
	X(ESTABLISHED, "established")                                                              \
	X(FIN_SENT, "fin-sent")                                                                    \
	X(FIN_ACKED, "fin-acked")                                                                  \
	X(RESET, "reset")

/*
 * Session events: `statewall events`, GET /api/v1/events.  X(id, name, help)
 */
#define SW_EVENTS(X)                                                                               \
	X(START, "start", "a session was created")                                                 \
	X(HALF_CLOSE, "half-close", "the first FIN of the session; `side` says whose")              \
	X(TIMER, "timer", "the timer in force changed (established -> half-closed -> time-wait...)") \
	X(END, "end", "the session ended: the reason, the timer that fired")                       \
	X(LATE, "late", "the first packet that arrived after its session had ended")

/* Engine-wide counters shown by `show counter global`.  X(id, name, help) */
#define SW_COUNTERS(X)                                                                             \
	X(PKTS, "pkts", "packets seen")                                                            \
	X(FORWARDED, "forwarded", "packets forwarded")                                             \
	X(DROPPED, "dropped", "packets dropped")                                                   \
	X(SESS_CREATED, "sessions-created", "sessions created")                                    \
	X(SESS_ENDED, "sessions-ended", "sessions ended (the end reasons add up to this)")         \
	X(SESS_REFUSED, "sessions-refused", "new sessions refused: session table full (max-sessions)") \
	X(SESS_REFUSED_QUOTA, "sessions-refused-source-quota",                                     \
	  "new sessions refused: their source is at max-sessions-per-source")                      \
	X(EVICT_DISCARD, "sessions-evicted-discard", "discard sessions evicted for a new session")  \
	X(EVICT_UNESTABLISHED, "sessions-evicted-unestablished",                                   \
	  "unestablished sessions evicted for a new session")                                      \
	X(EVICT_CLOSING, "sessions-evicted-closing", "closing sessions evicted for a new session")  \
	X(EVICT_ESTABLISHED, "sessions-evicted-established",                                       \
	  "established sessions idle > evict-min-idle evicted for a new session")                  \
	X(EVICT_HALF_CLOSED, "sessions-evicted-half-closed",                                       \
	  "half-closed sessions idle > evict-min-idle evicted for a new session")                  \
	X(ACCEL_AGED, "sessions-aged-accelerated",                                                 \
	  "sessions aged out by an idle timer shortened by accelerated aging")                     \
	X(REEVALUATED, "sessions-reevaluated",                                                     \
	  "live sessions a configuration change re-evaluated (service, timer profile, deadline)")  \
	X(RETIMED, "sessions-retimed",                                                             \
	  "live sessions whose timer in force a configuration change gave a new value")           \
	X(FRAG_LATER, "fragments-matched", "non-first fragments matched to a tracked first one")   \
	X(ICMP_ERR_MATCHED, "icmp-errors-matched", "ICMP errors attached to their session")        \
	X(PICKUPS, "tcp-midstream-pickups", "TCP sessions picked up without a SYN")                \
	X(SYN_RETRANS, "tcp-syn-retransmits", "SYNs retransmitted (timer not refreshed)")          \
	X(FIN_RETRANS, "tcp-fin-retransmits", "FINs retransmitted (state not advanced)")           \
	X(WINDOW_PASSED, "tcp-window-passed", "out-of-window segments passed (tcp-window-check no)") \
	X(RST_UNVERIFIED, "tcp-rst-unverified", "in-window RSTs with an inexact sequence number")  \
	X(RST_EXPIRY, "tcp-resets-on-expiry",                                                      \
	  "RSTs built for TCP sessions a timer ended under reset-on-expiry (one to each end)")     \
	X(RST_EXPIRY_UNKNOWN, "tcp-resets-on-expiry-impossible",                                   \
	  "sessions reset-on-expiry applied to whose sequence numbers were not both known: no RST") \
	X(TOMBSTONES, "tombstones-created", "ended sessions remembered for late packets")          \
	X(LATE_PKTS, "late-packets", "packets dropped because their session had ended")            \
	X(IP_LEN_FROM_CAP, "ip-length-from-capture",                                               \
	  "IP length 0, or beyond a frame captured whole (TSO/GRO super-frame): the captured length used, as Zeek and Wireshark do") \
	X(TUNNEL_INNER, "tunnel-inner-packets", "packets inside a tunnel inspected as their own sessions") \
	X(DECAP, "mirror-decapsulated", "mirror transport frames (--decap) whose outer flow was skipped") \
	X(BUGS, "invariant-failures", "internal consistency checks that failed (a bug: report it)")

/*
 * Every field of a session record (struct sw_sess_info, engine.h), as the
 * session log, `show session id` / `show session all`, the REST session
 * objects, the event stream, the OpenAPI schema and docs/reference.md carry
 * it.  One entry, and every one of them has the field; nothing else to edit.
 *
 * X(key, label, type, views, width, help, value)
 *   key    JSON member name (and the REST/OpenAPI property)
 *   label  the text form's label (`show session id`)
 *   type   how the value renders (src/util/sessrec.h, enum sw_fv_type):
 *            U64   unsigned integer
 *            I64N  integer, null when negative (a setting that does not apply)
 *            BOOL  true / false
 *            STR   string, null when the expression is NULL
 *            PROTO IP protocol: "tcp", "udp", "icmp", "icmp6" or the number as a string
 *            ADDR  address (the expression is a const struct sw_addr *)
 *            TIME  an instant (sw_time_t ns); 0 means unset: JSON null, text "-"
 *            SPAN  a duration (sw_time_t ns): seconds with microseconds, never null
 *   views  where the field appears (SW_SV_* in src/util/sessrec.h): LOG the
 *          ended-session log line, LIVE show session id and REST objects, ROW a
 *          column of `show session all` (text)
 *   width  ROW fields: the text column's width (0 for the others)
 *   help   one line for docs/reference.md and the OpenAPI description
 *   value  a C expression over `si` (const struct sw_sess_info *) and `cx`
 *          (const struct sw_sess_ctx *: the running conf, may be NULL outside
 *          LIVE, and the data-plane time `now`).  Only evaluated for the
 *          views asked for.
 *
 * SW_SESS_FIELDS_LOCAL(X), empty unless a translation unit defines it before
 * including this file, is appended: tests use it to prove that one more
 * entry reaches every output (tests/unit/test_sess_fields.c).
 */
#ifndef SW_SESS_FIELDS_LOCAL
#define SW_SESS_FIELDS_LOCAL(X)
#endif
#define SW_SESS_FIELDS(X)                                                                          \
	X(id, "id", U64, SW_SV_ALL, 10, "session id (unique while the daemon runs)", si->id)       \
	X(proto, "proto", PROTO, SW_SV_ALL, 6, "IP protocol", si->proto)                           \
	X(orig_h, "source", ADDR, SW_SV_LOG | SW_SV_LIVE, 0, "originator address", &si->orig_h)    \
	X(orig_p, "source port", U64, SW_SV_LOG | SW_SV_LIVE, 0, "originator port (ICMP: identifier)", \
	  si->orig_p)                                                                              \
	X(resp_h, "destination", ADDR, SW_SV_LOG | SW_SV_LIVE, 0, "responder address", &si->resp_h) \
	X(resp_p, "destination port", U64, SW_SV_LOG | SW_SV_LIVE, 0,                              \
	  "responder port (ICMP: identifier)", si->resp_p)                                         \
	X(state, "state", STR, SW_SV_LIVE | SW_SV_ROW, 12, "ACTIVE, HALF-CLOSED or DISCARD",       \
	  sw_sess_state_name(si))                                                                  \
	X(orig_state, "originator tcp state", STR, SW_SV_ALL, 12, "TCP state of the originator (null: not TCP)", \
	  si->proto == 6 ? sw_tcps_name(si->state[0]) : NULL)                                      \
	X(resp_state, "responder tcp state", STR, SW_SV_ALL, 12, "TCP state of the responder (null: not TCP)", \
	  si->proto == 6 ? sw_tcps_name(si->state[1]) : NULL)                                      \
	X(start, "start time", TIME, SW_SV_LOG | SW_SV_LIVE, 0, "first packet", si->start)         \
	X(end, "end time", TIME, SW_SV_LOG, 0, "when the session ended", si->end)                  \
	X(duration, "duration", SPAN, SW_SV_LOG, 0, "end - start", si->end - si->start)            \
	X(end_reason, "end reason", STR, SW_SV_LOG, 0, "why it ended (see Session end reasons)",   \
	  sw_end_name(si->end_reason))                                                             \
	X(last_seen, "last seen", TIME, SW_SV_LIVE, 0, "last packet that refreshed the timer", si->last_seen) \
	X(half_closed_at, "half-closed since (first FIN)", TIME, SW_SV_LOG | SW_SV_LIVE, 0,        \
	  "first FIN (null: none seen)", si->half_closed_at)                                       \
	X(timer, "timer in force", STR, SW_SV_ALL, 27,                                             \
	  "live: the timer in force; ended: the timer that fired (null: none)",                    \
	  si->timer < SW_TO_MAX ? sw_timeout_name(si->timer) : NULL)                               \
	X(timer_value, "timer value (s)", I64N, SW_SV_LOG | SW_SV_LIVE, 0,                        \
	  "seconds the timer is set to for this session", si->timer < SW_TO_MAX ? (int64_t)si->timer_secs : -1) \
	X(timer_default, "timer default (s)", I64N, SW_SV_LIVE, 0, "the timer's default",          \
	  si->timer < SW_TO_MAX ? (int64_t)sw_timeout_info[si->timer].def : -1)                    \
	X(timer_source, "timer value from", STR, SW_SV_LOG | SW_SV_LIVE, 0,                        \
	  "default, configured (set deviceconfig setting session ...) or service NAME override",   \
	  si->timer < SW_TO_MAX ? si->timer_from : NULL)                                          \
	X(timer_kind, "timer kind", STR, SW_SV_LIVE, 0,                                            \
	  "idle (re-armed by every accepted packet) or fixed (an absolute life)",                  \
	  si->timer_fixed ? "fixed" : "idle")                                                      \
	X(expires, "expires", TIME, SW_SV_LIVE, 0, "when the timer in force fires", si->expires)   \
	X(remaining, "time to live", SPAN, SW_SV_LIVE | SW_SV_ROW, 9, "expires - now (0 when due)", \
	  si->expires > cx->now ? si->expires - cx->now : 0)                                       \
	X(orig_pkts, "originator packets", U64, SW_SV_LOG | SW_SV_LIVE, 0, "packets from the originator", \
	  si->pkts[0])                                                                             \
	X(resp_pkts, "responder packets", U64, SW_SV_LOG | SW_SV_LIVE, 0, "packets from the responder", \
	  si->pkts[1])                                                                             \
	X(orig_ip_bytes, "originator ip bytes", U64, SW_SV_LOG | SW_SV_LIVE, 0,                    \
	  "IP bytes from the originator", si->ip_bytes[0])                                         \
	X(resp_ip_bytes, "responder ip bytes", U64, SW_SV_LOG | SW_SV_LIVE, 0,                     \
	  "IP bytes from the responder", si->ip_bytes[1])                                          \
	X(late_pkts, "late packets", U64, SW_SV_LOG | SW_SV_LIVE, 0,                               \
	  "packets dropped after the session ended (counted once it ended)", si->late_pkts)        \
	X(late_bytes, "late bytes", U64, SW_SV_LOG | SW_SV_LIVE, 0, "their bytes", si->late_bytes) \
	X(conn_state, "conn_state (Zeek)", STR, SW_SV_LOG | SW_SV_LIVE, 0, "Zeek conn_state",      \
	  si->conn_state ? si->conn_state : "")                                                    \
	X(history, "history (Zeek)", STR, SW_SV_LOG | SW_SV_LIVE, 0, "Zeek history letters",       \
	  si->history)                                                                             \
	X(picked_up, "picked up mid-stream", BOOL, SW_SV_LOG | SW_SV_LIVE, 0,                      \
	  "TCP session picked up without its SYN", si->picked_up)                                  \
	X(discard, "discard", BOOL, SW_SV_LIVE, 0, "a deny rule's discard session (its packets are dropped)", \
	  si->discard)                                                                             \
	X(rule, "rule", U64, SW_SV_LOG | SW_SV_LIVE, 0, "matching rule + 1 (0: the default action)", \
	  si->rule)                                                                                \
	X(rule_name, "rule name", STR, SW_SV_LIVE, 0, "the matching rule's name (null: none)",     \
	  sw_sess_rule_name(cx, si))                                                               \
	X(accel_factor, "accelerated aging factor", I64N, SW_SV_LOG | SW_SV_LIVE, 0,               \
	  "live: the factor dividing its idle timer now; ended: the factor that aged it out "      \
	  "(null: not accelerated)",                                                               \
	  si->accel_factor ? (int64_t)si->accel_factor : -1)                                       \
	X(evict_class, "evicted as", STR, SW_SV_LOG, 0,                                            \
	  "end reason evicted: the class it was taken from (null: not evicted)",                   \
	  si->end_reason == SW_END_EVICTED && si->evict_class < SW_EC_MAX                          \
		  ? sw_evict_class_name(si->evict_class)                                           \
		  : NULL)                                                                          \
	X(service, "service", STR, SW_SV_LOG | SW_SV_LIVE, 0,                                      \
	  "the service of the rule that matched the flow (null: the rule's service is any)",      \
	  si->service[0] ? si->service : NULL)                                                     \
	X(worker, "worker", U64, SW_SV_LOG | SW_SV_LIVE, 0,                                        \
	  "the packet worker that owns the session (`run --workers`; 0 in replay)", si->worker)   \
	X(reset_on_expiry, "reset on expiry", STR, SW_SV_LIVE, 0,                                 \
	  "TCP: the reset-on-expiry in force for it, none, half-closed or all (its service "     \
	  "override's, else its rule's, else the global one); null: not TCP",                     \
	  si->reset_mode < SW_RST_MODES ? sw_reset_words[si->reset_mode] : NULL)                   \
	X(expiry_reset, "reset on expiry", STR, SW_SV_LOG, 0,                                      \
	  "aged out under reset-on-expiry: sent (an RST to each end) or no-sequence (the "         \
	  "sequence numbers were not both known: none sent); null: no reset asked",               \
	  si->expiry_reset == SW_XR_SENT ? "sent"                                                 \
	  : si->expiry_reset == SW_XR_NO_SEQ ? "no-sequence"                                      \
					      : NULL)                                            \
	X(tunnel, "tunnel session", I64N, SW_SV_LOG | SW_SV_LIVE, 0,                               \
	  "tunnel-inspect: id of the session of the tunnel this flow is inside (null: not tunnelled)", \
	  si->tunnel_id ? (int64_t)si->tunnel_id : -1)                                             \
	X(tunnel_type, "tunnel type", STR, SW_SV_LOG | SW_SV_LIVE, 0,                              \
	  "that tunnel's type (see Tunnel types; null: not tunnelled)",                            \
	  si->tunnel_id ? sw_tunnel_name(si->tunnel_type) : NULL)                                  \
	SW_SESS_FIELDS_LOCAL(X)

#endif
