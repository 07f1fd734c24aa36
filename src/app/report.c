/*
 * report.c - session log, verdicts and summary output.  See report.h.  The
 * session-log line is SW_SESS_FIELDS (util/sessrec.c); JSON through util/json.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/report.h"

void sw_log_session(FILE *f, const struct sw_sess_info *si)
{
	sw_sess_log_line(f, si);
}

int sw_summary_note(struct sw_summary *sum, const struct sw_sess_info *si)
{
	struct sw_broken *b;

	if (si->late_pkts == 0)
		return 0;
	if (sum->nbroken == sum->capbroken) {
		size_t n = sum->capbroken ? sum->capbroken * 2 : 16;
		void *p = realloc(sum->broken, n * sizeof(*sum->broken));
		if (!p)
			return -ENOMEM;
		sum->broken = p;
		sum->capbroken = n;
	}
	b = &sum->broken[sum->nbroken++];
	b->id = si->id;
	sw_flow_str(si, b->flow, sizeof(b->flow));
	b->timer = si->timer;
	b->end_reason = si->end_reason;
	b->late_pkts = si->late_pkts;
	b->late_bytes = si->late_bytes;
	b->expiry_reset = si->expiry_reset;
	return 0;
}

void sw_summary_free(struct sw_summary *sum)
{
	free(sum->broken);
	sum->broken = NULL;
	sum->nbroken = sum->capbroken = 0;
}

void sw_summary_print(FILE *f, const struct sw_summary *sum)
{
	const struct sw_stats *st = &sum->st;

	fprintf(f, "packets   %llu total, %llu forwarded, %llu dropped\n",
		(unsigned long long)st->ctr[SW_CTR_PKTS], (unsigned long long)st->ctr[SW_CTR_FORWARDED],
		(unsigned long long)st->ctr[SW_CTR_DROPPED]);
	for (int r = 1; r < SW_DROP_MAX; r++)
		if (st->drop[r])
			fprintf(f, "  dropped %-24s %llu\n", sw_drop_name((unsigned)r),
				(unsigned long long)st->drop[r]);
	fprintf(f, "sessions  %llu created, %u peak concurrent\n",
		(unsigned long long)st->ctr[SW_CTR_SESS_CREATED], st->peak);
	for (int r = 0; r < SW_END_MAX; r++) {
		if (!st->end[r])
			continue;
		fprintf(f, "  ended   %-24s %llu", sw_end_name((unsigned)r),
			(unsigned long long)st->end[r]);
		if (r == SW_END_AGED_OUT) {
			const char *sep = " (";
			for (int t = 0; t < SW_TO_MAX; t++)
				if (st->end_timer[t]) {
					fprintf(f, "%s%s %llu", sep, sw_timeout_name((unsigned)t),
						(unsigned long long)st->end_timer[t]);
					sep = ", ";
				}
			if (sep[0] == ',')
				fputc(')', f);
		}
		fputc('\n', f);
	}
	if (st->ctr[SW_CTR_RST_EXPIRY] || st->ctr[SW_CTR_RST_EXPIRY_UNKNOWN])
		fprintf(f, "resets    %llu RSTs on expiry (an RST to each end of %llu sessions), "
			   "%llu sessions without known sequence numbers (none sent)\n",
			(unsigned long long)st->ctr[SW_CTR_RST_EXPIRY],
			(unsigned long long)st->ctr[SW_CTR_RST_EXPIRY] / 2,
			(unsigned long long)st->ctr[SW_CTR_RST_EXPIRY_UNKNOWN]);
	if (st->ctr[SW_CTR_IP_LEN_FROM_CAP])
		fprintf(f, "offload   %llu super-frame%s read by its captured length (IP length 0, or "
			   "beyond a frame captured whole: ip-length-from-capture)\n",
			(unsigned long long)st->ctr[SW_CTR_IP_LEN_FROM_CAP],
			st->ctr[SW_CTR_IP_LEN_FROM_CAP] == 1 ? "" : "s");
	fprintf(f, "broken    %zu session%s with packets after their end\n", sum->nbroken,
		sum->nbroken == 1 ? "" : "s");
	for (size_t i = 0; i < sum->nbroken; i++) {
		const struct sw_broken *b = &sum->broken[i];
		fprintf(f, "  #%u %s: ended %s%s%s%s, then %llu packets (%llu bytes) dropped\n", b->id,
			b->flow, sw_end_name(b->end_reason), b->timer < SW_TO_MAX ? " by " : "",
			b->timer < SW_TO_MAX ? sw_timeout_name(b->timer) : "",
			b->expiry_reset == SW_XR_SENT ? " with an RST to each end" : "",
			(unsigned long long)b->late_pkts, (unsigned long long)b->late_bytes);
	}
	for (size_t i = 0; sum->cap && i < sw_capture_nfiles(sum->cap); i++) {
		const struct sw_capture_file *cf = sw_capture_file(sum->cap, i);
		if (cf->backwards)
			fprintf(f, "clock     %s: %llu of %llu packets stamped earlier than the packet "
				   "before them (each processed at the latest time seen)\n", cf->name,
				(unsigned long long)cf->backwards, (unsigned long long)cf->packets);
	}
}

/* "clock_backwards": the files whose clock ran backwards, if any. */
static void clock_json(struct sw_jw *w, const struct sw_capture *cap)
{
	int any = 0;

	for (size_t i = 0; cap && i < sw_capture_nfiles(cap); i++) {
		const struct sw_capture_file *cf = sw_capture_file(cap, i);
		if (!cf->backwards)
			continue;
		if (!any++) {
			sw_jw_key(w, "clock_backwards");
			sw_jw_arr(w);
		}
		sw_jw_obj(w);
		sw_jw_kstr(w, "file", cf->name);
		sw_jw_ku64(w, "packets", cf->packets);
		sw_jw_ku64(w, "backwards", cf->backwards);
		sw_jw_obj_end(w);
	}
	if (any)
		sw_jw_arr_end(w);
}

