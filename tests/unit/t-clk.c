/* t-clk.c: SECHUB_NOW, RFC 3339 parsing and formatting, durations. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "tap.h"

static time_t
p(const char *s)
{
	time_t	 t;

	if (clk_parse(s, strlen(s), &t) != 0)
		return (time_t)-1;
	return t;
}

static int64_t
d(const char *s)
{
	int64_t	 v;
	char	*cause;

	if (clk_parse_duration(s, &v, &cause) != 0) {
		free(cause);
		return -1;
	}
	return v;
}

int
main(void)
{
	char	 buf[CLK_BUFSZ], dbuf[64], *cause;
	int64_t	 v;

	is_int(p("1970-01-01T00:00:00Z"), 0, "epoch");
	is_int(p("2026-01-05T01:20:33Z"), 1767576033, "a Z time");
	is_int(p("2026-01-05T01:20:33.123456Z"), 1767576033, "fraction ignored");
	is_int(p("2026-01-05T03:20:33+02:00"), 1767576033, "+hh:mm offset");
	is_int(p("2026-01-04T20:20:33-0500"), 1767576033, "-hhmm offset");
	is_int(p("2017-11-29T19:46:04.000+0000"), 1511984764,
	    "legacy GuardDuty +0000");
	is_int(p("2024-02-29T00:00:00Z"), 1709164800, "leap day");
	is_int(p("2023-02-29T00:00:00Z"), -1, "no 29 Feb in 2023");
	is_int(p("2026-01-05T01:20:33"), -1, "a time without zone is refused");
	is_int(p("2026-1-05T01:20:33Z"), -1, "short month refused");
	is_int(p("2026-01-05T24:00:00Z"), -1, "hour 24 refused");
	is_int(p("2026-01-05T01:20:33Zjunk"), -1, "trailing junk refused");
	is_str(clk_format(1767576033, buf), "2026-01-05T01:20:33Z", "format");

	setenv("SECHUB_NOW", "2026-01-05T01:20:33Z", 1);
	ok(clk_init(&cause) == 0, "SECHUB_NOW accepted");
	is_int(clk_now(), 1767576033, "clk_now follows SECHUB_NOW");
	setenv("SECHUB_NOW", "yesterday", 1);
	ok(clk_init(&cause) == -1 && strstr(cause, "SECHUB_NOW") != NULL,
	    "a bad SECHUB_NOW is an error naming it");
	free(cause);
	unsetenv("SECHUB_NOW");
	ok(clk_init(&cause) == 0 && clk_now() > 1767576033,
	    "without SECHUB_NOW the real clock");

	is_int(d("720h"), 720 * 3600, "720h");
	is_int(d("30d"), 30 * 86400, "30d");
	is_int(d("90m"), 5400, "90m");
	is_int(d("3600s"), 3600, "3600s");
	is_int(d("1d12h"), 36 * 3600, "1d12h");
	is_int(d("2w"), 14 * 86400, "2w");
	is_int(d("720"), -1, "a bare number needs a unit");
	is_int(d("12h1d"), -1, "units largest first");
	is_int(d("1h1h"), -1, "a unit once");
	is_int(d(""), -1, "empty refused");
	is_int(d("-5m"), -1, "negative refused");
	is_int(d("99999999999999999999d"), -1, "overflow refused");

	/* from 2026-01-05T01:20:33Z, 251634724766 s reach 9999-12-31T23:59:59Z */
	setenv("SECHUB_NOW", "2026-01-05T01:20:33Z", 1);
	ok(clk_init(&cause) == 0, "SECHUB_NOW again");
	is_int(d("251634724766s"), 251634724766LL,
	    "a TTL reaching the last second of 9999");
	is_str(clk_format(clk_now() + d("251634724766s"), buf),
	    "9999-12-31T23:59:59Z", "which is written as such");
	is_int(d("251634724767s"), -1, "one second more is refused");
	ok(clk_parse_duration("500000w", &v, &cause) == -1 &&
	    strcmp(cause, "duration too large: 500000w from now is past the "
	    "year 9999") == 0, "500000w refused, saying why");
	free(cause);
	is_int(clk_ago(3600), 1767572433, "clk_ago: an hour ago");
	is_int(clk_ago(d("416000w")), CLK_MIN,
	    "clk_ago: an age beyond the year 0000 is cut off there");
	is_str(clk_format(CLK_MIN, buf), "0000-01-01T00:00:00Z",
	    "CLK_MIN is written as the year 0000");
	unsetenv("SECHUB_NOW");
	clk_init(&cause);

	is_str(clk_format_duration(720 * 3600, dbuf, sizeof dbuf), "30d",
	    "720h prints as 30d");
	is_str(clk_format_duration(36 * 3600 + 90, dbuf, sizeof dbuf),
	    "1d12h1m30s", "mixed units");
	return done_testing();
}
