/*
 * fuzz-nfw.c: the rule-group planner (lib/nfw) on any DescribeRuleGroup
 * answer and any set of addresses.
 *
 * Input: the DescribeRuleGroup answer (JSON, read as nfw-sync reads it),
 * then a NUL, then lines: "mode merge|replace|remove", "priority SRC[,DST]"
 * (as --priority; a value nfw-sync would refuse is ignored), "private" (as
 * --allow-private), "allow CIDR" (a line of the --allowlist), and
 * addresses or CIDR blocks (host bits zero, as nfw-sync reads a HostIp),
 * one a line: a block is given to the planner whole, as nfw-sync gives
 * it, of any size. The planner gets the input unvetted: it must keep the
 * rails itself.
 *
 * Checks, against a model of the group written here from the manual page
 * (nothing taken from nfw.c but its interface):
 *  - the group is refused, with a reason, exactly when the model says it is
 *    not ours to change: not STATELESS, no rules, a rule at one of our
 *    priorities that is not a drop rule matching only a non-empty list of
 *    CIDR blocks under Sources (Destinations), or two rules at one of them;
 *  - the planned blocks are sorted, disjoint, the fewest (no two siblings),
 *    and cover exactly the wanted set: what our rules list (no 0.0.0.0/0 or
 *    ::/0, nor a family they cover whole) merged with, replaced by or minus
 *    the input, less what the rails forbid (special-purpose addresses
 *    unless "private", the allowlist), and never a whole family. Sets are
 *    compared at every point where one of them may change (the first and
 *    one past the last address of every block, input address, special
 *    range and allowlist block), which is exact however large the blocks;
 *  - the blocks reported as cleaned cover exactly what our rules held that
 *    may not stay, each with the reason (match-all, the special range's
 *    name as ip_special() gives it, the first allowlist block holding it);
 *    the blocks left alone are exactly the match-all and (unless
 *    "private") special-purpose blocks of the other rules that drop;
 *  - added, removed, the counts and "changed" agree with the model;
 *  - the UpdateRuleGroup request, as sent (serialised and read back): the
 *    rules that are not ours come out value for value and byte for byte, in
 *    their order; everything else in the rule group, the token, the name and
 *    the kept response members are sent back as read; our two rules, one at
 *    each priority, hold exactly the blocks and their old actions, or are
 *    gone when the set is empty;
 *  - capacity: what the request's rules cost (the manual's formula) is what
 *    the plan says it needs, and the plan fits exactly when that is within
 *    a capacity the group reported;
 *  - planning again from the group the request describes, with the same
 *    input, changes nothing and builds the same rule group.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "ip.h"
#include "nfw.h"
#include "util.h"

__extension__ typedef unsigned __int128 u128;

#define MAX_ADDRS	2048	/* input addresses */
#define MAX_BLOCKS	64	/* input blocks */

static const char *settings[] = {
	"Sources", "Destinations", "SourcePorts", "DestinationPorts",
	"Protocols", "TCPFlags"
};

static const char *kept[] = {
	"Description", "EncryptionConfiguration", "SourceMetadata",
	"SummaryConfiguration"
};

/* --- addresses as numbers ------------------------------------------------- */

static u128
value(const struct ip_addr *a)
{
	u128	 v = 0;

	for (int i = 0; i < (a->family == 4 ? 4 : 16); i++)
		v = v << 8 | a->bytes[i];
	return v;
}

static struct ip_addr
address(int family, u128 v)
{
	struct ip_addr	 a;

	memset(&a, 0, sizeof a);
	a.family = family;
	for (int i = (family == 4 ? 4 : 16) - 1; i >= 0; i--) {
		a.bytes[i] = (uint8_t)v;
		v >>= 8;
	}
	return a;
}

static u128
top(int family)
{
	return family == 4 ? 0xffffffffU : ~(u128)0;
}

static u128
host_mask(const struct ip_cidr *c)
{
	int	 host = ip_maxbits(&c->addr) - c->bits;

	return host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1;
}

/* --- the model ------------------------------------------------------------ */

struct blocks {
	struct ip_cidr	*v;
	size_t		 n, cap;
};

struct model {
	int		 mode;
	int		 src_prio, dst_prio;
	int		 allow_private;
	struct ip_list	 allow;		/* the allowlist */
	struct blocks	 src, dst;	/* what our rules match now */
	int		 match_all[2];	/* a /0 in our rules (IPv4, IPv6) */
	int		 listed_whole[2]; /* the rest covers the family */
	int		 wanted_whole[2]; /* the result would */
	int		 input_whole[2]; /* the input alone would (nothing
					    forbidden there) */
	struct blocks	 others;	/* suspect blocks of other drop rules */
	int		*others_prio;
	const char	**others_match;
	struct ip_addr	*in;		/* input: sorted, no duplicates */
	size_t		 nin;
	struct blocks	 inblk;		/* input blocks, as given */
	/* where the sets may change: both ends of everything */
	struct ip_addr	*pts;
	size_t		 npts, ptscap;
};

static void
blocks_add(struct blocks *b, const struct ip_cidr *c)
{
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 16 : b->cap * 2;
		b->v = xreallocarray(b->v, b->cap, sizeof *b->v);
	}
	b->v[b->n++] = *c;
}

static int
in_blocks(const struct blocks *b, const struct ip_addr *a)
{
	for (size_t k = 0; k < b->n; k++)
		if (ip_cidr_contains(&b->v[k], a))
			return 1;
	return 0;
}

static int
addr_cmp(const void *a, const void *b)
{
	return ip_cmp(a, b);
}

static int
in_input(const struct model *m, const struct ip_addr *a)
{
	return (m->nin > 0 &&
	    bsearch(a, m->in, m->nin, sizeof *m->in, addr_cmp) != NULL) ||
	    in_blocks(&m->inblk, a);
}

