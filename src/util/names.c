/*
 * names.c - name lookups generated from the X-macro tables in tables.h, and
 * the one protocol name table.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "statewall/types.h"

#define X_TO_INFO(id, name_, def_, lo_, hi_, label_, help_)                                       \
	[SW_TO_##id] = {.name = name_, .label = label_, .help = help_, .def = def_, .min = lo_, .max = hi_},
const struct sw_timeout_info sw_timeout_info[SW_TO_MAX] = {SW_TIMEOUTS(X_TO_INFO)};

#define X_DROP_NAME(id, name, help) [SW_DROP_##id] = name,
static const char *const drop_names[SW_DROP_MAX] = {SW_DROP_REASONS(X_DROP_NAME)};
#define X_END_NAME(id, name, help) [SW_END_##id] = name,
static const char *const end_names[SW_END_MAX] = {SW_END_REASONS(X_END_NAME)};
#define X_TCPS_NAME(id, name) [SW_TCPS_##id] = name,
static const char *const tcps_names[SW_TCPS_MAX] = {SW_TCP_STATES(X_TCPS_NAME)};
#define X_CTR_NAME(id, name, help) [SW_CTR_##id] = name,
static const char *const ctr_names[SW_CTR_MAX] = {SW_COUNTERS(X_CTR_NAME)};
#define X_EV_NAME(id, name, help) [SW_EV_##id] = name,
static const char *const ev_names[SW_EV_MAX] = {SW_EVENTS(X_EV_NAME)};
#define X_EC_NAME(id, name, help) [SW_EC_##id] = name,
static const char *const ec_names[SW_EC_MAX] = {SW_EVICT_CLASSES(X_EC_NAME)};
#define X_TUN_NAME(id, name, help) [SW_TUN_##id] = name,
static const char *const tun_names[SW_TUN_MAX] = {SW_TUNNELS(X_TUN_NAME)};

const char *sw_timeout_name(unsigned t)
{
	return t < SW_TO_MAX ? sw_timeout_info[t].name : "?";
}

const char *sw_drop_name(unsigned r)
{
	return r < SW_DROP_MAX ? drop_names[r] : "?";
}

const char *sw_end_name(unsigned e)
{
	return e < SW_END_MAX ? end_names[e] : "?";
}

const char *sw_tcps_name(unsigned s)
{
	return s < SW_TCPS_MAX ? tcps_names[s] : "?";
}

const char *sw_counter_name(unsigned c)
{
	return c < SW_CTR_MAX ? ctr_names[c] : "?";
}

const char *sw_event_name(unsigned ev)
{
	return ev < SW_EV_MAX ? ev_names[ev] : "?";
}

const char *sw_evict_class_name(unsigned c)
{
	return c < SW_EC_MAX ? ec_names[c] : "?";
}

const char *sw_tunnel_name(unsigned t)
{
	return t < SW_TUN_MAX ? tun_names[t] : "?";
}

static const struct {
	const char *name;
	unsigned num;
} protos[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmp6", 58}, {"ipv6-icmp", 58}};

const char *sw_proto_name(unsigned proto, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

int sw_proto_lookup(const char *name)
{
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcasecmp(name, protos[i].name) == 0)
			return (int)protos[i].num;
	if (name[0] < '0' || name[0] > '9')
		return -1;
	v = strtoul(name, &end, 10);
	return *end || v > 255 ? -1 : (int)v;
}

int sw_timeout_lookup(const char *name)
{
	for (unsigned i = 0; i < SW_TO_MAX; i++) {
		const char *n = sw_timeout_info[i].name;
		if (strcasecmp(name, n) == 0 || strcasecmp(name, n + strlen("timeout-")) == 0)
			return (int)i;
	}
	return -1;
}

int sw_addr_is_v4(const struct sw_addr *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == htonl(0xffff);
}

const char *sw_addr_str(const struct sw_addr *a, char *buf)
{
	if (sw_addr_is_v4(a))
		inet_ntop(AF_INET, &a->w[3], buf, SW_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, a->b, buf, SW_ADDRSTRLEN);
	return buf;
}
