/*
 * walkers.c: the hand-written JSON walkers of lib/ on the same events,
 * each doing only its own job, against jansson (what the programs would
 * use instead). Built and run by bench/json/run.
 *
 *	walkers FILE RUNS PATTERN
 *
 * For every line of FILE (JSON lines), RUNS times over, best run kept:
 *	jansson		json_loadb: a DOM of the line
 *	jl_next		jl.c's reader over the whole file (split, validate)
 *	ev_doc_parse	ev.c's parser: a tree keeping number text and order
 *	ev_parse	the parser and the flattening into fields
 *	ev_scan		ev_scan.c: validate and flatten only PATTERN's paths
 *	finding_each	finding.c: every finding and remote address
 *	ev_doc+walk	what finding_each would cost on ev.c's tree at the
 *			least: the parse, then the members finding.c looks
 *			at in each finding (its top-level members by name,
 *			every ProductFields key, the first resource's
 *			Region), without the shape logic or the addresses
 * Prints CPU nanoseconds per event and MB/s for each.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ev.h"
#include "finding.h"
#include "jl.h"
#include "pat.h"
#include "util.h"

struct lines {
	char	*text;
	size_t	 len;
	size_t	*off;
	size_t	*n;
	size_t	 count;
};

static double
cpu_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
load(const char *path, struct lines *l)
{
	FILE	*f;
	long	 sz;
	size_t	 i, start = 0;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		exit(2);
	}
	l->len = (size_t)sz;
	l->text = xmalloc(l->len + 1);
	if (fread(l->text, 1, l->len, f) != l->len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	l->off = xreallocarray(NULL, l->len + 1, sizeof(*l->off));
	l->n = xreallocarray(NULL, l->len + 1, sizeof(*l->n));
	l->count = 0;
	for (i = 0; i <= l->len; i++) {
		if (i < l->len && l->text[i] != '\n')
			continue;
		if (i > start) {
			l->off[l->count] = start;
			l->n[l->count++] = i - start;
		}
		start = i + 1;
	}
}

static int
count_finding(const struct finding *f, void *arg)
{
	*(size_t *)arg += 1 + f->nips;
	return 0;
}

enum walker {
	W_JANSSON, W_JL, W_DOC, W_PARSE, W_SCAN, W_FINDING, W_TREE, W_N
};
static const char *const names[W_N] = {
	"jansson", "jl_next", "ev_doc_parse", "ev_parse", "ev_scan",
	"finding_each", "ev_doc+walk"
};

/* The top-level members finding.c collects of a finding (its slots). */
static const char *const slots[] = {
	"Id", "ProductArn", "SchemaVersion", "AwsAccountId", "Types",
	"Severity", "FindingProviderFields", "Region", "LastObservedAt",
	"UpdatedAt", "CreatedAt", "ProductName", "ProductFields", "Action",
	"Resources", "id", "arn", "type", "severity", "accountId", "region",
	"service", "resource", "updatedAt", "createdAt", "class_uid",
	"finding_info", "severity_id", "cloud", "metadata", "evidences",
	"observables", "time_dt", "time", "unmapped", "detail", "findings",
	"Findings", "account", NULL
};

static uint32_t
child(const struct ev_doc *d, uint32_t obj, const char *name)
{
	size_t		 len = strlen(name);
	uint32_t	 c;

	if (obj == EV_NONE || d->nodes[obj].type != EV_OBJECT)
		return EV_NONE;
	for (c = d->nodes[obj].child; c != EV_NONE; c = d->nodes[c].next)
		if (d->nodes[c].keylen == len &&
		    memcmp(EV_KEY(d, &d->nodes[c]), name, len) == 0)
			return c;
	return EV_NONE;
}

/* The members of a tree that finding.c would look at; a count. */
static size_t
tree_walk(const struct ev_doc *d)
{
	uint32_t	 list, f, m, pf, res;
	size_t		 got = 0, k, len;
	const char	*key;

	list = child(d, child(d, 0, "detail"), "findings");
	if (list == EV_NONE || d->nodes[list].type != EV_ARRAY)
		return 0;
	for (f = d->nodes[list].child; f != EV_NONE; f = d->nodes[f].next) {
		if (d->nodes[f].type != EV_OBJECT)
			continue;
		pf = res = EV_NONE;
		for (m = d->nodes[f].child; m != EV_NONE;
		    m = d->nodes[m].next) {
			key = EV_KEY(d, &d->nodes[m]);
			len = d->nodes[m].keylen;
			for (k = 0; slots[k] != NULL; k++)
				if (strlen(slots[k]) == len &&
				    memcmp(slots[k], key, len) == 0)
					break;
			got += slots[k] != NULL;
			if (k == 12)
				pf = m;
			else if (k == 14)
				res = m;
		}
		for (m = pf == EV_NONE ? EV_NONE : d->nodes[pf].child;
		    m != EV_NONE; m = d->nodes[m].next)
			got += d->nodes[m].keylen > 29 && memcmp(EV_KEY(d,
			    &d->nodes[m]), "aws/guardduty/service/action/",
			    29) == 0;
		if (res != EV_NONE && d->nodes[res].type == EV_ARRAY)
			got += child(d, d->nodes[res].child, "Region") !=
			    EV_NONE;
	}
	return got;
}