static int
current(const struct model *m, const struct ip_addr *a)
{
	return in_blocks(&m->src, a) || in_blocks(&m->dst, a);
}

static int
fam(const struct ip_addr *a)
{
	return a->family == 4 ? 0 : 1;
}

/* In a block of our rules other than 0.0.0.0/0 and ::/0. */
static int
listed(const struct model *m, const struct ip_addr *a)
{
	const struct blocks *b[2] = { &m->src, &m->dst };

	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < b[i]->n; k++)
			if (b[i]->v[k].bits > 0 &&
			    ip_cidr_contains(&b[i]->v[k], a))
				return 1;
	return 0;
}

static int
forbidden(const struct model *m, const struct ip_addr *a)
{
	return (!m->allow_private && ip_special(a) != NULL) ||
	    ip_list_match(&m->allow, a) != NULL;
}

/* What stays of our rules before the input counts. */
static int
base(const struct model *m, const struct ip_addr *a)
{
	return listed(m, a) && !m->listed_whole[fam(a)] && !forbidden(m, a);
}

/* The wanted set, before the whole-family rule. */
static int
wanted0(const struct model *m, const struct ip_addr *a)
{
	switch (m->mode) {
	case NFW_MERGE:
		return (base(m, a) || in_input(m, a)) && !forbidden(m, a);
	case NFW_REPLACE:
		return in_input(m, a) && !forbidden(m, a);
	default:
		return base(m, a) && !in_input(m, a);
	}
}

/*
 * A merge that would cover a family keeps only the input there; an input
 * that covers it alone (merge or replace) blocks none of it.
 */
static int
wanted(const struct model *m, const struct ip_addr *a)
{
	if (m->input_whole[fam(a)])
		return 0;
	if (m->wanted_whole[fam(a)])
		return in_input(m, a) && !forbidden(m, a);
	return wanted0(m, a);
}

/* Is a cleaned note expected to cover a? */
static int
cleaned(const struct model *m, const struct ip_addr *a)
{
	int	 f = fam(a);

	return m->match_all[f] || m->listed_whole[f] || m->wanted_whole[f] ||
	    m->input_whole[f] ||
	    (listed(m, a) && forbidden(m, a));
}

static void
point(struct model *m, int family, u128 v)
{
	if (m->npts == m->ptscap) {
		m->ptscap = m->ptscap == 0 ? 64 : m->ptscap * 2;
		m->pts = xreallocarray(m->pts, m->ptscap, sizeof *m->pts);
	}
	m->pts[m->npts++] = address(family, v);
}

/* Both ends of a block: its first address and the one after its last. */
static void
points_of(struct model *m, const struct ip_cidr *c)
{
	u128	 lo = value(&c->addr), hi = lo | host_mask(c);

	point(m, c->addr.family, lo);
	if (hi != top(c->addr.family))
		point(m, c->addr.family, hi + 1);
}

static void
points_of_blocks(struct model *m, const struct ip_cidr *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		points_of(m, &v[k]);
}

/* Is it ours as the manual says: a drop rule matching only key, a
 * non-empty list of CIDR blocks? Its blocks go to b. */
static int
model_ours(const json_t *rule, const char *key, struct blocks *b)
{
	const json_t	*rd, *ma, *list, *v, *def;
	const char	*name;
	struct ip_cidr	 c;
	size_t		 k;
	int		 drop = 0;

	rd = json_object_get(rule, "RuleDefinition");
	ma = json_object_get(rd, "MatchAttributes");
	if (!json_is_object(ma))
		return 0;
	json_object_foreach((json_t *)ma, name, v)
		if (strcmp(name, key) != 0 &&
		    !(json_is_array(v) && json_array_size(v) == 0))
			return 0;
	list = json_object_get(ma, key);
	if (!json_is_array(list) || json_array_size(list) == 0)
		return 0;
	json_array_foreach(json_object_get(rd, "Actions"), k, v)
		drop |= json_is_string(v) &&
		    strcmp(json_string_value(v), "aws:drop") == 0;
	if (!drop)
		return 0;
	json_array_foreach(list, k, v) {
		def = json_object_get(v, "AddressDefinition");
		/* the whole string: "192.0.2.1/32\u0000x" is no block */
		if (!json_is_string(def) || ip_parse_cidr(json_string_value(def),
		    json_string_length(def), 1, &c) == -1)
			return 0;
		blocks_add(b, &c);
	}
	return 1;
}

static const json_t *
rules_of(const json_t *rule_group)
{
	return json_object_get(json_object_get(json_object_get(rule_group,
	    "RulesSource"), "StatelessRulesAndCustomActions"),
	    "StatelessRules");
}

static int
priority(const json_t *rule)
{
	const json_t	*p = json_object_get(rule, "Priority");
	json_int_t	 v;

	if (!json_is_integer(p))
		return -1;
	v = json_integer_value(p);
	return v >= 0 && v <= NFW_PRIORITY_MAX ? (int)v : -1;
}

static int
model_drops(const json_t *rule)
{
	const json_t	*v;
	size_t		 k;
	int		 drop = 0;

	json_array_foreach(json_object_get(json_object_get(rule,
	    "RuleDefinition"), "Actions"), k, v)
		drop |= json_is_string(v) &&
		    strcmp(json_string_value(v), "aws:drop") == 0;
	return drop;
}

