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
	is_str(clk_format_duration(720 * 3600, dbuf, sizeof dbuf), "30d",
	    "720h prints as 30d");
	is_str(clk_format_duration(36 * 3600 + 90, dbuf, sizeof dbuf),
	    "1d12h1m30s", "mixed units");
	return done_testing();
}
