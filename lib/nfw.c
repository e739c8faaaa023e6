/*
 * nfw.c: plan the two blocklist rules of a Network Firewall stateless rule
 * group (set arithmetic on address ranges, capacity, the UpdateRuleGroup
 * request). No I/O: the caller describes the group and sends the request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfw.h"
#include "util.h"

__extension__ typedef unsigned __int128 u128;

struct nfw_range {
	int	 family;	/* 4 or 6 */
	u128	 lo;		/* first address */
	u128	 hi;		/* last address, inclusive */
};

struct nfw_group {
	json_t		*rule_group;	/* RuleGroup as described */
	json_t		*response;	/* RuleGroupResponse as described */
	char		*token;
	char		*arn;
	char		*name;
	int64_t		 capacity;
	int64_t		 other_capacity;
	int		 src_priority;
	int		 dst_priority;
	json_t		*src_actions;	/* Actions of our rules, if present */
	json_t		*dst_actions;
	struct nfw_set	 src;		/* what our Sources rule matches */
	struct nfw_set	 dst;		/* what our Destinations rule matches */
	struct nfw_set	 blocked;	/* src | dst */
};

const char *
nfw_mode_name(enum nfw_mode mode)
{
	switch (mode) {
	case NFW_MERGE:
		return "merge";
	case NFW_REPLACE:
		return "replace";
	case NFW_REMOVE:
		return "remove";
	}
	return "?";
}

/* --- addresses as integers ------------------------------------------------ */

static int
family_bits(int family)
{
	return family == 4 ? 32 : 128;
}

static u128
family_max(int family)
{
	return family == 4 ? (u128)0xffffffffU : ~(u128)0;
}

/* All ones in the low n bits (n from 0 to 128). */
static u128
low_mask(int n)
{
	if (n >= 128)
		return ~(u128)0;
	return ((u128)1 << n) - 1;
}

static u128
addr_value(const struct ip_addr *a)
{
	u128	 v = 0;
	int	 i, n = a->family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		v = (v << 8) | a->bytes[i];
	return v;
}

