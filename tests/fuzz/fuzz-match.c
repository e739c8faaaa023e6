/*
 * fuzz-match.c: the event-pattern compiler and the two evaluators
 * (lib/pat, lib/ev), differentially.
 *
 * The input is NUL-separated: every piece but the last is a pattern (a
 * rule), the last is the event (NUL cannot occur in JSON text, so no piece
 * is ever cut in the middle of a valid one). Checks: compiling either
 * succeeds or hands back EventBridge's kind of reason; for every rule the
 * indexed matcher (pat_set_match) and the reference evaluator
 * (pat_ref_match) agree; pat_explain explains exactly the rules that do not
 * match; matching twice gives the same answer (scratch space is reset).
 */
#include "config.h"

#include <string.h>

#include "ev.h"
#include "fuzz.h"
#include "pat.h"
#include "util.h"

#define MAX_RULES	8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*p = (const char *)data, *end = p + len, *nul;
	struct pat_set	*set;
	struct ev_event	 ev;
	uint8_t		 m1[MAX_RULES], m2[MAX_RULES];
	size_t		 nrules = 0, n1, n2, count;
	char		*cause, name[16];
	int		 r;

	set = pat_set_new();
	while ((nul = memchr(p, '\0', (size_t)(end - p))) != NULL &&
	    nrules < MAX_RULES) {
		snprintf(name, sizeof name, "r%zu", nrules++);
		cause = NULL;
		r = pat_set_add(set, name, p, (size_t)(nul - p), &cause);
		if (r < 0) {
			CHECK(cause != NULL && strncmp(cause,
			    "Event pattern is not valid", 26) == 0,
			    "no or odd reason: %s", cause ? cause : "(null)");
			free(cause);
		} else
			CHECK(cause == NULL, "cause on success");
		p = nul + 1;
	}
	count = pat_set_count(set);
	CHECK(count <= nrules, "%zu rules from %zu patterns", count, nrules);

	ev_init(&ev);
	cause = NULL;
	if (ev_parse(&ev, p, (size_t)(end - p), &cause) != 0) {
		CHECK(cause != NULL, "no reason for a bad event");
		free(cause);
		goto out;
	}
	if (count == 0)
		goto out;
	memset(m1, 0xaa, sizeof m1);
	n1 = pat_set_match(set, &ev, m1);
	n2 = pat_set_match(set, &ev, m2);
	CHECK(n1 == n2 && memcmp(m1, m2, count) == 0, "second match differs");
	for (size_t i = 0; i < count; i++) {
		int	 ref = pat_ref_match(set, i, &ev);
		char	*why = pat_explain(set, i, &ev);

		CHECK(m1[i] == 0 || m1[i] == 1, "matched[%zu] = %d", i, m1[i]);
		CHECK(m1[i] == ref, "rule %zu (%s): indexed %d, reference %d",
		    i, pat_set_name(set, i), m1[i], ref);
		CHECK((why == NULL) == (ref == 1), "rule %zu: explain %s, "
		    "reference %d", i, why ? why : "(match)", ref);
		free(why);
		n1 -= m1[i];
	}
	CHECK(n1 == 0, "count of matches wrong");
out:
	ev_free(&ev);
	pat_set_free(set);
	return 0;
}