void sw_summary_json(FILE *f, const struct sw_summary *sum)
{
	const struct sw_stats *st = &sum->st;
	struct sw_jw w;

	sw_jw_init_file(&w, f);
	sw_jw_obj(&w);
	sw_jw_key(&w, "packets");
	sw_jw_obj(&w);
	sw_jw_ku64(&w, "total", st->ctr[SW_CTR_PKTS]);
	sw_jw_ku64(&w, "forwarded", st->ctr[SW_CTR_FORWARDED]);
	sw_jw_ku64(&w, "dropped", st->ctr[SW_CTR_DROPPED]);
	sw_jw_key(&w, "drop_reasons");
	sw_jw_obj(&w);
	for (int r = 1; r < SW_DROP_MAX; r++)
		if (st->drop[r])
			sw_jw_ku64(&w, sw_drop_name((unsigned)r), st->drop[r]);
	sw_jw_obj_end(&w);
	if (st->ctr[SW_CTR_IP_LEN_FROM_CAP]) /* offload super-frames, when there were any */
		sw_jw_ku64(&w, "ip_length_from_capture", st->ctr[SW_CTR_IP_LEN_FROM_CAP]);
	sw_jw_obj_end(&w);
	sw_jw_key(&w, "sessions");
	sw_jw_obj(&w);
	sw_jw_ku64(&w, "created", st->ctr[SW_CTR_SESS_CREATED]);
	sw_jw_ku64(&w, "peak", st->peak);
	sw_jw_key(&w, "end_reasons");
	sw_jw_obj(&w);
	for (int r = 0; r < SW_END_MAX; r++)
		if (st->end[r])
			sw_jw_ku64(&w, sw_end_name((unsigned)r), st->end[r]);
	sw_jw_obj_end(&w);
	sw_jw_key(&w, "aged_out_by_timer");
	sw_jw_obj(&w);
	for (int t = 0; t < SW_TO_MAX; t++)
		if (st->end_timer[t])
			sw_jw_ku64(&w, sw_timeout_name((unsigned)t), st->end_timer[t]);
	sw_jw_obj_end(&w);
	sw_jw_key(&w, "resets_on_expiry");
	sw_jw_obj(&w);
	sw_jw_ku64(&w, "rsts", st->ctr[SW_CTR_RST_EXPIRY]);
	sw_jw_ku64(&w, "sessions", st->ctr[SW_CTR_RST_EXPIRY] / 2);
	sw_jw_ku64(&w, "not_possible", st->ctr[SW_CTR_RST_EXPIRY_UNKNOWN]);
	sw_jw_obj_end(&w);
	sw_jw_obj_end(&w);
	sw_jw_key(&w, "broken");
	sw_jw_arr(&w);
	for (size_t i = 0; i < sum->nbroken; i++) {
		const struct sw_broken *b = &sum->broken[i];
		sw_jw_obj(&w);
		sw_jw_ku64(&w, "id", b->id);
		sw_jw_kstr(&w, "flow", b->flow);
		sw_jw_kstr(&w, "end_reason", sw_end_name(b->end_reason));
		sw_jw_kstr(&w, "timer", b->timer < SW_TO_MAX ? sw_timeout_name(b->timer) : NULL);
		sw_jw_ku64(&w, "late_pkts", b->late_pkts);
		sw_jw_ku64(&w, "late_bytes", b->late_bytes);
		sw_jw_kbool(&w, "reset", b->expiry_reset == SW_XR_SENT);
		sw_jw_obj_end(&w);
	}
	sw_jw_arr_end(&w);
	clock_json(&w, sum->cap);
	sw_jw_obj_end(&w);
	fputc('\n', f);
}
