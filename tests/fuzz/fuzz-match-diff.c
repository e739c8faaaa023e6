/*
 * fuzz-match-diff.c: sh-match's fast path against its slow path.
 *
 * Input: a pattern on the first line, events on the others. If the pattern
 * compiles, for every event line the scanner takes (ev_scan), lib/jl.c must
 * find the same record (jl_validate: same length, blanks after), ev_parse
 * must take it as an object, and the indexed matcher on the scanner's
 * fields must decide as the reference evaluator on the full parse. And the
 * reader driven as sh-match drives it (jl_peek_line, ev_scan, jl_take_line,
 * falling back to jl_next) must hand back the same records and the same
 * rejects, lines, columns and reasons as jl_next alone.
 */
#include "config.h"

#include <string.h>

#include "ev.h"
#include "fuzz.h"
#include "jl.h"
#include "pat.h"

static int
blanks(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static void
check_line(struct pat_set *set, struct ev_paths *paths, struct ev_event *fast,
    struct ev_event *slow, uint8_t *got, const char *text, size_t len)
{
	char		 reason[160], *cause = NULL;
	size_t		 n, v, errpos, r;

	if ((n = ev_scan(fast, paths, text, len)) == 0)
		return;
	v = jl_validate(text, len, reason, sizeof reason, &errpos);
	CHECK(v == n && blanks(text + n, len - n),
	    "scanner took %zu bytes, jl %zu: %.*s", n, v, (int)len, text);
	CHECK(ev_parse(slow, text, n, &cause) == 0 &&
	    slow->doc.nodes[0].type == EV_OBJECT, "ev_parse: %s",
	    cause != NULL ? cause : "not an object");
	pat_set_match(set, fast, got);
	for (r = 0; r < pat_set_count(set); r++)
		CHECK(got[r] == pat_ref_match(set, r, slow),
		    "rule %zu: fast %d: %.*s", r, got[r], (int)len, text);
}

/* The records and rejects of a reader, one line of text each. */
static void
trace(const char *text, size_t len, struct ev_paths *paths,
    struct ev_event *ev, int fast, char *out, size_t outsz)
{
	struct jl_reader *r = jl_from_mem(text, len, "in");
	struct jl_record rec;
	struct jl_error	 err;
	const char	*line;
	size_t		 used = 0, linelen, n;
	int		 st;

	out[0] = '\0';
	for (;;) {
		if (fast) {
			if (jl_peek_line(r, &line, &linelen) != JL_RECORD)
				break;
			if ((n = ev_scan(ev, paths, line, linelen)) > 0) {
				jl_take_line(r, &rec, n);
				used += (size_t)snprintf(out + used,
				    outsz - used, "R %zu %zu %lu\n",
				    (size_t)(rec.text - text), rec.len,
				    rec.line);
				CHECK(used < outsz, "trace too long");
				continue;
			}
		}
		if ((st = jl_next(r, &rec, &err)) == JL_EOF)
			break;
		if (st == JL_RECORD)
			used += (size_t)snprintf(out + used, outsz - used,
			    "R %zu %zu %lu\n", (size_t)(rec.text - text),
			    rec.len, rec.line);
		else
			used += (size_t)snprintf(out + used, outsz - used,
			    "E %zu %zu %lu %lu %s\n",
			    (size_t)(err.raw - text), err.rawlen, err.line,
			    err.column, err.reason);
		CHECK(used < outsz, "trace too long");
	}
	jl_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 want[1 << 20], have[1 << 20];
	const char	*s = (const char *)data, *nl, *ev, *p, *end = s + size;
	struct pat_set	*set;
	struct ev_paths	*paths;
	struct ev_event	 fast, slow;
	uint8_t		 got[1];
	char		*cause = NULL;
	size_t		 i, plen;

	if (size > 16 * 1024 || (nl = memchr(s, '\n', size)) == NULL)
		return 0;
	set = pat_set_new();
	if (pat_set_add(set, "r", s, (size_t)(nl - s), &cause) < 0) {
		free(cause);
		pat_set_free(set);
		return 0;
	}
	paths = ev_paths_new();
	for (i = 0; i < pat_set_npaths(set); i++) {
		p = pat_set_path(set, i, &plen);
		ev_paths_add(paths, p, plen);
	}
	ev_init(&fast);
	ev_init(&slow);
	for (ev = nl + 1; ev < end; ev = nl + 1) {
		if ((nl = memchr(ev, '\n', (size_t)(end - ev))) == NULL)
			nl = end;
		check_line(set, paths, &fast, &slow, got, ev,
		    (size_t)(nl - ev));
	}
	ev = memchr(s, '\n', size) + 1;
	trace(ev, (size_t)(end - ev), paths, &fast, 0, want, sizeof want);
	trace(ev, (size_t)(end - ev), paths, &fast, 1, have, sizeof have);
	CHECK(strcmp(want, have) == 0, "reader traces differ:\n%s--\n%s",
	    want, have);
	ev_free(&fast);
	ev_free(&slow);
	ev_paths_free(paths);
	pat_set_free(set);
	return 0;
}
