/*
 * measure.c - the second stage: one pass through an engine whose timers
 * never fire (every timeout at its maximum, half-close-mode idle).  Per
 * packet - each layer of a frame: the outer packet and, with tunnel-inspect,
 * each inner one (sw_engine_layers) - its own verdict names its session
 * (an inner one remembers its tunnel's), and a side table per session keeps
 * its timing facts by phase (establishing, established, half-closed,
 * closed), reading the engine's own view of the phase from its timer in
 * force.  A new connection's SYN on a live tuple splits the facts there.
 * Also the index of the measured sessions by flow that the replays use to
 * name the session a broken one was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/an-int.h"
#include "util/sessrec.h"
#include "statewall/pkt.h"

/* ---- keys: the measured sessions by flow, for the replays ------------------------- */

uint32_t an_key_hash(unsigned proto, const struct sw_addr *a, uint16_t pa,
			 const struct sw_addr *b, uint16_t pb)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *x, *y;
	uint16_t px, py;
	int sw = memcmp(a, b, sizeof(*a));

	if (sw > 0 || (sw == 0 && pa > pb)) {
		x = b->b; y = a->b; px = pb; py = pa;
	} else {
		x = a->b; y = b->b; px = pa; py = pb;
	}
	for (int i = 0; i < 16; i++)
		h = (h ^ x[i]) * 1099511628211ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ y[i]) * 1099511628211ULL;
	h = (h ^ px) * 1099511628211ULL;
	h = (h ^ py) * 1099511628211ULL;
	h = (h ^ proto) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static int same_flow(const struct an_sess *s, const struct sw_sess_info *si)
{
	if (s->rec.proto != si->proto)
		return 0;
	if (!memcmp(&s->rec.orig_h, &si->orig_h, sizeof(s->rec.orig_h)) &&
	    !memcmp(&s->rec.resp_h, &si->resp_h, sizeof(s->rec.resp_h)) && s->rec.orig_p == si->orig_p &&
	    s->rec.resp_p == si->resp_p)
		return 1;
	return !memcmp(&s->rec.orig_h, &si->resp_h, sizeof(s->rec.orig_h)) &&
	       !memcmp(&s->rec.resp_h, &si->orig_h, sizeof(s->rec.resp_h)) && s->rec.orig_p == si->resp_p &&
	       s->rec.resp_p == si->orig_p;
}

static int build_keys(struct an *a)
{
	a->nkb = 1024;
	while (a->nkb < a->ns * 2)
		a->nkb *= 2;
	a->kbucket = calloc(a->nkb, sizeof(*a->kbucket));
	if (!a->kbucket)
		return -1;
	for (size_t i = 0; i < a->ns; i++) {
		uint32_t b = a->s[i].khash & (uint32_t)(a->nkb - 1);
		a->s[i].prev_key = a->kbucket[b];
		a->kbucket[b] = (uint32_t)i + 1;
	}
	return 0;
}

/* The measured session a replayed one corresponds to: same flow, started in its span. */
uint32_t an_find_sess(const struct an *a, const struct sw_sess_info *si)
{
	uint32_t h = an_key_hash(si->proto, &si->orig_h, si->orig_p, &si->resp_h, si->resp_p);
	uint32_t best = 0;

	if (!a->kbucket)
		return 0;
	for (uint32_t i = a->kbucket[h & (uint32_t)(a->nkb - 1)]; i; i = a->s[i - 1].prev_key) {
		const struct an_sess *s = &a->s[i - 1];
		if (s->khash != h || !same_flow(s, si))
			continue;
		if (s->start <= si->start + NS / 500) {
			if (!best || a->s[best - 1].start < s->start)
				best = i;
		}
	}
	return best;
}

uint32_t an_find_flow(const struct an *a, const struct sw_flow *f, sw_time_t at)
{
	struct sw_sess_info si;

	memset(&si, 0, sizeof(si));
	si.proto = f->proto;
	si.orig_h = f->src;
	si.orig_p = f->sport;
	si.resp_h = f->dst;
	si.resp_p = f->dport;
	si.start = at;
	return an_find_sess(a, &si);
}

/* n sessions, at least one, at most max-sessions' range maximum. */
static uint32_t table_of(uint64_t n)
{
	struct sw_setting_info si;
	uint32_t max = 100000000;

	if (sw_conf_setting((unsigned)sw_conf_setting_find("max-sessions"), &si) == 0)
		max = si.max;
	return n < 1 ? 1 : n > max ? max : (uint32_t)n;
}

