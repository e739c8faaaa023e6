/*
 * t-nfw.c: unit tests of the rule-group planner: set arithmetic and exact
 * aggregation, capacity, which rules are ours, and the request it builds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "nfw.h"
#include "util.h"
#include "tap.h"

static struct ip_addr
addr(const char *s)
{
	struct ip_addr	 a;

	if (ip_parse(s, strlen(s), &a) == -1) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(99);
	}
	return a;
}

static void
add(struct nfw_set *s, const char *text)
{
	struct ip_cidr	 c;

	if (ip_parse_cidr(text, strlen(text), 0, &c) == -1) {
		fprintf(stderr, "bad test block %s\n", text);
		exit(99);
	}
	nfw_set_add_cidr(s, &c);
	nfw_set_normalise(s);
}

/* The set's blocks as "a b c". */
static char *
blocks(const struct nfw_set *s)
{
	json_t		*a = nfw_set_json(s), *v;
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	json_array_foreach(a, i, v) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, json_string_value(v));
	}
	json_decref(a);
	buf_cstr(&b);
	return b.data != NULL ? b.data : xstrdup("");
}

static void
check_blocks(const struct nfw_set *s, const char *want, const char *what)
{
	char	*got = blocks(s);

	is_str(got, want, "%s", what);
	free(got);
}

