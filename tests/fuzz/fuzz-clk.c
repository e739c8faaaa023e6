/*
 * fuzz-clk.c: RFC 3339 timestamps and durations (lib/clk).
 *
 * Checks, for any input: an accepted timestamp has the value timegm(3)
 * gives for its fields and zone offset; a timestamp formatted by
 * clk_format parses back to the same second; an accepted duration is
 * formatted into text that parses back to the same number of seconds.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "fuzz.h"

static int
num(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* The value of an accepted timestamp, by another route. */
static time_t
reference(const char *s, size_t len)
{
	struct tm	 tm;
	time_t		 t;
	size_t		 i = 19;
	int		 off = 0, sec;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	sec = num(s + 17, 2);
	tm.tm_sec = sec == 60 ? 59 : sec;
	t = timegm(&tm);
	if (i < len && (s[i] == '.' || s[i] == ','))
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		int	 h = num(s + i + 1, 2), m = 0;

		if (len - i == 6)
			m = num(s + i + 4, 2);
		else if (len - i == 5)
			m = num(s + i + 3, 2);
		off = (h * 3600 + m * 60) * (s[i] == '-' ? -1 : 1);
	}
	return t - off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*s = (const char *)data;
	char		 buf[CLK_BUFSZ], z[256], dur[128], *cause;
	time_t		 t, back;
	int64_t		 secs, again;

	if (clk_parse(s, len, &t) == 0) {
		CHECK(t == reference(s, len), "%.*s: %lld, timegm %lld",
		    (int)len, s, (long long)t, (long long)reference(s, len));
		if (t >= 0 && t < 253402300800LL) {	/* years 1970..9999 */
			clk_format(t, buf);
			CHECK(clk_parse(buf, strlen(buf), &back) == 0 &&
			    back == t, "%s does not parse back", buf);
		}
	}
	if (len >= 8) {
		/* any second from year 0 to 9999 formats and parses back */
		int64_t	 x;

		memcpy(&x, data, 8);
		x = (int64_t)((uint64_t)x % 315569520000ULL) - 62167219200LL;
		clk_format((time_t)x, buf);
		if (strcmp(buf, "1970-01-01T00:00:00Z") != 0)
			CHECK(clk_parse(buf, strlen(buf), &back) == 0 &&
			    back == x, "%lld -> %s", (long long)x, buf);
	}

	if (len < sizeof z && memchr(s, '\0', len) == NULL) {
		memcpy(z, s, len);
		z[len] = '\0';
		if (clk_parse_duration(z, &secs, &cause) == 0) {
			CHECK(cause == NULL, "cause set on success");
			CHECK(secs >= 0, "%s: %" PRId64, z, secs);
			/* never past the last time written (year 9999) */
			CHECK(secs <= CLK_MAX - (int64_t)clk_now(),
			    "%s: %" PRId64 " s from now is past 9999", z, secs);
			clk_format_duration(secs, dur, sizeof dur);
			CHECK(clk_parse_duration(dur, &again, &cause) == 0 &&
			    again == secs, "%s -> %" PRId64 " -> %s", z, secs,
			    dur);
		} else {
			CHECK(cause != NULL && strlen(cause) > 0, "no cause");
			free(cause);
		}
		/* small buffers truncate, never overflow */
		clk_format_duration(secs = (int64_t)len * 86399, dur, 5);
		CHECK(strlen(dur) < 5, "%s", dur);
	}
	return 0;
}