/*
 * A session needs one packet at least: a frame makes one, or with
 * tunnel-inspect one per layer (the measuring pass counts them).
 */
uint32_t an_table_for_capture(const struct an *a)
{
	return a->table ? a->table : table_of(a->nfr);
}

/* ---- measuring ------------------------------------------------------------------ */

static void facts_on_end(void *ctx, const struct sw_sess_info *si)
{
	struct an *a = ctx;
	uint32_t pick = 0;

	if (si->id >= a->nidmap)
		return;
	for (uint32_t i = a->idmap[si->id]; i; i = a->s[i - 1].prev_id)
		if (!a->s[i - 1].ended)
			pick = i;
	if (!pick)
		return;
	struct an_sess *s = &a->s[pick - 1];
	s->ended = 1;
	s->rec = *si;
}

static void max_to(int64_t *v, int64_t x)
{
	if (x > *v)
		*v = x;
}

/* The measured session live under engine id `id` now: the latest with that id (index + 1). */
static uint32_t live_sess(const struct an *a, uint32_t id)
{
	return id < a->nidmap ? a->idmap[id] : 0;
}

static struct an_sess *new_sess(struct an *a, struct sw_engine *e, const struct sw_layer *l,
				sw_time_t ts)
{
	const struct sw_pkt *p = &l->pkt;
	const uint32_t id = l->v.sess;
	struct sw_sess_info si;
	struct an_sess *s;

	if (a->ns == a->caps) {
		size_t c = a->caps ? a->caps * 2 : 1024;
		void *q = realloc(a->s, c * sizeof(*a->s));
		if (!q)
			return NULL;
		a->s = q;
		a->caps = c;
	}
	if (id >= a->nidmap) {
		size_t c = a->nidmap ? a->nidmap : 4096;
		while (c <= id)
			c *= 2;
		uint32_t *q = realloc(a->idmap, c * sizeof(*q));
		if (!q)
			return NULL;
		memset(q + a->nidmap, 0, (c - a->nidmap) * sizeof(*q));
		a->idmap = q;
		a->nidmap = c;
	}
	s = &a->s[a->ns];
	memset(s, 0, sizeof(*s));
	s->id = id;
	/* inside a tunnel: the session of the tunnel, live now (it carried this packet) */
	s->tunnel = l->tunnel ? live_sess(a, l->tunnel) : 0;
	s->tun_type = l->tunnel ? l->tun_type : SW_TUN_MAX;
	s->prev_id = a->idmap[id];
	a->idmap[id] = (uint32_t)++a->ns;
	s->start = s->last = s->last_acc = ts;
	s->fin1_dir = -1;
	s->gap_estab = s->req_init = s->req_hs = s->gap_est = s->gap_hc = -1;
	s->gap_closed = s->req_urst = s->gap_other = s->open_gap = -1;
	if (sw_engine_session(e, id, &si) == 0) {
		s->rec = si;
		sw_flow_str(&si, s->flow, sizeof(s->flow));
		if (s->tunnel) {
			size_t o = strlen(s->flow);
			snprintf(s->flow + o, sizeof(s->flow) - o, " (in %s #%u)",
				 sw_tunnel_name(s->tun_type), a->s[s->tunnel - 1].id);
		}
		s->origin = si.expires - NS / 1000 -
			    (sw_time_t)sw_engine_conf(e)->timeout[si.timer < SW_TO_MAX ? si.timer : 0] * NS;
		if (si.proto == 6) {
			s->phase = si.timer == SW_TO_TCPINIT ? PH_INIT : PH_EST;
			if (s->phase == PH_INIT)
				s->origin = ts;
		} else {
			s->phase = PH_OTHER;
		}
	}
	if (s->rec.proto == 6 && (p->th_flags & (SW_TH_SYN | SW_TH_ACK)) == SW_TH_SYN) {
		s->isn = p->seq;
		s->has_isn = 1;
	}
	s->khash = an_key_hash(s->rec.proto, &s->rec.orig_h, s->rec.orig_p, &s->rec.resp_h, s->rec.resp_p);
	a->created_proto[proto_slot(s->rec.proto)]++;
	return s;
}

static int phase_of(const struct sw_sess_info *si)
{
	switch (si->timer) {
	case SW_TO_TCPINIT: return PH_INIT;
	case SW_TO_TCPHANDSHAKE: return PH_HS;
	case SW_TO_TCP_HALF_CLOSED: return PH_HC;
	case SW_TO_TCP_TIME_WAIT: return PH_CLOSED;
	case SW_TO_TCP_UNVERIFIED_RST: return PH_URST;
	default: return PH_EST;
	}
}

