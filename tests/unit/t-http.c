/*
 * t-http.c: the retry arithmetic of lib/http.c: full-jitter delays within
 * their bounds, AWS_MAX_ATTEMPTS, Retry-After in both its forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "tap.h"

static long
retry_after(const char *value)
{
	struct http_header h[2] = {
		{ "content-type", "text/plain" },
		{ "retry-after", (char *)value },
	};
	struct http_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.headers = h;
	resp.nheaders = value != NULL ? 2 : 1;
	return http_retry_after_ms(&resp);
}

int
main(void)
{
	struct http_retry rp;
	long d, lo, hi, seen[2] = { 0, 0 };
	int i, n, inside;
	char date[64];
	time_t t;

	unsetenv("AWS_MAX_ATTEMPTS");
	http_retry_init(&rp);
	is_int(rp.max_attempts, 3, "three attempts by default");
	is_int(rp.base_ms, 100, "base delay 100 ms");
	is_int(rp.cap_ms, 20000, "delays capped at 20 s");

	setenv("AWS_MAX_ATTEMPTS", "7", 1);
	http_retry_init(&rp);
	is_int(rp.max_attempts, 7, "AWS_MAX_ATTEMPTS is honoured");
	setenv("AWS_MAX_ATTEMPTS", "seven", 1);
	http_retry_init(&rp);
	is_int(rp.max_attempts, 3, "a malformed AWS_MAX_ATTEMPTS is ignored");
	setenv("AWS_MAX_ATTEMPTS", "0", 1);
	http_retry_init(&rp);
	is_int(rp.max_attempts, 3, "so is zero");
	unsetenv("AWS_MAX_ATTEMPTS");
	http_retry_init(&rp);

	/* Full jitter: uniform in [0, min(base * 2^(n-1), cap)). */
	for (n = 1; n <= 12; n++) {
		hi = 100L << (n - 1);
		if (hi > 20000)
			hi = 20000;
		inside = 1;
		lo = hi;
		for (i = 0; i < 2000; i++) {
			d = http_retry_delay(&rp, n);
			if (d < 0 || d >= hi)
				inside = 0;
			if (d < lo)
				lo = d;
			if (d >= hi / 2)
				seen[1]++;
			else
				seen[0]++;
		}
		ok(inside, "attempt %d: every delay in [0, %ld) ms", n, hi);
		ok(lo < hi / 10, "attempt %d: jitter reaches near zero", n);
	}
	ok(seen[0] > 9000 && seen[1] > 9000,
	    "delays spread over both halves of the range (%ld/%ld)", seen[0],
	    seen[1]);

	is_int(retry_after(NULL), -1, "no Retry-After: -1");
	is_int(retry_after("120"), 120000, "Retry-After in seconds");
	is_int(retry_after("0"), 0, "Retry-After 0");
	is_int(retry_after("soon"), -1, "a malformed Retry-After: -1");
	is_int(retry_after("12abc"), -1, "trailing junk: -1");
	is_int(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0,
	    "an HTTP-date in the past: retry now");
	t = time(NULL) + 30;
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
	d = retry_after(date);
	ok(d > 27000 && d <= 30000, "an HTTP-date 30 s ahead: %ld ms", d);

	ok(http_status_retryable(500) && http_status_retryable(502) &&
	    http_status_retryable(503) && http_status_retryable(504) &&
	    http_status_retryable(429), "429 and 5xx are retryable");
	ok(!http_status_retryable(400) && !http_status_retryable(403) &&
	    !http_status_retryable(404) && !http_status_retryable(200) &&
	    !http_status_retryable(501), "4xx, 200 and 501 are not");
	curl_global_cleanup();
	return done_testing();
}