/* Someone else's rule: the blocks nfw-sync(1) says it warns about. */
static void
model_other(const json_t *rule, int prio, struct model *m)
{
	static const char *keys[] = { "Sources", "Destinations" };
	const json_t	*ma, *v, *def;
	struct ip_cidr	 c;
	size_t		 k;

	if (!model_drops(rule))
		return;
	ma = json_object_get(json_object_get(rule, "RuleDefinition"),
	    "MatchAttributes");
	for (int i = 0; i < 2; i++)
		json_array_foreach(json_object_get(ma, keys[i]), k, v) {
			def = json_object_get(v, "AddressDefinition");
			if (!json_is_string(def) ||
			    ip_parse_cidr(json_string_value(def),
			    json_string_length(def), 1, &c) == -1)
				continue;
			if (c.bits != 0 && (m->allow_private ||
			    ip_cidr_special(&c) == NULL))
				continue;
			blocks_add(&m->others, &c);
			m->others_prio = xreallocarray(m->others_prio,
			    m->others.cap, sizeof *m->others_prio);
			m->others_match = xreallocarray(m->others_match,
			    m->others.cap, sizeof *m->others_match);
			m->others_prio[m->others.n - 1] = prio;
			m->others_match[m->others.n - 1] = keys[i];
		}
}