/* A TCP packet of session s (verdict v) at ts: facts first, then the engine's new phase. */
static void tcp_packet(struct an *a, struct sw_engine *e, struct an_sess *s, const struct sw_pkt *p,
		       struct sw_verdict v, sw_time_t ts)
{
	uint8_t fl = p->th_flags;
	int pure_syn = (fl & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST)) == SW_TH_SYN;
	int64_t gap = ts - s->last_acc;

	(void)a;
	s->pkts++;
	if (pure_syn)
		return; /* never late: after the session's end it starts a new one */
	switch (s->phase) {
	case PH_INIT:
		max_to(&s->req_init, ts - s->origin);
		max_to(&s->gap_estab, gap);
		break;
	case PH_HS:
		max_to(&s->req_hs, ts - s->origin);
		max_to(&s->gap_estab, gap);
		break;
	case PH_EST: max_to(&s->gap_est, gap); break;
	case PH_HC: max_to(&s->gap_hc, gap); break;
	case PH_CLOSED: max_to(&s->gap_closed, gap); break;
	case PH_URST: max_to(&s->req_urst, ts - s->origin); break;
	default: break;
	}
	s->last = ts;
	if (s->fin1 && v.dir != (uint8_t)s->fin1_dir) {
		s->open_pkts++;
		s->open_bytes += p->payload;
		if (p->payload)
			s->open_last = ts;
		max_to(&s->open_gap, ts - s->open_prev);
		s->open_prev = ts;
	}
	if (v.action != SW_PASS)
		return;
	s->last_acc = ts;
	if ((fl & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST)) || s->phase == PH_INIT || s->phase == PH_HS ||
	    s->phase == PH_URST) {
		struct sw_sess_info si;
		if (sw_engine_session(e, v.sess, &si) < 0)
			return;
		s->phase = (uint8_t)phase_of(&si);
		if (si.timer_fixed && si.timer < SW_TO_MAX)
			s->origin = si.expires - NS / 1000 -
				    (sw_time_t)sw_engine_conf(e)->timeout[si.timer] * NS;
		if (!s->fin1 && si.half_closed_at) {
			s->fin1 = ts;
			s->fin1_dir = (int8_t)v.dir;
			s->open_prev = ts;
		}
		if (!s->close_at &&
		    (si.state[0] == SW_TCPS_RESET || si.state[1] == SW_TCPS_RESET ||
		     (si.state[0] >= SW_TCPS_FIN_SENT && si.state[1] >= SW_TCPS_FIN_SENT))) {
			s->close_at = ts;
			s->close_rst = si.state[0] == SW_TCPS_RESET || si.state[1] == SW_TCPS_RESET;
			s->phase = PH_CLOSED;
		}
	}
}

/*
 * One layer of a frame (the outer packet, or an inner one tunnel-inspect
 * followed) at ts: the facts of its session.
 */
static int layer_facts(struct an *a, struct sw_engine *e, struct sw_layer *l, sw_time_t ts,
		       int again)
{
	const struct sw_pkt *p = &l->pkt;
	struct sw_verdict v = l->v;
	struct an_sess *s;

	if (v.sess == 0 || !l->parsed || (p->pflags & (SW_PF_ICMP_ERR | SW_PF_FRAG_LATER)))
		return 0;
	if (l->created || !live_sess(a, v.sess)) {
		if (!new_sess(a, e, l, ts))
			return -1;
		a->s[a->ns - 1].pkts = 1;
		return 0;
	}
	s = &a->s[live_sess(a, v.sess) - 1];
	if (s->rec.proto == 6 && p->flow.proto == 6) {
		int pure_syn = (p->th_flags & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST)) == SW_TH_SYN;
		if (pure_syn && v.action == SW_DROP && !again &&
		    (v.dir == 1 || !s->has_isn || p->seq != s->isn)) {
			/*
			 * A new connection's SYN on the tuple of a live one: with any
			 * realistic timer the old session would be gone by now, so the
			 * facts split here (the old session ends "split").  A TCP
			 * packet carries no tunnel: it is the frame's last layer.
			 */
			s->split = 1;
			sw_engine_clear(e, v.sess);
			sw_engine_layer_again(e, l);
			return layer_facts(a, e, l, ts, 1);
		}
		tcp_packet(a, e, s, p, v, ts);
	} else if (p->flow.proto == s->rec.proto) {
		s->pkts++;
		if (v.action == SW_PASS) {
			max_to(&s->gap_other, ts - s->last_acc);
			s->last_acc = ts;
		}
		s->last = ts;
	}
	return 0;
}

