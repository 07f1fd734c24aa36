/*
 * pressure.c - each setting against a real table: the table its timers need
 * (the "demand": a replay with no limit, no accelerated aging and no source
 * quota), whether that demand crosses the setting's accelerated-aging
 * threshold or exceeds its max-sessions, and for how long.  The setting's
 * own replay (cost.c) says what the pressure then did: sessions aged out
 * accelerated, evicted per class, refused, and which of them broke.
 */
#include <errno.h>
#include <string.h>

#include "analyze/an-int.h"

_Static_assert(SW_CTR_EVICT_UNESTABLISHED == SW_CTR_EVICT_DISCARD + SW_EC_UNESTABLISHED &&
		       SW_CTR_EVICT_CLOSING == SW_CTR_EVICT_DISCARD + SW_EC_CLOSING &&
		       SW_CTR_EVICT_ESTABLISHED == SW_CTR_EVICT_DISCARD + SW_EC_ESTABLISHED &&
		       SW_CTR_EVICT_HALF_CLOSED == SW_CTR_EVICT_DISCARD + SW_EC_HALF_CLOSED,
	       "eviction counters follow the eviction classes");

const char *an_cause_name(unsigned c)
{
	static const char *const n[AN_CAUSE_MAX] = {"timer", "accelerated-aging", "eviction",
						      "table-full", "source-quota"};
	return c < AN_CAUSE_MAX ? n[c] : "?";
}

void an_free_conf(const struct an *a, struct sw_conf *c)
{
	c->max_sessions = an_table_for_capture(a);
	c->accel_aging = 0;
	c->max_per_source = 0;
}

uint32_t an_threshold(const struct sw_conf *c)
{
	uint64_t t = ((uint64_t)c->max_sessions * c->accel_threshold + 99) / 100;
	return t ? (uint32_t)t : 1;
}

/*
 * Sweep the demand's starts and ends (sorted; ends first on ties, as the
 * peak is counted): the first moment the occupancy reaches `level` and the
 * seconds it stays there.
 */
static void over(const struct an_run *d, uint32_t level, sw_time_t *first, double *secs)
{
	size_t i = 0, j = 0;
	uint32_t cur = 0;
	sw_time_t since = 0;

	*first = 0;
	*secs = 0;
	while (j < d->nocc) {
		if (i == d->nocc || d->ends[j] <= d->starts[i]) {
			if (cur-- == level)
				*secs += sec(d->ends[j] - since);
			j++;
		} else {
			if (++cur == level) {
				since = d->starts[i];
				if (!*first)
					*first = since;
			}
			i++;
		}
	}
}

/* When the demand peaked: the first start at which the occupancy reached its peak. */
static sw_time_t peak_at(const struct an_run *d)
{
	sw_time_t at;
	double s;

	if (!d->peak)
		return 0;
	over(d, d->peak, &at, &s);
	return at;
}

/*
 * Did the setting's own replay feel no pressure at all?  Then it is its own
 * demand replay: accelerated aging only ever moves deadlines earlier, so if
 * no session aged out by a shortened timer, none was evicted or refused and
 * aging was not accelerating when the capture ended (the timers that run
 * out after it), every session lived exactly as without the pressure.
 */
static int unpressured(const struct an_run *r)
{
	uint64_t ev = 0;

	for (int c = 0; c < SW_EC_MAX; c++)
		ev += r->pr.evicted[c];
	return !r->pr.accel_aged && !ev && !r->nrefused && !r->nquota && !r->pr.accel_at_end;
}

static void fill(struct an_pressure *p, const struct an_run *d, const struct sw_conf *c)
{
	p->threshold = an_threshold(c);
	p->demand_peak = d->peak;
	p->demand_peak_at = peak_at(d);
	p->broken_free = (int64_t)d->ntimer;
	over(d, p->threshold, &p->first_above, &p->above_s);
	over(d, c->max_sessions + 1, &p->first_full, &p->full_s);
}

int an_pressure(struct an *a, struct an_run *r)
{
	struct an_run d;
	int rc;

	if (unpressured(r)) {
		fill(&r->pr, r, &r->conf);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	d.conf = r->conf;
	an_free_conf(a, &d.conf);
	rc = an_replay(a, &d);
	if (rc == 0)
		fill(&r->pr, &d, &r->conf);
	an_run_free(&d);
	return rc;
}
