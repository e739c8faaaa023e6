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

/* A plan from addresses, as nfw-sync makes one from its input. */
static struct nfw_plan *
plan(const struct nfw_group *g, enum nfw_mode mode, const struct ip_addr *in,
    size_t n, const struct nfw_rails *rails)
{
	struct nfw_set	 input;
	struct nfw_plan	*p;

	nfw_set_from_addrs(&input, in, n);
	p = nfw_plan_new(g, mode, &input, rails);
	nfw_set_free(&input);
	return p;
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
	is_int(nfw_set_size(&a), 0, "a block minus a superset is empty");
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
	p = plan(g, NFW_MERGE, in, 1, NULL);
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
	p = plan(g, NFW_MERGE, in, 1, NULL);
	ok(!p->changed, "merging what is there changes nothing");
	nfw_plan_free(p);

	p = plan(g, NFW_REMOVE, in, 1, NULL);
	ok(p->changed && p->nblocks == 0, "removing the last address empties");
	req = nfw_plan_request(p, g);
	rules = rules_of(req);
	ok(json_array_size(rules) == 2 && rule_at(rules, 30000) == NULL &&
	    rule_at(rules, 30100) == NULL,
	    "an empty set removes our rules, leaves the others");
	json_decref(req);
	nfw_plan_free(p);

	p = plan(g, NFW_REPLACE, NULL, 0, NULL);
	ok(p->changed && p->nblocks == 0 && nfw_set_count(&p->removed) == 1,
	    "replace with nothing removes everything");
	nfw_plan_free(p);

	for (i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "203.0.113.%d", i * 2);
		in[i] = addr(text);
	}
	p = plan(g, NFW_REPLACE, in, 60, NULL);
	ok(!p->fits && p->capacity_needed == 123, "60 scattered hosts need "
	    "3 + 120 > 100");
	nfw_plan_free(p);
	for (i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "203.0.113.%d", i);
		in[i] = addr(text);
	}
	p = plan(g, NFW_REPLACE, in, 60, NULL);
	ok(p->fits && p->nblocks == 4, "60 adjacent hosts fit as 4 blocks");
	nfw_plan_free(p);

	in[0] = addr("2001:db8::1");
	p = plan(g, NFW_MERGE, in, 1, NULL);
	check_blocks(&p->blocked, "198.51.100.7/32 2001:db8::1/128",
	    "IPv6 as /128 after IPv4");
	nfw_plan_free(p);

	nfw_group_free(g);
	json_decref(orig_rules);
	json_decref(desc);
}


/* A group like the fixture's whose Sources rule also holds these blocks. */
static struct nfw_group *
group_with(const char *sources, const char *other_rule)
{
	json_t		*desc = load_group(), *rules, *list;
	struct nfw_group *g;
	char		*cause = NULL, *copy, *tok, *save;

	rules = (json_t *)rules_of(desc);
	list = json_object_get(json_object_get(json_object_get(
	    json_array_get(rules, 1), "RuleDefinition"), "MatchAttributes"),
	    "Sources");
	copy = xstrdup(sources);
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		json_array_append_new(list, json_pack("{s:s}",
		    "AddressDefinition", tok));
	free(copy);
	if (other_rule != NULL)
		json_array_append_new(rules, json_loads(other_rule, 0, NULL));
	g = nfw_group_from_describe(desc, 30000, 30100, &cause);
	if (g == NULL) {
		fprintf(stderr, "group_with: %s\n", cause);
		exit(99);
	}
	json_decref(desc);
	return g;
}

/* The notes as "block reason; block reason". */
static char *
notes(const struct nfw_note *v, size_t n)
{
	struct buf	 b;
	char		 text[IP_STRLEN];
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(&b, "; ");
		if (v[i].match != NULL)
			buf_addf(&b, "%d %s ", v[i].priority, v[i].match);
		buf_addf(&b, "%s %s", ip_format_cidr(&v[i].block, text),
		    v[i].reason);
	}
	buf_cstr(&b);
	return b.data != NULL ? b.data : xstrdup("");
}

static void
check_notes(const struct nfw_note *v, size_t n, const char *want,
    const char *what)
{
	char	*got = notes(v, n);

	is_str(got, want, "%s", what);
	free(got);
}