struct span {
	u128	 lo, hi;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Do these spans of one family cover all of it? Sorts them. */
static int
covers(struct span *v, size_t n, int family)
{
	u128	 next = 0;

	qsort(v, n, sizeof *v, span_cmp);
	for (size_t k = 0; k < n; k++) {
		if (v[k].lo > next)
			return 0;
		if (v[k].hi == top(family))
			return 1;
		if (v[k].hi >= next)
			next = v[k].hi + 1;
	}
	return 0;
}

/* The spans of a family: of our listed blocks, of the input, as asked. */
static struct span *
listed_spans(const struct model *m, int family, int ours, int input,
    size_t *n)
{
	const struct blocks *b[2] = { &m->src, &m->dst };
	struct span	*v;

	v = xreallocarray(NULL, m->src.n + m->dst.n + m->nin + m->inblk.n + 1,
	    sizeof *v);
	*n = 0;
	for (int i = 0; ours && i < 2; i++)
		for (size_t k = 0; k < b[i]->n; k++) {
			const struct ip_cidr *c = &b[i]->v[k];

			if (c->bits == 0 || c->addr.family != family)
				continue;
			v[*n].lo = value(&c->addr);
			v[(*n)++].hi = value(&c->addr) | host_mask(c);
		}
	for (size_t k = 0; input && k < m->nin; k++)
		if (m->in[k].family == family) {
			v[*n].lo = v[*n].hi = value(&m->in[k]);
			(*n)++;
		}
	for (size_t k = 0; input && k < m->inblk.n; k++) {
		const struct ip_cidr *c = &m->inblk.v[k];

		if (c->addr.family != family)
			continue;
		v[*n].lo = value(&c->addr);
		v[(*n)++].hi = value(&c->addr) | host_mask(c);
	}
	return v;
}

/*
 * The whole-family rule: a family our listed blocks cover is cleaned out;
 * a merge that would cover one (nothing forbidden there) keeps only the
 * input there, and an input that covers one alone (merge or replace)
 * blocks none of it.
 */
static void
model_whole(struct model *m)
{
	struct span	*v;
	size_t		 n;
	int		 family, f, free_there;

	for (f = 0; f < 2; f++) {
		family = f == 0 ? 4 : 6;
		for (size_t k = 0; k < m->src.n; k++)
			m->match_all[f] |= m->src.v[k].bits == 0 &&
			    m->src.v[k].addr.family == family;
		for (size_t k = 0; k < m->dst.n; k++)
			m->match_all[f] |= m->dst.v[k].bits == 0 &&
			    m->dst.v[k].addr.family == family;
		v = listed_spans(m, family, 1, 0, &n);
		m->listed_whole[f] = covers(v, n, family);
		free(v);
		free_there = m->allow_private;
		for (size_t k = 0; k < m->allow.n; k++)
			free_there &= m->allow.blocks[k].addr.family != family;
		if (m->mode != NFW_REMOVE && free_there) {
			v = listed_spans(m, family, 0, 1, &n);
			m->input_whole[f] = covers(v, n, family);
			free(v);
		}
		if (m->mode != NFW_MERGE || m->listed_whole[f] || !free_there)
			continue;
		v = listed_spans(m, family, 1, 1, &n);
		m->wanted_whole[f] = covers(v, n, family);
		free(v);
	}
}

/* Would nfw-sync take this group over? Our rules' blocks into m. */
static int
model_group(const json_t *describe, struct model *m)
{
	const json_t	*rgr, *rg, *type, *rules, *rule;
	size_t		 k;
	int		 p, nsrc = 0, ndst = 0;

	rgr = json_object_get(describe, "RuleGroupResponse");
	rg = json_object_get(describe, "RuleGroup");
	type = json_object_get(rgr, "Type");
	if (!json_is_object(rgr) || !json_is_object(rg) ||
	    !json_is_string(json_object_get(describe, "UpdateToken")))
		return 0;
	if (json_is_string(type) &&
	    strcmp(json_string_value(type), "STATELESS") != 0)
		return 0;
	if (!json_is_array(rules = rules_of(rg)))
		return 0;
	json_array_foreach(rules, k, rule) {
		p = priority(rule);
		if (p == m->src_prio) {
			if (nsrc++ > 0 || !model_ours(rule, "Sources", &m->src))
				return 0;
		} else if (p == m->dst_prio) {
			if (ndst++ > 0 ||
			    !model_ours(rule, "Destinations", &m->dst))
				return 0;
		} else {
			/* noted with its priority if it has one at all */
			const json_t *pv = json_object_get(rule, "Priority");

			model_other(rule, json_is_integer(pv) &&
			    json_integer_value(pv) >= 0 &&
			    json_integer_value(pv) <= INT_MAX ?
			    (int)json_integer_value(pv) : -1, m);
		}
	}
	return 1;
}

/* What a rule costs: the product of its match settings' sizes. */
static int64_t
model_cost(const json_t *rule)
{
	const json_t	*ma, *v;
	int64_t		 cost = 1, n;

	ma = json_object_get(json_object_get(rule, "RuleDefinition"),
	    "MatchAttributes");
	for (size_t k = 0; k < sizeof settings / sizeof *settings; k++) {
		v = json_object_get(ma, settings[k]);
		if (!json_is_array(v) || (n = json_array_size(v)) == 0)
			continue;
		if (cost > INT64_MAX / n)
			return INT64_MAX;
		cost *= n;
	}
	return cost;
}

static int64_t
model_group_cost(const json_t *rules)
{
	const json_t	*rule;
	int64_t		 sum = 0, c;
	size_t		 k;

	json_array_foreach(rules, k, rule) {
		c = model_cost(rule);
		sum = sum > INT64_MAX - c ? INT64_MAX : sum + c;
	}
	return sum;
}

/* --- input ---------------------------------------------------------------- */

static void
input_add(struct model *m, const struct ip_addr *a)
{
	if (m->nin < MAX_ADDRS)
		m->in[m->nin++] = *a;
}

static void
read_line(struct model *m, const char *s, size_t len)
{
	struct ip_cidr	 c;
	struct ip_addr	 a;
	char		 buf[64], *end;
	long		 src, dst;

	if (len > 5 && memcmp(s, "mode ", 5) == 0) {
		if (len == 10 && memcmp(s + 5, "merge", 5) == 0)
			m->mode = NFW_MERGE;
		else if (len == 12 && memcmp(s + 5, "replace", 7) == 0)
			m->mode = NFW_REPLACE;
		else if (len == 11 && memcmp(s + 5, "remove", 6) == 0)
			m->mode = NFW_REMOVE;
		return;
	}
	if (len > 9 && len - 9 < sizeof buf &&
	    memcmp(s, "priority ", 9) == 0) {
		/* as nfw-sync's --priority, which refuses what is not this */
		memcpy(buf, s + 9, len - 9);
		buf[len - 9] = '\0';
		src = strtol(buf, &end, 10);
		if (*end == ',')
			dst = strtol(end + 1, &end, 10);
		else	/* src + 100 overflows past LONG_MAX - 100 */
			dst = src <= NFW_PRIORITY_MAX ? src + 100 : 0;
		if (*end == '\0' && src >= 1 && src <= NFW_PRIORITY_MAX &&
		    dst >= 1 && dst <= NFW_PRIORITY_MAX && src != dst) {
			m->src_prio = (int)src;
			m->dst_prio = (int)dst;
		}
		return;
	}
	if (len == 7 && memcmp(s, "private", 7) == 0) {
		m->allow_private = 1;
		return;
	}
	if (len > 6 && memcmp(s, "allow ", 6) == 0) {
		/* as ip_list_load() reads a line: host bits must be zero */
		if (ip_parse_cidr(s + 6, len - 6, 0, &c) == 0 &&
		    m->allow.n < 64)
			ip_list_add(&m->allow, &c);
		return;
	}
	if (ip_parse(s, len, &a) == 0) {
		input_add(m, &a);
		return;
	}
	if (ip_parse_cidr(s, len, 0, &c) == -1)
		return;		/* nfw-sync would reject the record */
	if (m->inblk.n < MAX_BLOCKS)
		blocks_add(&m->inblk, &c);
}

static void
read_lines(struct model *m, const char *s, size_t len)
{
	const char	*nl;
	size_t		 n;

	while (len > 0) {
		nl = memchr(s, '\n', len);
		n = nl != NULL ? (size_t)(nl - s) : len;
		read_line(m, s, n);
		if (nl == NULL)
			break;
		s += n + 1;
		len -= n + 1;
	}
}

/* --- checks ---------------------------------------------------------------- */

/* The block holding a, or NULL; v is sorted and disjoint. */
static const struct ip_cidr *
covering(const struct ip_cidr *v, size_t n, const struct ip_addr *a)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ip_cmp(&v[mid].addr, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && ip_cidr_contains(&v[lo - 1], a) ? &v[lo - 1] : NULL;
}

/* The block's prefix without its last bit (both halves share it). */
static u128
parent(const struct ip_cidr *c)
{
	int	 shift = ip_maxbits(&c->addr) - c->bits + 1;

	return shift >= 128 ? 0 : value(&c->addr) >> shift;
}

static int
siblings(const struct ip_cidr *a, const struct ip_cidr *b)
{
	return a->addr.family == b->addr.family && a->bits == b->bits &&
	    a->bits > 0 && parent(a) == parent(b) &&
	    ip_cmp(&a->addr, &b->addr) != 0;
}

/*
 * What ip_parse_cidr() makes of a block's text is the block, except that a
 * piece of ::ffff:0:0/96 (the IPv4-mapped range, which the rails cut out of
 * an IPv6 block the group holds) reads back as the IPv4 block it maps.
 */
static int
reads_back(const struct ip_cidr *got, const struct ip_cidr *want)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (ip_cmp(&got->addr, &want->addr) == 0 && got->bits == want->bits)
		return 1;
	return want->addr.family == 6 && want->bits >= 96 &&
	    memcmp(want->addr.bytes, mapped, sizeof mapped) == 0 &&
	    got->addr.family == 4 && got->bits == want->bits - 96 &&
	    memcmp(got->addr.bytes, want->addr.bytes + 12, 4) == 0;
}

