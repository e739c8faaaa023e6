/*
 * nfw.c: plan the two blocklist rules of a Network Firewall stateless rule
 * group (which rules are ours, the safety rails on what they hold and on
 * the input, capacity, the UpdateRuleGroup request). No I/O: the caller
 * describes the group and sends the request.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_impl.h"
#include "util.h"

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
	struct nfw_set	 listed;	/* our blocks but 0.0.0.0/0 and ::/0 */
	int		 match_all[2];	/* our rules hold 0.0.0.0/0, ::/0 */
	struct nfw_note	*others;	/* suspect blocks of other drop rules */
	size_t		 nothers;
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

static int
drops(const json_t *rule)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(rule,
	    "RuleDefinition"), "Actions"), i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), "aws:drop") == 0)
			return 1;
	return 0;
}

/* One of our rule's blocks: into set, and listed unless it is a /0. */
static void
take_block(struct nfw_group *g, struct nfw_set *set, const struct ip_cidr *c)
{
	nfw_set_add_cidr(set, c);
	if (c->bits == 0)
		g->match_all[nfw_fam(c->addr.family)] = 1;
	else
		nfw_set_add_cidr(&g->listed, c);
}

/*
 * A rule at one of our priorities must be a drop rule whose only match
 * setting is a non-empty list under key (Sources or Destinations): anything
 * else belongs to someone and we refuse to overwrite it.
 */
static int
read_our_rule(struct nfw_group *g, const json_t *rule, int priority,
    const char *key, struct nfw_set *set, json_t **actions, char **cause)
{
	const json_t	*rd, *ma, *list, *v, *def;
	const char	*name, *text;
	struct ip_cidr	 c;
	size_t		 i;

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
	if (!drops(rule)) {
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
		take_block(g, set, &c);
	}
	nfw_set_normalise(set);
	*actions = json_deep_copy(json_object_get(rd, "Actions"));
	return 0;
}

static void
other_note(struct nfw_group *g, int priority, const char *match,
    const struct ip_cidr *c, const char *special)
{
	struct nfw_note	*n;

	g->others = xreallocarray(g->others, g->nothers + 1,
	    sizeof(*g->others));
	n = &g->others[g->nothers++];
	memset(n, 0, sizeof(*n));
	n->block = *c;
	n->priority = priority;
	n->match = match;
	if (c->bits == 0)
		snprintf(n->reason, sizeof(n->reason), "matches all traffic");
	else
		snprintf(n->reason, sizeof(n->reason), "special-purpose "
		    "%s: %s", c->bits == ip_maxbits(&c->addr) ? "address" :
		    "range", special);
}

/*
 * Someone else's drop rule: note its match-all and special-purpose
 * blocks (the plan decides which to warn about). Not ours to judge
 * beyond that, so anything unreadable is skipped.
 */
static void
read_other_rule(struct nfw_group *g, const json_t *rule, int priority)
{
	static const char *keys[] = { "Sources", "Destinations" };
	const json_t	*ma, *v;
	const char	*text, *special;
	struct ip_cidr	 c;
	size_t		 i, k;

	if (!drops(rule))
		return;
	ma = json_object_get(json_object_get(rule, "RuleDefinition"),
	    "MatchAttributes");
	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(ma, keys[k]), i, v) {
			text = json_string_value(json_object_get(v,
			    "AddressDefinition"));
			if (text == NULL || ip_parse_cidr(text, strlen(text),
			    1, &c) == -1)
				continue;
			if (c.bits == 0 || (special = ip_cidr_special(&c)) !=
			    NULL)
				other_note(g, priority, keys[k], &c,
				    c.bits == 0 ? NULL : special);
		}
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
			if (read_our_rule(g, rule, (int)prio, "Sources",
			    &g->src, &g->src_actions, cause) == -1)
				return -1;
		} else if (prio == g->dst_priority) {
			if (read_our_rule(g, rule, (int)prio, "Destinations",
			    &g->dst, &g->dst_actions, cause) == -1)
				return -1;
		} else {
			/* the service's are 1 to 65535; say any other too */
			read_other_rule(g, rule, prio >= 0 && prio <= INT_MAX ?
			    (int)prio : -1);
			c = nfw_rule_capacity(rule);
			if (g->other_capacity > INT64_MAX - c)
				g->other_capacity = INT64_MAX;
			else
				g->other_capacity += c;
		}
	}
	nfw_set_normalise(&g->listed);
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
	nfw_set_init(&g->listed);
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
	nfw_set_free(&g->listed);
	free(g->others);
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

/* --- the rails ------------------------------------------------------------ */

/* Why a forbidden piece is forbidden. */
struct forbid {
	int		 fam;
	u128		 lo, hi;
	const char	*special;	/* the range's name, or NULL: */
	struct ip_cidr	 allowed;	/* the allowlist block */
};

struct forbidden {
	struct forbid	*v;		/* disjoint, in address order */
	size_t		 n;
	struct nfw_set	 set;		/* their union */
};