/* What our two rules would hold: both the same, as text. */
static char *
request_blocks(const struct nfw_plan *p, const struct nfw_group *g)
{
	json_t		*req = nfw_plan_request(p, g), *v;
	const json_t	*src, *dst;
	struct buf	 b;
	size_t		 i;

	src = json_object_get(json_object_get(json_object_get(rule_at(
	    rules_of(req), 30000), "RuleDefinition"), "MatchAttributes"),
	    "Sources");
	dst = json_object_get(json_object_get(json_object_get(rule_at(
	    rules_of(req), 30100), "RuleDefinition"), "MatchAttributes"),
	    "Destinations");
	buf_init(&b);
	if (!json_equal((json_t *)src, (json_t *)dst))
		buf_adds(&b, "Sources and Destinations differ");
	else
		json_array_foreach(src, i, v)
			buf_addf(&b, "%s%s", i > 0 ? " " : "",
			    json_string_value(json_object_get(v,
			    "AddressDefinition")));
	json_decref(req);
	buf_cstr(&b);
	return b.data != NULL ? b.data : xstrdup("");
}

static void
check_request(const struct nfw_plan *p, const struct nfw_group *g,
    const char *want, const char *what)
{
	char	*got = request_blocks(p, g);

	is_str(got, want, "%s", what);
	free(got);
}