static void
test_sets(void)
{
	struct nfw_set	 a, b, c;
	struct ip_addr	 in[6];

	in[0] = addr("192.0.2.3");
	in[1] = addr("192.0.2.1");
	in[2] = addr("192.0.2.2");
	in[3] = addr("192.0.2.2");
	in[4] = addr("2001:db8::1");
	in[5] = addr("2001:db8::");
	nfw_set_from_addrs(&a, in, 6);
	check_blocks(&a, "192.0.2.1/32 192.0.2.2/31 2001:db8::/127",
	    "aggregation is exact: unaligned pair stays two blocks, v4 first");
	is_int(nfw_set_count(&a), 5, "five distinct addresses");
	ok(nfw_set_contains(&a, &in[1]), "contains 192.0.2.1");
	in[0] = addr("192.0.2.0");
	ok(!nfw_set_contains(&a, &in[0]), "does not contain 192.0.2.0");
	in[0] = addr("192.0.2.4");
	ok(!nfw_set_contains(&a, &in[0]), "does not contain 192.0.2.4");
	in[0] = addr("::192.0.2.1");	/* (::ffff:192.0.2.1 is 192.0.2.1) */
	ok(!nfw_set_contains(&a, &in[0]), "families are kept apart");

	nfw_set_init(&b);
	add(&b, "192.0.2.0/32");
	nfw_set_union(&a, &b, &c);
	check_blocks(&c, "192.0.2.0/30 2001:db8::/127",
	    "union merges adjacent ranges into one block");
	nfw_set_free(&b);
	nfw_set_free(&c);

	nfw_set_init(&b);
	add(&b, "198.51.100.0/24");
	nfw_set_init(&c);
	add(&c, "198.51.100.77/32");
	nfw_set_free(&a);
	nfw_set_minus(&b, &c, &a);
	check_blocks(&a, "198.51.100.0/26 198.51.100.64/29 198.51.100.72/30 "
	    "198.51.100.76/32 198.51.100.78/31 198.51.100.80/28 "
	    "198.51.100.96/27 198.51.100.128/25",
	    "removing one address from a /24 leaves eight exact blocks");
	is_int(nfw_set_count(&a), 255, "255 addresses left");
	nfw_set_free(&a);
	nfw_set_minus(&c, &b, &a);
	is_int(a.n, 0, "a block minus a superset is empty");
	nfw_set_free(&a);
	nfw_set_free(&b);
	nfw_set_free(&c);

	nfw_set_init(&a);
	add(&a, "0.0.0.0/0");
	add(&a, "::/0");
	check_blocks(&a, "0.0.0.0/0 ::/0", "whole address spaces");
	is_int(nfw_set_count(&a), INT64_MAX, "count saturates");
	nfw_set_free(&a);

	nfw_set_init(&a);
	add(&a, "255.255.255.255/32");
	add(&a, "255.255.255.254/32");
	add(&a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	check_blocks(&a, "255.255.255.254/31 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	    "the top of both address spaces (no overflow)");
	nfw_set_free(&a);
}

static json_t *
load_group(void)
{
	const char	*dir = getenv("FIXTURES");
	char		*path;
	json_t		*j;
	json_error_t	 e;

	xasprintf(&path, "%s/nfw/group.json", dir ? dir : "tests/fixtures");
	if ((j = json_load_file(path, 0, &e)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, e.text);
		exit(99);
	}
	free(path);
	return j;
}

static const json_t *
rules_of(const json_t *req)
{
	const json_t	*rs;

	rs = json_object_get(json_object_get(req, "RuleGroup"), "RulesSource");
	return json_object_get(json_object_get(rs,
	    "StatelessRulesAndCustomActions"), "StatelessRules");
}

static const json_t *
rule_at(const json_t *rules, int prio)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(rules, i, r)
		if (json_integer_value(json_object_get(r, "Priority")) == prio)
			return r;
	return NULL;
}

static void
test_capacity(void)
{
	json_t	*r;

	r = json_loads("{\"Priority\":1,\"RuleDefinition\":"
	    "{\"MatchAttributes\":{\"Protocols\":[6,17],\"Sources\":"
	    "[{\"AddressDefinition\":\"10.0.0.0/24\"},"
	    "{\"AddressDefinition\":\"10.0.1.0/24\"},"
	    "{\"AddressDefinition\":\"10.0.2.0/24\"}]},\"Actions\":"
	    "[\"aws:pass\"]}}", 0, NULL);
	is_int(nfw_rule_capacity(r), 6, "[UDP,TCP] x 3 sources costs 6");
	json_decref(r);
	r = json_loads("{\"Priority\":1,\"RuleDefinition\":"
	    "{\"MatchAttributes\":{},\"Actions\":[\"aws:pass\"]}}", 0, NULL);
	is_int(nfw_rule_capacity(r), 1, "a rule matching anything costs 1");
	json_decref(r);
}

static void
test_plans(void)
{
	json_t		*desc = load_group(), *req, *orig_rules;
	struct nfw_group *g;
	struct nfw_plan	*p;
	struct ip_addr	 in[64];
	char		*cause, *dump, text[IP_STRLEN];
	const json_t	*rules, *r;
	int		 i;

	g = nfw_group_from_describe(desc, 30000, 30100, &cause);
	ok(g != NULL, "the fixture group is understood");
	if (g == NULL) {
		printf("# %s\n", cause);
		exit(1);
	}
	orig_rules = json_deep_copy(rules_of(desc));
	is_int(nfw_group_capacity(g), 100, "capacity read");
	is_int(nfw_group_other_capacity(g), 3, "other rules cost 1 + 2");
	check_blocks(nfw_group_blocked(g), "198.51.100.7/32", "current set");

	in[0] = addr("198.51.100.6");
	p = nfw_plan_new(g, NFW_MERGE, in, 1);
	ok(p->changed && p->fits, "merge of a new neighbour changes, fits");
	is_int(p->nblocks, 1, "aggregated into one block");
	is_int(p->capacity_needed, 5, "3 + 2 x 1");
	check_blocks(&p->added, "198.51.100.6/32", "added");
	req = nfw_plan_request(p, g);
	is_str(json_string_value(json_object_get(req, "UpdateToken")),
	    "6c2a1b9e-3f4d-4e5a-9b8c-7d6e5f4a3b2c", "token sent back");
	is_str(json_string_value(json_object_get(req, "Description")),
	    "GD2NFW", "description sent back");
	rules = rules_of(req);
	is_int(json_array_size(rules), 4, "four rules");
	ok(json_equal((json_t *)rule_at(rules, 10),
	    (json_t *)rule_at(orig_rules, 10)) &&
	    json_equal((json_t *)rule_at(rules, 65000),
	    (json_t *)rule_at(orig_rules, 65000)), "other rules unchanged");
	ok(json_equal(json_object_get(json_object_get(json_object_get(
	    json_object_get(req, "RuleGroup"), "RulesSource"),
	    "StatelessRulesAndCustomActions"), "CustomActions"),
	    json_object_get(json_object_get(json_object_get(json_object_get(
	    desc, "RuleGroup"), "RulesSource"),
	    "StatelessRulesAndCustomActions"), "CustomActions")),
	    "custom actions unchanged");
	r = rule_at(rules, 30100);
	dump = json_dumps(json_object_get(r, "RuleDefinition"), JSON_COMPACT);
	is_str(dump, "{\"MatchAttributes\":{\"Destinations\":"
	    "[{\"AddressDefinition\":\"198.51.100.6/31\"}]},"
	    "\"Actions\":[\"aws:drop\",\"GuardDutytoFirewall\"]}",
	    "destination rule, actions kept");
	free(dump);
	json_decref(req);
	nfw_plan_free(p);

	in[0] = addr("198.51.100.7");
	p = nfw_plan_new(g, NFW_MERGE, in, 1);
	ok(!p->changed, "merging what is there changes nothing");
	nfw_plan_free(p);

	p = nfw_plan_new(g, NFW_REMOVE, in, 1);
	ok(p->changed && p->nblocks == 0, "removing the last address empties");
	req = nfw_plan_request(p, g);
	rules = rules_of(req);
	ok(json_array_size(rules) == 2 && rule_at(rules, 30000) == NULL &&
	    rule_at(rules, 30100) == NULL,
	    "an empty set removes our rules, leaves the others");
	json_decref(req);
	nfw_plan_free(p);

	p = nfw_plan_new(g, NFW_REPLACE, NULL, 0);
	ok(p->changed && p->nblocks == 0 && nfw_set_count(&p->removed) == 1,
	    "replace with nothing removes everything");
	nfw_plan_free(p);

	for (i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "203.0.113.%d", i * 2);
		in[i] = addr(text);
	}
	p = nfw_plan_new(g, NFW_REPLACE, in, 60);
	ok(!p->fits && p->capacity_needed == 123, "60 scattered hosts need "
	    "3 + 120 > 100");
	nfw_plan_free(p);
	for (i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "203.0.113.%d", i);
		in[i] = addr(text);
	}
	p = nfw_plan_new(g, NFW_REPLACE, in, 60);
	ok(p->fits && p->nblocks == 4, "60 adjacent hosts fit as 4 blocks");
	nfw_plan_free(p);

	in[0] = addr("2001:db8::1");
	p = nfw_plan_new(g, NFW_MERGE, in, 1);
	check_blocks(&p->blocked, "198.51.100.7/32 2001:db8::1/128",
	    "IPv6 as /128 after IPv4");
	nfw_plan_free(p);

	nfw_group_free(g);
	json_decref(orig_rules);
	json_decref(desc);
}