static int
forbid_cmp(const void *a, const void *b)
{
	const struct forbid *x = a, *y = b;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* Add what of block is not forbidden yet, first come first named. */
static void
forbid_block(struct forbidden *f, const struct ip_cidr *c,
    const char *special)
{
	struct nfw_set	 block, piece, all;
	size_t		 i, n;
	int		 fam = nfw_fam(c->addr.family);

	nfw_set_init(&block);
	nfw_set_add_cidr(&block, c);
	nfw_set_normalise(&block);
	nfw_set_minus(&block, &f->set, &piece);
	n = nfw_set_nranges(&piece, fam);
	f->v = xreallocarray(f->v, f->n + n + 1, sizeof(*f->v));
	for (i = 0; i < n; i++) {
		struct forbid	*x = &f->v[f->n++];

		x->fam = fam;
		nfw_set_range(&piece, fam, i, &x->lo, &x->hi);
		x->special = special;
		x->allowed = *c;
	}
	nfw_set_union(&f->set, &piece, &all);
	nfw_set_free(&f->set);
	f->set = all;
	nfw_set_free(&block);
	nfw_set_free(&piece);
}

static void
forbidden_init(struct forbidden *f, const struct nfw_rails *rails)
{
	struct ip_cidr	 c;
	const char	*name;
	size_t		 i;

	memset(f, 0, sizeof(*f));
	nfw_set_init(&f->set);
	if (rails == NULL || !rails->allow_private)
		for (i = 0; (name = ip_special_block(i, &c)) != NULL; i++)
			forbid_block(f, &c, name);
	if (rails != NULL && rails->allowlist != NULL)
		for (i = 0; i < rails->allowlist->n; i++)
			forbid_block(f, &rails->allowlist->blocks[i], NULL);
	if (f->n > 0)
		qsort(f->v, f->n, sizeof(*f->v), forbid_cmp);
}

static void
forbidden_free(struct forbidden *f)
{
	free(f->v);
	nfw_set_free(&f->set);
}

static struct nfw_note *
add_note(struct nfw_note **v, size_t *n, const struct ip_cidr *c)
{
	struct nfw_note	*note;

	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	note = &(*v)[(*n)++];
	memset(note, 0, sizeof(*note));
	note->block = *c;
	return note;
}

static void
note_match_all(struct nfw_plan *p, int fam)
{
	struct ip_cidr	 c;
	struct nfw_note	*n;
	size_t		 i;

	for (i = 0; i < p->ncleaned; i++)
		if (p->cleaned[i].block.bits == 0 &&
		    nfw_fam(p->cleaned[i].block.addr.family) == fam)
			return;
	memset(&c, 0, sizeof(c));
	c.addr.family = fam == NFW_V4 ? 4 : 6;
	n = add_note(&p->cleaned, &p->ncleaned, &c);
	snprintf(n->reason, sizeof(n->reason), "matches all traffic");
}

/* Note the blocks of [lo, hi] (of listed), forbidden by x. */
static void
note_forbidden(struct nfw_plan *p, const struct forbid *x, u128 lo, u128 hi)
{
	struct ip_cidr	*c = NULL;
	struct nfw_note	*n;
	size_t		 nc = 0, cap = 0, i;
	char		 text[IP_STRLEN];

	nfw_range_cidrs(x->fam, lo, hi, &c, &nc, &cap);
	for (i = 0; i < nc; i++) {
		n = add_note(&p->cleaned, &p->ncleaned, &c[i]);
		if (x->special != NULL)
			snprintf(n->reason, sizeof(n->reason), "special-"
			    "purpose %s: %s", c[i].bits ==
			    ip_maxbits(&c[i].addr) ? "address" : "range",
			    x->special);
		else
			snprintf(n->reason, sizeof(n->reason),
			    "allowlisted: %s", ip_format_cidr(&x->allowed,
			    text));
	}
	free(c);
}

/* What of listed the rails forbid, piece by piece. */
static void
note_cleaned(struct nfw_plan *p, const struct nfw_set *listed,
    const struct forbidden *f)
{
	const struct forbid *x;
	size_t		 i, k, n;
	u128		 lo, hi;

	for (i = 0; i < f->n; i++) {
		x = &f->v[i];
		n = nfw_set_nranges(listed, x->fam);
		for (k = nfw_set_lower(listed, x->fam, x->lo); k < n; k++) {
			nfw_set_range(listed, x->fam, k, &lo, &hi);
			if (lo > x->hi)
				break;
			note_forbidden(p, x, lo > x->lo ? lo : x->lo,
			    hi < x->hi ? hi : x->hi);
		}
	}
}

static int
note_cmp(const void *a, const void *b)
{
	const struct nfw_note *x = a, *y = b;
	int	 r;

	if ((r = ip_cmp(&x->block.addr, &y->block.addr)) != 0)
		return r;
	if (x->block.bits != y->block.bits)
		return x->block.bits < y->block.bits ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->match != y->match ? strcmp(x->match, y->match) : 0;
}

/* The other rules' suspect blocks worth a warning under these rails. */
static void
note_left_alone(struct nfw_plan *p, const struct nfw_group *g,
    const struct nfw_rails *rails)
{
	size_t	 i;
	int	 private_ok = rails != NULL && rails->allow_private;

	for (i = 0; i < g->nothers; i++) {
		if (g->others[i].block.bits != 0 && private_ok)
			continue;
		*add_note(&p->left_alone, &p->nleft_alone,
		    &g->others[i].block) = g->others[i];
	}
}

/* --- plans ---------------------------------------------------------------- */

/* Our blocks as they may stay: no /0, nothing the rails forbid. */
static void
clean_base(struct nfw_plan *p, const struct nfw_group *g,
    const struct forbidden *f, struct nfw_set *base)
{
	struct nfw_set	 listed;
	int		 fam;

	nfw_set_copy(&g->listed, &listed);
	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		/* listed has the other blocks, never the /0 itself */
		if (g->match_all[fam])
			note_match_all(p, fam);
		if (nfw_set_whole_family(&listed, fam)) {
			note_match_all(p, fam);
			nfw_set_clear_family(&listed, fam);
		}
	}
	note_cleaned(p, &listed, f);
	nfw_set_minus(&listed, &f->set, base);
	nfw_set_free(&listed);
}

