/*
 * t-scan-diff.c: differential test of sh-match's fast path (ev_scan and the
 * indexed matcher) against the slow path (lib/jl.c's validation, ev_parse
 * and the reference evaluator) on generated and mutated events and
 * generated patterns, with fixed seeds so that a failure is reproducible.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "jl.h"
#include "pat.h"
#include "tap.h"
#include "util.h"

#define NRULES	64	/* every fourth round; 6 in the others */
#define NEVENTS	300
#define NMUTANTS 6
#define NROUNDS	40

static uint64_t	 seed;

static unsigned
rnd(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

/* keys: dotted, escaped ("a\u002eb" is "a.b"), empty, non-ASCII */
static const char *ekeys[] = { "a", "b", "c", "d.e", "d", "e", "a\\u002eb",
	"", "\\u00e9", "\xc3\xa9", "b\\\"", "aa", "aws/gd/ip", "aws/gd/ipv6",
	"aws/gd", "aws/gd/ip.x", "aws/gd/i\\u0070", "aws/g" };
/* long keys sharing prefixes: runs of single children in the path trie */
static const char *pkeys[] = { "a", "b", "c", "d.e", "d", "e", "a.b", "",
	"\xc3\xa9", "b\\\"", "aws/gd/ip", "aws/gd/ip.x", "aws/gd/ipv6" };
static const char *strs[] = { "\"x\"", "\"y\"", "\"xy\"", "\"\"", "\"X\"",
	"\"10.0.0.1\"", "\"x\\u0079\"", "\"\\ud83d\\ude00\"", "\"\xc3\xa9\"",
	"\"x\\\"y\"", "\"\\/x\"", "\"::1\"", "\"x*y\"",
	/* longer than the scanner's 16-byte first look, specials past it */
	"\"arn:aws:guardduty:us-east-1:1\"", "\"0123456789abcdef\"",
	"\"0123456789abcdefg\\\"h\"", "\"0123456789abcdef\xc3\xa9\"",
	"\"0123456789abcde\\u0041\"" };
static const char *nums[] = { "1", "2.0", "3e0", "-1", "1.0", "300",
	"0.5e-1", "12345678901234567890", "-0", "1E2", "10.0" };
static const char *blanks[] = { "", "", "", " ", "\t", " \r" };

static void
gen_scalar(struct buf *b)
{
	switch (rnd(6)) {
	case 0:
	case 1:
		buf_adds(b, strs[rnd(sizeof(strs) / sizeof(*strs))]);
		break;
	case 2:
	case 3:
		buf_adds(b, nums[rnd(sizeof(nums) / sizeof(*nums))]);
		break;
	case 4:
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

	buf_adds(b, blanks[rnd(6)]);
	switch (depth > 3 ? 0 : rnd(5)) {
	case 0:
	case 1:
		gen_scalar(b);
		break;
	case 2:
	case 3:
		gen_object(b, depth + 1);
		break;
	default:
		buf_addc(b, '[');
		for (i = 0, n = rnd(4); i < n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			gen_value(b, depth + 1);
		}
		buf_adds(b, blanks[rnd(6)]);
		buf_addc(b, ']');
		break;
	}
	buf_adds(b, blanks[rnd(6)]);
}

static void
gen_object(struct buf *b, int depth)
{
	unsigned	 i, n = rnd(5);

	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_adds(b, blanks[rnd(6)]);
		buf_addf(b, "\"%s\"%s:", ekeys[rnd(sizeof(ekeys) /
		    sizeof(*ekeys))], blanks[rnd(6)]);
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
		"{\"cidr\":\"10.0.0.0/8\"}", "{\"cidr\":\"::/0\"}",
		"{\"anything-but\":{\"prefix\":\"x\"}}",
		"{\"numeric\":[\"=\",300]}"
	};

	if (rnd(2))
		gen_scalar(b);
	else
		buf_adds(b, ops[rnd(sizeof(ops) / sizeof(*ops))]);
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
		buf_addf(b, "\"%s\":", pkeys[rnd(sizeof(pkeys) /
		    sizeof(*pkeys))]);
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

/* Bytes a mutation inserts: JSON's structure, escapes, bad UTF-8. */
static const unsigned char hot[] = "\"\\{}[],: eE.-+0u\x80\xc3\xed\xff\x01"
    "ntf9\t\r";

static void
mutate(struct buf *b)
{
	unsigned	 k, n = 1 + rnd(3);
	size_t		 at;

	for (k = 0; k < n && b->len > 0; k++) {
		at = rnd((unsigned)b->len);
		switch (rnd(3)) {
		case 0:		/* delete */
			memmove(b->data + at, b->data + at + 1,
			    b->len - at - 1);
			b->len--;
			break;
		case 1:		/* replace */
			b->data[at] = (char)hot[rnd(sizeof(hot) - 1)];
			break;
		default:	/* insert */
			buf_addc(b, 0);
			memmove(b->data + at + 1, b->data + at,
			    b->len - at - 1);
			b->data[at] = (char)hot[rnd(sizeof(hot) - 1)];
			break;
		}
	}
}

struct counts {
	unsigned	 fast;		/* the fast path took the event */
	unsigned	 slow;		/* it left it to the slow path */
	unsigned	 valid;		/* the slow path found it valid */
	unsigned	 matches;
	unsigned	 diffs;
};

/*
 * One line: where the fast path takes it, the slow path must find the same
 * record (jl_validate: same length, blanks after it) and every rule must
 * decide the same.
 */
static void
check(struct pat_set *set, struct ev_paths *paths,
    struct ev_event *fast, struct ev_event *slow, const char *text,
    size_t len, struct counts *c)
{
	char		 reason[160], *cause;
	uint8_t		 got[NRULES];
	size_t		 n, v, errpos, r, k;
	int		 ref, valid;

	n = ev_scan(fast, paths, text, len);
	v = jl_validate(text, len, reason, sizeof reason, &errpos);
	for (k = v; v > 0 && k < len; k++)
		if (text[k] != ' ' && text[k] != '\t' && text[k] != '\r')
			break;
	valid = v > 0 && k == len;
	c->valid += valid;
	if (n == 0) {
		c->slow++;
		return;
	}
	c->fast++;
	if (!valid || n != v) {
		if (c->diffs++ < 3)
			printf("# fast path took what jl rejects "
			    "(%zu, %zu): %.*s\n", n, v, (int)len, text);
		return;
	}
	if (ev_parse(slow, text, n, &cause) != 0 ||
	    slow->doc.nodes[0].type != EV_OBJECT) {
		if (c->diffs++ < 3)
			printf("# fast path took what ev_parse rejects: %.*s\n",
			    (int)len, text);
		free(cause);
		return;
	}
	pat_set_match(set, fast, got);
	for (r = 0; r < pat_set_count(set); r++) {
		c->matches += got[r];
		ref = pat_ref_match(set, r, slow);
		if (got[r] == ref)
			continue;
		if (c->diffs++ < 3)
			printf("# rule %zu: fast %d, reference %d: %.*s\n", r,
			    got[r], ref, (int)len, text);
	}
}

int
main(void)
{
	struct pat_set	*set;
	struct ev_paths	*paths;
	struct ev_event	 fast, slow;
	struct counts	 gen, mut;
	struct buf	 b;
	char		*cause, name[16];
	const char	*p;
	unsigned	 round, i, k, rules;
	size_t		 j, plen;

	ev_init(&fast);
	ev_init(&slow);
	buf_init(&b);
	memset(&gen, 0, sizeof(gen));
	memset(&mut, 0, sizeof(mut));
	for (round = 0; round < NROUNDS; round++) {
		seed = 0x2545f4914f6cdd1dULL + round;
		set = pat_set_new();
		/* many rules share conditions: classes and anchors */
		for (rules = 0, i = 0; i < (round % 4 == 3 ? NRULES : 6); i++) {
			buf_reset(&b);
			gen_pattern(&b, 0);
			snprintf(name, sizeof(name), "r%u", i);
			if (pat_set_add(set, name, b.data, b.len, &cause) < 0)
				free(cause);
			else
				rules++;
		}
		paths = ev_paths_new();
		for (j = 0; j < pat_set_npaths(set); j++) {
			p = pat_set_path(set, j, &plen);
			ev_paths_add(paths, p, plen);
		}
		for (i = 0; i < NEVENTS; i++) {
			buf_reset(&b);
			gen_object(&b, 0);
			buf_adds(&b, blanks[rnd(6)]);
			check(set, paths, &fast, &slow, b.data, b.len, &gen);
			for (k = 0; k < NMUTANTS; k++) {
				struct buf	 m;

				buf_init(&m);
				buf_add(&m, b.data, b.len);
				mutate(&m);
				check(set, paths, &fast, &slow, m.data, m.len,
				    &mut);
				buf_free(&m);
			}
		}
		ev_paths_free(paths);
		pat_set_free(set);
	}
	ok(gen.diffs == 0, "generated events: %u taken by the fast path, "
	    "%u left to the slow one, %u rule matches, fast == reference",
	    gen.fast, gen.slow, gen.matches);
	ok(mut.diffs == 0, "mutated events: %u taken (%u valid), %u left, "
	    "%u rule matches, fast == reference", mut.fast, mut.valid,
	    mut.slow, mut.matches);
	/* not vacuous: the fast path takes most events, and some mutants */
	ok(gen.fast * 10 >= (gen.fast + gen.slow) * 7 && gen.matches > 0,
	    "the fast path took most generated events");
	ok(mut.fast > 0 && mut.slow > 0 && mut.valid < mut.fast + mut.slow,
	    "mutants: some taken, some invalid");
	buf_free(&b);
	ev_free(&fast);
	ev_free(&slow);
	return done_testing();
}
