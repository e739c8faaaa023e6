/*
 * t-pat-diff.c: differential test of the indexed matcher against the
 * reference evaluator on generated patterns and events (fixed seeds, so a
 * failure is reproducible). Any difference is a bug in one of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "pat.h"
#include "tap.h"
#include "util.h"

#define NRULES	8
#define NEVENTS	400
#define NROUNDS	25

static uint64_t	 seed;

static unsigned
rnd(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

static const char *keys[] = { "a", "b", "c", "d.e" };
static const char *strs[] = { "\"x\"", "\"y\"", "\"xy\"", "\"\"", "\"X\"",
	"\"10.0.0.1\"" };
static const char *nums[] = { "1", "2.0", "3e0", "-1", "1.0", "300" };

static void
gen_scalar(struct buf *b)
{
	switch (rnd(5)) {
	case 0:
	case 1:
		buf_adds(b, strs[rnd(6)]);
		break;
	case 2:
		buf_adds(b, nums[rnd(6)]);
		break;
	case 3:
		buf_adds(b, rnd(2) ? "true" : "false");
		break;
	default:
		buf_adds(b, "null");
		break;
	}
}

static void	gen_object(struct buf *, int);

static void
gen_value(struct buf *b, int depth)
{
	unsigned	 i, n;

	switch (depth > 2 ? 0 : rnd(4)) {
	case 0:
	case 1:
		gen_scalar(b);
		break;
	case 2:
		gen_object(b, depth + 1);
		break;
	default:
		buf_addc(b, '[');
		for (i = 0, n = rnd(4); i < n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			gen_value(b, depth + 1);
		}
		buf_addc(b, ']');
		break;
	}
}

static void
gen_object(struct buf *b, int depth)
{
	unsigned	 i, n = rnd(4);

	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_addf(b, "\"%s\":", keys[rnd(4)]);
		gen_value(b, depth);
	}
	buf_addc(b, '}');
}

static void
gen_alt(struct buf *b)
{
	static const char *ops[] = {
		"{\"prefix\":\"x\"}", "{\"suffix\":\"y\"}",
		"{\"anything-but\":\"x\"}", "{\"anything-but\":[1,2]}",
		"{\"numeric\":[\">\",1]}", "{\"numeric\":[\">=\",-1,\"<\",2]}",
		"{\"exists\":true}", "{\"exists\":false}",
		"{\"wildcard\":\"*y\"}", "{\"equals-ignore-case\":\"x\"}",
		"{\"cidr\":\"10.0.0.0/8\"}",
		"{\"anything-but\":{\"prefix\":\"x\"}}"
	};

	if (rnd(2))
		gen_scalar(b);
	else
		buf_adds(b, ops[rnd(12)]);
}

static void
gen_pattern(struct buf *b, int depth)
{
	unsigned	 i, j, n = 1 + rnd(3);

	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		if (depth < 2 && rnd(8) == 0) {
			buf_adds(b, "\"$or\":[");
			gen_pattern(b, depth + 1);
			buf_addc(b, ',');
			gen_pattern(b, depth + 1);
			buf_addc(b, ']');
			continue;
		}
		buf_addf(b, "\"%s\":", keys[rnd(4)]);
		if (depth < 2 && rnd(3) == 0) {
			gen_pattern(b, depth + 1);
			continue;
		}
		buf_addc(b, '[');
		for (j = 0; j < 1 + rnd(3); j++) {
			if (j > 0)
				buf_addc(b, ',');
			gen_alt(b);
		}
		buf_addc(b, ']');
	}
	buf_addc(b, '}');
}

int
main(void)
{
	struct pat_set	*set;
	struct ev_event	 ev;
	struct buf	 b;
	uint8_t		 got[NRULES];
	char		*cause, name[16];
	unsigned	 round, i, r, diffs, matches, rules;

	ev_init(&ev);
	buf_init(&b);
	for (round = 0; round < NROUNDS; round++) {
		seed = 0x9e3779b97f4a7c15ULL + round;
		set = pat_set_new();
		for (rules = 0, i = 0; i < NRULES; i++) {
			buf_reset(&b);
			gen_pattern(&b, 0);
			snprintf(name, sizeof(name), "r%u", i);
			if (pat_set_add(set, name, b.data, b.len, &cause) < 0)
				free(cause);	/* e.g. "Empty objects..." */
			else
				rules++;
		}
		for (diffs = matches = 0, i = 0; i < NEVENTS; i++) {
			buf_reset(&b);
			gen_object(&b, 0);
			if (ev_parse(&ev, b.data, b.len, &cause) != 0) {
				printf("# bad event %s: %s\n", buf_cstr(&b),
				    cause);
				free(cause);
				diffs++;
				continue;
			}
			pat_set_match(set, &ev, got);
			for (r = 0; r < pat_set_count(set); r++) {
				matches += got[r];
				if (got[r] == pat_ref_match(set, r, &ev))
					continue;
				if (diffs++ < 3)
					printf("# rule %u, event %s\n", r,
					    buf_cstr(&b));
			}
		}
		ok(diffs == 0 && rules > 0, "round %u: %u rules, %u events, "
		    "%u matches, indexed == reference", round, rules,
		    NEVENTS, matches);
		pat_set_free(set);
	}
	buf_free(&b);
	ev_free(&ev);
	return done_testing();
}