static void
plan_sets(struct nfw_plan *p, const struct nfw_group *g,
    const struct nfw_set *input, const struct forbidden *f)
{
	struct nfw_set	 base, merged;
	int		 fam;

	clean_base(p, g, f, &base);
	switch (p->mode) {
	case NFW_MERGE:
		nfw_set_union(&base, input, &merged);
		nfw_set_minus(&merged, &f->set, &p->blocked);
		nfw_set_free(&merged);
		break;
	case NFW_REPLACE:
		nfw_set_minus(input, &f->set, &p->blocked);
		break;
	case NFW_REMOVE:
		nfw_set_minus(&base, input, &p->blocked);
		break;
	}
	nfw_set_free(&base);
	/*
	 * A set that covers a family matches all of its traffic. When our
	 * blocks and the input make one, our blocks go and the input stays:
	 * planning again then changes nothing.
	 */
	for (fam = NFW_V4; fam <= NFW_V6; fam++) {
		if (!nfw_set_whole_family(&p->blocked, fam))
			continue;
		note_match_all(p, fam);
		nfw_set_clear_family(&p->blocked, fam);
		if (p->mode != NFW_MERGE)
			continue;
		nfw_set_minus(input, &f->set, &merged);
		if (!nfw_set_whole_family(&merged, fam))
			nfw_set_take_family(&p->blocked, &merged, fam);
		nfw_set_free(&merged);
	}
	if (p->ncleaned > 1)
		qsort(p->cleaned, p->ncleaned, sizeof(*p->cleaned), note_cmp);
	nfw_set_minus(&p->blocked, &g->blocked, &p->added);
	nfw_set_minus(&g->blocked, &p->blocked, &p->removed);
}

struct nfw_plan *
nfw_plan_new(const struct nfw_group *g, enum nfw_mode mode,
    const struct nfw_set *input, const struct nfw_rails *rails)
{
	struct nfw_plan	*p;
	struct forbidden f;
	int64_t		 ours;

	p = xcalloc(1, sizeof(*p));
	p->mode = mode;
	forbidden_init(&f, rails);
	plan_sets(p, g, input, &f);
	forbidden_free(&f);
	note_left_alone(p, g, rails);
	if (p->nleft_alone > 1)
		qsort(p->left_alone, p->nleft_alone, sizeof(*p->left_alone),
		    note_cmp);

	/* each of our two rules costs one unit per block */
	p->nblocks = nfw_set_ncidrs(&p->blocked);
	ours = p->nblocks > INT64_MAX / 2 ? INT64_MAX : 2 *
	    (int64_t)p->nblocks;
	p->capacity_needed = g->other_capacity > INT64_MAX - ours ?
	    INT64_MAX : g->other_capacity + ours;
	p->capacity = g->capacity;
	p->fits = p->capacity < 0 || p->capacity_needed <= p->capacity;
	if (p->fits)
		nfw_set_cidrs(&p->blocked, &p->blocks);
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
	free(p->cleaned);
	free(p->left_alone);
	free(p);
}

static json_t *
address_list(const struct nfw_plan *p)
{
	json_t		*list = json_array();
	struct ip_cidr	*blocks = p->blocks;
	char		 text[IP_STRLEN];
	size_t		 i, n = p->nblocks;

	if (blocks == NULL)	/* a plan that does not fit keeps none */
		n = nfw_set_cidrs(&p->blocked, &blocks);
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s}",
		    "AddressDefinition", ip_format_cidr(&blocks[i], text)));
	if (blocks != p->blocks)
		free(blocks);
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