static void
refuse(const char *rule, const char *want, const char *what)
{
	json_t		*desc = load_group(), *rules;
	struct nfw_group *g;
	char		*cause = NULL;

	rules = (json_t *)rules_of(desc);
	json_array_append_new(rules, json_loads(rule, 0, NULL));
	json_array_remove(rules, 1);	/* our source rule */
	g = nfw_group_from_describe(desc, 30000, 30100, &cause);
	ok(g == NULL && cause != NULL && strstr(cause, want) != NULL,
	    "%s", what);
	if (cause != NULL)
		printf("# %s\n", cause);
	free(cause);
	nfw_group_free(g);
	json_decref(desc);
}

/* Two rules at one of our priorities: refused, nothing kept (no leak). */
static void
test_duplicate(void)
{
	json_t		*desc = load_group(), *rules;
	struct nfw_group *g;
	char		*cause = NULL;

	rules = (json_t *)rules_of(desc);
	json_array_append_new(rules, json_deep_copy(json_array_get(rules, 2)));
	g = nfw_group_from_describe(desc, 30000, 30100, &cause);
	ok(g == NULL && cause != NULL &&
	    strstr(cause, "two rules at priority 30100") != NULL,
	    "two rules at our priority are refused");
	if (cause != NULL)
		printf("# %s\n", cause);
	free(cause);
	nfw_group_free(g);
	json_decref(desc);
}

int
main(void)
{
	test_sets();
	test_capacity();
	test_plans();
	refuse("{\"Priority\":30000,\"RuleDefinition\":{\"MatchAttributes\":"
	    "{\"Sources\":[{\"AddressDefinition\":\"192.0.2.1/32\"}],"
	    "\"Protocols\":[6]},\"Actions\":[\"aws:drop\"]}}",
	    "not a blocklist rule", "a rule with other matches is not ours");
	refuse("{\"Priority\":30000,\"RuleDefinition\":{\"MatchAttributes\":"
	    "{},\"Actions\":[\"aws:drop\"]}}",
	    "matches all traffic", "a rule without Sources is not ours");
	refuse("{\"Priority\":30000,\"RuleDefinition\":{\"MatchAttributes\":"
	    "{\"Sources\":[{\"AddressDefinition\":\"192.0.2.1/32\"}]},"
	    "\"Actions\":[\"aws:pass\"]}}",
	    "does not drop", "a pass rule is not ours");
	test_duplicate();
	return done_testing();
}
