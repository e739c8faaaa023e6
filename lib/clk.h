/*
 * clk.h: the clock every program reads, RFC 3339 times and durations.
 *
 * clk_now() is the only source of "now": it honours SECHUB_NOW (RFC 3339,
 * e.g. 2026-01-05T01:20:33Z) so tests and replays are deterministic.
 */
#ifndef SECHUB_CLK_H
#define SECHUB_CLK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CLK_BUFSZ	sizeof("YYYY-MM-DDTHH:MM:SSZ")
/* The times clk_format() and clk_parse() spell: years 0000 to 9999. */
#define CLK_MIN		(-62167219200LL)	/* 0000-01-01T00:00:00Z */
#define CLK_MAX		253402300799LL		/* 9999-12-31T23:59:59Z */

/* Check SECHUB_NOW once at start-up; -1 and *cause (caller frees) if bad. */
int	 clk_init(char **);
time_t	 clk_now(void);

/*
 * Parse an RFC 3339 / ISO 8601 timestamp: "2026-01-05T01:20:33Z", with
 * optional fraction, "Z", "+hh:mm" or "+hhmm" (legacy GuardDuty), or a
 * space instead of "T". Returns 0 and the UTC epoch seconds, or -1.
 */
int	 clk_parse(const char *, size_t, time_t *);
/* Format as "YYYY-MM-DDTHH:MM:SSZ" into buf (CLK_BUFSZ bytes); returns buf. */
char	*clk_format(time_t, char *);

/*
 * Parse a duration: one or more <number><unit> with units w, d, h, m, s
 * ("720h", "30d", "1d12h", "90m", "3600s"). Returns 0 and seconds, or -1
 * and *cause (caller frees). A duration that, counted forward from
 * clk_now(), reaches past the end of the year 9999 (the last time written
 * as RFC 3339 here) is refused.
 */
int	 clk_parse_duration(const char *, int64_t *, char **);
/*
 * The time a duration (as parsed above) before clk_now(): an age's
 * cut-off. Never before CLK_MIN: no time written here is older.
 */
time_t	 clk_ago(int64_t);
/* Format seconds back into the largest exact units ("30d", "1d12h"). */
char	*clk_format_duration(int64_t, char *, size_t);

#endif