/* The rails hold for what our rules hold, whatever the mode. */
static void
test_rails(void)
{
	static const char *drop_all = "{\"Priority\":200,\"RuleDefinition\":"
	    "{\"MatchAttributes\":{\"Destinations\":[{\"AddressDefinition\":"
	    "\"0.0.0.0/0\"},{\"AddressDefinition\":\"10.9.0.0/16\"},"
	    "{\"AddressDefinition\":\"203.0.113.0/24\"}]},"
	    "\"Actions\":[\"aws:drop\"]}}";
	static const char *pass_all = "{\"Priority\":201,\"RuleDefinition\":"
	    "{\"MatchAttributes\":{\"Sources\":[{\"AddressDefinition\":"
	    "\"0.0.0.0/0\"}]},\"Actions\":[\"aws:pass\"]}}";
	struct nfw_group *g;
	struct nfw_plan	*p;
	struct nfw_rails rails;
	struct ip_list	 allow;
	struct ip_cidr	 c;
	struct ip_addr	 in[4];

	/* the case: 0.0.0.0/0 in Sources is not copied anywhere */
	g = group_with("0.0.0.0/0", NULL);
	in[0] = addr("198.51.100.9");
	p = plan(g, NFW_MERGE, in, 1, NULL);
	ok(p->changed && p->fits, "0.0.0.0/0 in Sources: a change");
	check_request(p, g, "198.51.100.7/32 198.51.100.9/32",
	    "0.0.0.0/0 in Sources: merge keeps the rest, adds the input, "
	    "drops the match-all from both rules");
	check_notes(p->cleaned, p->ncleaned, "0.0.0.0/0 matches all traffic",
	    "0.0.0.0/0 in Sources: reported");
	nfw_plan_free(p);
	p = plan(g, NFW_MERGE, NULL, 0, NULL);
	ok(p->changed, "0.0.0.0/0: no input, still a change to make");
	check_request(p, g, "198.51.100.7/32", "0.0.0.0/0: no input: cleaned");
	nfw_plan_free(p);
	p = plan(g, NFW_REMOVE, in, 1, NULL);
	check_request(p, g, "198.51.100.7/32", "0.0.0.0/0: remove cleans");
	nfw_plan_free(p);
	p = plan(g, NFW_REPLACE, in, 1, NULL);
	check_request(p, g, "198.51.100.9/32", "0.0.0.0/0: replace");
	check_notes(p->cleaned, p->ncleaned, "0.0.0.0/0 matches all traffic",
	    "0.0.0.0/0: replace reports it too");
	nfw_plan_free(p);
	nfw_group_free(g);

	/* special ranges, whole or in part; a /0 of the other family */
	g = group_with("10.0.0.5/32 100.64.0.0/9 fe80::1/128 ::/0", NULL);
	p = plan(g, NFW_MERGE, NULL, 0, NULL);
	check_request(p, g, "100.0.0.0/10 198.51.100.7/32",
	    "special: what overlaps a special range goes, the rest stays");
	check_notes(p->cleaned, p->ncleaned, "10.0.0.5/32 special-purpose "
	    "address: private (RFC 1918); 100.64.0.0/10 special-purpose "
	    "range: shared address space (RFC 6598); ::/0 matches all "
	    "traffic; fe80::1/128 special-purpose address: link-local",
	    "special: each piece named, in address order");
	ok(nfw_set_count(&p->removed) > 0 && nfw_set_count(&p->added) == 0,
	    "special: removed, nothing added");
	nfw_plan_free(p);
	/* --allow-private keeps special ranges, never a /0 */
	rails.allowlist = NULL;
	rails.allow_private = 1;
	p = plan(g, NFW_MERGE, NULL, 0, &rails);
	check_request(p, g, "10.0.0.5/32 100.0.0.0/9 198.51.100.7/32 "
	    "fe80::1/128", "--allow-private: special ranges kept");
	check_notes(p->cleaned, p->ncleaned, "::/0 matches all traffic",
	    "--allow-private: the /0 still goes");
	nfw_plan_free(p);
	nfw_group_free(g);

	/* the allowlist applies to what is blocked, input or not */
	ip_list_init(&allow);
	ip_parse_cidr("198.51.100.0/30", 15, 0, &c);
	ip_list_add(&allow, &c);
	ip_parse_cidr("198.51.100.4/31", 15, 0, &c);
	ip_list_add(&allow, &c);
	rails.allowlist = &allow;
	rails.allow_private = 0;
	g = group_with("198.51.100.0/29", NULL);
	p = plan(g, NFW_REMOVE, NULL, 0, &rails);
	check_request(p, g, "198.51.100.6/31", "allowlist: overlapping part "
	    "taken out, the rest stays");
	check_notes(p->cleaned, p->ncleaned, "198.51.100.0/30 allowlisted: "
	    "198.51.100.0/30; 198.51.100.4/31 allowlisted: 198.51.100.4/31",
	    "allowlist: what went and why");
	nfw_plan_free(p);
	in[0] = addr("198.51.100.1");	/* not vetted: the plan still refuses */
	in[1] = addr("10.1.1.1");
	in[2] = addr("198.51.100.20");
	p = plan(g, NFW_REPLACE, in, 3, &rails);
	check_request(p, g, "198.51.100.20/32",
	    "input the rails forbid is never planned");
	nfw_plan_free(p);
	nfw_group_free(g);

	/* two halves make a match-all too */
	rails.allowlist = NULL;
	rails.allow_private = 1;
	g = group_with("0.0.0.0/1 128.0.0.0/1", NULL);
	p = plan(g, NFW_MERGE, NULL, 0, &rails);
	ok(nfw_set_size(&p->blocked) == 0, "whole family: nothing blocked");
	check_notes(p->cleaned, p->ncleaned, "0.0.0.0/0 matches all traffic",
	    "whole family: reported as matching all traffic");
	nfw_plan_free(p);
	nfw_group_free(g);

	/* someone else's drop rule: warned about, left alone */
	g = group_with("", drop_all);
	p = plan(g, NFW_MERGE, NULL, 0, NULL);
	ok(!p->changed && p->ncleaned == 0, "other rules: ours unchanged");
	check_notes(p->left_alone, p->nleft_alone, "200 Destinations "
	    "0.0.0.0/0 matches all traffic; 200 Destinations 10.9.0.0/16 "
	    "special-purpose range: private (RFC 1918)",
	    "other drop rules: match-all and special blocks noted");
	nfw_plan_free(p);
	rails.allow_private = 1;
	p = plan(g, NFW_MERGE, NULL, 0, &rails);
	check_notes(p->left_alone, p->nleft_alone, "200 Destinations "
	    "0.0.0.0/0 matches all traffic", "--allow-private: special "
	    "ranges of others not noted, the match-all still");
	nfw_plan_free(p);
	nfw_group_free(g);
	g = group_with("", pass_all);
	p = plan(g, NFW_MERGE, NULL, 0, NULL);
	ok(p->nleft_alone == 0, "a pass rule is nobody's worry");
	nfw_plan_free(p);
	nfw_group_free(g);
	g = group_with("", "{\"Priority\":9999999999,\"RuleDefinition\":"
	    "{\"MatchAttributes\":{\"Sources\":[{\"AddressDefinition\":"
	    "\"::/0\"}]},\"Actions\":[\"aws:drop\"]}}");
	p = plan(g, NFW_MERGE, NULL, 0, NULL);
	check_notes(p->left_alone, p->nleft_alone, "-1 Sources ::/0 matches "
	    "all traffic", "a priority beyond int is no priority (-1)");
	nfw_plan_free(p);
	nfw_group_free(g);
	ip_list_free(&allow);
}

/* Does ip_special_block() name the address as ip_special() does? */
static int
same_special(const struct ip_addr *a)
{
	struct ip_cidr	 d;
	const char	*name, *want = ip_special(a);
	size_t		 k;

	for (k = 0; (name = ip_special_block(k, &d)) != NULL; k++)
		if (ip_cidr_contains(&d, a))
			return want != NULL && strcmp(name, want) == 0;
	return want == NULL;
}

