/*
 * plan.c: time the rule-group planner alone (lib/nfw) on N addresses: read
 * the DescribeRuleGroup answer, plan within the default rails, and build
 * and serialise the UpdateRuleGroup request when the plan fits.
 *
 *   plan [N]	(default 1,000,000)
 *
 * Cases: N scattered hosts from scratch (too many for any group: planned,
 * counted, refused on capacity), N addresses in aligned /22 runs from
 * scratch (they fit), and one-address changes (merge, remove) against a
 * group holding those N addresses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ip.h"
#include "nfw.h"
#include "util.h"

#define REPEAT	5

/*
 * CPU time of this process: on a busy machine wall time measures the other
 * tenants; the planner is single-threaded and never waits.
 */
static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct ip_addr
v4(uint32_t v)
{
	struct ip_addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = 4;
	a.bytes[0] = v >> 24;
	a.bytes[1] = v >> 16;
	a.bytes[2] = v >> 8;
	a.bytes[3] = v;
	return a;
}

/* A public address from a fixed sequence, even (no two ever merge). */
static struct ip_addr
scattered(uint32_t *seed)
{
	struct ip_addr	 a;

	do {
		*seed = *seed * 1103515245 + 12345;
		a = v4(((*seed >> 1) | 0x01000000) & ~1U);
	} while (ip_special(&a) != NULL);
	return a;
}

/* The k-th address of /22 runs from 11.0.0.0 on, every other /22. */
static struct ip_addr
in_runs(size_t k)
{
	return v4(0x0b000000U + (uint32_t)((k / 1024) * 2048 + k % 1024));
}

/* A DescribeRuleGroup answer whose two rules hold the set (as text). */
static char *
describe_text(const struct nfw_set *s)
{
	json_t		*list = json_array(), *rules = json_array(), *d, *b;
	size_t		 i;
	char		*text;

	b = nfw_set_json(s);
	for (i = 0; i < json_array_size(b); i++)
		json_array_append_new(list, json_pack("{s:O}",
		    "AddressDefinition", json_array_get(b, i)));
	json_decref(b);
	if (json_array_size(list) > 0) {
		json_array_append_new(rules, json_pack("{s:i, s:{s:{s:O}, "
		    "s:[s]}}", "Priority", 30000, "RuleDefinition",
		    "MatchAttributes", "Sources", list, "Actions", "aws:drop"));
		json_array_append_new(rules, json_pack("{s:i, s:{s:{s:O}, "
		    "s:[s]}}", "Priority", 30100, "RuleDefinition",
		    "MatchAttributes", "Destinations", list, "Actions",
		    "aws:drop"));
	}
	json_decref(list);
	d = json_pack("{s:s, s:{s:{s:{s:o}}}, s:{s:s, s:s, s:s, s:s, s:i}}",
	    "UpdateToken", "6c2a1b9e-3f4d-4e5a-9b8c-7d6e5f4a3b2c",
	    "RuleGroup", "RulesSource", "StatelessRulesAndCustomActions",
	    "StatelessRules", rules,
	    "RuleGroupResponse", "RuleGroupArn",
	    "arn:aws:network-firewall:us-east-1:111122223333:"
	    "stateless-rulegroup/blocklist", "RuleGroupName", "blocklist",
	    "RuleGroupId", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
	    "Type", "STATELESS", "Capacity", 30000);
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return text;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median ms of: parse the answer, plan, build and serialise the request
 * (when the plan fits). The input set is built once, outside: nfw-sync
 * builds it as it reads.
 */
static double
time_plan(const char *what, const char *answer, enum nfw_mode mode,
    const struct nfw_set *in)
{
	double		 t[REPEAT], t0, ms;
	json_t		*d, *req;
	struct nfw_group *g;
	struct nfw_plan	*p;
	char		*cause, *body = NULL;
	size_t		 blocks = 0, bytes = 0;
	int		 r, fits = 0;

	for (r = 0; r < REPEAT; r++) {
		t0 = now_ms();
		d = json_loads(answer, 0, NULL);
		if ((g = nfw_group_from_describe(d, 30000, 30100, &cause)) ==
		    NULL) {
			fprintf(stderr, "plan: %s\n", cause);
			exit(1);
		}
		p = nfw_plan_new(g, mode, in, NULL);
		if (!p->changed) {
			fprintf(stderr, "plan: %s: no change\n", what);
			exit(1);
		}
		if ((fits = p->fits)) {
			req = nfw_plan_request(p, g);
			body = json_dumps(req, JSON_COMPACT);
			json_decref(req);
		}
		t[r] = now_ms() - t0;
		blocks = p->nblocks;
		bytes = body != NULL ? strlen(body) : 0;
		free(body);
		body = NULL;
		nfw_plan_free(p);
		nfw_group_free(g);
		json_decref(d);
	}
	qsort(t, REPEAT, sizeof(*t), cmp_double);
	ms = t[REPEAT / 2];
	printf("  %-34s %8zu blocks, %s: %9.1f ms CPU\n", what, blocks,
	    fits ? "request built" : "too big, none", ms);
	(void)bytes;
	return ms;
}

int
main(int argc, char **argv)
{
	size_t		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, i;
	struct nfw_set	 spread, runs, one, empty;
	struct ip_addr	 a, *addrs;
	uint32_t	 seed = 12345;
	char		*none, *full;
	double		 t0;

	printf("planner, %zu addresses, median of %d (lib/nfw: parse the "
	    "answer, plan, build the request):\n", n, REPEAT);
	nfw_set_init(&spread);
	nfw_set_init(&runs);
	addrs = xreallocarray(NULL, n + 1, sizeof(*addrs));
	for (i = 0; i < n; i++)
		addrs[i] = scattered(&seed);
	t0 = now_ms();
	for (i = 0; i < n; i++)
		nfw_set_add_addr(&spread, &addrs[i]);
	nfw_set_normalise(&spread);
	printf("  %-34s %8zu ranges:          %9.1f ms CPU\n",
	    "the input set, scattered hosts", nfw_set_size(&spread),
	    now_ms() - t0);
	free(addrs);
	for (i = 0; i < n; i++) {
		a = in_runs(i);
		nfw_set_add_addr(&runs, &a);
	}
	nfw_set_normalise(&runs);
	nfw_set_init(&empty);
	none = describe_text(&empty);
	full = describe_text(&runs);

	time_plan("scattered hosts, from scratch", none, NFW_REPLACE, &spread);
	time_plan("in /22 runs, from scratch", none, NFW_REPLACE, &runs);
	nfw_set_init(&one);
	a = v4(0xcb007109U);		/* 203.0.113.9 */
	nfw_set_add_addr(&one, &a);
	nfw_set_normalise(&one);
	time_plan("in /22 runs, merge of 1 more", full, NFW_MERGE, &one);
	nfw_set_free(&one);
	nfw_set_init(&one);
	a = in_runs(n / 2);
	nfw_set_add_addr(&one, &a);
	nfw_set_normalise(&one);
	time_plan("in /22 runs, remove of 1", full, NFW_REMOVE, &one);
	nfw_set_free(&one);

	free(none);
	free(full);
	nfw_set_free(&spread);
	nfw_set_free(&runs);
	return 0;
}