static void
value_addr(int family, u128 v, struct ip_addr *a)
{
	int	 i, n = family == 4 ? 4 : 16;

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (i = n - 1; i >= 0; i--) {
		a->bytes[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

/* --- sets ----------------------------------------------------------------- */

void
nfw_set_init(struct nfw_set *s)
{
	s->ranges = NULL;
	s->n = s->cap = 0;
}

void
nfw_set_free(struct nfw_set *s)
{
	if (s == NULL)
		return;
	free(s->ranges);
	nfw_set_init(s);
}

static void
set_push(struct nfw_set *s, int family, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ranges = xreallocarray(s->ranges, s->cap,
		    sizeof(*s->ranges));
	}
	s->ranges[s->n].family = family;
	s->ranges[s->n].lo = lo;
	s->ranges[s->n].hi = hi;
	s->n++;
}

void
nfw_set_add_cidr(struct nfw_set *s, const struct ip_cidr *c)
{
	int	 host = family_bits(c->addr.family) - c->bits;
	u128	 lo = addr_value(&c->addr) & ~low_mask(host);

	set_push(s, c->addr.family, lo, lo | low_mask(host));
}

static int
range_cmp(const void *a, const void *b)
{
	const struct nfw_range *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

void
nfw_set_normalise(struct nfw_set *s)
{
	struct nfw_range *cur;
	size_t		  i, n = 0;

	if (s->n == 0)
		return;
	qsort(s->ranges, s->n, sizeof(*s->ranges), range_cmp);
	for (i = 1; i < s->n; i++) {
		cur = &s->ranges[n];
		if (s->ranges[i].family == cur->family &&
		    (s->ranges[i].lo <= cur->hi ||
		    (cur->hi != family_max(cur->family) &&
		    s->ranges[i].lo == cur->hi + 1))) {
			if (s->ranges[i].hi > cur->hi)
				cur->hi = s->ranges[i].hi;
		} else
			s->ranges[++n] = s->ranges[i];
	}
	s->n = n + 1;
}

int
nfw_set_equal(const struct nfw_set *a, const struct nfw_set *b)
{
	size_t	 i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (range_cmp(&a->ranges[i], &b->ranges[i]) != 0)
			return 0;
	return 1;
}

int
nfw_set_contains(const struct nfw_set *s, const struct ip_addr *a)
{
	struct nfw_range key;
	size_t		 lo = 0, hi = s->n, mid;

	key.family = a->family;
	key.lo = key.hi = ~(u128)0;
	key.lo = addr_value(a);
	/* find the last range starting at or before the address */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (range_cmp(&s->ranges[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	return s->ranges[lo - 1].family == key.family &&
	    key.lo <= s->ranges[lo - 1].hi;
}

void
nfw_set_union(const struct nfw_set *a, const struct nfw_set *b,
    struct nfw_set *out)
{
	size_t	 i;

	nfw_set_init(out);
	for (i = 0; i < a->n; i++)
		set_push(out, a->ranges[i].family, a->ranges[i].lo,
		    a->ranges[i].hi);
	for (i = 0; i < b->n; i++)
		set_push(out, b->ranges[i].family, b->ranges[i].lo,
		    b->ranges[i].hi);
	nfw_set_normalise(out);
}

void
nfw_set_minus(const struct nfw_set *a, const struct nfw_set *b,
    struct nfw_set *out)
{
	const struct nfw_range *r, *x;
	size_t		 i, j = 0, k;
	u128		 lo;
	int		 alive;

	nfw_set_init(out);
	for (i = 0; i < a->n; i++) {
		r = &a->ranges[i];
		while (j < b->n && (b->ranges[j].family < r->family ||
		    (b->ranges[j].family == r->family &&
		    b->ranges[j].hi < r->lo)))
			j++;
		lo = r->lo;
		alive = 1;
		for (k = j; alive && k < b->n; k++) {
			x = &b->ranges[k];
			if (x->family != r->family || x->lo > r->hi)
				break;
			if (x->lo > lo)
				set_push(out, r->family, lo, x->lo - 1);
			if (x->hi >= r->hi)
				alive = 0;
			else
				lo = x->hi + 1;
		}
		if (alive)
			set_push(out, r->family, lo, r->hi);
	}
}

int64_t
nfw_set_count(const struct nfw_set *s)
{
	u128	 total = 0, span;
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		span = s->ranges[i].hi - s->ranges[i].lo;
		if (span >= (u128)INT64_MAX)
			return INT64_MAX;
		total += span + 1;
		if (total >= (u128)INT64_MAX)
			return INT64_MAX;
	}
	return (int64_t)total;
}

/* Number of trailing zero bits of v, at most limit. */
static int
trailing_zeros(u128 v, int limit)
{
	int	 n = 0;

	while (n < limit && (v & 1) == 0) {
		v >>= 1;
		n++;
	}
	return n;
}

static void
cidr_push(struct ip_cidr **out, size_t *n, size_t *cap, int family,
    u128 lo, int bits)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*out = xreallocarray(*out, *cap, sizeof(**out));
	}
	value_addr(family, lo, &(*out)[*n].addr);
	(*out)[*n].bits = bits;
	(*n)++;
}

size_t
nfw_set_cidrs(const struct nfw_set *s, struct ip_cidr **out)
{
	const struct nfw_range *r;
	size_t		 i, n = 0, cap = 0;
	u128		 lo, span;
	int		 k, max;

	*out = NULL;
	for (i = 0; i < s->n; i++) {
		r = &s->ranges[i];
		max = family_bits(r->family);
		lo = r->lo;
		for (;;) {
			/* the largest aligned block at lo that ends by hi */
			k = trailing_zeros(lo, max);
			while (k > 0 && low_mask(k) > r->hi - lo)
				k--;
			span = low_mask(k);
			cidr_push(out, &n, &cap, r->family, lo, max - k);
			if (r->hi - lo == span)
				break;
			lo += span + 1;
		}
	}
	return n;
}

void
nfw_set_from_addrs(struct nfw_set *s, const struct ip_addr *addrs, size_t n)
{
	struct ip_cidr	*blocks = NULL;
	size_t		 nblocks, i;

	nfw_set_init(s);
	if (n == 0)
		return;
	nblocks = ip_aggregate(addrs, n, &blocks);
	for (i = 0; i < nblocks; i++)
		nfw_set_add_cidr(s, &blocks[i]);
	free(blocks);
	nfw_set_normalise(s);
}

json_t *
nfw_set_json(const struct nfw_set *s)
{
	struct ip_cidr	*blocks;
	size_t		 n, i;
	char		 text[IP_STRLEN];
	json_t		*a = json_array();

	n = nfw_set_cidrs(s, &blocks);
	for (i = 0; i < n; i++)
		json_array_append_new(a,
		    json_string(ip_format_cidr(&blocks[i], text)));
	free(blocks);
	return a;
}

/* --- rules ---------------------------------------------------------------- */

static const char *match_settings[] = {
	"Sources", "Destinations", "SourcePorts", "DestinationPorts",
	"Protocols", "TCPFlags"
};

int64_t
nfw_rule_capacity(const json_t *rule)
{
	const json_t	*ma, *v;
	int64_t		 cap = 1;
	size_t		 i, n;

	ma = json_object_get(json_object_get(rule, "RuleDefinition"),
	    "MatchAttributes");
	for (i = 0; i < sizeof(match_settings) / sizeof(*match_settings);
	    i++) {
		v = json_object_get(ma, match_settings[i]);
		if (!json_is_array(v) || (n = json_array_size(v)) == 0)
			continue;
		if (cap > INT64_MAX / (int64_t)n)
			return INT64_MAX;
		cap *= (int64_t)n;
	}
	return cap;
}

/*
 * A rule at one of our priorities must be a drop rule whose only match
 * setting is a non-empty list under key (Sources or Destinations): anything
 * else belongs to someone and we refuse to overwrite it.
 */
static int
read_our_rule(const json_t *rule, int priority, const char *key,
    struct nfw_set *set, json_t **actions, char **cause)
{
	const json_t	*rd, *ma, *list, *v, *def;
	const char	*name, *text;
	struct ip_cidr	 c;
	size_t		 i;
	int		 drop = 0;

	rd = json_object_get(rule, "RuleDefinition");
	ma = json_object_get(rd, "MatchAttributes");
	if (!json_is_object(ma)) {
		xasprintf(cause, "rule at priority %d has no match attributes",
		    priority);
		return -1;
	}
	json_object_foreach((json_t *)ma, name, v) {
		if (strcmp(name, key) != 0 && !(json_is_array(v) &&
		    json_array_size(v) == 0)) {
			xasprintf(cause, "rule at priority %d matches %s, "
			    "not only %s: not a blocklist rule (choose other "
			    "priorities)", priority, name, key);
			return -1;
		}
	}
	list = json_object_get(ma, key);
	if (!json_is_array(list) || json_array_size(list) == 0) {
		xasprintf(cause, "rule at priority %d has no %s: it matches "
		    "all traffic, not a blocklist rule (choose other "
		    "priorities)", priority, key);
		return -1;
	}
	json_array_foreach(json_object_get(rd, "Actions"), i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), "aws:drop") == 0)
			drop = 1;
	if (!drop) {
		xasprintf(cause, "rule at priority %d does not drop: not a "
		    "blocklist rule (choose other priorities)", priority);
		return -1;
	}
	json_array_foreach(list, i, v) {
		def = json_object_get(v, "AddressDefinition");
		text = json_string_value(def);
		if (text == NULL || ip_parse_cidr(text, strlen(text), 1,
		    &c) == -1) {
			xasprintf(cause, "rule at priority %d: %s[%zu]: not a "
			    "CIDR block", priority, key, i);
			return -1;
		}
		nfw_set_add_cidr(set, &c);
	}
	nfw_set_normalise(set);
	*actions = json_deep_copy(json_object_get(rd, "Actions"));
	return 0;
}

static const json_t *
stateless_rules(const json_t *rule_group)
{
	return json_object_get(json_object_get(json_object_get(rule_group,
	    "RulesSource"), "StatelessRulesAndCustomActions"),
	    "StatelessRules");
}

static int
read_rules(struct nfw_group *g, char **cause)
{
	const json_t	*rules, *rule, *p;
	size_t		 i;
	json_int_t	 prio;
	int64_t		 c;
	int		 nsrc = 0, ndst = 0;

	rules = stateless_rules(g->rule_group);
	if (!json_is_array(rules)) {
		*cause = xstrdup("rule group has no StatelessRules: not a "
		    "stateless rule group");
		return -1;
	}
	json_array_foreach(rules, i, rule) {
		p = json_object_get(rule, "Priority");
		prio = json_is_integer(p) ? json_integer_value(p) : -1;
		/* the service keeps priorities unique: a second rule at ours
		 * leaves no telling which one to take over */
		if ((prio == g->src_priority && nsrc++ > 0) ||
		    (prio == g->dst_priority && ndst++ > 0)) {
			xasprintf(cause, "two rules at priority %d: not a rule "
			    "group the service would have described", (int)prio);
			return -1;
		}
		if (prio == g->src_priority) {
			if (read_our_rule(rule, (int)prio, "Sources", &g->src,
			    &g->src_actions, cause) == -1)
				return -1;
		} else if (prio == g->dst_priority) {
			if (read_our_rule(rule, (int)prio, "Destinations",
			    &g->dst, &g->dst_actions, cause) == -1)
				return -1;
		} else {
			c = nfw_rule_capacity(rule);
			if (g->other_capacity > INT64_MAX - c)
				g->other_capacity = INT64_MAX;
			else
				g->other_capacity += c;
		}
	}
	return 0;
}

static char *
get_string(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? xstrdup(s) : NULL;
}

struct nfw_group *
nfw_group_from_describe(const json_t *describe, int src_priority,
    int dst_priority, char **cause)
{
	struct nfw_group *g;
	const json_t	 *rgr, *rg, *v;
	const char	 *type;

	*cause = NULL;
	rgr = json_object_get(describe, "RuleGroupResponse");
	rg = json_object_get(describe, "RuleGroup");
	if (!json_is_object(rgr) ||
	    !json_is_string(json_object_get(describe, "UpdateToken"))) {
		*cause = xstrdup("DescribeRuleGroup answer lacks UpdateToken "
		    "or RuleGroupResponse");
		return NULL;
	}
	type = json_string_value(json_object_get(rgr, "Type"));
	if (type != NULL && strcmp(type, "STATELESS") != 0) {
		xasprintf(cause, "rule group is %s, not STATELESS", type);
		return NULL;
	}
	if (!json_is_object(rg)) {
		*cause = xstrdup("DescribeRuleGroup answer has no RuleGroup");
		return NULL;
	}
	g = xcalloc(1, sizeof(*g));
	/* shared, never modified: nfw_plan_request() copies what it changes */
	g->rule_group = json_incref((json_t *)rg);
	g->response = json_incref((json_t *)rgr);
	g->token = get_string(describe, "UpdateToken");
	g->arn = get_string(rgr, "RuleGroupArn");
	g->name = get_string(rgr, "RuleGroupName");
	v = json_object_get(rgr, "Capacity");
	g->capacity = json_is_integer(v) ? json_integer_value(v) : -1;
	g->src_priority = src_priority;
	g->dst_priority = dst_priority;
	nfw_set_init(&g->src);
	nfw_set_init(&g->dst);
	nfw_set_init(&g->blocked);
	if (read_rules(g, cause) == -1) {
		nfw_group_free(g);
		return NULL;
	}
	nfw_set_union(&g->src, &g->dst, &g->blocked);
	return g;
}

void
nfw_group_free(struct nfw_group *g)
{
	if (g == NULL)
		return;
	json_decref(g->rule_group);
	json_decref(g->response);
	json_decref(g->src_actions);
	json_decref(g->dst_actions);
	free(g->token);
	free(g->arn);
	free(g->name);
	nfw_set_free(&g->src);
	nfw_set_free(&g->dst);
	nfw_set_free(&g->blocked);
	free(g);
}

const char *
nfw_group_token(const struct nfw_group *g)
{
	return g->token;
}

const char *
nfw_group_arn(const struct nfw_group *g)
{
	return g->arn;
}

const char *
nfw_group_name(const struct nfw_group *g)
{
	return g->name;
}

int64_t
nfw_group_capacity(const struct nfw_group *g)
{
	return g->capacity;
}

int64_t
nfw_group_other_capacity(const struct nfw_group *g)
{
	return g->other_capacity;
}

const struct nfw_set *
nfw_group_blocked(const struct nfw_group *g)
{
	return &g->blocked;
}

/* --- plans ---------------------------------------------------------------- */

struct nfw_plan *
nfw_plan_new(const struct nfw_group *g, enum nfw_mode mode,
    const struct ip_addr *addrs, size_t n)
{
	struct nfw_plan	*p;
	struct nfw_set	 input, empty;
	int64_t		 ours;

	p = xcalloc(1, sizeof(*p));
	p->mode = mode;
	nfw_set_from_addrs(&input, addrs, n);
	nfw_set_init(&empty);
	switch (mode) {
	case NFW_MERGE:
		nfw_set_union(&g->blocked, &input, &p->blocked);
		break;
	case NFW_REPLACE:
		nfw_set_union(&input, &empty, &p->blocked);
		break;
	case NFW_REMOVE:
		nfw_set_minus(&g->blocked, &input, &p->blocked);
		break;
	}
	nfw_set_free(&input);
	nfw_set_minus(&p->blocked, &g->blocked, &p->added);
	nfw_set_minus(&g->blocked, &p->blocked, &p->removed);
	p->nblocks = nfw_set_cidrs(&p->blocked, &p->blocks);

	/* each of our two rules costs one unit per block */
	ours = 2 * (int64_t)p->nblocks;
	p->capacity_needed = g->other_capacity > INT64_MAX - ours ?
	    INT64_MAX : g->other_capacity + ours;
	p->capacity = g->capacity;
	p->fits = p->capacity < 0 || p->capacity_needed <= p->capacity;
	p->changed = !nfw_set_equal(&p->blocked, &g->src) ||
	    !nfw_set_equal(&p->blocked, &g->dst);
	return p;
}

void
nfw_plan_free(struct nfw_plan *p)
{
	if (p == NULL)
		return;
	nfw_set_free(&p->blocked);
	nfw_set_free(&p->added);
	nfw_set_free(&p->removed);
	free(p->blocks);
	free(p);
}

static json_t *
address_list(const struct nfw_plan *p)
{
	json_t	*list = json_array();
	char	 text[IP_STRLEN];
	size_t	 i;

	for (i = 0; i < p->nblocks; i++)
		json_array_append_new(list, json_pack("{s:s}",
		    "AddressDefinition", ip_format_cidr(&p->blocks[i], text)));
	return list;
}

/* One of our rules; steals list. */
static json_t *
our_rule(int priority, const char *key, json_t *list, const json_t *actions)
{
	json_t	*ma = json_object(), *acts;

	json_object_set_new(ma, key, list);
	if (json_is_array(actions) && json_array_size(actions) > 0)
		acts = json_deep_copy(actions);
	else
		acts = json_pack("[s]", "aws:drop");
	return json_pack("{s:I, s:{s:o, s:o}}", "Priority",
	    (json_int_t)priority, "RuleDefinition", "MatchAttributes", ma,
	    "Actions", acts);
}

static json_t *
new_rules(const struct nfw_plan *p, const struct nfw_group *g)
{
	const json_t	*old, *rule, *pr;
	json_t		*rules = json_array(), *list = NULL;
	json_int_t	 prio;
	size_t		 i;
	int		 have_src = 0, have_dst = 0;

	if (p->nblocks > 0)
		list = address_list(p);
	old = stateless_rules(g->rule_group);
	json_array_foreach(old, i, rule) {
		pr = json_object_get(rule, "Priority");
		prio = json_is_integer(pr) ? json_integer_value(pr) : -1;
		if (prio == g->src_priority) {
			have_src = 1;
			if (list != NULL)
				json_array_append_new(rules, our_rule(prio,
				    "Sources", json_incref(list),
				    g->src_actions));
		} else if (prio == g->dst_priority) {
			have_dst = 1;
			if (list != NULL)
				json_array_append_new(rules, our_rule(prio,
				    "Destinations", json_incref(list),
				    g->dst_actions));
		} else
			json_array_append(rules, (json_t *)rule);
	}
	if (list != NULL && !have_src)
		json_array_append_new(rules, our_rule(g->src_priority,
		    "Sources", json_incref(list), NULL));
	if (list != NULL && !have_dst)
		json_array_append_new(rules, our_rule(g->dst_priority,
		    "Destinations", json_incref(list), NULL));
	json_decref(list);
	return rules;
}

json_t *
nfw_plan_request(const struct nfw_plan *p, const struct nfw_group *g)
{
	static const char *kept[] = {
		"Description", "EncryptionConfiguration", "SourceMetadata",
		"SummaryConfiguration"
	};
	json_t		*req, *rg, *rs, *src, *v;
	size_t		 i;

	/* copy the path down to StatelessRules; share everything else */
	rg = json_copy(g->rule_group);
	rs = json_copy(json_object_get(rg, "RulesSource"));
	json_object_set_new(rg, "RulesSource", rs);
	src = json_copy(json_object_get(rs, "StatelessRulesAndCustomActions"));
	json_object_set_new(rs, "StatelessRulesAndCustomActions", src);
	json_object_set_new(src, "StatelessRules", new_rules(p, g));

	req = json_object();
	json_object_set_new(req, "UpdateToken", json_string(g->token));
	if (g->arn != NULL)
		json_object_set_new(req, "RuleGroupArn", json_string(g->arn));
	else {
		json_object_set_new(req, "RuleGroupName",
		    json_string(g->name));
		json_object_set_new(req, "Type", json_string("STATELESS"));
	}
	json_object_set_new(req, "RuleGroup", rg);
	for (i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		if ((v = json_object_get(g->response, kept[i])) != NULL)
			json_object_set(req, kept[i], v);
	return req;
}
