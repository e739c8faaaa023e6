/*
 * plan.c: time the rule-group planner on a 15,000-address blocklist: read
 * the DescribeRuleGroup answer, plan, build and serialise the request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ip.h"
#include "nfw.h"
#include "util.h"

#define REPEAT	21

static uint32_t seed = 12345;

/* A public-looking IPv4 address from a fixed sequence (no aggregation). */
static struct ip_addr
next_addr(void)
{
	struct ip_addr	 a;
	uint32_t	 v;

	do {
		seed = seed * 1103515245 + 12345;
		v = (seed >> 1) | 0x01000000;
	} while ((v >> 24) == 10 || (v >> 24) >= 224 || (v >> 24) == 127);
	v &= ~1U;		/* even: no two ever merge into a /31 */
	memset(&a, 0, sizeof(a));
	a.family = 4;
	a.bytes[0] = v >> 24;
	a.bytes[1] = v >> 16;
	a.bytes[2] = v >> 8;
	a.bytes[3] = v;
	return a;
}

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

/* A DescribeRuleGroup answer whose two rules hold addrs (as text). */
static char *
describe_text(const struct ip_addr *addrs, size_t n)
{
	json_t		*list = json_array(), *rules = json_array(), *d;
	char		 text[IP_STRLEN], cidr[IP_STRLEN + 4], *s;
	size_t		 i;

	for (i = 0; i < n; i++) {
		snprintf(cidr, sizeof(cidr), "%s/32",
		    ip_format(&addrs[i], text));
		json_array_append_new(list, json_pack("{s:s}",
		    "AddressDefinition", cidr));
	}
	if (n > 0) {
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
	s = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return s;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ms of: parse answer, plan, build and serialise the request. */
static double
time_plan(const char *answer, enum nfw_mode mode, const struct ip_addr *in,
    size_t n, size_t *blocks, size_t *bytes)
{
	double		 t[REPEAT], t0;
	json_t		*d, *req;
	struct nfw_group *g;
	struct nfw_plan	*p;
	char		*cause, *body;
	int		 r;

	for (r = 0; r < REPEAT; r++) {
		t0 = now_ms();
		d = json_loads(answer, 0, NULL);
		if ((g = nfw_group_from_describe(d, 30000, 30100, &cause)) ==
		    NULL) {
			fprintf(stderr, "plan: %s\n", cause);
			exit(1);
		}
		p = nfw_plan_new(g, mode, in, n);
		if (!p->changed || !p->fits) {
			fprintf(stderr, "plan: unexpected plan (changed %d, "
			    "fits %d)\n", p->changed, p->fits);
			exit(1);
		}
		req = nfw_plan_request(p, g);
		body = json_dumps(req, JSON_COMPACT);
		t[r] = now_ms() - t0;
		*blocks = p->nblocks;
		*bytes = strlen(body);
		free(body);
		json_decref(req);
		nfw_plan_free(p);
		nfw_group_free(g);
		json_decref(d);
	}
	qsort(t, REPEAT, sizeof(*t), cmp_double);
	return t[REPEAT / 2];
}

int
main(int argc, char **argv)
{
	size_t		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 15000;
	struct ip_addr	*addrs = xreallocarray(NULL, n + 1, sizeof(*addrs));
	char		*empty, *full;
	size_t		 i, blocks, bytes;
	double		 ms;

	for (i = 0; i <= n; i++)
		addrs[i] = next_addr();
	empty = describe_text(NULL, 0);
	full = describe_text(addrs, n - 1);

	ms = time_plan(empty, NFW_REPLACE, addrs, n, &blocks, &bytes);
	printf("from scratch:      %zu addresses -> %zu blocks, request %zu "
	    "bytes: %.2f ms CPU (median of %d)\n", n, blocks, bytes, ms,
	    REPEAT);
	ms = time_plan(full, NFW_MERGE, &addrs[n - 1], 1, &blocks, &bytes);
	printf("1-address merge:   %zu + 1 addresses -> %zu blocks: %.2f ms\n",
	    n - 1, blocks, ms);
	ms = time_plan(full, NFW_REMOVE, &addrs[0], 1, &blocks, &bytes);
	printf("1-address remove:  %zu - 1 addresses -> %zu blocks: %.2f ms\n",
	    n - 1, blocks, ms);
	ms = time_plan(full, NFW_REPLACE, addrs, n, &blocks, &bytes);
	printf("replace, 1 differs: %zu addresses -> %zu blocks: %.2f ms\n",
	    n, blocks, ms);
	free(empty);
	free(full);
	free(addrs);
	return 0;
}
