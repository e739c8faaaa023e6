/*
 * t-pat.c: the pattern conformance suite. Runs every case of
 * every tests/pattern/NAME.jsonl through the indexed matcher and the reference
 * evaluator (both must give the expected answer), and checks the reason of
 * every invalid pattern. One TAP point per case.
 *
 * A case is one JSON line:
 *   {"name":..,"pattern":{..},"event":{..},"match":true|false}
 *   {"name":..,"pattern":{..},"error":"<reason after 'Reason: '>"}
 * "pattern_text" (a string) may replace "pattern" to give text that is not
 * JSON. "note" is for people. The raw text of pattern and event is used, so
 * number spellings and duplicate keys reach the matcher unchanged.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "pat.h"
#include "tap.h"
#include "util.h"

#define PREFIX	"Event pattern is not valid. Reason: "

/* The member of the case object named key, or EV_NONE. */
static uint32_t
member(const struct ev_doc *d, const char *key)
{
	uint32_t	 m;

	for (m = d->nodes[0].child; m != EV_NONE; m = d->nodes[m].next)
		if (strcmp(EV_KEY(d, &d->nodes[m]), key) == 0)
			return m;
	return EV_NONE;
}

static unsigned long	 nfast;	/* events the fast path took */
static unsigned long	 nevents;	/* events matched */

/*
 * What sh-match's fast path answers for an event: ev_scan() and the indexed
 * matcher, or slow (what the slow path answered) if the scanner leaves the
 * event to the slow path.
 */
static int
fast_match(struct pat_set *set, const char *text, size_t len, int slow)
{
	struct ev_paths	*paths = ev_paths_new();
	struct ev_event	 ev;
	const char	*p;
	size_t		 i, plen;
	uint8_t		 got = 0;
	int		 r = slow;

	for (i = 0; i < pat_set_npaths(set); i++) {
		p = pat_set_path(set, i, &plen);
		ev_paths_add(paths, p, plen);
	}
	ev_init(&ev);
	if (memchr(text, '\n', len) == NULL &&
	    ev_scan(&ev, paths, text, len) == len) {
		pat_set_match(set, &ev, &got);
		r = got;
		nfast++;
	}
	ev_free(&ev);
	ev_paths_free(paths);
	return r;
}

static void
run_case(const char *file, unsigned long lineno, const char *line,
    size_t len)
{
	struct ev_doc	 d;
	struct ev_event	 ev;
	struct pat_set	*set;
	uint32_t	 name, pat, text, event, match, error;
	char		*cause = NULL, *title;
	const char	*ptext;
	size_t		 plen;
	uint8_t		 got;
	int		 want, ref, r, fast;

	ev_doc_init(&d);
	if (ev_doc_parse(&d, line, len, &cause) != 0) {
		ok(0, "%s:%lu: case is not JSON: %s", file, lineno, cause);
		free(cause);
		return;
	}
	name = member(&d, "name");
	pat = member(&d, "pattern");
	text = member(&d, "pattern_text");
	event = member(&d, "event");
	match = member(&d, "match");
	error = member(&d, "error");
	xasprintf(&title, "%s: %s", file, name == EV_NONE ? "(unnamed)" :
	    EV_TEXT(&d, &d.nodes[name]));
	if ((pat == EV_NONE && text == EV_NONE) ||
	    (error == EV_NONE && (event == EV_NONE || match == EV_NONE))) {
		ok(0, "%s: malformed case at line %lu", title, lineno);
		goto out;
	}
	if (text != EV_NONE) {
		ptext = EV_TEXT(&d, &d.nodes[text]);
		plen = d.nodes[text].textlen;
	} else {
		ptext = line + d.nodes[pat].src;
		plen = d.nodes[pat].srclen;
	}
	set = pat_set_new();
	r = pat_set_add(set, "case", ptext, plen, &cause);
	if (error != EV_NONE) {
		const char *want_reason = EV_TEXT(&d, &d.nodes[error]);
		char *want_msg;

		xasprintf(&want_msg, PREFIX "%s", want_reason);
		is_str(r < 0 ? cause : "(valid)", want_msg, "%s", title);
		free(want_msg);
	} else if (r < 0) {
		ok(0, "%s", title);
		printf("#   pattern rejected: %s\n", cause);
	} else {
		ev_init(&ev);
		free(cause);
		cause = NULL;
		if (ev_parse(&ev, line + d.nodes[event].src,
		    d.nodes[event].srclen, &cause) != 0) {
			ok(0, "%s: event: %s", title, cause);
		} else {
			want = d.nodes[match].type == EV_TRUE;
			pat_set_match(set, &ev, &got);
			ref = pat_ref_match(set, 0, &ev);
			/* the fast path, where it takes the event */
			nevents++;
			fast = fast_match(set, line + d.nodes[event].src,
			    d.nodes[event].srclen, got);
			ok(got == want && ref == want && fast == want, "%s",
			    title);
			if (got != want || ref != want || fast != want)
				printf("#   want %d, indexed %d, "
				    "reference %d, fast %d\n", want, got,
				    ref, fast);
		}
		ev_free(&ev);
	}
	pat_set_free(set);
out:
	free(cause);
	free(title);
	ev_doc_free(&d);
}

static int
jsonl_file(const struct dirent *de)
{
	size_t	 n = strlen(de->d_name);

	return n > 6 && strcmp(de->d_name + n - 6, ".jsonl") == 0;
}

int
main(void)
{
	struct dirent	**list;
	const char	*top = getenv("top_srcdir");
	char		*dir, *path, *line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 lineno;
	FILE		*fp;
	int		 i, nfiles;

	xasprintf(&dir, "%s/tests/pattern", top != NULL ? top : ".");
	if ((nfiles = scandir(dir, &list, jsonl_file, alphasort)) <= 0) {
		printf("Bail out! no cases in %s\n", dir);
		return 1;
	}
	for (i = 0; i < nfiles; i++) {
		xasprintf(&path, "%s/%s", dir, list[i]->d_name);
		if ((fp = fopen(path, "r")) == NULL) {
			printf("Bail out! %s: cannot open\n", path);
			return 1;
		}
		lineno = 0;
		while ((n = getline(&line, &cap, fp)) != -1) {
			lineno++;
			while (n > 0 && (line[n - 1] == '\n' ||
			    line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n == 0 || line[0] == '#')
				continue;
			run_case(list[i]->d_name, lineno, line, (size_t)n);
		}
		fclose(fp);
		free(path);
		free(list[i]);
	}
	free(list);
	free(line);
	free(dir);
	/* not vacuous: pretty-printed events and duplicate keys aside */
	ok(nfast * 10 >= nevents * 8, "the fast path took %lu of %lu events",
	    nfast, nevents);
	return done_testing();
}