/* Sorted (IPv4 first), disjoint, canonical, the fewest. */
static void
check_blocks(const struct ip_cidr *v, size_t n, const char *what)
{
	char		 t1[IP_STRLEN], t2[IP_STRLEN];
	struct ip_cidr	 c;

	for (size_t k = 0; k < n; k++) {
		ip_format_cidr(&v[k], t1);
		CHECK(ip_parse_cidr(t1, strlen(t1), 0, &c) == 0 &&
		    reads_back(&c, &v[k]),
		    "%s: %s is no canonical block", what, t1);
		if (k == 0)
			continue;
		ip_format_cidr(&v[k - 1], t2);
		CHECK(ip_cmp(&v[k - 1].addr, &v[k].addr) < 0 &&
		    !ip_cidr_contains(&v[k - 1], &v[k].addr),
		    "%s: %s then %s: not sorted and disjoint", what, t2, t1);
		CHECK(!siblings(&v[k - 1], &v[k]), "%s: %s and %s not merged",
		    what, t2, t1);
	}
}

/* Where the rails may change a set: special ranges, the allowlist. */
static void
points_of_rails(struct model *m)
{
	struct ip_cidr	 c;

	for (size_t k = 0; ip_special_block(k, &c) != NULL; k++)
		points_of(m, &c);
	points_of_blocks(m, m->allow.blocks, m->allow.n);
}

/* Why nfw-sync(1) says a piece of our rules may not stay. */
static void
want_reason(const struct model *m, const struct ip_cidr *c,
    const struct ip_addr *a, char *buf, size_t len)
{
	const struct ip_cidr *al;
	char		 t[IP_STRLEN];

	if (c->bits == 0)
		snprintf(buf, len, "matches all traffic");
	else if (!m->allow_private && ip_special(a) != NULL)
		snprintf(buf, len, "special-purpose %s: %s", c->bits ==
		    ip_maxbits(&c->addr) ? "address" : "range", ip_special(a));
	else if ((al = ip_list_match(&m->allow, a)) != NULL)
		snprintf(buf, len, "allowlisted: %s", ip_format_cidr(al, t));
	else
		snprintf(buf, len, "(no reason)");
}

static int
note_order(const struct nfw_note *x, const struct nfw_note *y)
{
	int	 r;

	if ((r = ip_cmp(&x->block.addr, &y->block.addr)) != 0)
		return r;
	if (x->block.bits != y->block.bits)
		return x->block.bits < y->block.bits ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->match ? x->match : "", y->match ? y->match : "");
}

/* Cleaned and left-alone blocks, against the model. */
static void
check_notes(struct model *m, const struct nfw_plan *p)
{
	const struct nfw_note *n;
	struct nfw_note	*want;
	char		 t[IP_STRLEN], why[IP_STRLEN + 48];
	size_t		 k, j;

	for (k = 0; k < p->ncleaned; k++) {
		n = &p->cleaned[k];
		check_blocks(&n->block, 1, "cleaned");
		CHECK(k == 0 || note_order(&p->cleaned[k - 1], n) < 0,
		    "cleaned blocks out of order at %zu", k);
		CHECK(n->priority == 0, "a cleaned block has a priority");
		/* the reason holds all over a piece: check its start */
		want_reason(m, &n->block, &n->block.addr, why, sizeof why);
		CHECK(strcmp(n->reason, why) == 0, "%s cleaned: %s, the model "
		    "says %s", ip_format_cidr(&n->block, t), n->reason, why);
	}
	/* at every point: cleaned exactly where the model says */
	for (k = 0; k < m->npts; k++) {
		const struct ip_addr *a = &m->pts[k];
		int	 got = 0;

		for (j = 0; j < p->ncleaned && !got; j++)
			got = ip_cidr_contains(&p->cleaned[j].block, a);
		CHECK(got == cleaned(m, a), "%s: cleaned %d, the model says "
		    "%d", ip_format(a, t), got, !got);
	}

	want = xreallocarray(NULL, m->others.n + 1, sizeof *want);
	for (k = 0; k < m->others.n; k++) {
		const struct ip_cidr *c = &m->others.v[k];

		memset(&want[k], 0, sizeof want[k]);
		want[k].block = *c;
		want[k].priority = m->others_prio[k];
		want[k].match = m->others_match[k];
		if (c->bits == 0)
			snprintf(want[k].reason, sizeof want[k].reason,
			    "matches all traffic");
		else
			snprintf(want[k].reason, sizeof want[k].reason,
			    "special-purpose %s: %s", c->bits ==
			    ip_maxbits(&c->addr) ? "address" : "range",
			    ip_cidr_special(c));
	}
	/* in order, as the plan lists them */
	for (k = 1; k < m->others.n; k++)
		for (j = k; j > 0 && note_order(&want[j - 1], &want[j]) > 0;
		    j--) {
			struct nfw_note	 x = want[j];

			want[j] = want[j - 1];
			want[j - 1] = x;
		}
	CHECK(p->nleft_alone == m->others.n, "%zu blocks left alone, the "
	    "model says %zu", p->nleft_alone, m->others.n);
	for (k = 0; k < m->others.n; k++) {
		n = &p->left_alone[k];
		CHECK(note_order(n, &want[k]) == 0 && strcmp(n->reason,
		    want[k].reason) == 0 && strcmp(n->match, want[k].match) ==
		    0, "left alone %zu: %d %s %s %s, the model says %d %s %s "
		    "%s", k, n->priority, n->match, ip_format_cidr(&n->block,
		    t), n->reason, want[k].priority, want[k].match,
		    ip_format_cidr(&want[k].block, why), want[k].reason);
	}
	free(want);
}

/* A set's blocks, checked, and where they may change. */
static struct ip_cidr *
set_blocks(struct model *m, const struct nfw_set *s, size_t *n,
    const char *what)
{
	struct ip_cidr	*v;
	json_t		*j;

	*n = nfw_set_cidrs(s, &v);
	check_blocks(v, *n, what);
	points_of_blocks(m, v, *n);
	/* the dry run's AddedBlocks, RemovedBlocks: the same blocks */
	j = nfw_set_json(s);
	CHECK(json_array_size(j) == *n, "%s: %zu blocks, %zu in JSON", what,
	    *n, json_array_size(j));
	for (size_t k = 0; k < *n; k++) {
		char	 t[IP_STRLEN];

		CHECK(strcmp(json_string_value(json_array_get(j, k)),
		    ip_format_cidr(&v[k], t)) == 0, "%s: JSON block %zu", what,
		    k);
	}
	json_decref(j);
	return v;
}

