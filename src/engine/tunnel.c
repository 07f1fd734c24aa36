/*
 * tunnel.c - tunnel sessions and mirror decapsulation (tunnel-inspect, --decap).
 *
 * A tunnelled frame is first its outer packet's: the outer flow is a session
 * as any other.  When tunnel-inspect names the tunnel's type, the inner
 * packet (src/pkt/tunnel.c finds it) then goes through the same path as a
 * frame of its own - lookup, tracking, rules, timers - and its session
 * remembers the session of the tunnel it was created in (session field
 * `tunnel`).  Nesting is followed up to tunnel-max-depth; deeper is
 * tunnel-too-deep.  The frame's verdict is the innermost one when an inner
 * packet is dropped (inline, the outer frame is dropped with it), else the
 * outer session's.  Each frame still counts once as forwarded or dropped.
 *
 * sw_engine_frame() is the one-frame path: sw_engine_packet_wire() keeps
 * only the frame's verdict, sw_engine_layers() also each layer's packet and
 * own verdict (statewall analyze keeps facts per session).
 *
 * --decap (conf.decap) instead skips the outer packet of a mirror transport
 * (ERSPAN, VXLAN, Geneve): the inner frame is processed as if captured
 * directly and the mirror flow never becomes a session.
 *
 * Memory: the link costs 4 bytes per session slot, allocated only once
 * tunnel-inspect is on (`run` defaults to none and pays nothing); it packs
 * the outer session id (28 bits, max-sessions stays below 2^28) and type.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/engine_int.h"

#define TUN_TYPE_BITS 4
static_assert(SW_TUN_MAX < (1 << TUN_TYPE_BITS), "tunnel type must fit its bits");
static_assert(100000000u < (1u << (32 - TUN_TYPE_BITS)), "max-sessions must fit the link");

int sw_engine_tun_conf(struct sw_engine *e)
{
	if (!e->conf.tunnel_inspect || e->tun)
		return 0;
	e->tun = calloc(e->tab.cap, sizeof(*e->tun));
	return e->tun ? 0 : -ENOMEM;
}

void sw_engine_tun_info(const struct sw_engine *e, uint32_t idx, struct sw_sess_info *si)
{
	uint32_t v = e->tun ? e->tun[idx] : 0;

	si->tunnel_id = v >> TUN_TYPE_BITS;
	si->tunnel_type = (uint8_t)(v ? v & ((1u << TUN_TYPE_BITS) - 1) : SW_TUN_MAX);
}

/*
 * The options an inner frame parses with: whole when its outer IP packet
 * lies entirely in the frame, for then nothing of the inner one was cut.
 */
static unsigned inner_opts(const struct sw_pkt *o, size_t len, unsigned opts)
{
	return opts | ((size_t)o->l3_off + o->ip_len <= len ? SW_PARSE_WHOLE : 0);
}

enum sw_drop sw_engine_decap(struct sw_engine *e, struct sw_pkt *p, const uint8_t **f, size_t *len)
{
	unsigned opts = e->conf.tcp_checksum_check ? SW_PARSE_CHECKSUM : 0;
	struct sw_tun t;
	enum sw_drop r;

	/* A malformed or foreign tunnel is not mirror transport: the outer packet stays. */
	if (sw_pkt_tunnel(p, *f, *len, &t) != SW_DROP_NONE || t.type == SW_TUN_MAX || t.link < 0 ||
	    !(e->conf.decap & (1u << t.type)))
		return SW_DROP_NONE;
	e->st.ctr[SW_CTR_DECAP]++;
	opts = inner_opts(p, *len, opts);
	*f += t.off;
	*len = t.len;
	r = sw_pkt_parse(p, *f, *len, t.link, opts);
	if (r == SW_DROP_NONE && (p->lflags & SW_LF_LEN_FROM_CAP))
		e->st.ctr[SW_CTR_IP_LEN_FROM_CAP]++;
	return r;
}

/* The frame was counted once already (as `v`): its new verdict replaces that count. */
static struct sw_verdict recount(struct sw_engine *e, struct sw_verdict old, int reason)
{
	struct sw_verdict v = old;

	if (old.action == SW_PASS)
		e->st.ctr[SW_CTR_FORWARDED]--;
	else {
		e->st.ctr[SW_CTR_DROPPED]--;
		e->st.drop[old.reason]--;
	}
	v.action = reason == SW_DROP_NONE ? SW_PASS : SW_DROP;
	v.reason = (uint8_t)reason;
	if (reason == SW_DROP_NONE)
		e->st.ctr[SW_CTR_FORWARDED]++;
	else {
		e->st.ctr[SW_CTR_DROPPED]++;
		e->st.drop[reason]++;
	}
	return v;
}

