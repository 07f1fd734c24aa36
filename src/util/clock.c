/*
 * clock.c - the text form of an instant (clock.h).
 */
#include <stdio.h>
#include <time.h>

#include "util/clock.h"

const char *sw_time_text(sw_time_t t, char *buf, size_t len)
{
	time_t s = (time_t)(t / SW_NS_PER_SEC);
	struct tm tm;

	if (t <= 0 || !localtime_r(&s, &tm) || !strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm))
		snprintf(buf, len, "-");
	return buf;
}