/* The address one before (step -1) or after (+1); 0 past either end. */
static int
step(struct ip_addr *a, int by)
{
	int	 j = ip_maxbits(a) / 8 - 1;

	if (by < 0)
		while (j >= 0 && a->bytes[j]-- == 0)
			j--;
	else
		while (j >= 0 && ++a->bytes[j] == 0)
			j--;
	return j >= 0;
}

/* ip_special_block() covers what ip_special() names, with its names. */
static void
test_special_blocks(void)
{
	struct ip_cidr	 c;
	struct ip_addr	 first, last, probe;
	size_t		 i, k;
	int		 bad = 0, n = 0;
	uint32_t	 seed = 1;

	/* every block's first and last address, and their neighbours */
	for (i = 0; ip_special_block(i, &c) != NULL; i++) {
		first = last = c.addr;
		for (k = (size_t)c.bits; k < (size_t)ip_maxbits(&c.addr); k++)
			last.bytes[k / 8] |= 0x80 >> (k % 8);
		bad |= !same_special(&first) || !same_special(&last);
		if (step(&first, -1))
			bad |= !same_special(&first);
		if (step(&last, 1))
			bad |= !same_special(&last);
		n += 4;
	}
	for (i = 0; i < 20000; i++) {
		memset(&probe, 0, sizeof(probe));
		probe.family = i % 2 ? 6 : 4;
		for (k = 0; k < (i % 2 ? 16 : 4); k++) {
			seed = seed * 1103515245 + 12345;
			probe.bytes[k] = (uint8_t)(seed >> 16);
		}
		bad |= !same_special(&probe);
		n++;
	}
	ok(!bad, "ip_special_block() holds what ip_special() names (%d "
	    "addresses: every edge, and at random)", n);
}

static int
overlaps(const struct nfw_set *s, const char *text)
{
	struct ip_cidr	 c;

	if (ip_parse_cidr(text, strlen(text), 0, &c) == -1) {
		fprintf(stderr, "bad test block %s\n", text);
		exit(99);
	}
	return nfw_set_overlaps(s, &c);
}

/* Does a set hold any address of a block (what a block's record says)? */
static void
test_overlaps(void)
{
	struct nfw_set	 s;

	nfw_set_init(&s);
	ok(!overlaps(&s, "0.0.0.0/0"), "the empty set overlaps nothing");
	add(&s, "198.51.100.0/24");
	add(&s, "203.0.113.7/32");
	add(&s, "2001:db8:5::/64");
	ok(overlaps(&s, "198.51.0.0/16"), "a block holding a range overlaps "
	    "it (its first address not in the set)");
	ok(overlaps(&s, "198.51.100.128/25"), "a block inside a range");
	ok(overlaps(&s, "198.51.100.255/32"), "the last address of a range");
	ok(!overlaps(&s, "198.51.101.0/24"), "the block after a range");
	ok(!overlaps(&s, "198.51.99.0/24"), "the block before a range");
	ok(overlaps(&s, "203.0.113.0/29") && !overlaps(&s, "203.0.113.8/29"),
	    "a block holding one address, and its neighbour");
	ok(!overlaps(&s, "203.0.113.128/25"), "past the last IPv4 range");
	ok(overlaps(&s, "::/0") && !overlaps(&s, "2001:db8:6::/48"),
	    "IPv6 ranges, not the IPv4 ones");
	nfw_set_free(&s);
}

/* Adding addresses one by one: duplicates cost nothing. */
static void
test_add_addr(void)
{
	struct nfw_set	 s, t, u;
	struct ip_addr	 a;
	char		 text[IP_STRLEN];
	int		 i;

	nfw_set_init(&s);
	for (i = 0; i < 200000; i++) {
		snprintf(text, sizeof(text), "203.0.%d.%d", (i / 256) % 4,
		    (i * 7) % 256);
		a = addr(text);
		nfw_set_add_addr(&s, &a);
	}
	a = addr("2001:db8::5");
	nfw_set_add_addr(&s, &a);
	ok(s.cap4 <= 4096, "200,000 additions of 1,024 addresses: the array "
	    "stays small (%zu)", s.cap4);
	nfw_set_normalise(&s);
	check_blocks(&s, "203.0.0.0/22 2001:db8::5/128", "and the set is "
	    "exact");
	nfw_set_init(&t);
	add(&t, "203.0.3.128/25");
	add(&t, "2001:db8::/64");
	nfw_set_intersect(&s, &t, &u);
	check_blocks(&u, "203.0.3.128/25 2001:db8::5/128", "intersection");
	nfw_set_free(&u);
	nfw_set_free(&t);
	nfw_set_free(&s);
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
	test_rails();
	test_special_blocks();
	test_add_addr();
	test_overlaps();
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