struct sw_verdict sw_engine_tunnels(struct sw_engine *e, const struct sw_pkt *outer,
				    struct sw_verdict v, const uint8_t *f, size_t len)
{
	struct sw_pkt pk[2];
	const struct sw_pkt *o = outer;
	unsigned opts = e->conf.tcp_checksum_check ? SW_PARSE_CHECKSUM : 0;
	struct sw_verdict outv = v;

	for (unsigned depth = 0;; depth++) {
		struct sw_pkt *p = &pk[depth & 1];
		struct sw_verdict iv;
		struct sw_tun t;
		enum sw_drop r;

		if (v.action != SW_PASS || !v.sess)
			return outv;
		r = sw_pkt_tunnel(o, f, len, &t);
		if (t.type == SW_TUN_MAX || !(e->conf.tunnel_inspect & (1u << t.type)))
			return outv;
		if (r != SW_DROP_NONE)
			return recount(e, outv, r);
		if (t.link < 0)
			return outv;
		if (depth == e->conf.tunnel_max_depth)
			return recount(e, outv, SW_DROP_TUNNEL_DEPTH);
		r = sw_pkt_parse(p, f + t.off, t.len, t.link, inner_opts(o, len, opts));
		f += t.off;
		len = t.len;
		if (r == SW_DROP_NONE && (p->lflags & SW_LF_LEN_FROM_CAP))
			e->st.ctr[SW_CTR_IP_LEN_FROM_CAP]++;
		e->st.ctr[SW_CTR_TUNNEL_INNER]++;
		/* The inner verdict counts itself; undo it, the frame is counted by recount(). */
		e->tun_cur = v.sess << TUN_TYPE_BITS | t.type;
		uint64_t created = e->st.ctr[SW_CTR_SESS_CREATED];
		iv = sw_engine_one(e, p, (int)r);
		e->tun_cur = 0;
		if (e->lay && e->nlay < SW_LAYERS_MAX) { /* tunnel-max-depth is at most 8 */
			struct sw_layer *l = &e->lay[e->nlay++];
			l->pkt = *p;
			l->v = iv;
			l->parsed = r == SW_DROP_NONE;
			l->created = e->st.ctr[SW_CTR_SESS_CREATED] != created;
			l->tun_type = t.type;
			l->tunnel = v.sess;
		}
		if (iv.action == SW_PASS)
			e->st.ctr[SW_CTR_FORWARDED]--;
		else {
			e->st.ctr[SW_CTR_DROPPED]--;
			e->st.drop[iv.reason]--;
		}
		if (iv.action != SW_PASS) {
			struct sw_verdict d = recount(e, outv, iv.reason);

			d.sess = iv.sess;
			d.dir = iv.dir;
			return d;
		}
		v = iv;
		o = p;
	}
}

unsigned sw_engine_frame(struct sw_engine *e, const uint8_t *frame, size_t caplen,
			 uint32_t wirelen, int link, sw_time_t ts, struct sw_layer *out, int inner,
			 struct sw_verdict *frame_v)
{
	struct sw_layer *l = &out[0];
	uint64_t created;
	int reason;

	sw_engine_advance(e, ts);
	e->st.ctr[SW_CTR_PKTS]++;
	reason = (int)sw_engine_parse_frame(e, &l->pkt, &frame, &caplen, link,
					    sw_parse_whole(caplen, wirelen));
	created = e->st.ctr[SW_CTR_SESS_CREATED];
	l->v = *frame_v = sw_engine_one(e, &l->pkt, reason);
	l->parsed = reason == SW_DROP_NONE;
	l->created = e->st.ctr[SW_CTR_SESS_CREATED] != created;
	l->tun_type = SW_TUN_MAX;
	l->tunnel = 0;
	if (!e->conf.tunnel_inspect || reason != SW_DROP_NONE || !sw_pkt_may_tunnel(&l->pkt))
		return 1;
	e->lay = inner ? out : NULL;
	e->nlay = 1;
	*frame_v = sw_engine_tunnels(e, &l->pkt, l->v, frame, caplen);
	e->lay = NULL;
	return e->nlay;
}

unsigned sw_engine_layers(struct sw_engine *e, const uint8_t *frame, size_t caplen,
			  uint32_t wirelen, int link, sw_time_t ts, struct sw_layer out[SW_LAYERS_MAX],
			  struct sw_verdict *frame_v)
{
	return sw_engine_frame(e, frame, caplen, wirelen, link, ts, out, 1, frame_v);
}

void sw_engine_layer_again(struct sw_engine *e, struct sw_layer *l)
{
	uint64_t created = e->st.ctr[SW_CTR_SESS_CREATED];

	e->st.ctr[SW_CTR_PKTS]++;
	e->tun_cur = l->tunnel ? l->tunnel << TUN_TYPE_BITS | l->tun_type : 0;
	l->v = sw_engine_one(e, &l->pkt, SW_DROP_NONE);
	e->tun_cur = 0;
	l->created = e->st.ctr[SW_CTR_SESS_CREATED] != created;
}