static int64_t
count(const struct ip_cidr *v, size_t n)
{
	u128	 sum = 0;

	for (size_t k = 0; k < n; k++) {
		int	 host = ip_maxbits(&v[k].addr) - v[k].bits;

		if (host >= 63)
			return INT64_MAX;
		sum += (u128)1 << host;
	}
	return sum >= INT64_MAX ? INT64_MAX : (int64_t)sum;
}

static char *
dump(const json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	CHECK(s != NULL, "cannot serialise");
	return s;
}

/* Equal as values and as the bytes sent. */
static void
check_same(const json_t *a, const json_t *b, const char *what)
{
	char	*sa = dump(a), *sb = dump(b);

	CHECK(json_equal((json_t *)a, (json_t *)b) && strcmp(sa, sb) == 0,
	    "%s changed: %s -> %s", what, sa, sb);
	free(sa);
	free(sb);
}

static json_t *
without_rules(const json_t *rule_group)
{
	json_t	*c = json_deep_copy(rule_group), *s;

	s = json_object_get(json_object_get(c, "RulesSource"),
	    "StatelessRulesAndCustomActions");
	json_object_del(s, "StatelessRules");
	return c;
}

/* The rule at prio in rules, if exactly one; *n counts them. */
static const json_t *
rule_at(const json_t *rules, int prio, int *n)
{
	const json_t	*rule, *found = NULL;
	size_t		 k;

	*n = 0;
	json_array_foreach(rules, k, rule)
		if (priority(rule) == prio) {
			found = rule;
			(*n)++;
		}
	return found;
}

/* One of our rules in the request: the blocks, the old actions. */
static void
check_our_rule(const json_t *rule, const json_t *old, const char *key,
    const struct nfw_plan *p, const struct ip_cidr *blocks)
{
	const json_t	*rd, *ma, *list, *acts;
	char		 t[IP_STRLEN];

	rd = json_object_get(rule, "RuleDefinition");
	ma = json_object_get(rd, "MatchAttributes");
	CHECK(json_object_size(rule) == 2 && json_object_size(rd) == 2 &&
	    json_object_size(ma) == 1, "%s rule has other members", key);
	list = json_object_get(ma, key);
	CHECK(json_array_size(list) == p->nblocks, "%s: %zu blocks, not %zu",
	    key, json_array_size(list), p->nblocks);
	for (size_t k = 0; k < p->nblocks; k++) {
		const json_t	*e = json_array_get(list, k);

		CHECK(json_object_size(e) == 1 && strcmp(json_string_value(
		    json_object_get(e, "AddressDefinition")),
		    ip_format_cidr(&blocks[k], t)) == 0, "%s[%zu] is not "
		    "%s", key, k, t);
	}
	acts = json_object_get(rd, "Actions");
	if (old != NULL)
		check_same(json_object_get(json_object_get(old,
		    "RuleDefinition"), "Actions"), acts, "our rule's Actions");
	else
		CHECK(json_array_size(acts) == 1 && strcmp(json_string_value(
		    json_array_get(acts, 0)), "aws:drop") == 0,
		    "a new rule does not just drop");
}

