/*
 * filter.c - the session filter of `show session all` and `clear session all`,
 * PAN-OS style: `[filter] source A destination B source-port P
 * destination-port Q protocol N state active|half-closed|discard` plus
 * `start-at ID`, `count yes` and `limit N` for paging.
 *
 * `source` is the originator's address, `destination` the responder's; both
 * take an address or a CIDR (sw_cidr_parse).  `state` matches the State
 * column: ACTIVE, HALF-CLOSED (a FIN was seen) or DISCARD (a deny rule's
 * discard session); the three are disjoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mgmt/mgmt.h"

static int bad(char *err, size_t errlen, const char *tok, const char *what)
{
	snprintf(err, errlen, "token '%s': %s", tok, what);
	return -EINVAL;
}

static int num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int proto_num(const char *s)
{
	unsigned long v;

	if (strcasecmp(s, "tcp") == 0)
		return 6;
	if (strcasecmp(s, "udp") == 0)
		return 17;
	if (strcasecmp(s, "icmp") == 0)
		return 1;
	if (strcasecmp(s, "icmp6") == 0 || strcasecmp(s, "ipv6-icmp") == 0)
		return 58;
	if (num(s, 255, &v) == 0)
		return (int)v;
	return -1;
}

int sw_filter_parse(struct sw_filter *f, char *const *argv, int argc, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->sport = f->dport = f->proto = -1;
	f->state = SW_FS_ANY;

	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *v;
		unsigned long n;

		if (strcmp(k, "filter") == 0)
			continue;
		if (i + 1 >= argc)
			return bad(err, errlen, k,
				   strcmp(k, "source") == 0 || strcmp(k, "destination") == 0 ||
						   strcmp(k, "source-port") == 0 ||
						   strcmp(k, "destination-port") == 0 ||
						   strcmp(k, "protocol") == 0 || strcmp(k, "state") == 0 ||
						   strcmp(k, "start-at") == 0 || strcmp(k, "count") == 0 ||
						   strcmp(k, "limit") == 0
					   ? "missing value"
					   : "unknown filter (expected source, destination, source-port, "
					     "destination-port, protocol, state, start-at, limit or count)");
		v = argv[++i];
		if (strcmp(k, "source") == 0 || strcmp(k, "destination") == 0) {
			struct sw_cidr c;
			if (sw_cidr_parse(&c, v) != 0)
				return bad(err, errlen, v, "not an address or prefix (e.g. 198.18.1.2, "
							   "10.0.0.0/8, 2001:db8::/32)");
			if (k[0] == 's') {
				f->src = c;
				f->has_src = 1;
			} else {
				f->dst = c;
				f->has_dst = 1;
			}
		} else if (strcmp(k, "source-port") == 0 || strcmp(k, "destination-port") == 0) {
			if (num(v, 65535, &n) != 0)
				return bad(err, errlen, v, "not a port (0..65535)");
			if (k[0] == 's')
				f->sport = (int)n;
			else
				f->dport = (int)n;
		} else if (strcmp(k, "protocol") == 0) {
			f->proto = proto_num(v);
			if (f->proto < 0)
				return bad(err, errlen, v, "not a protocol (tcp, udp, icmp, icmp6 or "
							   "0..255)");
		} else if (strcmp(k, "state") == 0) {
			if (strcmp(v, "active") == 0)
				f->state = SW_FS_ACTIVE;
			else if (strcmp(v, "half-closed") == 0)
				f->state = SW_FS_HALF_CLOSED;
			else if (strcmp(v, "discard") == 0)
				f->state = SW_FS_DISCARD;
			else
				return bad(err, errlen, v, "not a state (active, half-closed or discard)");
		} else if (strcmp(k, "start-at") == 0) {
			if (num(v, UINT32_MAX, &n) != 0)
				return bad(err, errlen, v, "not a session id");
			f->start_at = (uint32_t)n;
		} else if (strcmp(k, "limit") == 0) {
			if (num(v, UINT32_MAX, &n) != 0)
				return bad(err, errlen, v, "not a number of sessions");
			f->limit = (uint32_t)n;
		} else if (strcmp(k, "count") == 0) {
			if (strcmp(v, "yes") == 0)
				f->count_only = 1;
			else if (strcmp(v, "no") == 0)
				f->count_only = 0;
			else
				return bad(err, errlen, v, "expected yes or no");
		} else {
			return bad(err, errlen, k, "unknown filter (expected source, destination, "
						   "source-port, destination-port, protocol, state, "
						   "start-at, limit or count)");
		}
	}
	return 0;
}

static int in_cidr(const struct sw_cidr *c, const struct sw_addr *a)
{
	unsigned full = c->plen / 8, rem = c->plen % 8;

	if (memcmp(c->addr.b, a->b, full) != 0)
		return 0;
	if (rem) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));
		if ((c->addr.b[full] & m) != (a->b[full] & m))
			return 0;
	}
	return 1;
}

int sw_filter_match(const struct sw_filter *f, const struct sw_sess_info *si)
{
	if (f->start_at && si->id < f->start_at)
		return 0;
	if (f->has_src && !in_cidr(&f->src, &si->orig_h))
		return 0;
	if (f->has_dst && !in_cidr(&f->dst, &si->resp_h))
		return 0;
	if (f->sport >= 0 && si->orig_p != f->sport)
		return 0;
	if (f->dport >= 0 && si->resp_p != f->dport)
		return 0;
	if (f->proto >= 0 && si->proto != f->proto)
		return 0;
	switch (f->state) {
	case SW_FS_ACTIVE: return !si->discard && !si->half_closed_at;
	case SW_FS_HALF_CLOSED: return !si->discard && si->half_closed_at != 0;
	case SW_FS_DISCARD: return si->discard != 0;
	default: return 1;
	}
}