/* One frame: the facts of each of its layers' sessions; the number of layers, or -1 (no memory). */
static int feed_facts(struct an *a, struct sw_engine *e, const struct an_frame *fr)
{
	struct sw_layer lay[SW_LAYERS_MAX];
	struct sw_verdict fv;
	unsigned n = sw_engine_layers(e, a->buf + fr->off, fr->caplen, fr->wirelen, fr->link, fr->ts,
				      lay, &fv);

	for (unsigned k = 0; k < n; k++)
		if (layer_facts(a, e, &lay[k], fr->ts, 0) < 0)
			return -1;
	return (int)n;
}

/* Forget a measuring pass (its table was too small for the inner sessions). */
static void forget(struct an *a)
{
	free(a->s);
	free(a->idmap);
	a->s = NULL;
	a->idmap = NULL;
	a->ns = a->caps = a->nidmap = 0;
	memset(a->created_proto, 0, sizeof(a->created_proto));
}

/*
 * The measuring pass on c: 0, or -ENOMEM.  *refused: sessions its table
 * could not take (refused or evicted); a->table: every layer of every frame, the most sessions
 * any replay can hold at once.
 */
static int measure_pass(struct an *a, struct sw_conf *c, uint64_t *refused, char *err,
			size_t errlen)
{
	struct sw_engine *e;
	struct sw_stats st;
	uint64_t layers = 0;
	int rc;

	an_free_conf(a, c);
	rc = sw_engine_create(&e, c);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the engine: %s", strerror(-rc));
		return rc;
	}
	sw_engine_on_end(e, facts_on_end, a);
	for (size_t i = 0; i < a->nfr; i++) {
		int n = feed_facts(a, e, &a->fr[i]);
		if (n < 0) {
			sw_engine_destroy(e);
			snprintf(err, errlen, "out of memory measuring sessions");
			return -ENOMEM;
		}
		layers += (uint64_t)n;
	}
	sw_engine_flush(e, SW_END_END_OF_CAPTURE);
	sw_engine_stats(e, &st);
	sw_engine_destroy(e);
	*refused = st.drop[SW_DROP_RESOURCES] + st.end[SW_END_EVICTED];
	a->table = table_of(layers);
	return 0;
}

int an_measure(struct an *a, char *err, size_t errlen)
{
	struct sw_conf c = a->cur;
	double t0 = an_now();
	int rc;

	c.half_close_mode = SW_HC_IDLE;
	for (int t = 0; t < SW_TO_MAX; t++)
		c.timeout[t] = sw_timeout_info[t].max;
	/*
	 * No scoped timer either: a rule's timeout-NAME, a service override or
	 * an application timeout would end a session the global maximum keeps
	 * (and the facts read the timer in force as the global one).  The
	 * services and applications stay, for what the rules match.
	 */
	for (unsigned i = 0; i < c.nrules && i < SW_RULES_MAX; i++)
		memset(c.rules[i].timeout, 0, sizeof(c.rules[i].timeout));
	for (unsigned i = 0; i < c.nservices && i < SW_SERVICES_MAX; i++) {
		c.services[i].override = 0;
		memset(c.services[i].timer, 0, sizeof(c.services[i].timer));
	}
	for (unsigned i = 0; i < c.napps && i < SW_APPS_MAX; i++)
		memset(c.apps[i].timer, 0, sizeof(c.apps[i].timer));
	c.tombstone_ttl = 86400;
	/*
	 * A table that holds every session of the capture, whatever max-sessions
	 * says, without accelerated aging or a source quota: the facts are about
	 * timing; what a full or nearly full table does, each setting's replay
	 * counts (cost.c, pressure.c).  One session per frame at most, unless
	 * tunnel-inspect makes inner ones too: a table of the frames that
	 * refused or evicted some is measured again with one of every layer.
	 */
	uint32_t first = an_table_for_capture(a);
	uint64_t refused;
	if ((rc = measure_pass(a, &c, &refused, err, errlen)) < 0)
		return rc;
	if (refused && a->table > first) {
		forget(a);
		if ((rc = measure_pass(a, &c, &refused, err, errlen)) < 0)
			return rc;
	}
	for (size_t i = 0; i < a->ns; i++)
		if (a->s[i].rec.late_pkts)
			a->unfixable++;
	if (build_keys(a) < 0) {
		snprintf(err, errlen, "out of memory indexing sessions");
		return -ENOMEM;
	}
	a->t_facts = an_now() - t0;
	return 0;
}