/* The request as sent; returns it read back (the caller frees). */
static json_t *
check_request(const json_t *req0, const json_t *describe,
    const struct model *m, const struct nfw_plan *p,
    const struct ip_cidr *blocks)
{
	const json_t	*rgr, *rg, *in_rules, *out_rules, *v, *r;
	json_t		*req, *a, *b;
	json_error_t	 err;
	const char	*key;
	char		*text;
	size_t		 k, j;
	int		 n;

	text = dump(req0);
	req = json_loads(text, 0, &err);
	CHECK(req != NULL, "request does not read back: %s", err.text);
	free(text);
	rgr = json_object_get(describe, "RuleGroupResponse");
	rg = json_object_get(describe, "RuleGroup");

	json_object_foreach(req, key, v) {
		int	 known = strcmp(key, "UpdateToken") == 0 ||
		    strcmp(key, "RuleGroupArn") == 0 ||
		    strcmp(key, "RuleGroupName") == 0 ||
		    strcmp(key, "Type") == 0 || strcmp(key, "RuleGroup") == 0;

		for (k = 0; k < sizeof kept / sizeof *kept; k++)
			known |= strcmp(key, kept[k]) == 0;
		CHECK(known, "request member %s", key);
	}
	check_same(json_object_get(describe, "UpdateToken"),
	    json_object_get(req, "UpdateToken"), "UpdateToken");
	if (json_is_string(json_object_get(rgr, "RuleGroupArn")))
		check_same(json_object_get(rgr, "RuleGroupArn"),
		    json_object_get(req, "RuleGroupArn"), "RuleGroupArn");
	else if (json_is_string(json_object_get(rgr, "RuleGroupName")))
		check_same(json_object_get(rgr, "RuleGroupName"),
		    json_object_get(req, "RuleGroupName"), "RuleGroupName");
	for (k = 0; k < sizeof kept / sizeof *kept; k++) {
		a = json_object_get(rgr, kept[k]);
		b = json_object_get(req, kept[k]);
		CHECK((a == NULL) == (b == NULL), "%s %s", kept[k],
		    a == NULL ? "appeared" : "lost");
		if (a != NULL)
			check_same(a, b, kept[k]);
	}

	/* all but the rules, then the rules that are not ours, in order */
	a = without_rules(rg);
	b = without_rules(json_object_get(req, "RuleGroup"));
	check_same(a, b, "the rule group");
	json_decref(a);
	json_decref(b);
	in_rules = rules_of(rg);
	out_rules = rules_of(json_object_get(req, "RuleGroup"));
	CHECK(json_is_array(out_rules), "request has no StatelessRules");
	j = 0;
	json_array_foreach(in_rules, k, r) {
		if (priority(r) == m->src_prio || priority(r) == m->dst_prio)
			continue;
		while (j < json_array_size(out_rules) &&
		    (priority(json_array_get(out_rules, j)) == m->src_prio ||
		    priority(json_array_get(out_rules, j)) == m->dst_prio))
			j++;
		CHECK(j < json_array_size(out_rules), "rule %zu lost", k);
		check_same(r, json_array_get(out_rules, j), "a rule not ours");
		j++;
	}

	/* ours: one each, or none when nothing is blocked */
	r = rule_at(out_rules, m->src_prio, &n);
	CHECK(n == (p->nblocks > 0), "%d rules at priority %d for %zu blocks",
	    n, m->src_prio, p->nblocks);
	if (r != NULL)
		check_our_rule(r, rule_at(in_rules, m->src_prio, &n), "Sources",
		    p, blocks);
	r = rule_at(out_rules, m->dst_prio, &n);
	CHECK(n == (p->nblocks > 0), "%d rules at priority %d for %zu blocks",
	    n, m->dst_prio, p->nblocks);
	if (r != NULL)
		check_our_rule(r, rule_at(in_rules, m->dst_prio, &n),
		    "Destinations", p, blocks);
	/* and nothing else: the request holds the others and ours only */
	{
		size_t	 others = 0;

		json_array_foreach(in_rules, k, r)
			others += priority(r) != m->src_prio &&
			    priority(r) != m->dst_prio;
		CHECK(json_array_size(out_rules) == others +
		    2 * (p->nblocks > 0), "%zu rules sent, %zu others",
		    json_array_size(out_rules), others);
	}

	/* capacity, as the manual computes it */
	{
		int64_t	 need = model_group_cost(out_rules), cap = -1;

		v = json_object_get(rgr, "Capacity");
		if (json_is_integer(v))
			cap = json_integer_value(v);
		CHECK(need == p->capacity_needed, "the request costs %lld, "
		    "the plan says %lld", (long long)need,
		    (long long)p->capacity_needed);
		CHECK(p->capacity == cap, "capacity %lld, the group says %lld",
		    (long long)p->capacity, (long long)cap);
		CHECK(p->fits == (cap < 0 || need <= cap), "fits %d: needs "
		    "%lld of %lld", p->fits, (long long)need, (long long)cap);
	}
	return req;
}

