/*
 * clk.c: the one clock (SECHUB_NOW for tests and replays), RFC 3339
 * timestamps and durations such as "720h" or "1d12h".
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "util.h"

static int	 fixed_set;
static time_t	 fixed_now;

int
clk_init(char **cause)
{
	const char	*s;

	*cause = NULL;
	fixed_set = 0;
	if ((s = getenv("SECHUB_NOW")) == NULL || *s == '\0')
		return 0;
	if (clk_parse(s, strlen(s), &fixed_now) != 0) {
		xasprintf(cause, "SECHUB_NOW: not an RFC 3339 time: %s", s);
		return -1;
	}
	fixed_set = 1;
	return 0;
}

time_t
clk_now(void)
{
	if (fixed_set)
		return fixed_now;
	return time(NULL);
}

static int
digits(const char *s, size_t n, int *out)
{
	int	 v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

int
clk_parse(const char *s, size_t len, time_t *out)
{
	int	 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t	 i;

	/* YYYY-MM-DD[Tt ]HH:MM:SS */
	if (len < 19 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	if (sec == 60)
		sec = 59;	/* a leap second is the last second before it */
	i = 19;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		i++;
		if (i >= len || !isdigit((unsigned char)s[i]))
			return -1;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		i++;
		if (len - i == 5 && s[i + 2] == ':') {
			if (digits(s + i, 2, &oh) || digits(s + i + 3, 2, &om))
				return -1;
		} else if (len - i == 4) {
			if (digits(s + i, 2, &oh) || digits(s + i + 2, 2, &om))
				return -1;
		} else if (len - i == 2) {
			if (digits(s + i, 2, &oh))
				return -1;
		} else
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		i = len;
	} else
		return -1;	/* a time without a zone is ambiguous */
	if (i != len)
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec - sign * (oh * 3600 + om * 60));
	return 0;
}

char *
clk_format(time_t t, char *buf)
{
	struct tm	 tm;

	/* four-digit years only, as clk_parse reads them (strftime's %Y
	 * would give "199" for the year 199) */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		snprintf(buf, CLK_BUFSZ, "1970-01-01T00:00:00Z");
	else
		snprintf(buf, CLK_BUFSZ, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		    (unsigned)(tm.tm_year + 1900) % 10000,
		    (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100,
		    (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
		    (unsigned)tm.tm_sec % 100);
	return buf;
}

static const struct {
	char	 unit;
	int64_t	 seconds;
} units[] = {
	{ 'w', 7 * 86400 },
	{ 'd', 86400 },
	{ 'h', 3600 },
	{ 'm', 60 },
	{ 's', 1 },
};

int
clk_parse_duration(const char *s, int64_t *out, char **cause)
{
	const char	*p = s;
	int64_t		 total = 0, n;
	size_t		 u, last = 0;
	int		 any = 0;

	*cause = NULL;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			goto bad;
		n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n > (INT64_MAX - 9) / 10)
				goto big;
			n = n * 10 + (*p++ - '0');
		}
		for (u = 0; u < sizeof units / sizeof units[0]; u++) {
			if (units[u].unit == *p)
				break;
		}
		if (u == sizeof units / sizeof units[0] || (any && u <= last))
			goto bad;
		if (n > (INT64_MAX - total) / units[u].seconds)
			goto big;
		total += n * units[u].seconds;
		last = u;
		any = 1;
		p++;
	}
	if (!any)
		goto bad;
	if (total > CLK_MAX - (int64_t)clk_now()) {
		xasprintf(cause, "duration too large: %s from now is past the "
		    "year 9999", s);
		return -1;
	}
	*out = total;
	return 0;
bad:
	xasprintf(cause, "invalid duration: \"%s\" (use e.g. 720h, 30d, "
	    "90m, 3600s, 1d12h)", s);
	return -1;
big:
	xasprintf(cause, "duration too large: %s", s);
	return -1;
}

time_t
clk_ago(int64_t secs)
{
	int64_t	 now = (int64_t)clk_now();

	return (time_t)(secs > now - CLK_MIN ? CLK_MIN : now - secs);
}

char *
clk_format_duration(int64_t secs, char *buf, size_t size)
{
	size_t	 off = 0;

	if (secs <= 0) {
		snprintf(buf, size, "0s");
		return buf;
	}
	for (size_t u = 1; u < sizeof units / sizeof units[0]; u++) {
		int64_t	 n = secs / units[u].seconds;

		if (n == 0)
			continue;
		secs -= n * units[u].seconds;
		if (off < size)
			off += snprintf(buf + off, size - off, "%" PRId64 "%c",
			    n, units[u].unit);
	}
	return buf;
}
