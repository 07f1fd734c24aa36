/*
 * types.h - enums generated from tables.h and the small value types shared
 * by every module (addresses, the engine clock).
 */
#ifndef STATEWALL_TYPES_H
#define STATEWALL_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "statewall/tables.h"

#define SW_X_ENUM_TIMEOUT(id, name, def, lo, hi, label, help) SW_TO_##id,
enum sw_timeout { SW_TIMEOUTS(SW_X_ENUM_TIMEOUT) SW_TO_MAX };

#define SW_X_ENUM_DROP(id, name, help) SW_DROP_##id,
enum sw_drop { SW_DROP_REASONS(SW_X_ENUM_DROP) SW_DROP_MAX };

#define SW_X_ENUM_END(id, name, help) SW_END_##id,
enum sw_end { SW_END_REASONS(SW_X_ENUM_END) SW_END_MAX };

#define SW_X_ENUM_TCPS(id, name) SW_TCPS_##id,
enum sw_tcps { SW_TCP_STATES(SW_X_ENUM_TCPS) SW_TCPS_MAX };

#define SW_X_ENUM_CTR(id, name, help) SW_CTR_##id,
enum sw_counter { SW_COUNTERS(SW_X_ENUM_CTR) SW_CTR_MAX };

#define SW_X_ENUM_EV(id, name, help) SW_EV_##id,
enum sw_ev { SW_EVENTS(SW_X_ENUM_EV) SW_EV_MAX };

#define SW_X_ENUM_EC(id, name, help) SW_EC_##id,
enum sw_evict_class { SW_EVICT_CLASSES(SW_X_ENUM_EC) SW_EC_MAX };

#define SW_X_ENUM_TUN(id, name, help) SW_TUN_##id,
enum sw_tun_type { SW_TUNNELS(SW_X_ENUM_TUN) SW_TUN_MAX };
#define SW_TUN_ALL ((1u << SW_TUN_MAX) - 1) /* tunnel-inspect all: a bit per type */

/* Names from the tables; NULL-safe for out-of-range values ("?"). */
const char *sw_timeout_name(unsigned t);
const char *sw_drop_name(unsigned r);
const char *sw_end_name(unsigned e);
const char *sw_tcps_name(unsigned s);
const char *sw_counter_name(unsigned c);
const char *sw_event_name(unsigned ev);
const char *sw_evict_class_name(unsigned c);
const char *sw_tunnel_name(unsigned t);

/* Protocol names (one table, src/util/names.c): "tcp", "udp", "icmp", "icmp6",
 * else the number written into buf.  sw_proto_lookup: a name (also
 * "ipv6-icmp", any case) or a number 0-255; -1 if neither. */
const char *sw_proto_name(unsigned proto, char *buf, size_t len);
int sw_proto_lookup(const char *name);

/* Timeout metadata from SW_TIMEOUTS. */
struct sw_timeout_info {
	const char *name, *label, *help;
	uint32_t def, min, max;
};
extern const struct sw_timeout_info sw_timeout_info[SW_TO_MAX];
/* Look a timeout up by its name, with or without the "timeout-" prefix; -1 if unknown. */
int sw_timeout_lookup(const char *name);

/* An IPv4 or IPv6 address; IPv4 is stored as ::ffff:a.b.c.d (v4-mapped). */
struct sw_addr {
	union {
		uint8_t b[16];
		uint32_t w[4];
	};
};

/* Format an address ("1.2.3.4" or "2001:db8::1"); buf needs SW_ADDRSTRLEN. */
#define SW_ADDRSTRLEN 46
const char *sw_addr_str(const struct sw_addr *a, char *buf);
/* 1 if a is an IPv4 (v4-mapped) address. */
int sw_addr_is_v4(const struct sw_addr *a);

/*
 * The flow part of a descriptor: enough to find a session.  For an ICMP
 * error the engine looks up `inner` (the quoted packet) instead.
 */
struct sw_flow {
	struct sw_addr src, dst;
	uint16_t sport, dport; /* host order; ICMP echo: both = identifier */
	uint8_t proto;         /* IPPROTO_* */
	uint8_t family;        /* 4 or 6 */
};

/* Engine time: nanoseconds since the Unix epoch (capture or wall clock). */
typedef int64_t sw_time_t;
#define SW_NS_PER_SEC 1000000000LL

#endif