/* Plan again from the group the request describes: nothing changes. */
static void
check_again(const json_t *req, const json_t *describe, const struct model *m,
    const struct nfw_plan *p, const struct nfw_set *input,
    const struct nfw_rails *rails)
{
	struct nfw_group *g2;
	struct nfw_plan	*p2;
	json_t		*d2, *req2;
	char		*cause = NULL;

	d2 = json_pack("{s:O, s:O, s:O}", "UpdateToken",
	    json_object_get(describe, "UpdateToken"), "RuleGroup",
	    json_object_get(req, "RuleGroup"), "RuleGroupResponse",
	    json_object_get(describe, "RuleGroupResponse"));
	CHECK(d2 != NULL, "cannot describe the planned group");
	g2 = nfw_group_from_describe(d2, m->src_prio, m->dst_prio, &cause);
	CHECK(g2 != NULL, "the planned group is refused: %s", cause);
	CHECK(nfw_set_equal(nfw_group_blocked(g2), &p->blocked),
	    "the planned group does not block the planned set");
	p2 = nfw_plan_new(g2, p->mode, input, rails);
	CHECK(!p2->changed && nfw_set_equal(&p2->blocked, &p->blocked),
	    "planning again changes the group");
	/* an input covering a family alone is said to match all traffic
	 * on every run; nothing else is cleaned twice */
	for (size_t k = 0; k < p2->ncleaned; k++)
		CHECK(p2->cleaned[k].block.bits == 0 &&
		    m->input_whole[fam(&p2->cleaned[k].block.addr)],
		    "planning again cleans again");
	CHECK(p2->nblocks == p->nblocks && (p->blocks == NULL) ==
	    (p2->blocks == NULL) && (p->blocks == NULL || p->nblocks == 0 ||
	    memcmp(p2->blocks, p->blocks, p->nblocks * sizeof *p->blocks) ==
	    0), "planning again gives other blocks");
	CHECK(p2->capacity_needed == p->capacity_needed &&
	    p2->fits == p->fits, "planning again needs another capacity");
	req2 = nfw_plan_request(p2, g2);
	check_same(json_object_get(req, "RuleGroup"),
	    json_object_get(req2, "RuleGroup"), "the planned rule group");
	json_decref(req2);
	nfw_plan_free(p2);
	nfw_group_free(g2);
	json_decref(d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct model	 m;
	struct nfw_group *g;
	struct nfw_plan	*p;
	struct ip_cidr	*blk, *cur, *add, *rem;
	struct nfw_set	 input;
	struct nfw_rails rails;
	size_t		 jlen, nblk, ncur, nadd, nrem, k;
	const uint8_t	*nul;
	json_t		*describe, *req0, *req;
	json_error_t	 err;
	char		*cause = NULL;
	int		 valid, same;

	memset(&m, 0, sizeof m);
	m.mode = NFW_MERGE;
	m.src_prio = NFW_SRC_PRIORITY;
	m.dst_prio = NFW_DST_PRIORITY;
	nul = memchr(data, '\0', len);
	jlen = nul != NULL ? (size_t)(nul - data) : len;
	m.in = xcalloc(MAX_ADDRS, sizeof *m.in);
	if (nul != NULL)
		read_lines(&m, (const char *)nul + 1, len - jlen - 1);
	/* what nfw-sync's describe-file and API paths accept */
	if ((describe = json_loadb((const char *)data, jlen, 0, &err)) ==
	    NULL) {
		ip_list_free(&m.allow);
		free(m.in);
		free(m.inblk.v);
		return 0;
	}

	valid = model_group(describe, &m);
	g = nfw_group_from_describe(describe, m.src_prio, m.dst_prio, &cause);
	CHECK((g != NULL) == valid, "group %s, the model says %s: %s",
	    g != NULL ? "taken" : "refused", valid ? "ours" : "not ours",
	    cause != NULL ? cause : "");
	if (g == NULL) {
		CHECK(cause != NULL && *cause != '\0', "refused without reason");
		goto out;
	}
	CHECK(cause == NULL, "a reason, but taken: %s", cause);

	/* the planner gets the input as read, unvetted; the model a set */
	nfw_set_init(&input);
	for (k = 0; k < m.nin; k++)
		nfw_set_add_addr(&input, &m.in[k]);
	for (k = 0; k < m.inblk.n; k++)
		nfw_set_add_cidr(&input, &m.inblk.v[k]);
	nfw_set_normalise(&input);
	rails.allowlist = &m.allow;
	rails.allow_private = m.allow_private;
	model_whole(&m);
	p = nfw_plan_new(g, m.mode, &input, &rails);
	qsort(m.in, m.nin, sizeof *m.in, addr_cmp);
	for (k = 0, nblk = 0; k < m.nin; k++)
		if (nblk == 0 || ip_cmp(&m.in[nblk - 1], &m.in[k]) != 0)
			m.in[nblk++] = m.in[k];
	m.nin = nblk;
	CHECK(p->mode == (enum nfw_mode)m.mode, "mode");

	/* where any of the sets may change */
	for (int f = 4; f <= 6; f += 2)
		point(&m, f, 0);
	points_of_blocks(&m, m.src.v, m.src.n);
	points_of_blocks(&m, m.dst.v, m.dst.n);
	for (k = 0; k < m.nin; k++) {
		u128	 v = value(&m.in[k]);

		point(&m, m.in[k].family, v);
		if (v != top(m.in[k].family))
			point(&m, m.in[k].family, v + 1);
	}
	points_of_blocks(&m, m.inblk.v, m.inblk.n);
	points_of_rails(&m);
	for (k = 0; k < p->ncleaned; k++)
		points_of(&m, &p->cleaned[k].block);
	blk = set_blocks(&m, &p->blocked, &nblk, "blocked");
	cur = set_blocks(&m, nfw_group_blocked(g), &ncur, "current");
	add = set_blocks(&m, &p->added, &nadd, "added");
	rem = set_blocks(&m, &p->removed, &nrem, "removed");
	/* blocks of a plan that fits; a plan that does not keeps none */
	CHECK(nblk == p->nblocks, "%zu blocks, the set has %zu", p->nblocks,
	    nblk);
	CHECK(p->fits ? p->blocks != NULL || nblk == 0 : p->blocks == NULL,
	    "blocks %s, fits %d", p->blocks ? "kept" : "not kept", p->fits);
	if (p->blocks != NULL) {
		check_blocks(p->blocks, p->nblocks, "blocks");
		CHECK(nblk == 0 || memcmp(blk, p->blocks, nblk * sizeof *blk) ==
		    0, "blocks are not the set's");
	}
	check_notes(&m, p);

	same = 1;
	for (k = 0; k < m.npts; k++) {
		const struct ip_addr *a = &m.pts[k];
		char	 t[IP_STRLEN];
		int	 w = wanted(&m, a), c = current(&m, a);

		ip_format(a, t);
		CHECK((covering(blk, nblk, a) != NULL) == w,
		    "%s: blocked %d, wanted %d", t, !w, w);
		CHECK(nfw_set_contains(&p->blocked, a) == w, "%s: set", t);
		CHECK(nfw_set_contains(nfw_group_blocked(g), a) == c &&
		    (covering(cur, ncur, a) != NULL) == c,
		    "%s: blocked now %d, the model says %d", t, !c, c);
		CHECK(nfw_set_contains(&p->added, a) == (w && !c) &&
		    (covering(add, nadd, a) != NULL) == (w && !c),
		    "%s: added", t);
		CHECK(nfw_set_contains(&p->removed, a) == (c && !w) &&
		    (covering(rem, nrem, a) != NULL) == (c && !w),
		    "%s: removed", t);
		same &= in_blocks(&m.src, a) == w && in_blocks(&m.dst, a) == w;
	}
	CHECK(p->changed == !same, "changed %d, but both rules %s",
	    p->changed, same ? "hold the set" : "do not");
	CHECK(nfw_set_count(&p->blocked) == count(blk, nblk) &&
	    nfw_set_count(&p->added) == count(add, nadd) &&
	    nfw_set_count(&p->removed) == count(rem, nrem) &&
	    nfw_set_count(nfw_group_blocked(g)) == count(cur, ncur),
	    "counts do not add up");

	req0 = nfw_plan_request(p, g);
	req = check_request(req0, describe, &m, p, blk);
	json_decref(req0);
	check_again(req, describe, &m, p, &input, &rails);
	json_decref(req);
	nfw_set_free(&input);

	free(blk);
	free(cur);
	free(add);
	free(rem);
	nfw_plan_free(p);
out:
	free(cause);
	nfw_group_free(g);
	json_decref(describe);
	free(m.src.v);
	free(m.dst.v);
	free(m.others.v);
	free(m.inblk.v);
	free(m.others_prio);
	free(m.others_match);
	ip_list_free(&m.allow);
	free(m.pts);
	free(m.in);
	return 0;
}