/* One pass of walker w over every line; returns a count to print. */
static size_t
pass(enum walker w, const struct lines *l, struct ev_paths *paths)
{
	struct ev_doc		 doc;
	struct ev_event		 ev;
	struct jl_reader	*r;
	struct jl_record	 rec;
	struct jl_error		 e;
	json_error_t		 je;
	json_t			*v;
	size_t			 i, got = 0;
	char			*cause;

	ev_doc_init(&doc);
	ev_init(&ev);
	if (w == W_JL) {
		r = jl_from_mem(l->text, l->len, "bench");
		while (jl_next(r, &rec, &e) == JL_RECORD)
			got++;
		jl_close(r);
	}
	for (i = 0; w != W_JL && i < l->count; i++) {
		const char	*t = l->text + l->off[i];
		size_t		 n = l->n[i];

		switch (w) {
		case W_JANSSON:
			if ((v = json_loadb(t, n, 0, &je)) != NULL) {
				got++;
				json_decref(v);
			}
			break;
		case W_DOC:
			if (ev_doc_parse(&doc, t, n, &cause) == 0)
				got++;
			else
				free(cause);
			break;
		case W_PARSE:
			if (ev_parse(&ev, t, n, &cause) == 0)
				got += ev.nfields;
			else
				free(cause);
			break;
		case W_SCAN:
			if (ev_scan(&ev, paths, t, n) > 0)
				got++;
			break;
		case W_FINDING:
			finding_each(t, n, count_finding, &got, NULL);
			break;
		case W_TREE:
			if (ev_doc_parse(&doc, t, n, &cause) == 0)
				got += tree_walk(&doc);
			else
				free(cause);
			break;
		default:
			break;
		}
	}
	ev_doc_free(&doc);
	ev_free(&ev);
	return got;
}

int
main(int argc, char **argv)
{
	struct lines	 l;
	struct pat_set	*set;
	struct ev_paths	*paths;
	struct lines	 pat;
	double		 best[W_N], t0, t;
	size_t		 got[W_N], i, plen;
	const char	*p;
	char		*cause;
	int		 runs, r, w;

	if (argc != 4 || (runs = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: walkers FILE RUNS PATTERN\n");
		return 2;
	}
	load(argv[1], &l);
	load(argv[3], &pat);
	set = pat_set_new();
	if (pat_set_add(set, "p", pat.text, pat.len, &cause) < 0) {
		fprintf(stderr, "%s: %s\n", argv[3], cause);
		return 2;
	}
	paths = ev_paths_new();
	for (i = 0; i < pat_set_npaths(set); i++) {
		p = pat_set_path(set, i, &plen);
		ev_paths_add(paths, p, plen);
	}
	for (w = 0; w < W_N; w++)
		best[w] = -1;
	/* interleaved, so that every walker sees the same machine */
	for (r = 0; r < runs; r++) {
		for (w = 0; w < W_N; w++) {
			t0 = cpu_now();
			got[w] = pass((enum walker)w, &l, paths);
			t = cpu_now() - t0;
			if (best[w] < 0 || t < best[w])
				best[w] = t;
		}
	}
	printf("%zu events, %.1f MB, best CPU time of %d runs\n\n", l.count,
	    l.len / 1e6, runs);
	printf("%-14s %10s %10s %10s %12s\n", "walker", "ns/event", "MB/s",
	    "x jansson", "count");
	for (w = 0; w < W_N; w++)
		printf("%-14s %10.0f %10.0f %10.1f %12zu\n", names[w],
		    best[w] * 1e9 / l.count, l.len / 1e6 / best[w],
		    best[W_JANSSON] / best[w], got[w]);
	ev_paths_free(paths);
	pat_set_free(set);
	return 0;
}
